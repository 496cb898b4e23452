"""The one picture reader of the app: any file a user picks becomes an RGB uint8 array.

Every picture path goes through here ("Try your own image", the conv stepper's own
picture, the feature-map viewer, face photos and resident folders), so each gets the
same safety and the same pixels:

- the file is ``stat``-ed before it is opened: a FIFO, folder or device is refused
  (opening a FIFO would wait forever), and so is a file over the size limit;
- the picture's size is read from its header and checked against
  ``engine.limits`` before any pixel is decoded (a 48 KB PNG declaring
  20000 x 20000 costs nothing);
- the EXIF orientation is applied, so a phone's portrait photo stands upright;
- every bit depth and mode is brought to 8 bits correctly: 16-bit grey PNGs,
  int32 and float TIFFs, palettes, CMYK, grey with alpha;
- every failure is one sentence (``PictureError``, a ``DataError``) naming the file.

Pillow decodes; OpenCV's decoder is not used for files at all (it would need its
own limits, and a BMP header can make it raise a raw ``cv2.error``).
"""
from __future__ import annotations

import io
import os
import re
import stat

import numpy as np

from engine import limits
from engine.data.dataset import DataError


class PictureError(DataError):
    """A picture file is missing, unreadable, too large or not a picture."""


def _read_file_bytes(path: str, name: str) -> bytes:
    """The bytes of a regular file of bounded size, never blocking on a FIFO."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise PictureError(f"{name}: no such file.") from None
    except OSError as exc:
        raise PictureError(f"{name} cannot be read ({exc.strerror or exc}).") from None
    if not stat.S_ISREG(info.st_mode):
        raise PictureError(f"{name} is not an image file (it is a folder, device or pipe).")
    if info.st_size == 0:
        raise PictureError(f"{name} is empty, not an image.")
    if info.st_size > limits.MAX_PICTURE_FILE_BYTES:
        raise PictureError(f"{name} is {info.st_size / limits.MIB:.0f} MB; pictures of at "
                           f"most {limits.MAX_PICTURE_FILE_BYTES // limits.MIB} MB are read.")
    # O_NONBLOCK: should the path have become a FIFO since the stat, open returns
    # at once and the second check below refuses it.
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise PictureError(f"{name} cannot be read ({exc.strerror or exc}).") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > limits.MAX_PICTURE_FILE_BYTES:
            raise PictureError(f"{name} is not an image file.")
        with os.fdopen(fd, "rb", closefd=False) as f:
            data = f.read(limits.MAX_PICTURE_FILE_BYTES + 1)
    except OSError as exc:
        raise PictureError(f"{name} cannot be read ({exc.strerror or exc}).") from None
    finally:
        os.close(fd)
    return data


def _check_declared_size(width: int, height: int, name: str) -> None:
    if width < 1 or height < 1:
        raise PictureError(f"{name} declares an empty picture ({width}x{height}).")
    if width * height > limits.MAX_PICTURE_PIXELS or max(width, height) > limits.MAX_PICTURE_SIDE:
        raise PictureError(f"{name} declares {width}x{height} pixels; pictures of up to "
                           f"{limits.MAX_PICTURE_PIXELS // 1_000_000} megapixels (sides up "
                           f"to {limits.MAX_PICTURE_SIDE:,}) are read.")


def array_to_rgb(array: np.ndarray, name: str = "The picture") -> np.ndarray:
    """Grey / RGB / RGBA of any numeric dtype -> RGB uint8 ``(h, w, 3)`` (alpha dropped).

    uint16 keeps its top 8 bits; other integers and floats are taken as 0..255 when
    they fit there, floats as 0..1 when they fit there, and are otherwise stretched
    from their own minimum to maximum (an int32 TIFF of 0..65535 or a float TIFF of
    metres does not become all white or all black)."""
    array = np.asarray(array)
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if array.ndim == 3 and array.shape[2] in (3, 4):
        array = array[:, :, :3]
    elif array.ndim != 2:
        raise PictureError(f"{name} has shape {array.shape}; a picture needs "
                           f"(height, width) or (height, width, 3).")
    if array.shape[0] < 1 or array.shape[1] < 1:
        raise PictureError(f"{name} is empty.")
    if array.dtype != np.uint8:
        if array.dtype.kind == "b":
            array = array.astype(np.uint8) * 255
        elif array.dtype == np.uint16:
            array = (array >> 8).astype(np.uint8)
        elif array.dtype.kind in "iuf":
            values = array.astype(np.float64)
            finite = np.isfinite(values)
            if not finite.any():
                raise PictureError(f"{name} holds no finite pixel values.")
            low, high = float(values[finite].min()), float(values[finite].max())
            if array.dtype.kind == "f" and low >= 0 and high <= 1:
                values = values * 255
            elif not (low >= 0 and high <= 255):
                values = (values - low) * (255 / (high - low) if high > low else 0)
            values[~finite] = 0
            array = np.clip(np.round(values), 0, 255).astype(np.uint8)
        else:
            raise PictureError(f"{name} holds {array.dtype} values, not pixels.")
    if array.ndim == 2:
        array = np.repeat(array[:, :, None], 3, axis=2)
    return np.ascontiguousarray(array)


def _image_to_rgb(image, name: str) -> np.ndarray:
    """A decoded Pillow image of any mode -> RGB uint8 array."""
    if image.mode in ("I", "F") or image.mode.startswith("I;16"):
        return array_to_rgb(np.asarray(image), name)
    if image.mode != "RGB":
        image = image.convert("RGB")      # palette, grey, CMYK, alpha (dropped)...
    return array_to_rgb(np.asarray(image), name)


def _open(data: bytes, name: str, draft_side: int | None):
    """The decoded, upright Pillow image of ``data``; sizes checked before decoding."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        image = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError as exc:
        # Pillow refuses the largest headers itself, before we see the size
        found = re.search(r"\((\d+) pixels\)", str(exc))
        declared = f"{int(found.group(1)):,} pixels" if found else "too many pixels"
        raise PictureError(f"{name} declares {declared}; pictures of up to "
                           f"{limits.MAX_PICTURE_PIXELS // 1_000_000} megapixels "
                           f"are read.") from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError,
            TypeError, IndexError, KeyError):
        raise PictureError(f"{name} is not an image that can be read "
                           "(try a JPEG or PNG file).") from None
    _check_declared_size(*image.size, name)
    if draft_side and image.format == "JPEG":
        # decode at 1/2, 1/4 or 1/8 scale when that still leaves twice what is needed
        image.draft("RGB", (2 * draft_side, 2 * draft_side))
    try:
        image.load()
    except (OSError, ValueError, SyntaxError, EOFError, TypeError, IndexError, KeyError,
            Image.DecompressionBombError, MemoryError, ZeroDivisionError) as exc:
        reason = " ".join(str(exc).split())[:80] or type(exc).__name__
        raise PictureError(f"{name} is not an image that can be read: it is damaged or "
                           f"cut short ({reason}).") from None
    try:
        upright = ImageOps.exif_transpose(image)
    except Exception:  # a damaged EXIF block: keep the picture as stored
        upright = None
    return upright if upright is not None else image


def read_picture(source, name: str | None = None, draft_side: int | None = None) -> np.ndarray:
    """An RGB uint8 array ``(h, w, 3)`` of the picture file ``source`` (a path), or of
    an array already in memory. ``draft_side``: the caller will shrink the picture to
    about this many pixels, so a JPEG may be decoded at a smaller scale (faster).
    Raises PictureError with one sentence."""
    if isinstance(source, np.ndarray):
        return array_to_rgb(source, name or "The picture")
    path = os.fspath(source)
    name = name or os.path.basename(path) or path
    data = _read_file_bytes(path, name)
    image = _open(data, name, draft_side)
    try:
        return _image_to_rgb(image, name)
    except PictureError:
        raise
    except (ValueError, OSError, MemoryError) as exc:
        raise PictureError(f"{name} is an image in a form that cannot be converted to "
                           f"colour ({image.mode}: {type(exc).__name__}).") from None


def picture_for_model(source, size: tuple[int, int] = (64, 64)) -> np.ndarray:
    """``source`` (path or array) as an RGB uint8 array of ``size`` (width, height)."""
    from PIL import Image

    rgb = read_picture(source, draft_side=max(size))
    image = Image.fromarray(rgb)
    if image.size != tuple(size):
        image = image.resize(tuple(size), Image.BILINEAR)
    return np.asarray(image, dtype=np.uint8)
