"""Is this face good enough to name anyone? Size, sharpness and JPEG blockiness.

A face encoder still returns 128 numbers for a face that is 25 pixels wide, blurred, or
crushed into 8x8 JPEG blocks, and those numbers drift toward *some* resident: on the
course's camera shots saved at JPEG quality 20, dlib's encoder named the wrong resident
under the threshold. For a door a false accept is the worst outcome, so a face of poor
quality is not named at all ("not sure"); the person steps closer or the next frame
is better. The measures are cheap (a few hundred microseconds on a face crop).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Work size for sharpness: the face is resized to this square first, so the measure
# does not depend on how many pixels the face has.
_WORK_SIDE = 96
_BLOCK = 8


@dataclass(frozen=True)
class FaceQuality:
    side: int            # the face box's shorter side, in frame pixels
    sharpness: float     # Laplacian energy / intensity variance, on a 96x96 face
    blockiness: float    # 8x8 JPEG grid edges / other edges (about 1 for no blocking)

    @property
    def block_damage(self) -> float:
        """How much the JPEG blocks deform the face: the excess blockiness times the
        block's size relative to the face. 8-pixel blocks across a 36-pixel face (a
        96x96 photo at JPEG 20) wreck it; the same ratio on a 150-pixel face (a webcam's
        MJPG stream) is harmless, because the encoder sees the face at 150 pixels."""
        return max(0.0, self.blockiness - 1.0) * _BLOCK / max(self.side, 1)


def _grey(image: np.ndarray) -> np.ndarray:
    image = np.asarray(image)
    if image.ndim == 3:
        image = image[..., :3].astype(np.float64) @ np.array([0.299, 0.587, 0.114])
    return image.astype(np.float64)


def measure(frame: np.ndarray, box) -> FaceQuality:
    """The quality of the face in ``box`` (a FaceBox) of ``frame`` (RGB or grey)."""
    import cv2

    height, width = frame.shape[:2]
    top, bottom = max(0, box.top), min(height, box.bottom)
    left, right = max(0, box.left), min(width, box.right)
    side = max(0, min(bottom - top, right - left))
    if side < 4:
        return FaceQuality(side, 0.0, 1.0)
    grey = _grey(frame)
    face = grey[top:bottom, left:right]
    work = cv2.resize(face, (_WORK_SIDE, _WORK_SIDE), interpolation=cv2.INTER_AREA
                      if side > _WORK_SIDE else cv2.INTER_LINEAR)
    variance = float(work.var())
    laplacian = cv2.Laplacian(work, cv2.CV_64F)
    sharpness = float((laplacian ** 2).mean() / variance) if variance > 1e-6 else 0.0
    return FaceQuality(side, sharpness, _blockiness(grey, top, bottom, left, right))


def _blockiness(grey: np.ndarray, top: int, bottom: int, left: int, right: int) -> float:
    """How much stronger the steps between pixels are on JPEG's 8-pixel grid (counted
    from the frame's corner, where the encoder put it) than elsewhere in the face."""
    region = grey[top:bottom, left:right]
    if min(region.shape) < 2 * _BLOCK + 2:
        return 1.0
    dx = np.abs(np.diff(region, axis=1))            # step between column c and c+1
    dy = np.abs(np.diff(region, axis=0))
    on_x = ((np.arange(left, right - 1) + 1) % _BLOCK) == 0
    on_y = ((np.arange(top, bottom - 1) + 1) % _BLOCK) == 0
    grid = dx[:, on_x].mean() + dy[on_y, :].mean()
    inside = dx[:, ~on_x].mean() + dy[~on_y, :].mean()
    return float(grid / inside) if inside > 1e-6 else 1.0
