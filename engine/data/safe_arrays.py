"""Reading arrays from files that may be hostile: HDF5 (h5py) and MATLAB v5 (scipy).

Every check is made on what the file *declares* before a single array is read: the
node is a plain array stored in this file (no links to other files, no external or
virtual storage), its dtype kind and shape match what the caller expects, and its
size in bytes (and, for HDF5, the size of one compressed chunk; for MATLAB, the size
of everything once inflated) stays under ``engine.limits``. Only then are arrays read.
So a 3 KB file declaring a (60000, 100000) array, or a 0.8 MB ``.mat`` that inflates
to 800 MB, is refused with one sentence and costs no memory.

What a caller expects is said with ``ArraySpec``s. Dimensions are numbers (exact),
None (any size) or names: a name must mean the same number in every array of the
file ("m" pictures in ``train_set_x`` and "m" labels in ``train_set_y``), and the
reader returns what each name stood for. ``check_labels`` checks class labels in
range *before* casting them (a uint64 2**64-1 must not become -1). Errors are
``DataError`` whose text names the file.
"""
from __future__ import annotations

import os
import stat
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine import limits
from engine.data.dataset import DataError

# numpy dtype kinds, in words for messages
KIND_WORDS = {"u": "unsigned integers", "i": "integers", "f": "floating-point numbers",
              "b": "booleans", "S": "byte strings", "U": "text", "O": "objects",
              "c": "complex numbers", "V": "records", "M": "dates", "m": "durations"}
# MATLAB classes (as scipy.io.whosmat names them) and the numpy dtype each reads as
MAT_CLASS_DTYPES = {"double": "f8", "single": "f4", "logical": "?", "char": "U1",
                    **{f"int{b}": f"i{b // 8}" for b in (8, 16, 32, 64)},
                    **{f"uint{b}": f"u{b // 8}" for b in (8, 16, 32, 64)}}


@dataclass(frozen=True)
class ArraySpec:
    """What one array of a file must look like.

    ``shapes``: accepted shapes, each a tuple of int / None / dimension name.
    ``kinds``: accepted numpy dtype kinds ("u" unsigned, "i" signed, "f" float,
    "b" bool, "S" byte strings, "U" text); ``itemsize`` limits the bytes per item
    (e.g. 1 for uint8 pixels). ``what`` describes it in messages ("colour images").
    """

    key: str
    shapes: tuple
    kinds: str
    what: str = "an array"
    counts: str = ""           # what one step of its first dimension is ("images")
    itemsize: int | None = None
    required: bool = True
    max_bytes: int = limits.MAX_ARRAY_BYTES

    def expected_shape_text(self) -> str:
        def one(shape):
            return "(" + ", ".join("any" if d is None else str(d) for d in shape) + \
                ("," if len(shape) == 1 else "") + ")"
        return " or ".join(one(s) for s in self.shapes)


def check_regular_file(path: Path, max_bytes: int = limits.MAX_DATA_FILE_BYTES) -> int:
    """Size of ``path`` after checking it is a regular file of at most ``max_bytes``.

    ``stat`` first, never ``open``: opening a FIFO would wait forever for a writer."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise DataError(f"{path.name} was not found at {path.parent}.") from None
    except OSError as exc:
        raise DataError(f"{path.name} cannot be read ({exc.strerror or exc}).") from None
    if not stat.S_ISREG(info.st_mode):
        raise DataError(f"{path.name} is not a regular file (a folder, device or pipe).")
    if info.st_size > max_bytes:
        raise DataError(f"{path.name} is {info.st_size / limits.MIB:.0f} MB; files over "
                        f"{max_bytes / limits.MIB:.0f} MB are not read.")
    return info.st_size


def _match_shape(spec: ArraySpec, shape: tuple, dims: dict, where: str) -> dict:
    """The names bound by the first of ``spec.shapes`` that ``shape`` fits."""
    for wanted in spec.shapes:
        if len(wanted) != len(shape):
            continue
        bound = {}
        for want, got in zip(wanted, shape):
            if isinstance(want, str):
                known = bound.get(want, dims.get(want))
                if known is not None and known != got:
                    break
                bound[want] = got
            elif want is not None and want != got:
                break
        else:
            return bound
    # say which named dimension disagrees when the rank is right
    for wanted in spec.shapes:
        if len(wanted) == len(shape):
            for want, got in zip(wanted, shape):
                if isinstance(want, str) and dims.get(want, got) != got:
                    first = dims.get(("counts", want))
                    if first and spec.counts:
                        raise DataError(f"{where} has {dims[want]} {first} but {got} "
                                        f"{spec.counts}.")
                    raise DataError(f"{where}: '{spec.key}' has shape {shape}, which does "
                                    f"not match the other arrays ({want} = {dims[want]}).")
    raise DataError(f"{where}: '{spec.key}' has shape {shape}; expected "
                    f"{spec.expected_shape_text()} ({spec.what}).")


def _check_declared(spec: ArraySpec, shape: tuple, dtype: np.dtype, dims: dict,
                    where: str) -> int:
    """Check a declared shape and dtype; returns the bytes the array will take."""
    if dtype.kind not in spec.kinds or (spec.itemsize and dtype.itemsize > spec.itemsize):
        if spec.itemsize and len(spec.kinds) == 1:
            wanted = str(np.dtype(f"{spec.kinds}{spec.itemsize}"))
        elif set(spec.kinds) <= set("iubf"):
            wanted = "numbers"
        else:
            wanted = " or ".join(KIND_WORDS.get(k, k) for k in spec.kinds)
        raise DataError(f"{where}: '{spec.key}' holds {dtype} values; expected {wanted} "
                        f"({spec.what}).")
    bound = _match_shape(spec, tuple(int(d) for d in shape), dims, where)
    for name in bound:
        if name not in dims and spec.counts:
            dims[("counts", name)] = spec.counts
    dims.update(bound)
    count = int(np.prod(shape, dtype=object)) if len(shape) else 1
    nbytes = count * max(dtype.itemsize, 1)
    if nbytes > spec.max_bytes:
        raise DataError(f"{where}: '{spec.key}' declares shape {tuple(shape)} "
                        f"({nbytes / limits.MIB:,.0f} MB); arrays over "
                        f"{spec.max_bytes / limits.MIB:.0f} MB are not read.")
    return nbytes


def _check_dims(dims: dict, where: str, max_examples: int) -> None:
    for name in [k for k in dims if isinstance(k, tuple)]:
        del dims[name]             # the words kept for messages
    for name in ("m", "n"):        # the example counts
        if dims.get(name, 0) > max_examples:
            raise DataError(f"{where} declares {dims[name]:,} examples; at most "
                            f"{max_examples:,} are read.")


# --- HDF5 ---

def _h5_node(f, key: str, spec: ArraySpec, where: str):
    import h5py

    link = f.get(key, getlink=True)
    if link is None:
        if not spec.required:
            return None
        present = ", ".join(sorted(f.keys())) or "nothing"
        raise DataError(f"{where} has no '{key}' entry (it holds: {present}).")
    if not isinstance(link, h5py.HardLink):
        raise DataError(f"{where}: '{key}' is a link to elsewhere, not an array in "
                        f"this file.")
    node = f[key]
    if not isinstance(node, h5py.Dataset):
        raise DataError(f"{where}: '{key}' is a group, not an array.")
    if node.is_virtual or node.external:
        raise DataError(f"{where}: '{key}' keeps its values in other files; only arrays "
                        f"stored in the file itself are read.")
    return node


def _h5_dtype(node, spec: ArraySpec, where: str) -> np.dtype:
    """The dtype the array reads as; variable-length strings count as text."""
    import h5py

    string_info = h5py.check_string_dtype(node.dtype)
    if string_info is not None and node.dtype.kind == "O":
        return np.dtype("U")
    if node.dtype.kind in "OV" or node.dtype.names or node.dtype.subdtype is not None:
        raise DataError(f"{where}: '{spec.key}' holds {node.dtype} records; expected "
                        f"{spec.what}.")
    return node.dtype


def read_h5_arrays(path: Path | str, specs: list[ArraySpec],
                   max_examples: int = limits.MAX_EXAMPLES) -> tuple[dict, dict]:
    """The arrays ``specs`` name from HDF5 file ``path``, every one checked against its
    spec before any is read; returns ``(arrays by key, named dimensions)``.
    Optional arrays that are absent are left out."""
    import h5py

    path = Path(path)
    check_regular_file(path)
    where = path.name
    try:
        with h5py.File(path, "r") as f:
            dims: dict = {}
            nodes = {}
            total = 0
            for spec in specs:
                node = _h5_node(f, spec.key, spec, where)
                if node is None:
                    continue
                dtype = _h5_dtype(node, spec, where)
                if dtype.kind == "U":
                    # variable-length text: bound the count; each string is checked later
                    nbytes = _check_declared(spec, node.shape, np.dtype("S1"), dims, where)
                else:
                    nbytes = _check_declared(spec, node.shape, dtype, dims, where)
                if node.chunks is not None:
                    chunk = int(np.prod(node.chunks, dtype=object)) * max(node.dtype.itemsize, 1)
                    if chunk > limits.MAX_H5_CHUNK_BYTES:
                        raise DataError(f"{where}: '{spec.key}' is stored in chunks of "
                                        f"{chunk / limits.MIB:,.0f} MB; chunks over "
                                        f"{limits.MAX_H5_CHUNK_BYTES / limits.MIB:.0f} MB "
                                        f"are not read.")
                total += nbytes
                nodes[spec.key] = node
            _check_dims(dims, where, max_examples)
            if total > limits.MAX_DATA_FILE_ARRAY_BYTES:
                raise DataError(f"{where} declares {total / limits.MIB:,.0f} MB of arrays; "
                                f"at most {limits.MAX_DATA_FILE_ARRAY_BYTES / limits.MIB:.0f} "
                                f"MB are read from one file.")
            arrays = {key: np.asarray(node[()]) for key, node in nodes.items()}
    except DataError:
        raise
    except MemoryError:
        raise DataError(f"{where} needs more memory than is free to read.") from None
    except Exception as exc:  # h5py raises OSError, KeyError, RuntimeError, ValueError...
        text = str(exc).split("(")[-1].rstrip(")") if "(" in str(exc) else str(exc)
        text = " ".join(text.split())[:120] or type(exc).__name__
        raise DataError(f"{where} is truncated, corrupt or not an HDF5 file "
                        f"({text}).") from None
    return arrays, dims


# --- MATLAB v5 ---

def _mat_inflated_bytes(path: Path, cap: int) -> int:
    """Bytes the variables of MATLAB v5 file ``path`` take once inflated, counted
    without keeping them; stops (and returns more than ``cap``) past ``cap``."""
    where = path.name
    with open(path, "rb") as f:
        header = f.read(128)
        if len(header) < 128:
            raise DataError(f"{where} is too short to be a MATLAB file.")
        if header[:19] == b"MATLAB 7.3 MAT-file" or header[126:128] not in (b"IM", b"MI"):
            raise DataError(f"{where} is not a MATLAB 5/7 file (save it with "
                            f"savemat or MATLAB's -v7 option).")
        order = "<" if header[126:128] == b"IM" else ">"
        total = 0
        while True:
            tag = f.read(8)
            if len(tag) == 0:
                return total
            if len(tag) < 8:
                raise DataError(f"{where} is truncated (a variable is cut short).")
            kind, nbytes = np.frombuffer(tag, f"{order}u4")
            if kind == 15:          # miCOMPRESSED: inflate in bounded steps, count only
                inflater = zlib.decompressobj()
                left = int(nbytes)
                while left > 0:
                    data = f.read(min(left, 1 << 16))
                    if not data:
                        raise DataError(f"{where} is truncated (a variable is cut short).")
                    left -= len(data)
                    while data:
                        try:
                            out = inflater.decompress(data, 1 << 20)
                        except zlib.error:
                            raise DataError(f"{where} holds a damaged compressed "
                                            f"variable.") from None
                        total += len(out)
                        if total > cap:
                            return total
                        data = inflater.unconsumed_tail
            else:                   # stored as is: its size is on disk already
                total += int(nbytes)
                if total > cap:
                    return total
                f.seek(int(nbytes) + (-int(nbytes)) % 8, os.SEEK_CUR)


def read_mat_arrays(path: Path | str, specs: list[ArraySpec],
                    max_examples: int = limits.MAX_EXAMPLES) -> tuple[dict, dict]:
    """Like ``read_h5_arrays`` for a MATLAB v5/v7 ``.mat`` file (scipy.io): the inflated
    size and every variable's declared class and shape (``whosmat``) are checked
    before ``loadmat`` reads only the variables named."""
    import scipy.io

    path = Path(path)
    check_regular_file(path)
    where = path.name
    cap = limits.MAX_MAT_INFLATED_BYTES
    inflated = _mat_inflated_bytes(path, cap)
    if inflated > cap:
        raise DataError(f"{where} inflates to more than {cap / limits.MIB:.0f} MB; "
                        f"larger MATLAB files are not read.")
    try:
        declared = {name: (tuple(shape), cls) for name, shape, cls in scipy.io.whosmat(str(path))}
    except Exception as exc:  # scipy raises several types for a damaged file
        raise DataError(f"{where} is not a readable MATLAB file "
                        f"({type(exc).__name__}).") from None
    missing = [spec.key for spec in specs if spec.required and spec.key not in declared]
    if missing:
        raise DataError(f"{where} has no {', '.join(repr(k) for k in missing)} "
                        f"entr{'y' if len(missing) == 1 else 'ies'}.")
    dims: dict = {}
    wanted = []
    for spec in specs:
        if spec.key not in declared:
            continue
        shape, cls = declared[spec.key]
        if cls not in MAT_CLASS_DTYPES:
            raise DataError(f"{where}: '{spec.key}' is stored as a MATLAB {cls} array; "
                            f"expected {spec.what}.")
        _check_declared(spec, shape, np.dtype(MAT_CLASS_DTYPES[cls]), dims, where)
        wanted.append(spec.key)
    _check_dims(dims, where, max_examples)
    try:
        data = scipy.io.loadmat(str(path), variable_names=wanted)
    except MemoryError:
        raise DataError(f"{where} needs more memory than is free to read.") from None
    except Exception as exc:
        raise DataError(f"{where} is not a readable MATLAB file "
                        f"({type(exc).__name__}).") from None
    arrays = {}
    for spec in specs:
        if spec.key in wanted:
            array = np.asarray(data.get(spec.key))
            # what was read must still be what was declared (scipy may store a double
            # as uint8, a kind the spec then has to accept)
            if array.shape != declared[spec.key][0] or array.dtype.kind not in spec.kinds:
                raise DataError(f"{where}: '{spec.key}' reads as {array.dtype} {array.shape}, "
                                f"not {spec.what} as its header says.")
            arrays[spec.key] = array
    return arrays, dims


# --- values ---

def check_labels(labels: np.ndarray, n_classes: int, where: str, key: str) -> np.ndarray:
    """``labels`` as int64, after checking every one is a whole number 0..n_classes-1
    in its own dtype (before any cast could wrap 2**64-1 to -1 or 0.5 to 0)."""
    labels = np.asarray(labels)
    if labels.dtype.kind not in "biuf":
        raise DataError(f"{where}: '{key}' holds {labels.dtype} values; expected class "
                        f"numbers.")
    if labels.size == 0:
        return labels.astype(np.int64)
    if labels.dtype.kind == "f":
        bad = ~np.isfinite(labels) | (labels != np.round(labels))
        if bad.any():
            raise DataError(f"{where}: '{key}' holds {float(labels[bad].flat[0])}; class "
                            f"labels must be whole numbers 0..{n_classes - 1}.")
    low, high = labels.min(), labels.max()
    # compare as Python numbers: exact for every integer dtype, no wrap-around
    if labels.dtype.kind != "b" and (int(low) < 0 or int(high) >= n_classes):
        bad = int(low) if int(low) < 0 else int(high)
        raise DataError(f"{where}: '{key}' holds label {bad}, outside the "
                        f"{n_classes} classes 0..{n_classes - 1}.")
    return labels.astype(np.int64)


def check_finite(array: np.ndarray, where: str, key: str) -> None:
    """Refuse NaN or infinite values (they make every later number NaN)."""
    if array.dtype.kind in "fc" and not np.isfinite(array).all():
        raise DataError(f"{where}: '{key}' holds NaN or infinite values.")


def decode_names(raw: np.ndarray, where: str, key: str = "list_classes") -> list[str]:
    """Class names from a 1-D array of numbers, bytes or text (each kept short)."""
    out = []
    for item in np.asarray(raw).reshape(-1):
        if isinstance(item, (bytes, np.bytes_)):
            text = bytes(item).decode("utf-8", "replace")
        elif isinstance(item, (np.floating, float)) and float(item).is_integer():
            text = str(int(item))
        else:
            text = str(item)
        if len(text) > limits.MAX_CLASS_NAME_CHARS:
            raise DataError(f"{where}: a name in '{key}' is {len(text):,} characters long.")
        out.append(text)
    return out
