"""The SIGNS data of the TensorFlow lesson: hand signs for the digits 0 to 5.

The course's ``train_signs.h5`` / ``test_signs.h5`` are used when both are found.
Otherwise the lesson trains on drawn hand signs (``engine/data/hand_signs.py``) with
the same shapes and classes, and when the real ``test_signs.h5`` alone is present
(as it is in this project's shared data) it is carried along in ``extra["real_test"]``
so the lesson can also report how the model does on real photographs.
"""
from __future__ import annotations

import functools

import numpy as np

from engine.data.course_files import h5_files_present, load_h5_dataset, real_test_set, \
    with_real_test
from engine.data.dataset import Dataset

CLASSES = ["0", "1", "2", "3", "4", "5"]
# The course's split: 180 training and 20 test pictures of each digit.
TRAIN_PER_CLASS, TEST_PER_CLASS = 180, 20


@functools.lru_cache(maxsize=4)
def _standin_arrays(seed: int, train_per_class: int, test_per_class: int):
    from engine.data.hand_signs import hand_sign_pictures

    rng = np.random.default_rng(seed)
    out = []
    for per_class in (train_per_class, test_per_class):
        labels = rng.permutation(np.repeat(np.arange(len(CLASSES)), per_class))
        images = hand_sign_pictures(rng, labels)
        labels = labels.astype(np.int64).reshape(1, -1)
        # shared by every caller in this process: nobody may draw on the cached copy
        images.flags.writeable = False
        labels.flags.writeable = False
        out += [images, labels]
    return tuple(out)


def signs_standin(seed: int = 0, train_per_class: int = TRAIN_PER_CLASS,
                  test_per_class: int = TEST_PER_CLASS) -> Dataset:
    """Drawn hand signs: 1080 training and 120 test pictures, 64x64x3 uint8, classes
    "0".."5" (the number of raised fingers), deterministic for ``seed``."""
    x_train, y_train, x_test, y_test = _standin_arrays(seed, train_per_class, test_per_class)
    return Dataset(name="signs", kind="images", X_train=x_train, Y_train=y_train,
                   X_test=x_test, Y_test=y_test, classes=list(CLASSES),
                   provenance=f"Procedural stand-in (drawn hands showing 0-5 fingers, seed "
                              f"{seed}), not the course data: put train_signs.h5 and "
                              f"test_signs.h5 in the data folder to use the real set",
                   is_standin=True)


def _real_test_set() -> dict | None:
    """The course's test_signs.h5 on its own, or None when it is not there."""
    return real_test_set("test_signs.h5", "SIGNS", CLASSES)


def load_signs_dataset(seed: int = 0) -> Dataset:
    """The course's SIGNS files when both are present, else the drawn stand-in
    (with the real test file in ``extra["real_test"]`` when that one is present)."""
    if h5_files_present("signs"):
        return load_h5_dataset("signs")
    return with_real_test(signs_standin(seed), _real_test_set())
