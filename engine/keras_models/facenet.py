"""Lesson 4.6 (catalog 3.6): face verification and recognition for the Happy House.

The course's functions with their names, signatures, prints and return values:
``triplet_loss``, ``faceRecoModel`` (engine/keras_models/facenet_model.py),
``img_to_encoding``, ``verify``, ``who_is_it``, ``load_weights_from_FaceNet``.

``model`` may be the course's Keras FaceNet or any ``FaceEncoder``. The course's
pretrained weights are not shipped (see weights/README.md), so the application's
default is the embedded dlib encoder (``default_encoder()``); a FaceNet with the
course's weights, when the learner has them, is wrapped by ``FaceNetEncoder``.

TensorFlow / Keras are imported inside functions: importing this module is cheap.
"""
from __future__ import annotations

import threading

import numpy as np

from engine.faces.encoder import FaceBox, FaceEncoder, looks_like_face_crop
from engine.faces.images import read_image, to_rgb
from engine.keras_models.facenet_model import INPUT_SIZE, TOTAL_PARAMS, WEIGHTS, faceRecoModel
from engine.keras_models.facenet_weights import (find_facenet_weights, load_weights,
                                                 load_weights_from_FaceNet)

__all__ = ["triplet_loss", "faceRecoModel", "img_to_encoding", "verify", "who_is_it",
           "load_weights", "load_weights_from_FaceNet", "FaceNetEncoder", "default_encoder",
           "COURSE_THRESHOLD", "TOTAL_PARAMS", "WEIGHTS", "find_facenet_weights"]

# The course opens the door below this L2 distance between FaceNet encodings.
COURSE_THRESHOLD = 0.7
# Context kept around a detected face when cropping a camera frame for FaceNet: in
# the course's 96x96 photos dlib's face box spans about two thirds of the picture
# (younes.jpg: 62 of 96 pixels), so a quarter of the box is added on every side.
CROP_MARGIN = 0.25


def triplet_loss(y_true, y_pred, alpha=0.2):
    """sum_i max(||f(A)-f(P)||^2 - ||f(A)-f(N)||^2 + alpha, 0) over the batch.

    ``y_true`` is unused (Keras's loss signature); ``y_pred = [anchor, positive,
    negative]``, each (None, 128).
    """
    from engine.keras_models.job_callback import load_tensorflow

    tf, _ = load_tensorflow()
    anchor, positive, negative = y_pred[0], y_pred[1], y_pred[2]
    pos_dist = tf.reduce_sum(tf.square(tf.subtract(anchor, positive)), axis=-1)
    neg_dist = tf.reduce_sum(tf.square(tf.subtract(anchor, negative)), axis=-1)
    basic_loss = tf.add(tf.subtract(pos_dist, neg_dist), alpha)
    return tf.reduce_sum(tf.maximum(basic_loss, 0.0))


# --- feeding the Keras network ------------------------------------------------------

def _channels_first(model) -> bool:
    shape = tuple(model.inputs[0].shape)
    return len(shape) == 4 and shape[1] == 3 and shape[-1] != 3


def face_batch(images) -> np.ndarray:
    """RGB uint8 faces -> (m, 96, 96, 3) float32 in [0, 1], as img_to_encoding prepares
    them (the course reads BGR with OpenCV, flips it to RGB and divides by 255)."""
    import cv2

    batch = []
    for image in images:
        image = to_rgb(image)
        if image.shape[:2] != (INPUT_SIZE, INPUT_SIZE):
            shrink = min(image.shape[:2]) > INPUT_SIZE
            image = cv2.resize(image, (INPUT_SIZE, INPUT_SIZE),
                               interpolation=cv2.INTER_AREA if shrink else cv2.INTER_LINEAR)
        batch.append(np.around(image / 255.0, decimals=12))
    return np.asarray(batch, dtype=np.float32).reshape(-1, INPUT_SIZE, INPUT_SIZE, 3)


def _predict(model, batch: np.ndarray) -> np.ndarray:
    if _channels_first(model):
        batch = np.transpose(batch, (0, 3, 1, 2))
    return np.asarray(model.predict_on_batch(batch))


# --- the course's functions -------------------------------------------------------------

def img_to_encoding(image_path, model):
    """The (1, 128) encoding of the face in ``image_path`` (a path or an RGB array)."""
    image = read_image(image_path) if not isinstance(image_path, np.ndarray) \
        else to_rgb(image_path)
    if isinstance(model, FaceEncoder):
        return model.encode_single(image).reshape(1, -1)
    return _predict(model, face_batch([image]))


def _threshold(model) -> float:
    return float(model.threshold) if isinstance(model, FaceEncoder) else COURSE_THRESHOLD


def verify(image_path, identity, database, model):
    """Is the person in ``image_path`` the resident ``identity``? -> (dist, door_open)."""
    encoding = img_to_encoding(image_path, model)
    dist = np.linalg.norm(encoding - database[identity])
    if dist < _threshold(model):
        print("It's " + str(identity) + ", welcome home!")
        door_open = True
    else:
        print("It's not " + str(identity) + ", please go away")
        door_open = False
    return dist, door_open


def who_is_it(image_path, database, model):
    """Who of ``database`` is in ``image_path``? -> (min_dist, identity)."""
    encoding = img_to_encoding(image_path, model)
    min_dist = 100
    identity = None
    for (name, db_enc) in database.items():
        dist = np.linalg.norm(encoding - db_enc)
        if dist < min_dist:
            min_dist = dist
            identity = name
    if min_dist > _threshold(model):
        print("Not in the database.")
    else:
        print("it's " + str(identity) + ", the distance is " + str(min_dist))
    return min_dist, identity


# --- encoders ---------------------------------------------------------------------------

def default_encoder() -> FaceEncoder:
    """The embedded dlib encoder, one per process (its models take a second to load;
    dlib_encoder.shared_encoder keeps the one instance)."""
    from engine.faces.dlib_encoder import shared_encoder
    return shared_encoder()


def crop_face(image: np.ndarray, box: FaceBox, margin: float = CROP_MARGIN) -> np.ndarray:
    """A square crop around ``box`` with ``margin`` of its size added on every side,
    clipped to the image."""
    height, width = image.shape[:2]
    side = max(box.width, box.height) * (1 + 2 * margin)
    cy, cx = (box.top + box.bottom) / 2, (box.left + box.right) / 2
    square = FaceBox(round(cy - side / 2), round(cx + side / 2), round(cy + side / 2),
                     round(cx - side / 2)).clipped(height, width)
    if square.area == 0:
        return image
    return image[square.top:square.bottom, square.left:square.right]


class FaceNetEncoder(FaceEncoder):
    """The course's FaceNet (a faceRecoModel with loaded weights) as a FaceEncoder.

    Faces are found by the dlib detector; each is cropped with a margin, resized to
    96x96 RGB and scaled to [0, 1] as the course's img_to_encoding does. A picture
    that is already a tight face crop (the course's photos) is fed whole, which is
    what the course did.
    """

    name = "FaceNet Inception (course weights)"
    threshold = COURSE_THRESHOLD
    # The door's safety checks (engine/faces/door_safety.py). Not measured for FaceNet
    # (its course weights are the user's to supply): the quality gate is the same, and
    # the margins are dlib's measured 0.1 of 0.6 scaled to this threshold.
    door_sure_gap = COURSE_THRESHOLD / 6
    door_margin = COURSE_THRESHOLD / 6
    door_checks_quality = True

    def __init__(self, model, locator: FaceEncoder | None = None,
                 margin: float = CROP_MARGIN) -> None:
        self.model = model
        self.margin = float(margin)
        self._locator = locator
        self._lock = threading.Lock()

    @classmethod
    def from_weights(cls, path=None) -> "FaceNetEncoder":
        """Build faceRecoModel and load the course's weights (found in the user data
        folder when ``path`` is None); WeightsError with where to put them otherwise."""
        from engine.weights import get_entry
        return cls(get_entry("facenet").load(path))

    @property
    def locator(self) -> FaceEncoder:
        return self._locator or default_encoder()

    def locate(self, image: np.ndarray) -> list[FaceBox]:
        return self.locator.locate(image)

    def encode_faces(self, image: np.ndarray, boxes: list[FaceBox]) -> np.ndarray:
        boxes = list(boxes)
        if not boxes:
            return np.zeros((0, 128))
        image = to_rgb(image)
        batch = face_batch([crop_face(image, box, self.margin) for box in boxes])
        with self._lock:
            encodings = _predict(self.model, batch)
        return np.asarray(encodings, dtype=np.float64)

    def encode_single(self, image: np.ndarray) -> np.ndarray:
        image = to_rgb(image)
        if looks_like_face_crop(image):
            with self._lock:
                return np.asarray(_predict(self.model, face_batch([image])),
                                  dtype=np.float64)[0]
        return super().encode_single(image)
