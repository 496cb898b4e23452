"""Reading images for the face pipeline: always RGB ``uint8`` arrays of shape (H, W, 3)."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from engine.faces.errors import FaceError

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff")


def read_image(path) -> np.ndarray:
    """Read ``path`` as an RGB uint8 array; FaceError with one clear line otherwise.

    OpenCV returns BGR (or BGRA for PNGs with alpha, such as the course's danielle.png,
    or 16-bit / grey images); everything is brought to 8-bit RGB so every encoder sees
    the same pixels.
    """
    import cv2

    path = Path(path)
    if not path.exists():
        raise FaceError(f"Image not found: {path}")
    if not path.is_file():
        raise FaceError(f"Not an image file: {path}")
    # np.fromfile + imdecode instead of imread: works with non-ASCII paths on Windows.
    try:
        raw = np.fromfile(str(path), dtype=np.uint8)
    except OSError as exc:
        raise FaceError(f"Cannot read {path.name}: {exc.strerror or exc}") from None
    image = cv2.imdecode(raw, cv2.IMREAD_UNCHANGED) if raw.size else None
    if image is None:
        raise FaceError(f"{path.name} is not an image OpenCV can read.")
    return to_rgb(image, assume_bgr=True)


def to_rgb(image: np.ndarray, assume_bgr: bool = False) -> np.ndarray:
    """Any grey / RGB / RGBA (or BGR / BGRA when ``assume_bgr``) array -> RGB uint8.

    Alpha is dropped (not blended): the course's RGBA photo has an opaque face.
    """
    image = np.asarray(image)
    if image.dtype != np.uint8:
        if image.dtype == np.uint16:
            image = (image >> 8).astype(np.uint8)
        elif np.issubdtype(image.dtype, np.floating):
            scale = 255.0 if image.size and float(np.nanmax(image)) <= 1.0 else 1.0
            image = np.clip(np.nan_to_num(image) * scale, 0, 255).round().astype(np.uint8)
        else:
            image = np.clip(image, 0, 255).astype(np.uint8)
    if image.ndim == 2:
        image = np.repeat(image[:, :, None], 3, axis=2)
    elif image.ndim == 3 and image.shape[2] == 1:
        image = np.repeat(image, 3, axis=2)
    elif image.ndim == 3 and image.shape[2] in (3, 4):
        image = image[:, :, :3]
        if assume_bgr:
            image = image[:, :, ::-1]
    else:
        raise FaceError(f"Expected an image array of shape (H, W, 3), got {image.shape}.")
    if image.shape[0] < 1 or image.shape[1] < 1:
        raise FaceError("The image is empty.")
    return np.ascontiguousarray(image)


def list_images(folder) -> list[Path]:
    """Image files directly inside ``folder``, sorted by name (hidden files skipped)."""
    folder = Path(folder)
    return sorted(
        p for p in folder.iterdir()
        if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in IMAGE_SUFFIXES
    )
