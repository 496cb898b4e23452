"""Datasets a learner makes: their own pictures, in the course's own h5 layout.

A dataset is one h5 file holding ``train_set_x`` (m, 64, 64, 3) uint8,
``train_set_y`` (1, m), ``test_set_x``, ``test_set_y`` and ``list_classes`` (byte
strings), exactly the keys the course's files use, so the lessons' own readers
(``engine.data.course_files.read_h5_split``, every check included) read it and the
file can be shared. Files live in ``datasets/own/`` of the user data folder; writes are
atomic, and a file that cannot be read is moved aside with a sentence, never deleted.
"""
from __future__ import annotations

import os
import re
import time
from pathlib import Path

import numpy as np

from engine.data.course_files import COURSE_SETS, read_h5_split, user_datasets_dir
from engine.data.dataset import DataError, Dataset
from engine.small_files import write_atomically

PICTURE_SIZE = 64
# Which course set each picture lesson's classes come from.
LESSON_SETS = {"logistic-regression": "catvnoncat", "deep-cat-classifier": "catvnoncat",
               "tensorflow-signs": "signs", "cnn-step-by-step": "signs",
               "cnn-signs": "signs", "happy-house": "happy", "resnet50": "signs"}
CLASS_NAMES = {"catvnoncat": ["non-cat", "cat"],
               "signs": ["0", "1", "2", "3", "4", "5"],
               "happy": ["not happy", "happy"]}


def own_datasets_dir() -> Path:
    return user_datasets_dir() / "own"


def square_picture(image: np.ndarray, size: int = PICTURE_SIZE) -> np.ndarray:
    """The centre square of an RGB picture, resized to ``size`` x ``size`` uint8, as
    the course's files hold their pictures."""
    from PIL import Image

    image = np.asarray(image)
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise DataError(f"A picture must be RGB uint8 (h, w, 3); got {image.dtype} "
                        f"{image.shape}.")
    h, w = image.shape[:2]
    side = min(h, w)
    if side < 8:
        raise DataError(f"A {w}x{h} picture is too small to use.")
    top, left = (h - side) // 2, (w - side) // 2
    square = Image.fromarray(np.ascontiguousarray(image[top:top + side, left:left + side]))
    return np.asarray(square.resize((size, size), Image.Resampling.LANCZOS), np.uint8)


def split_pictures(pictures: dict[str, list[np.ndarray]], classes: list[str],
                   test_fraction: float = 0.2, seed: int = 0):
    """Per class, a shuffled ``test_fraction`` of its pictures (at least one when it
    has two or more) to test on, the rest to train on. Every class needs a picture."""
    if not 0.0 <= test_fraction < 1.0:
        raise DataError(f"The test share must be between 0 and 1; got {test_fraction}.")
    empty = [name for name in classes if not pictures.get(name)]
    if empty:
        raise DataError(f"The class '{empty[0]}' has no pictures: add some before "
                        f"training or saving.")
    rng = np.random.default_rng(seed)
    parts = {"train": ([], []), "test": ([], [])}
    for label, name in enumerate(classes):
        items = pictures[name]
        order = rng.permutation(len(items))
        n_test = int(round(len(items) * test_fraction))
        if test_fraction > 0 and len(items) >= 2:
            n_test = min(max(n_test, 1), len(items) - 1)
        for rank, index in enumerate(order):
            split = "test" if rank < n_test else "train"
            parts[split][0].append(np.asarray(items[index], np.uint8))
            parts[split][1].append(label)
    out = []
    for split in ("train", "test"):
        images, labels = parts[split]
        out.append(np.stack(images) if images else
                   np.zeros((0, PICTURE_SIZE, PICTURE_SIZE, 3), np.uint8))
        out.append(np.asarray(labels, np.int64).reshape(1, -1))
    return tuple(out)


def write_dataset(path: Path | str, X_train, Y_train, X_test, Y_test,
                  classes: list[str]) -> Path:
    """Write the course's layout atomically (temp file in the same folder, fsync,
    rename): a crash leaves the previous file, never half of a new one."""
    import h5py

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)

    def write(handle) -> None:
        with h5py.File(handle, "w") as f:
            f.create_dataset("train_set_x", data=np.asarray(X_train, np.uint8))
            f.create_dataset("train_set_y", data=np.asarray(Y_train, np.int64).reshape(1, -1))
            f.create_dataset("test_set_x", data=np.asarray(X_test, np.uint8))
            f.create_dataset("test_set_y", data=np.asarray(Y_test, np.int64).reshape(1, -1))
            f.create_dataset("list_classes", data=np.array([c.encode() for c in classes]))

    write_atomically(path, write)
    return path


def load_own_dataset(path: Path | str, set_name: str) -> Dataset:
    """Read a dataset file through the lessons' own checks; its classes must be the
    lesson's (as many, 64x64x3 pictures)."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise DataError(f"No dataset file at {path}.")
    course_set = COURSE_SETS[set_name]
    x_train, y_train, train_classes = read_h5_split(path, "train", course_set)
    x_test, y_test, classes = read_h5_split(path, "test", course_set) \
        if _has_test_pictures(path) else (None, None, train_classes)
    classes = classes or train_classes
    if classes is None:
        raise DataError(f"{path.name} has no 'list_classes': a dataset names its classes.")
    if train_classes is not None and train_classes != classes:
        raise DataError(f"{path.name}: its train and test parts name different classes.")
    if x_test is None:
        x_test = np.zeros((0, *course_set.picture), np.uint8)
        y_test = np.zeros((1, 0), np.int64)
    for label, name in enumerate(classes):
        if not np.any(y_train == label):
            raise DataError(f"{path.name}: the class '{name}' has no training pictures.")
    return Dataset(name=set_name, kind="images", X_train=x_train, Y_train=y_train,
                   X_test=x_test, Y_test=y_test, classes=list(classes),
                   provenance=f"Your dataset {path.name} ({x_train.shape[0]} training and "
                              f"{x_test.shape[0]} test pictures) from {path.parent}",
                   is_standin=False, extra={"own_dataset": str(path)})


def _has_test_pictures(path: Path) -> bool:
    """A dataset may be all training pictures (split slider at 0): the course's
    test reader needs at least one picture, so look at the declared shape first."""
    import h5py

    try:
        with h5py.File(path, "r") as f:
            node = f.get("test_set_x")
            return node is not None and hasattr(node, "shape") and \
                len(node.shape) == 4 and node.shape[0] > 0
    except (OSError, ValueError):
        return True   # let the full reader say what is wrong


def safe_name(name: str) -> str:
    """A file name from what the learner typed: letters, digits, - and _."""
    cleaned = re.sub(r"[^A-Za-z0-9_-]+", "-", name.strip()).strip("-")[:60]
    if not cleaned:
        raise DataError("Give the dataset a name (letters, digits, - or _).")
    return cleaned


def move_aside(path: Path) -> Path:
    """Rename an unreadable dataset file out of the way (kept, not deleted)."""
    target = path.with_name(f"{path.name}.unreadable-{time.strftime('%Y%m%d-%H%M%S')}")
    os.replace(path, target)
    return target


def list_own_datasets(set_name: str | None = None) -> list[Path]:
    """The dataset files in the user folder (all, or those named for one set)."""
    folder = own_datasets_dir()
    if not folder.is_dir():
        return []
    files = sorted(p for p in folder.glob("*.h5") if p.is_file())
    if set_name:
        files = [p for p in files if p.stem.startswith(set_name + "-")]
    return files
