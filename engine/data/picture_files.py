"""Opening a picture the user picked, checked before any pixel is decoded.

The header is read first (Pillow opens lazily): a file too large on disk, a picture
declaring more pixels or a longer side than ``engine/limits.py`` allows, or a file
that is no picture at all is refused with one sentence naming the file.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from engine import limits
from engine.data.dataset import DataError


def read_picture(path) -> np.ndarray:
    """uint8 RGB array (H, W, 3) of the picture at ``path``; DataError otherwise."""
    from PIL import Image, UnidentifiedImageError

    path = Path(os.fspath(path))
    name = path.name or str(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise DataError(f"{name}: no such file.") from None
    except OSError as exc:
        raise DataError(f"{name} could not be read ({exc.strerror or exc}).") from None
    if not path.is_file():
        raise DataError(f"{name} is not a file.")
    if size > limits.MAX_PICTURE_FILE_BYTES:
        raise DataError(f"{name} is {size / limits.MIB:.0f} MB: larger than the "
                        f"{limits.MAX_PICTURE_FILE_BYTES // limits.MIB} MB a picture may be.")
    try:
        with Image.open(path) as opened:
            w, h = opened.size
            if w * h > limits.MAX_PICTURE_PIXELS or max(w, h) > limits.MAX_PICTURE_SIDE:
                raise DataError(f"{name} declares {w} x {h} pixels: more than a picture "
                                f"here may have ({limits.MAX_PICTURE_PIXELS:,} pixels, "
                                f"{limits.MAX_PICTURE_SIDE:,} a side).")
            opened.load()
            image = opened.convert("RGB")
    except DataError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError,
            SyntaxError):
        raise DataError(f"{name} is not a picture that can be read "
                        "(try a JPEG or PNG file).") from None
    return np.asarray(image)
