"""Reading a user's own picture for a model: any picture file, resized.

A thin name over ``engine.data.pictures`` (the app's one picture reader), kept
because every lesson's "Try your own image" calls it.
"""
from __future__ import annotations

import numpy as np

from engine.data.pictures import picture_for_model


def load_image_for_model(source, size: tuple[int, int] = (64, 64)) -> np.ndarray:
    """Return an RGB uint8 array ``(h, w, 3)`` of ``size`` (width, height).

    ``source`` is a path or an array already in memory. A file that is not a
    picture (or too large, or not a regular file) raises DataError naming the file
    in one sentence, never a Pillow traceback.
    """
    return picture_for_model(source, size)
