"""Hostile (and good) course files and pictures, written at test time: nothing is
stored in the repository, and each file is small on disk even when it declares
gigabytes (chunked HDF5 with no chunk written, streamed zlib, patched headers).

``cases()`` lists every case: an id, the file name the app will see, a writer
``write(path)`` and what must happen (``"refuse"`` or ``"read"``, with a check of
what was read). ``python tests/fuzz/make_cases.py DIR`` writes them all into DIR
(one sub-folder per case) to look at.
"""
from __future__ import annotations

import functools
import io
import os
import struct
import sys
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
COURSE = ROOT.parent / "shared" / "datasets" / "course"

SETS = {"catvnoncat": 2, "signs": 6, "happy": 2}


@dataclass
class Case:
    id: str
    kind: str              # "h5", "mat" or "picture"
    name: str              # the file name the app sees
    write: Callable        # write(path) -> None
    expect: str = "refuse"  # or "read"
    check: Callable | None = None   # check(result) -> None, for "read" cases
    extra: dict = field(default_factory=dict)


# --- HDF5 ---------------------------------------------------------------------------

def _classes(n):
    return np.array([f"class {i}".encode() for i in range(n)])


def _h5(entries: dict, links: Callable | None = None):
    """A writer of an h5 file from {key: array or callable(f, key)}."""
    def write(path):
        import h5py
        with h5py.File(path, "w") as f:
            for key, value in entries.items():
                if callable(value):
                    value(f, key)
                else:
                    f[key] = value
            if links:
                links(f, path)
    return write


def _good_entries(split, n_classes, m=6, x=None, y=None, classes="default"):
    rng = np.random.default_rng(m)
    x = rng.integers(0, 256, (m, 64, 64, 3), dtype=np.uint8) if x is None else x
    y = (np.arange(m) % n_classes).astype(np.int64) if y is None else y
    out = {f"{split}_set_x": x, f"{split}_set_y": y}
    if isinstance(classes, str):
        out["list_classes"] = _classes(n_classes)
    elif classes is not None:
        out["list_classes"] = classes
    return out


def _declared(shape, dtype="u1", chunks=None):
    """A dataset that declares ``shape`` but writes no chunk: tiny on disk (reading
    it would still fill every byte of it)."""
    def make(f, key):
        f.create_dataset(key, shape=shape, dtype=dtype, chunks=chunks,
                         compression="gzip")
    return make


def _h5_cases() -> list[Case]:
    cases = []
    for set_name, n in SETS.items():
        for split in ("train", "test"):
            name = f"{split}_{set_name}.h5"
            x_key, y_key = f"{split}_set_x", f"{split}_set_y"

            def variant(tag, x=None, y=None, classes="default", m=6, drop=(), add=None,
                        links=None, expect="refuse"):
                entries = _good_entries(split, n, m, x, y, classes)
                for key in drop:
                    entries.pop(key, None)
                entries.update(add or {})
                cases.append(Case(f"h5/{name}/{tag}", "h5", name, _h5(entries, links),
                                  expect, extra={"set": set_name, "split": split}))

            # good files
            variant("good", expect="read")
            variant("good-int32-big-endian-labels", y=(np.arange(6) % n).astype(">i4"),
                    expect="read")
            variant("good-uint8-labels", y=(np.arange(6) % n).astype(np.uint8), expect="read")
            if split == "train":
                variant("good-no-class-names", classes=None, expect="read")
            # memory bombs: declared, never written
            variant("bomb-60000x100000-compressed", x=None,
                    add={x_key: _declared((60000, 100000), chunks=(1000, 1000)),
                         y_key: np.zeros(60000, np.int64)})
            variant("bomb-million-pictures",
                    add={x_key: _declared((10**6, 64, 64, 3), chunks=(1, 64, 64, 3)),
                         y_key: _declared((10**6,), "i8")})
            variant("bomb-labels", add={y_key: _declared((10**9,), "i8", chunks=(4096,))})
            variant("bomb-class-names", add={"list_classes": _declared((10**8,), "S64",
                                                                      chunks=(1024,))})
            variant("bomb-float64-pictures",
                    add={x_key: _declared((50000, 64, 64, 3), "f8", chunks=(1, 64, 64, 3))})
            variant("pictures-73MB-chunk", add={x_key: lambda f, k: f.create_dataset(
                k, shape=(6, 64, 64, 3), maxshape=(None, 64, 64, 3), dtype="u1",
                chunks=(6000, 64, 64, 3))})
            # wrong pictures
            variant("pictures-32x32", x=np.zeros((6, 32, 32, 3), np.uint8))
            variant("pictures-1x1", x=np.zeros((6, 1, 1, 3), np.uint8))
            variant("pictures-64x32", x=np.zeros((6, 64, 32, 3), np.uint8))
            variant("pictures-grey", x=np.zeros((6, 64, 64), np.uint8))
            variant("pictures-rgba", x=np.zeros((6, 64, 64, 4), np.uint8))
            variant("pictures-5d", x=np.zeros((6, 1, 64, 64, 3), np.uint8))
            variant("pictures-scalar", x=np.uint8(3))
            variant("pictures-float64", x=np.zeros((6, 64, 64, 3)))
            variant("pictures-int16", x=np.zeros((6, 64, 64, 3), np.int16))
            variant("pictures-uint16", x=np.zeros((6, 64, 64, 3), np.uint16))
            variant("pictures-strings", x=np.array([b"abc"] * 6))
            variant("pictures-compound",
                    x=np.zeros((6, 64, 64, 3), dtype=[("a", "u1"), ("b", "u1")]))
            variant("no-pictures", x=np.zeros((0, 64, 64, 3), np.uint8),
                    y=np.zeros(0, np.int64), m=0)
            # wrong labels (item 5: checked before casting)
            variant("label-minus-1", y=np.array([0, 1, -1, 0, 1, 0]))
            variant(f"label-{n}", y=np.array([0, 1, n, 0, 1, 0]))
            variant("label-half", y=np.array([0, 1, 0.5, 0, 1, 0]))
            variant("label-nan", y=np.array([0, 1, np.nan, 0, 1, 0]))
            variant("label-inf", y=np.array([0, 1, np.inf, 0, 1, 0]))
            variant("label-uint64-max", y=np.array([0, 1, 2**64 - 1, 0, 1, 0], np.uint64))
            variant("label-int64-min", y=np.array([0, 1, -2**63, 0, 1, 0], np.int64))
            variant("label-count-5", y=np.zeros(5, np.int64))
            variant("label-2d", y=np.zeros((6, 2), np.int64))
            variant("label-strings", y=np.array([b"0"] * 6))
            variant("label-complex", y=np.zeros(6, np.complex128))
            # wrong class names
            variant("classes-one", classes=_classes(1))
            variant(f"classes-{n + 4}", classes=_classes(n + 4))
            variant("classes-2d", classes=np.zeros((2, 2), np.int64))
            variant("classes-10k-char-name",
                    classes=np.array([b"x" * 10_000] + [b"y"] * (n - 1)))
            if split == "test":
                variant("classes-missing", classes=None)
            # wrong structure
            variant("no-pictures-key", drop=(x_key,))
            variant("no-labels-key", drop=(y_key,))
            variant("pictures-is-group", add={x_key: lambda f, k: f.create_group(k)})
            variant("pictures-soft-link", drop=(x_key,),
                    links=lambda f, p, k=x_key, y=y_key: f.__setitem__(
                        k, __import__("h5py").SoftLink("/" + y)))
            variant("pictures-external-link", drop=(x_key,),
                    links=lambda f, p, k=x_key: f.__setitem__(
                        k, __import__("h5py").ExternalLink("/etc/hostname", "/x")))
            variant("pictures-external-storage", add={
                x_key: lambda f, k: f.create_dataset(
                    k, shape=(6, 64, 64, 3), dtype="u1",
                    external=[("/dev/zero", 0, 6 * 64 * 64 * 3)])})
            variant("pictures-virtual", add={x_key: _virtual})
            cases.append(Case(f"h5/{name}/truncated", "h5", name, _truncated_h5(split, n)))
    for name, data in (("not-hdf5-text", b"this is not HDF5\n"),
                       ("random-bytes", np.random.default_rng(1).bytes(4096)),
                       ("hdf5-signature-only", b"\x89HDF\r\n\x1a\n" + b"\0" * 100),
                       ("empty", b"")):
        for split in ("train", "test"):
            file_name = f"{split}_signs.h5"
            cases.append(Case(f"h5/{file_name}/{name}", "h5", file_name,
                              lambda p, d=data: Path(p).write_bytes(d),
                              extra={"set": "signs", "split": split}))
    for split in ("train", "test"):
        for tag, writer in _special_files().items():
            cases.append(Case(f"h5/{split}_happy.h5/{tag}", "h5", f"{split}_happy.h5",
                              writer, extra={"set": "happy", "split": split}))
    # real course files must still be read
    for real in ("train_catvnoncat.h5", "test_catvnoncat.h5", "test_signs.h5",
                 "test_happy.h5"):
        if (COURSE / real).is_file():
            split, set_name = real[:-3].split("_", 1)
            cases.append(Case(f"h5/{real}/real-course-file", "h5", real,
                              lambda p, r=real: os.symlink(COURSE / r, p), "read",
                              extra={"set": set_name, "split": split}))
    for case in cases:
        case.extra.setdefault("set", case.name[:-3].split("_", 1)[1])
        case.extra.setdefault("split", case.name.split("_", 1)[0])
    return cases


def _virtual(f, key):
    import h5py
    layout = h5py.VirtualLayout(shape=(6, 64, 64, 3), dtype="u1")
    layout[0] = h5py.VirtualSource("/etc/hostname", "x", shape=(64, 64, 3))
    f.create_virtual_dataset(key, layout)


def _truncated_h5(split, n):
    def write(path):
        _h5(_good_entries(split, n, 40))(path)
        data = Path(path).read_bytes()
        Path(path).write_bytes(data[: len(data) // 2])
    return write


def _special_files() -> dict:
    """Things that are not regular files, under a course file's name."""
    return {"fifo": lambda p: os.mkfifo(p),
            "folder": lambda p: os.mkdir(p),
            "link-to-dev-zero": lambda p: os.symlink("/dev/zero", p),
            "dangling-link": lambda p: os.symlink("/nonexistent/file", p)}


# --- MATLAB data.mat ----------------------------------------------------------------

@functools.lru_cache(maxsize=16)
def _mat_element(name: str, shape, compressed_zeros: bool = True, declared=None) -> bytes:
    """One MATLAB v5 double matrix of zeros, written by hand so an 800 MB variable
    is never in memory: its body is streamed through zlib. ``declared`` makes the
    header claim another shape than the data holds."""
    m, k = shape
    dm, dk = declared or shape
    name_b = name.encode()
    name_pad = name_b + b"\0" * ((-len(name_b)) % 8)
    data_bytes = m * k * 8
    head = (struct.pack("<II", 6, 8) + struct.pack("<II", 6, 0)          # flags: double
            + struct.pack("<II", 5, 8) + struct.pack("<ii", dm, dk)      # dims
            + struct.pack("<II", 1, len(name_b)) + name_pad              # name
            + struct.pack("<II", 9, data_bytes))                         # real part
    body_len = len(head) + data_bytes + (-data_bytes) % 8
    element_head = struct.pack("<II", 14, body_len) + head
    if not compressed_zeros:
        return element_head + b"\0" * (data_bytes + (-data_bytes) % 8)
    packed = _zlib_of_zeros(element_head, data_bytes + (-data_bytes) % 8)
    return struct.pack("<II", 15, len(packed)) + packed


def _zlib_of_zeros(head: bytes, count: int) -> bytes:
    """A zlib stream of ``head`` followed by ``count`` zero bytes, made fast: after a
    full flush deflate forgets its history, so every 16 MB block of zeros compresses
    to the same bytes, written once and repeated."""
    block = 16 << 20
    squeeze = zlib.compressobj(9, zlib.DEFLATED, -15)
    parts = [squeeze.compress(head), squeeze.flush(zlib.Z_FULL_FLUSH)]
    checksum = zlib.adler32(head)
    zeros = b"\0" * block
    whole, rest = divmod(count, block)
    if whole:
        one = squeeze.compress(zeros) + squeeze.flush(zlib.Z_FULL_FLUSH)
        parts.append(one * whole)
        for _ in range(whole):
            checksum = zlib.adler32(zeros, checksum)
    parts.append(squeeze.compress(zeros[:rest]) + squeeze.flush(zlib.Z_FINISH))
    checksum = zlib.adler32(zeros[:rest], checksum)
    return b"\x78\x01" + b"".join(parts) + struct.pack(">I", checksum)


def _mat_header() -> bytes:
    text = b"MATLAB 5.0 MAT-file, written by the fuzz corpus"
    return text + b" " * (116 - len(text)) + b"\0" * 8 + struct.pack("<H", 0x0100) + b"IM"


def _savemat(**arrays):
    def write(path):
        import scipy.io
        scipy.io.savemat(str(path), arrays, do_compression=True)
    return write


def _good_field(**change):
    rng = np.random.default_rng(0)
    arrays = {"X": rng.uniform(-0.7, 0.4, (20, 2)), "y": (np.arange(20) % 2).reshape(-1, 1),
              "Xval": rng.uniform(-0.7, 0.4, (10, 2)), "yval": (np.arange(10) % 2).reshape(-1, 1)}
    arrays.update(change)
    return {k: v for k, v in arrays.items() if v is not None}


def _mat_cases() -> list[Case]:
    cases = []

    def add(tag, write, expect="refuse"):
        cases.append(Case(f"mat/data.mat/{tag}", "mat", "data.mat", write, expect))

    add("good", _savemat(**_good_field()), "read")
    add("good-uint8-labels", _savemat(**_good_field(y=np.zeros((20, 1), np.uint8))), "read")
    add("good-bool-labels", _savemat(**_good_field(yval=np.ones((10, 1), bool))), "read")
    add("good-row-labels", _savemat(**_good_field(y=(np.arange(20) % 2).reshape(1, -1))),
        "read")
    add("bomb-inflates-800MB", lambda p: Path(p).write_bytes(
        _mat_header() + _mat_element("X", (50_000_000, 2)) + _mat_element("y", (2, 1))
        + _mat_element("Xval", (2, 2)) + _mat_element("yval", (2, 1))))
    add("bomb-inflates-70MB-many-variables", lambda p: Path(p).write_bytes(
        _mat_header() + b"".join(_mat_element(f"v{i}", (1_000_000, 1)) for i in range(9))))
    add("bomb-declares-1e9-points", lambda p: Path(p).write_bytes(
        _mat_header() + _mat_element("X", (2, 2), declared=(10**9, 2))
        + _mat_element("y", (2, 1)) + _mat_element("Xval", (2, 2))
        + _mat_element("yval", (2, 1))))
    add("declared-shape-lies", lambda p: Path(p).write_bytes(
        _mat_header() + _mat_element("X", (4, 2), declared=(3, 2))
        + _mat_element("y", (3, 1)) + _mat_element("Xval", (2, 2))
        + _mat_element("yval", (2, 1))))
    add("points-2-million", _savemat(**_good_field(X=np.zeros((2_000_000, 2)),
                                                   y=np.zeros((2_000_000, 1)))))
    add("nan-point", _savemat(**_good_field(X=np.full((20, 2), np.nan))))
    add("inf-point", _savemat(**_good_field(Xval=np.full((10, 2), np.inf))))
    add("no-points", _savemat(**_good_field(X=np.zeros((0, 2)), y=np.zeros((0, 1)))))
    for bad in (2, -1, 0.5, np.nan, 255):
        add(f"label-{bad}", _savemat(**_good_field(y=np.array([[0], [1], [bad]] + [[0]] * 17,
                                                               float))))
    add("label-2-in-yval-uint8", _savemat(**_good_field(yval=np.full((10, 1), 2, np.uint8))))
    add("points-3-columns", _savemat(**_good_field(X=np.zeros((20, 3)))))
    add("points-1d", _savemat(**_good_field(X=np.zeros(40))))
    add("label-count-mismatch", _savemat(**_good_field(y=np.zeros((19, 1)))))
    add("missing-Xval", _savemat(**_good_field(Xval=None)))
    add("missing-everything", _savemat(other=np.zeros(3)))
    add("points-complex", _savemat(**_good_field(X=np.zeros((20, 2), complex))))
    add("points-text", _savemat(**_good_field(X="hello")))
    add("points-cell", _savemat(**_good_field(X=np.array([np.zeros(2)] * 20 + [np.zeros(3)],
                                                         dtype=object))))
    add("points-struct", _savemat(**_good_field(X={"a": np.zeros((20, 2))})))
    add("points-sparse", lambda p: _sparse_mat(p))
    add("matlab-7.3-hdf5", lambda p: _h5({"X": np.zeros((20, 2))})(p))
    add("matlab-v4", lambda p: _v4(p))
    add("truncated", lambda p: (_savemat(**_good_field())(p),
                                Path(p).write_bytes(Path(p).read_bytes()[:200])))
    add("damaged-zlib", lambda p: Path(p).write_bytes(
        _mat_header() + struct.pack("<II", 15, 64) + b"\x78\x9c" + b"\xff" * 62))
    add("random-bytes", lambda p: Path(p).write_bytes(np.random.default_rng(2).bytes(3000)))
    add("empty", lambda p: Path(p).write_bytes(b""))
    for tag, writer in _special_files().items():
        add(tag, writer)
    if (COURSE / "data.mat").is_file():
        add("real-course-file", lambda p: os.symlink(COURSE / "data.mat", p), "read")
    return cases


def _sparse_mat(path):
    import scipy.io
    import scipy.sparse
    arrays = _good_field()
    arrays["X"] = scipy.sparse.csc_matrix(np.ones((20, 2)))
    scipy.io.savemat(str(path), arrays)


def _v4(path):
    import scipy.io
    scipy.io.savemat(str(path), _good_field(), format="4")


# --- pictures -----------------------------------------------------------------------

def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + \
        struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)


def _png_bomb(width: int, height: int, bit_depth: int = 1) -> bytes:
    """A valid PNG of ``width`` x ``height`` black pixels, streamed through zlib."""
    row = b"\0" + b"\0" * ((width * bit_depth + 7) // 8)
    squeeze = zlib.compressobj(9)
    body = b"".join(squeeze.compress(row) for _ in range(height)) + squeeze.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr) + _png_chunk(b"IDAT", body)
            + _png_chunk(b"IEND", b""))


def _bmp_header(width: int, height: int) -> bytes:
    """A BMP header declaring a 24-bit ``width`` x ``height`` picture, with no pixels."""
    info = struct.pack("<IiiHHIIiiII", 40, width, height, 1, 24, 0, 0, 2835, 2835, 0, 0)
    return b"BM" + struct.pack("<IHHI", 14 + len(info) + 16, 0, 0, 14 + len(info)) + \
        info + b"\0" * 16


def _small_jpeg(size=(16, 8), **save) -> bytes:
    from PIL import Image
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, "JPEG", **save)
    return out.getvalue()


def _patched_jpeg(width: int, height: int) -> bytes:
    data = bytearray(_small_jpeg())
    at = data.index(b"\xff\xc0")
    data[at + 5:at + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def _gif_header(width: int, height: int) -> bytes:
    from PIL import Image
    out = io.BytesIO()
    Image.new("P", (4, 4)).save(out, "GIF")
    data = bytearray(out.getvalue())
    data[6:10] = struct.pack("<HH", width, height)          # logical screen
    at = data.index(b"\x2c")                                   # image descriptor
    data[at + 5:at + 9] = struct.pack("<HH", width, height)
    return bytes(data)


def _tiff_header(width: int, height: int) -> bytes:
    """A little-endian TIFF whose one IFD declares ``width`` x ``height`` grey bytes."""
    entries = [(256, 4, width), (257, 4, height), (258, 3, 8), (259, 3, 1), (262, 3, 1),
               (273, 4, 8), (278, 4, height), (279, 4, min(width * height, 2**32 - 1))]
    ifd = struct.pack("<H", len(entries)) + b"".join(
        struct.pack("<HHI", tag, kind, 1) + (struct.pack("<HH", value, 0) if kind == 3
                                             else struct.pack("<I", value))
        for tag, kind, value in entries) + struct.pack("<I", 0)
    return b"II*\0" + struct.pack("<I", 8 + 16) + b"\0" * 16 + ifd


def _save(image_or_array, fmt, **options):
    def write(path):
        from PIL import Image
        image = image_or_array() if callable(image_or_array) else image_or_array
        if isinstance(image, np.ndarray):
            image = Image.fromarray(image)
        image.save(path, fmt, **options)
    return write


def _rgb_check(shape, near=None, tolerance=12):
    """A check that the picture read is RGB uint8 of ``shape`` and near a colour."""
    def check(rgb):
        assert rgb.dtype == np.uint8 and rgb.shape == shape, (rgb.dtype, rgb.shape)
        if near is not None:
            centre = rgb[rgb.shape[0] // 2, rgb.shape[1] // 2].astype(int)
            assert np.abs(centre - np.array(near)).max() <= tolerance, centre
    return check


def _exif_portrait(path):
    """A landscape 40x20 JPEG whose EXIF says 'rotate 90° clockwise to view'
    (orientation 6), with a red left half: upright it is 20x40, red on top."""
    from PIL import Image
    array = np.zeros((20, 40, 3), np.uint8)
    array[:, :20] = (220, 20, 20)
    array[:, 20:] = (20, 20, 220)
    exif = Image.Exif()
    exif[0x0112] = 6
    Image.fromarray(array).save(path, "JPEG", quality=95, exif=exif.tobytes())


def _exif_check(rgb):
    assert rgb.shape == (40, 20, 3), rgb.shape
    top, bottom = rgb[5, 10].astype(int), rgb[35, 10].astype(int)
    assert top[0] > 150 and top[2] < 100 and bottom[2] > 150, (top, bottom)


def _grey16(path):
    from PIL import Image
    array = np.full((12, 10), 40000, np.uint16)
    Image.fromarray(array).save(path, "PNG")


def _int32_tiff(path):
    from PIL import Image
    array = np.tile(np.linspace(0, 65535, 16).astype(np.int32), (8, 1))
    Image.fromarray(array, mode="I").save(path, "TIFF")


def _gradient_check(rgb):
    """An int32 0..65535 ramp: neither all white nor all black, rising left to right."""
    assert rgb.shape == (8, 16, 3) and rgb.dtype == np.uint8
    assert rgb[0, 0, 0] < 20 and rgb[0, -1, 0] > 235 and 100 < rgb[0, 8, 0] < 160, rgb[0, :, 0]


def _float_tiff(path):
    from PIL import Image
    Image.fromarray(np.full((6, 7), 0.5, np.float32), mode="F").save(path, "TIFF")


def _float_metres_tiff(path):
    from PIL import Image
    Image.fromarray(np.tile(np.linspace(100, 3000, 9, dtype=np.float32), (5, 1)),
                    mode="F").save(path, "TIFF")


def _picture_cases() -> list[Case]:
    from PIL import Image

    cases = []

    def add(tag, name, write, expect="refuse", check=None):
        cases.append(Case(f"picture/{tag}", "picture", name, write, expect, check))

    def raw(data):
        return lambda p: Path(p).write_bytes(data)

    # bombs: tiny files declaring huge pictures
    add("png-20000x20000-1bit", "bomb.png", raw(_png_bomb(20000, 20000)))
    add("png-1x40000000-strip", "strip.png", raw(_png_bomb(40_000_000, 1)))
    add("bmp-header-50000x50000", "bomb.bmp", raw(_bmp_header(50000, 50000)))
    add("bmp-header-negative-height", "flip.bmp", raw(_bmp_header(50000, -50000)))
    add("jpeg-sof-65000x65000", "bomb.jpg", raw(_patched_jpeg(65000, 65000)))
    add("gif-65535x65535", "bomb.gif", raw(_gif_header(65535, 65535)))
    add("tiff-100000x100000", "bomb.tif", raw(_tiff_header(100000, 100000)))
    add("tiff-header-0x0", "empty.tif", raw(_tiff_header(0, 0)))
    # not pictures / damaged
    add("text-named-jpg", "notes.jpg", raw(b"just some text\n" * 10))
    add("html-named-png", "page.png", raw(b"<html><body>hi</body></html>"))
    add("hdf5-named-png", "data.png", raw(b"\x89HDF\r\n\x1a\n" + b"\0" * 200))
    add("svg", "drawing.svg", raw(b'<svg xmlns="http://www.w3.org/2000/svg" width="9" '
                                  b'height="9"/>'))
    add("random-bytes", "noise.png", raw(np.random.default_rng(3).bytes(5000)))
    add("empty", "empty.jpg", raw(b""))
    add("png-signature-only", "cut.png", raw(b"\x89PNG\r\n\x1a\n"))
    add("truncated-png", "cut2.png", lambda p: Path(p).write_bytes(
        _png_bomb(300, 300, 8)[:60]))
    add("truncated-jpeg", "cut.jpg", lambda p: Path(p).write_bytes(
        _jpeg_noise()[:400]))
    add("jpeg-header-only", "head.jpg", raw(_small_jpeg()[:180]))
    add("png-bad-header-crc", "crc.png", raw(_png_bomb(8, 8, 8)[:29] + b"\0\0\0\0"
                                              + _png_bomb(8, 8, 8)[33:]))
    for tag, writer in _special_files().items():
        add(tag, f"{tag}.png", writer)
    # good pictures in every mode and depth (item 10)
    add("good-jpeg", "photo.jpg", raw(_small_jpeg((30, 20), quality=95)), "read",
        _rgb_check((20, 30, 3), (200, 30, 30), 20))
    add("good-exif-portrait", "portrait.jpg", _exif_portrait, "read", _exif_check)
    add("good-16bit-grey-png", "grey16.png", _grey16, "read",
        _rgb_check((12, 10, 3), (156, 156, 156), 2))
    add("good-int32-tiff", "ramp.tif", _int32_tiff, "read", _gradient_check)
    add("good-float-tiff-0-1", "half.tif", _float_tiff, "read",
        _rgb_check((6, 7, 3), (128, 128, 128), 2))
    add("good-float-tiff-metres", "height.tif", _float_metres_tiff, "read",
        lambda rgb: (_rgb_check((5, 9, 3))(rgb), _assert(rgb[0, 0, 0] == 0
                                                         and rgb[0, -1, 0] == 255)))
    add("good-rgba-png", "alpha.png",
        _save(Image.new("RGBA", (9, 9), (10, 200, 10, 0)), "PNG"), "read",
        _rgb_check((9, 9, 3), (10, 200, 10), 0))
    add("good-palette-png", "palette.png",
        _save(lambda: Image.new("RGB", (9, 9), (0, 0, 250)).convert("P"), "PNG"), "read",
        _rgb_check((9, 9, 3), (0, 0, 250), 8))
    add("good-grey-alpha-png", "la.png", _save(Image.new("LA", (5, 5), (90, 255)), "PNG"),
        "read", _rgb_check((5, 5, 3), (90, 90, 90), 0))
    add("good-1bit-png", "bits.png", _save(Image.new("1", (7, 7), 1), "PNG"), "read",
        _rgb_check((7, 7, 3), (255, 255, 255), 0))
    add("good-cmyk-jpeg", "cmyk.jpg",
        _save(Image.new("CMYK", (10, 10), (0, 255, 255, 0)), "JPEG", quality=95), "read",
        _rgb_check((10, 10, 3), (255, 0, 0), 25))
    add("good-bmp", "small.bmp", _save(Image.new("RGB", (6, 4), (1, 2, 3)), "BMP"), "read",
        _rgb_check((4, 6, 3), (1, 2, 3), 0))
    add("good-gif", "anim.gif", _save(Image.new("RGB", (8, 8), (255, 0, 0)), "GIF"), "read",
        _rgb_check((8, 8, 3), (255, 0, 0), 10))
    add("good-webp", "pic.webp",
        _save(Image.new("RGB", (8, 8), (0, 128, 255)), "WEBP", lossless=True), "read",
        _rgb_check((8, 8, 3), (0, 128, 255), 0))
    add("good-1x1-png", "dot.png", _save(Image.new("RGB", (1, 1), (7, 8, 9)), "PNG"), "read",
        _rgb_check((1, 1, 3), (7, 8, 9), 0))
    add("good-16bit-rgb-tiff", "rgb16.tif", _rgb16_tiff, "read",
        _rgb_check((4, 4, 3), (128, 64, 255), 2))
    return cases


def _rgb16_tiff(path):
    import cv2
    array = np.zeros((4, 4, 3), np.uint16)
    array[:] = (255 * 256, 64 * 256, 128 * 256)       # BGR for OpenCV: RGB 128, 64, 255
    cv2.imwrite(str(path), array)


def _jpeg_noise() -> bytes:
    from PIL import Image
    out = io.BytesIO()
    array = np.random.default_rng(4).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    Image.fromarray(array).save(out, "JPEG", quality=90)
    return out.getvalue()


def _assert(condition):
    assert condition


def cases() -> list[Case]:
    return _h5_cases() + _mat_cases() + _picture_cases()


def write_case(case: Case, folder: Path) -> Path:
    """Write ``case`` into its own sub-folder of ``folder``; returns the file's path."""
    place = folder / case.id.replace("/", "__")
    place.mkdir(parents=True, exist_ok=True)
    path = place / case.name
    case.write(path)
    return path


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "fuzz-cases")
    all_cases = cases()
    for one in all_cases:
        write_case(one, target)
    size = sum(p.lstat().st_size for p in target.rglob("*") if p.is_file() and
               not p.is_symlink())
    print(f"{len(all_cases)} cases written to {target} ({size / 1e6:.1f} MB on disk)")
