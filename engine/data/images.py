"""Reading a user's own picture for a model: any format Pillow knows, resized."""
from __future__ import annotations

import os

import numpy as np

from engine.data.dataset import DataError


def load_image_for_model(source, size: tuple[int, int] = (64, 64)) -> np.ndarray:
    """Return an RGB uint8 array ``(h, w, 3)`` of ``size`` (width, height).

    ``source`` is a path or an array already in memory. A file that is not a
    picture raises DataError naming the file, never a Pillow traceback.
    """
    from PIL import Image, UnidentifiedImageError

    if isinstance(source, np.ndarray):
        array = source
        if array.ndim == 2:
            array = np.stack([array] * 3, axis=-1)
        if array.ndim != 3 or array.shape[2] not in (3, 4):
            raise DataError(f"An image needs shape (height, width, 3); got {array.shape}.")
        if array.dtype != np.uint8:
            array = np.clip(array * (255 if array.max() <= 1 else 1), 0, 255).astype(np.uint8)
        image = Image.fromarray(array[:, :, :3])
    else:
        path = os.fspath(source)
        name = os.path.basename(path)
        try:
            with Image.open(path) as opened:
                opened.load()
                image = opened.convert("RGB")
        except FileNotFoundError:
            raise DataError(f"{name}: no such file.") from None
        except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
            raise DataError(f"{name} is not an image that can be read "
                            "(try a JPEG or PNG file).") from None
    image = image.resize(size, Image.BILINEAR)
    return np.asarray(image, dtype=np.uint8)
