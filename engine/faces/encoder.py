"""The face-encoder interface shared by the embedded dlib model and the course's FaceNet.

An encoder finds faces (``locate``) and turns each into a 128-number encoding
(``encode_faces``); two encodings closer than ``threshold`` (L2) are the same person.
Images are RGB uint8 arrays (H, W, 3), as returned by ``engine.faces.images.read_image``.
"""
from __future__ import annotations

import abc
from dataclasses import dataclass

import numpy as np

from engine.faces.errors import NoFaceFound
from engine.faces.images import to_rgb

ENCODING_SIZE = 128
# An image no bigger than this on its longer side, and roughly square, is taken for a
# tight face crop (the course's photos are 96x96): when no detector finds a face in it,
# the whole crop is the face. A larger picture without a detected face has no face.
CROP_MAX_SIDE = 300
CROP_MAX_ASPECT = 1.6


@dataclass(frozen=True)
class FaceBox:
    """A face rectangle in pixels; ``right`` / ``bottom`` are exclusive, like dlib's."""

    top: int
    right: int
    bottom: int
    left: int

    @property
    def width(self) -> int:
        return max(0, self.right - self.left)

    @property
    def height(self) -> int:
        return max(0, self.bottom - self.top)

    @property
    def area(self) -> int:
        return self.width * self.height

    def scaled(self, factor: float) -> "FaceBox":
        """The box in an image ``factor`` times larger (boxes found on a downscaled frame)."""
        return FaceBox(round(self.top * factor), round(self.right * factor),
                       round(self.bottom * factor), round(self.left * factor))

    def shifted(self, dy: int, dx: int) -> "FaceBox":
        return FaceBox(self.top + dy, self.right + dx, self.bottom + dy, self.left + dx)

    def clipped(self, height: int, width: int) -> "FaceBox":
        """The part of the box inside an image of the given size."""
        return FaceBox(min(max(self.top, 0), height), min(max(self.right, 0), width),
                       min(max(self.bottom, 0), height), min(max(self.left, 0), width))

    def as_tuple(self) -> tuple[int, int, int, int]:
        """(top, right, bottom, left), the order face_recognition uses."""
        return (self.top, self.right, self.bottom, self.left)


def whole_image_box(image: np.ndarray) -> FaceBox:
    height, width = image.shape[:2]
    return FaceBox(0, width, height, 0)


def looks_like_face_crop(image: np.ndarray) -> bool:
    """True for small, roughly square images such as the course's 96x96 face photos."""
    height, width = image.shape[:2]
    if min(height, width) < 16:
        return False
    aspect = max(height, width) / min(height, width)
    return max(height, width) <= CROP_MAX_SIDE and aspect <= CROP_MAX_ASPECT


class FaceEncoder(abc.ABC):
    """Finds faces and encodes them as 128-d vectors compared by L2 distance."""

    name: str = "face encoder"
    threshold: float = 0.6
    # What the door needs to be sure (engine/faces/door_safety.py): the best resident
    # this much under the threshold and this much nearer than the next one, and a face
    # good enough to judge. Off here; the real face encoders turn them on.
    door_sure_gap: float = 0.0
    door_margin: float = 0.0
    door_checks_quality: bool = False

    @abc.abstractmethod
    def locate(self, image: np.ndarray) -> list[FaceBox]:
        """Boxes of the faces in ``image`` (RGB uint8), largest first is not required."""

    @abc.abstractmethod
    def encode_faces(self, image: np.ndarray, boxes: list[FaceBox]) -> np.ndarray:
        """One encoding per box: float64 array of shape (len(boxes), 128)."""

    def encode(self, image: np.ndarray) -> tuple[list[FaceBox], np.ndarray]:
        """All faces of ``image`` and their encodings ((0, 128) when there is none)."""
        image = to_rgb(image)
        boxes = list(self.locate(image))
        if not boxes:
            return [], np.zeros((0, ENCODING_SIZE))
        return boxes, np.asarray(self.encode_faces(image, boxes), dtype=np.float64)

    def encode_single(self, image: np.ndarray) -> np.ndarray:
        """The encoding (128,) of the largest face; a tight crop with no detected face
        is encoded as a whole. NoFaceFound when the picture is not a face crop and no
        face was found in it."""
        image = to_rgb(image)
        box = self.locate_single(image)
        if box is None:
            height, width = image.shape[:2]
            raise NoFaceFound(f"No face found in the {width}x{height} picture.")
        return np.asarray(self.encode_faces(image, [box]), dtype=np.float64)[0]

    def locate_single(self, image: np.ndarray) -> FaceBox | None:
        """The box ``encode_single`` uses: the largest face, else ``fallback_box``.

        A picture meant to show one face (an enrolment photo, a course crop) may use
        extra effort here; encoders override it for that.
        """
        boxes = list(self.locate(image))
        if boxes:
            return max(boxes, key=lambda b: b.area)
        return self.fallback_box(image)

    def fallback_box(self, image: np.ndarray) -> FaceBox | None:
        """The box to use when ``locate`` finds nothing: the whole crop, or None."""
        return whole_image_box(image) if looks_like_face_crop(image) else None

    def distance(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """L2 distance(s) between encodings (broadcasts over leading axes)."""
        return np.linalg.norm(np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64),
                              axis=-1)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r} threshold={self.threshold}>"
