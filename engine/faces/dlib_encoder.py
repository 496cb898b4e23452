"""The embedded face encoder: dlib's HOG face detector, 5-point alignment, ResNet-34.

dlib's recogniser maps an aligned 150x150 face chip to a 128-d encoding; with the
threshold 0.6 (L2) it decides 99.38% of the LFW benchmark's pairs right. The model
files come with the ``face_recognition_models`` package (found with importlib.resources:
its own helpers need pkg_resources, which recent setuptools no longer ships).

Finding faces has three regimes:
- a camera frame: faces of any reasonable size. Large frames are shrunk to at most
  ``detect_max_side`` pixels for the detector (its cost grows with the pixel count) and
  the boxes mapped back; the landmarks and the chip come from the full-size frame
  (faces under 150 pixels enlarged first, see ``face_chips``).
- a tight face crop such as the course's 96x96 photos: the face fills most of the
  picture, so the detector's sliding window (80x80, and a margin of context around the
  face) often misses it. Small pictures are enlarged, then the crop is padded with a
  replicated border and the best face-sized window near its middle is taken, with a
  lower score threshold (we know a face is there). Failing that, ``encode_single``
  takes the middle of the crop.
- a larger portrait filled by the face (``locate_single`` only): the same padded search
  at the normal threshold.
"""
from __future__ import annotations

import threading
from importlib import resources

import numpy as np

from engine.faces.encoder import CROP_MAX_ASPECT, FaceBox, FaceEncoder, looks_like_face_crop
from engine.faces.errors import FaceError
from engine.faces.images import to_rgb

DLIB_THRESHOLD = 0.6
CHIP_SIZE = 150        # the recogniser was trained on 150x150 chips ...
CHIP_PADDING = 0.25    # ... with this much context around the 5-point aligned face
# Faces narrower than this (pixels, detector box) are enlarged before alignment.
UPSCALE_FACE_WIDTH = 150
# Pictures smaller than this (longer side) are enlarged before detection: the HOG
# window is 80 pixels, so a 96x96 crop with a 40-pixel face needs at least 2x.
SMALL_SIDE = 200
# Scores of dlib's detector are SVM margins: 0 is its normal threshold. Inside a
# padded tight crop there is one face, so a weaker window is still the face, as long as
# it is face-sized and near the middle (measured on blurred / JPEG-10 course photos:
# the face's window scores down to -1.1, stray windows sit off-centre or oversized).
CROP_SCORE_THRESHOLD = -1.2
CROP_CENTRE_MARGIN = 0.2      # the window's centre lies in the middle 60% of the crop
CROP_FACE_SIZES = (0.25, 1.0)  # window side / crop side
# When no window qualifies: the course's crops show head and shoulders (face about
# 40-60% of the side), so the middle 60% of the crop aligns better than the whole crop
# (mean encoding error vs the detected box, 17 course photos: 0.22 vs 0.65).
FALLBACK_FRACTION = 0.6

_models = None
_models_lock = threading.Lock()


def _model_file(name: str) -> str:
    try:
        path = resources.files("face_recognition_models").joinpath("models", name)
    except ModuleNotFoundError:
        raise FaceError("The face model files are not installed "
                        "(pip install face-recognition-models).") from None
    if not path.is_file():
        raise FaceError(f"The face model file {name} is missing from face_recognition_models.")
    return str(path)


def load_models():
    """(detector, shape predictor, recogniser), loaded once per process (~100 MB, ~1 s)."""
    global _models
    with _models_lock:
        if _models is None:
            try:
                import dlib
            except ImportError:
                raise FaceError("dlib is not installed (pip install dlib-bin).") from None
            _models = (
                dlib.get_frontal_face_detector(),
                dlib.shape_predictor(_model_file("shape_predictor_5_face_landmarks.dat")),
                dlib.face_recognition_model_v1(
                    _model_file("dlib_face_recognition_resnet_model_v1.dat")),
            )
        return _models


def _resize(image: np.ndarray, factor: float) -> np.ndarray:
    import cv2
    height, width = image.shape[:2]
    size = (max(1, round(width * factor)), max(1, round(height * factor)))
    interpolation = cv2.INTER_AREA if factor < 1 else cv2.INTER_LINEAR
    return cv2.resize(image, size, interpolation=interpolation)


class DlibEncoder(FaceEncoder):
    """dlib ResNet-34 encodings (128-d, threshold 0.6), embedded in the application.

    ``detect_max_side``: frames larger than this are shrunk for detection (speed).
    ``upsample``: extra pyramid levels for the detector on normal-size pictures
    (each one finds faces half as big and costs ~4x).
    ``num_jitters``: random re-crops averaged per encoding (dlib's own trick; slow).
    ``mirror``: also encode the mirrored chip and average (pose / lighting symmetry).
    One thread at a time uses the dlib objects; a lock makes concurrent calls wait.
    """

    name = "dlib ResNet-34 (embedded)"
    threshold = DLIB_THRESHOLD
    # Measured for this encoder in benchmarks/door_safety.py (0 wrong names).
    door_sure_gap = 0.10
    door_margin = 0.10
    door_checks_quality = True

    def __init__(self, detect_max_side: int = 640, upsample: int = 0,
                 num_jitters: int = 0, mirror: bool = False) -> None:
        self.detect_max_side = int(detect_max_side)
        self.upsample = int(upsample)
        self.num_jitters = int(num_jitters)
        self.mirror = bool(mirror)
        self._lock = threading.Lock()

    # -- finding faces -------------------------------------------------------------------

    def locate(self, image: np.ndarray) -> list[FaceBox]:
        image = to_rgb(image)
        detector = load_models()[0]
        with self._lock:
            boxes = self._detect_scaled(detector, image)
            if not boxes and looks_like_face_crop(image):
                found = self._detect_padded(detector, image, CROP_SCORE_THRESHOLD)
                boxes = [found] if found else []
        return boxes

    def locate_single(self, image: np.ndarray) -> FaceBox | None:
        """As ``locate`` for a picture of one face, plus: a larger portrait whose face
        fills it (say a 400x400 photo) leaves the detector no margin either, so it gets
        the padded search too, at the detector's normal score threshold."""
        image = to_rgb(image)
        boxes = self.locate(image)
        if boxes:
            return max(boxes, key=lambda b: b.area)
        if not looks_like_face_crop(image):
            height, width = image.shape[:2]
            if max(height, width) / max(1, min(height, width)) <= CROP_MAX_ASPECT:
                detector = load_models()[0]
                with self._lock:
                    found = self._detect_padded(detector, image, 0.0)
                if found is not None:
                    return found
        return self.fallback_box(image)

    def _detect_scaled(self, detector, image) -> list[FaceBox]:
        """Detect on a copy resized to a useful size, boxes in ``image`` pixels."""
        height, width = image.shape[:2]
        longest = max(height, width)
        upsample = self.upsample
        if longest > self.detect_max_side:
            factor = self.detect_max_side / longest
        elif longest < SMALL_SIDE:
            factor, upsample = SMALL_SIDE / longest, max(upsample, 1)
        else:
            factor = 1.0
        work = image if factor == 1.0 else _resize(image, factor)
        rects = detector(work, upsample)
        return [_box(r, 1 / factor, (0, 0)).clipped(height, width) for r in rects]

    def _detect_padded(self, detector, image, threshold: float) -> FaceBox | None:
        """The best face window of a padded copy of a one-face picture, or None.

        The copy is brought to 200..detect_max_side pixels, padded by a quarter on each
        side (replicated border), and scanned at two pyramid levels; a window counts
        when it is face-sized and its centre is near the middle of the picture.
        """
        import cv2
        height, width = image.shape[:2]
        longest = max(height, width)
        factor = (SMALL_SIDE / longest if longest < SMALL_SIDE else
                  self.detect_max_side / longest if longest > self.detect_max_side else 1.0)
        work = _resize(image, factor) if factor != 1.0 else image
        pad = max(work.shape[:2]) // 4
        padded = cv2.copyMakeBorder(work, pad, pad, pad, pad, cv2.BORDER_REPLICATE)
        work_h, work_w = work.shape[:2]
        side = min(work_h, work_w)
        best, best_score = None, -np.inf
        for upsample in (0, 1):
            rects, scores, _ = detector.run(padded, upsample, threshold)
            for rect, score in zip(rects, scores):
                box = _box(rect, 1.0, (pad, pad))
                cy, cx = (box.top + box.bottom) / 2, (box.left + box.right) / 2
                central = (CROP_CENTRE_MARGIN * work_h <= cy <= (1 - CROP_CENTRE_MARGIN) * work_h
                           and CROP_CENTRE_MARGIN * work_w <= cx <= (1 - CROP_CENTRE_MARGIN) * work_w)
                sized = CROP_FACE_SIZES[0] * side <= box.width <= CROP_FACE_SIZES[1] * side
                if central and sized and score > best_score:
                    best, best_score = box, score
            if best is not None:
                break
        if best is None:
            return None
        return best.scaled(1 / factor).clipped(height, width)

    def fallback_box(self, image: np.ndarray) -> FaceBox | None:
        """The middle of a tight crop (see FALLBACK_FRACTION); None for other pictures."""
        if not looks_like_face_crop(image):
            return None
        height, width = image.shape[:2]
        dy = round(height * (1 - FALLBACK_FRACTION) / 2)
        dx = round(width * (1 - FALLBACK_FRACTION) / 2)
        return FaceBox(dy, width - dx, height - dy, dx)

    # -- encoding ---------------------------------------------------------------------------

    def face_chips(self, image: np.ndarray, boxes: list[FaceBox]) -> list[np.ndarray]:
        """The aligned 150x150 chips the recogniser sees (also handy to show the user).

        A small face is first enlarged with cubic interpolation (only the region around
        it): get_face_chip samples bilinearly, and a 20-40 pixel face stretched straight
        to 150 pixels loses its identity. Measured on the perturbed course photos:
        half-size shots 3/5 -> 5/5 right, the others unchanged.
        """
        import cv2
        import dlib
        image = to_rgb(image)
        _, predictor, _ = load_models()
        height, width = image.shape[:2]
        chips = []
        with self._lock:
            for box in boxes:
                work, rect_box = image, box
                factor = UPSCALE_FACE_WIDTH / max(box.width, 1)
                if factor > 1.2:
                    region = FaceBox(box.top - box.height, box.right + box.width,
                                     box.bottom + box.height, box.left - box.width
                                     ).clipped(height, width)
                    crop = image[region.top:region.bottom, region.left:region.right]
                    work = cv2.resize(crop, None, fx=factor, fy=factor,
                                      interpolation=cv2.INTER_CUBIC)
                    rect_box = box.shifted(-region.top, -region.left).scaled(factor)
                rect = dlib.rectangle(int(rect_box.left), int(rect_box.top),
                                      int(rect_box.right) - 1, int(rect_box.bottom) - 1)
                shape = predictor(work, rect)
                chips.append(dlib.get_face_chip(work, shape, size=CHIP_SIZE,
                                                padding=CHIP_PADDING))
        return chips

    def encode_faces(self, image: np.ndarray, boxes: list[FaceBox]) -> np.ndarray:
        boxes = list(boxes)
        if not boxes:
            return np.zeros((0, 128))
        chips = self.face_chips(image, boxes)
        return self.encode_chips(chips)

    def encode_chips(self, chips: list[np.ndarray]) -> np.ndarray:
        """Encodings (n, 128) of aligned chips, mirrored and averaged when asked."""
        recogniser = load_models()[2]
        batch = list(chips)
        if self.mirror:
            batch += [np.ascontiguousarray(chip[:, ::-1]) for chip in chips]
        with self._lock:
            if self.num_jitters > 0:
                vectors = [recogniser.compute_face_descriptor(chip, self.num_jitters)
                           for chip in batch]
            else:
                vectors = recogniser.compute_face_descriptor(batch)
        encodings = np.array([np.array(v) for v in vectors], dtype=np.float64)
        if self.mirror:
            encodings = (encodings[:len(chips)] + encodings[len(chips):]) / 2
        return encodings


def _box(rect, factor: float, offset: tuple[int, int]) -> FaceBox:
    """A dlib rectangle (inclusive corners) of a resized / padded copy -> FaceBox."""
    dy, dx = offset
    return FaceBox(top=round((rect.top() - dy) * factor),
                   right=round((rect.right() + 1 - dx) * factor),
                   bottom=round((rect.bottom() + 1 - dy) * factor),
                   left=round((rect.left() - dx) * factor))


_default = None
_default_lock = threading.Lock()


def shared_encoder() -> DlibEncoder:
    """One DlibEncoder per process (the models are shared anyway)."""
    global _default
    with _default_lock:
        if _default is None:
            _default = DlibEncoder()
        return _default
