"""Reading images for the face pipeline: always RGB ``uint8`` arrays of shape (H, W, 3)."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from engine.faces.errors import FaceError

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff")


def read_image(path) -> np.ndarray:
    """Read ``path`` as an RGB uint8 array; FaceError with one clear line otherwise.

    The app's one picture reader (``engine.data.pictures``) does the work: it refuses
    non-files and oversized pictures before decoding, applies the EXIF orientation
    (a phone's portrait photo would otherwise hold a sideways face, and no face is
    found), and brings 16-bit, int32, float and alpha pictures to 8-bit RGB.
    """
    from engine.data.pictures import PictureError, read_picture

    path = Path(path)
    if not path.exists():
        raise FaceError(f"Image not found: {path}.")
    if not path.is_file():
        raise FaceError(f"Not an image file: {path} (a folder, device or pipe).")
    try:
        return read_picture(path)
    except PictureError as exc:
        raise FaceError(str(exc)) from None


def to_rgb(image: np.ndarray, assume_bgr: bool = False) -> np.ndarray:
    """Any grey / RGB / RGBA (or BGR / BGRA when ``assume_bgr``) array -> RGB uint8.

    Alpha is dropped (not blended): the course's RGBA photo has an opaque face.
    Bit depths are converted as the picture reader does (``array_to_rgb``).
    """
    from engine.data.pictures import PictureError, array_to_rgb

    image = np.asarray(image)
    if assume_bgr and image.ndim == 3 and image.shape[2] in (3, 4):
        image = image[:, :, 2::-1]
    try:
        return array_to_rgb(image, "The image")
    except PictureError as exc:
        raise FaceError(str(exc)) from None


def list_images(folder) -> list[Path]:
    """Image files directly inside ``folder``, sorted by name (hidden files skipped)."""
    folder = Path(folder)
    return sorted(
        p for p in folder.iterdir()
        if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in IMAGE_SUFFIXES
    )
