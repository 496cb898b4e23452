"""Shared helpers for the face tests: the course's face photos and perturbed copies.

Not a conftest on purpose (tests/engine/conftest.py belongs to everyone): face test
modules import the fixture from here, ``from faces_support import faces_data``.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

FACES = __import__("course_paths").faces_folder()   # DL_PLAYGROUND_DATA/faces or ../shared

RESIDENTS = ("andrew", "arnaud", "benoit", "bertrand", "dan", "danielle", "felix",
             "kevin", "kian", "sebastiano", "tian", "younes")
# Who is on each camera shot (the course's story, catalog section 3.6).
CAMERA_SHOTS = {"camera_0": "younes", "camera_1": "bertrand", "camera_2": "benoit",
                "camera_3": "bertrand", "camera_5": "arnaud"}


def mean_colour_encodings(image, boxes) -> np.ndarray:
    """A toy encoder's encode_faces: each box's mean colour, tiled to 128 numbers (two
    boxes of one colour are the same "person")."""
    rows = []
    for box in boxes:
        mean = image[box.top:box.bottom, box.left:box.right].reshape(-1, 3).mean(0) / 255
        rows.append(np.tile(mean, 43)[:128])
    return np.array(rows)


def resident_file(folder: Path, name: str) -> Path:
    return folder / (f"{name}.png" if name == "danielle" else f"{name}.jpg")


@pytest.fixture(scope="module")
def faces_data() -> Path:
    """The shared folder of the course's 96x96 face photos; skip when ../shared is absent."""
    if not all(resident_file(FACES, n).is_file() for n in RESIDENTS):
        pytest.skip(f"course face photos not found at {FACES} (../shared is absent)")
    return FACES


def _rotate(image, degrees):
    import cv2
    h, w = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    return cv2.warpAffine(image, matrix, (w, h), borderMode=cv2.BORDER_REFLECT)


def _jpeg(image, quality):
    import cv2
    ok, data = cv2.imencode(".jpg", image[:, :, ::-1], [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return cv2.imdecode(data, cv2.IMREAD_COLOR)[:, :, ::-1].copy()


def _scale(image, factor):
    import cv2
    h, w = image.shape[:2]
    interpolation = cv2.INTER_AREA if factor < 1 else cv2.INTER_CUBIC
    return cv2.resize(image, (round(w * factor), round(h * factor)), interpolation=interpolation)


def _levels(image, gain, offset=0.0):
    return np.clip(image.astype(np.float64) * gain + offset, 0, 255).astype(np.uint8)


def _blur(image, sigma):
    import cv2
    return cv2.GaussianBlur(image, (0, 0), sigma)


# name -> function(RGB uint8) -> RGB uint8: what a door camera does to a face.
PERTURBATIONS = {
    "dim": lambda im: _levels(im, 0.45),
    "bright": lambda im: _levels(im, 1.35, 40),
    "blur": lambda im: _blur(im, 1.0),
    "tilt-12": lambda im: _rotate(im, -12),
    "tilt+12": lambda im: _rotate(im, 12),
    "scale0.5": lambda im: _scale(im, 0.5),
    "scale2": lambda im: _scale(im, 2.0),
    "mirror": lambda im: np.ascontiguousarray(im[:, ::-1]),
    "jpeg15": lambda im: _jpeg(im, 15),
}


def backdrop(height: int = 480, width: int = 640, seed: int = 0) -> np.ndarray:
    """A face-free hallway-like background: smooth gradient, a few blocks, sensor noise."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width]
    base = np.stack([90 + 60 * xx / width, 80 + 50 * yy / height,
                     70 + 40 * (xx + yy) / (width + height)], axis=2)
    for _ in range(6):
        y, x = rng.integers(0, height - 40), rng.integers(0, width - 40)
        h, w = rng.integers(30, 160), rng.integers(30, 160)
        base[y:y + h, x:x + w] = rng.integers(40, 200, size=3)
    base += rng.normal(0, 4, size=base.shape)
    return np.clip(base, 0, 255).astype(np.uint8)


def door_frame(face: np.ndarray, side: int = 240, top: int = 100, left: int = 200,
               seed: int = 0) -> np.ndarray:
    """A 640x480 frame with a face photo enlarged to ``side`` pixels pasted in."""
    import cv2
    frame = backdrop(seed=seed)
    patch = cv2.resize(face, (side, side), interpolation=cv2.INTER_CUBIC)
    frame[top:top + side, left:left + side] = patch
    return frame


def resident_folder(source: Path, target: Path) -> Path:
    """A folder with only the 12 resident photos (links to the shared files)."""
    target.mkdir(parents=True, exist_ok=True)
    for name in RESIDENTS:
        original = resident_file(source, name)
        (target / original.name).symlink_to(original)
    return target
