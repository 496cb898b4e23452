"""The pictures the style-transfer lesson ships with, and reading a learner's own.

Shipped pictures live in ``assets/style/`` (written by ``make_style_pictures.py``
there; sources and licences in its SOURCES.md): four public-domain / CC0 content
photos and four style pictures drawn procedurally. ``read_picture`` turns any file a
learner picks into an RGB uint8 array no larger than ``max_side``, with one sentence
(a DataError) for anything that is not a readable picture.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.data.dataset import DataError
from engine.small_files import write_atomically

STYLE_FOLDER = Path(__file__).resolve().parents[2] / "assets" / "style"
PICTURE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".webp", ".gif", ".tif", ".tiff")
# A picture is shrunk to a few hundred pixels before painting anyway; these limits
# only keep a hostile or absurd file from taking the memory (checked from the header,
# before any pixel is decoded).
MAX_FILE_BYTES = 200 * 1024 * 1024
MAX_PIXELS = 80_000_000
MAX_SIDE = 1024   # what read_picture keeps by default: the largest painting size and more


@dataclass(frozen=True)
class ShippedPicture:
    name: str       # "astronaut"
    kind: str       # "content" or "style"
    title: str      # what the gallery shows
    path: Path


_TITLES = {
    "astronaut": "Astronaut", "coffee": "Coffee", "chelsea": "Chelsea the cat",
    "rocket": "Rocket launch", "brush-strokes": "Brush strokes", "mosaic": "Mosaic",
    "swirls": "Swirls", "dots": "Dots",
}
# The order the gallery shows; the first of each kind is the page's default.
_ORDER = ("chelsea", "astronaut", "coffee", "rocket",
          "brush-strokes", "swirls", "mosaic", "dots")


def shipped_pictures(kind: str | None = None) -> list[ShippedPicture]:
    """The shipped pictures present on disk, content first, in gallery order."""
    found = []
    for path in sorted(STYLE_FOLDER.glob("*.jpg")):
        prefix, _, name = path.stem.partition("-")
        if prefix in ("content", "style") and (kind is None or prefix == kind):
            found.append(ShippedPicture(name, prefix, _TITLES.get(name, name.title()), path))
    rank = {name: i for i, name in enumerate(_ORDER)}
    return sorted(found, key=lambda p: (p.kind != "content", rank.get(p.name, 99), p.name))


def default_picture(kind: str) -> ShippedPicture | None:
    pictures = shipped_pictures(kind)
    return pictures[0] if pictures else None


def read_picture(path, max_side: int = MAX_SIDE) -> np.ndarray:
    """Read ``path`` as RGB uint8 ``(h, w, 3)``, longer side at most ``max_side``.

    EXIF orientation is applied (a phone photo stands the right way up), any mode
    (grey, palette, 16-bit, CMYK, with alpha) becomes 8-bit RGB, and an animated file
    gives its first frame. Anything else raises DataError with one sentence.
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    path = Path(os.fspath(path))
    name = path.name
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise DataError(f"{name}: no such file.") from None
    except OSError as exc:
        raise DataError(f"{name} cannot be read: {exc.strerror or exc}.") from None
    if not path.is_file():
        raise DataError(f"{name} is not a file.")
    if size == 0:
        raise DataError(f"{name} is empty.")
    if size > MAX_FILE_BYTES:
        raise DataError(f"{name} is {size / 2**20:.0f} MB; a picture of at most "
                        f"{MAX_FILE_BYTES // 2**20} MB is needed.")
    try:
        with Image.open(path) as opened:
            width, height = opened.size
            if width * height > MAX_PIXELS or width < 1 or height < 1:
                raise DataError(f"{name} is {width}x{height} pixels; pictures of up to "
                                f"{MAX_PIXELS // 1_000_000} megapixels can be used.")
            opened.draft("RGB", (max_side, max_side))   # JPEG: decode at a smaller scale
            opened.load()
            image = ImageOps.exif_transpose(opened)
            image = _to_rgb(image)
    except DataError:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError,
            Image.DecompressionBombError):
        raise DataError(f"{name} is not a picture that can be read "
                        "(try a JPEG or PNG file).") from None
    if max(image.size) > max_side:
        scale = max_side / max(image.size)
        image = image.resize((max(1, round(image.width * scale)),
                              max(1, round(image.height * scale))), Image.LANCZOS)
    return np.ascontiguousarray(np.asarray(image, dtype=np.uint8))


def _to_rgb(image):
    """Any Pillow mode -> 8-bit RGB; transparency is laid on white, as a viewer shows it."""
    from PIL import Image

    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        array = np.asarray(image, dtype=np.float64)
        top = max(float(array.max()), 1.0)
        image = Image.fromarray(np.clip(array / top * 255, 0, 255).astype(np.uint8))
    if image.mode == "F":
        array = np.nan_to_num(np.asarray(image, dtype=np.float64))
        top = 255.0 if array.max() > 1 else 1.0
        image = Image.fromarray(np.clip(array / top * 255, 0, 255).astype(np.uint8))
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and
                                               "transparency" in image.info):
        rgba = image.convert("RGBA")
        ground = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(ground, rgba).convert("RGB")
    return image.convert("RGB")


def fit_picture(image: np.ndarray, long_side: int) -> np.ndarray:
    """``image`` resized so its longer side is ``long_side``, keeping the aspect ratio."""
    from PIL import Image

    h, w = image.shape[:2]
    scale = long_side / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return np.asarray(Image.fromarray(image).resize(size, Image.LANCZOS), dtype=np.uint8)


# --- writing what the learner painted -------------------------------------------------

def save_picture(path, image: np.ndarray) -> Path:
    """Write an RGB uint8 picture; the format follows the suffix (PNG when none)."""
    path = Path(os.fspath(path))
    if path.suffix.lower() not in (".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif",
                                   ".tiff"):
        path = path.with_suffix(".png")
    _write_atomically(path, lambda fh: _pil(image).save(fh, _format_of(path)))
    return path


def save_time_lapse(path, frames: list[np.ndarray], frame_ms: int = 120) -> Path:
    """An animated GIF of ``frames`` (the snapshots in order), the last one held longer.

    Frames of another size than the last (the picture size changed between runs) are
    resized to it, so one file always plays."""
    from PIL import Image

    if not frames:
        raise DataError("There are no snapshots yet: paint for a few iterations first.")
    path = Path(os.fspath(path))
    if path.suffix.lower() != ".gif":
        path = path.with_suffix(".gif")
    size = (frames[-1].shape[1], frames[-1].shape[0])
    pictures = [_pil(f) if (f.shape[1], f.shape[0]) == size else
                _pil(f).resize(size, Image.BILINEAR) for f in frames]
    durations = [frame_ms] * (len(pictures) - 1) + [max(frame_ms, 1500)]
    _write_atomically(path, lambda fh: pictures[0].save(
        fh, "GIF", save_all=True, append_images=pictures[1:], duration=durations, loop=0,
        optimize=False))
    return path


def take_camera_snapshot(camera: int = 0, settle_frames: int = 8) -> np.ndarray:
    """One RGB frame from a webcam, after a few frames so its exposure has settled.

    Raises the camera code's one-sentence CameraError when there is no camera."""
    from engine.faces.camera import open_source

    source = open_source(camera)
    try:
        frame = None
        for _ in range(settle_frames):
            frame = source.read()
            if frame is None:
                break
        if frame is None:
            raise DataError(f"Camera {camera} gave no picture.")
        return np.ascontiguousarray(frame[:, :, :3], dtype=np.uint8)
    finally:
        source.close()


def _pil(image: np.ndarray):
    from PIL import Image

    image = np.asarray(image)
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise DataError(f"A picture to save must be (height, width, 3) uint8; got "
                        f"{image.shape} {image.dtype}.")
    return Image.fromarray(np.ascontiguousarray(image))


def _format_of(path: Path) -> str:
    return {".jpg": "JPEG", ".jpeg": "JPEG", ".bmp": "BMP", ".webp": "WEBP",
            ".tif": "TIFF", ".tiff": "TIFF"}.get(path.suffix.lower(), "PNG")


def _write_atomically(path: Path, write) -> None:
    """``engine.small_files.write_atomically``, its failures as one sentence: an
    interrupted save never leaves half a picture where a good one was."""
    folder = path.parent if str(path.parent) else Path(".")
    try:
        write_atomically(path, write)
    except OSError as exc:
        if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
            raise DataError(f"Cannot write in {folder}: {exc.strerror or exc}.") from None
        raise DataError(f"Cannot save {path.name}: {exc.strerror or exc}.") from None
