"""The Happy House data: pictures of faces at the front door, happy (1) or not (0).

The course's ``train_happy.h5`` / ``test_happy.h5`` are used when both are found.
Otherwise the lesson trains on drawn faces (``engine/data/happy_faces.py``) with the
same shapes (600 training and 150 test pictures, 64x64x3) and classes, and when the
real ``test_happy.h5`` alone is present (as it is in this project's shared data) it
is carried along in ``extra["real_test"]`` so the lesson can also report how the
model does on the real photographs. ``jitter_pictures`` makes the randomly altered
copies the lesson's optional "Vary the training pictures" trains on.
"""
from __future__ import annotations

import functools

import numpy as np

from engine.data.course_files import find_course_file, h5_files_present, load_h5_dataset, \
    real_test_set, with_real_test
from engine.data.dataset import DataError, Dataset

# The course's test file lists its classes as the numbers [0 1]; these are their names.
CLASSES = ["not happy", "happy"]
TRAIN_SIZE, TEST_SIZE = 600, 150


@functools.lru_cache(maxsize=4)
def _standin_arrays(seed: int, train_size: int, test_size: int):
    from engine.data.happy_faces import happy_face_pictures

    rng = np.random.default_rng(seed)
    out = []
    for size in (train_size, test_size):
        # as many happy as not-happy pictures (one more not-happy when the size is odd)
        labels = rng.permutation(np.arange(size, dtype=np.int64) % 2)
        images = happy_face_pictures(rng, labels)
        labels = labels.reshape(1, -1)
        # shared by every caller in this process: nobody may draw on the cached copy
        images.flags.writeable = False
        labels.flags.writeable = False
        out += [images, labels]
    return tuple(out)


def happy_standin(seed: int = 0, train_size: int = TRAIN_SIZE,
                  test_size: int = TEST_SIZE) -> Dataset:
    """Drawn faces: 600 training and 150 test pictures, 64x64x3 uint8, half of them
    smiling ("happy", label 1), deterministic for ``seed``."""
    x_train, y_train, x_test, y_test = _standin_arrays(seed, train_size, test_size)
    return Dataset(name="happy", kind="images", X_train=x_train, Y_train=y_train,
                   X_test=x_test, Y_test=y_test, classes=list(CLASSES),
                   provenance=f"Procedural stand-in (drawn faces, smiling or not, seed "
                              f"{seed}), not the course data: put train_happy.h5 and "
                              f"test_happy.h5 in the data folder to use the real set",
                   is_standin=True)


def _class_names(classes: list[str], path) -> list[str]:
    """The file's ``list_classes`` are the numbers 0 and 1; name them."""
    if len(classes) != 2:
        raise DataError(f"{path.name} lists {len(classes)} classes; the Happy House "
                        f"pictures have two (0 not happy, 1 happy).")
    return list(CLASSES)


def _real_test_set() -> dict | None:
    """The course's test_happy.h5 on its own, or None when it is not there."""
    return real_test_set("test_happy.h5", "Happy House", CLASSES)


def load_happy_dataset(seed: int = 0) -> Dataset:
    """The course's Happy House files when both are present, else the drawn stand-in
    (with the real test file in ``extra["real_test"]`` when that one is present)."""
    if h5_files_present("happy"):
        dataset = load_h5_dataset("happy")
        dataset.classes = _class_names(dataset.classes, find_course_file("test_happy.h5"))
        return dataset
    return with_real_test(happy_standin(seed), _real_test_set())


def jitter_pictures(images: np.ndarray, rng, shift: int = 4) -> np.ndarray:
    """A randomly altered copy of ``images`` (m, 64, 64, 3) uint8, for one epoch of
    training: each picture moved up to ``shift`` pixels each way (edges repeated),
    mirrored half of the time, and given another exposure, contrast and colour cast.

    Drawn faces differ from the course's photos most in overall colour and
    brightness; changing those at random every epoch leaves the mouth as the one
    steady cue for "happy"."""
    images = np.asarray(images)
    m, height, width, _ = images.shape
    padded = np.pad(images, ((0, 0), (shift, shift), (shift, shift), (0, 0)), mode="edge")
    dy, dx = rng.integers(0, 2 * shift + 1, (2, m))
    flip = rng.random(m) < 0.5
    out = np.empty(images.shape, np.float32)
    for i in range(m):
        crop = padded[i, dy[i]:dy[i] + height, dx[i]:dx[i] + width]
        out[i] = crop[:, ::-1] if flip[i] else crop
    mean = out.mean(axis=(1, 2, 3), keepdims=True)
    contrast = rng.uniform(0.7, 1.3, (m, 1, 1, 1)).astype(np.float32)
    exposure = rng.uniform(0.6, 1.4, (m, 1, 1, 1)).astype(np.float32)
    cast = rng.uniform(0.88, 1.12, (m, 1, 1, 3)).astype(np.float32)
    out = ((out - mean) * contrast + mean) * exposure * cast
    return np.clip(out + 0.5, 0, 255).astype(np.uint8)
