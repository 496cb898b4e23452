"""A dataset being made: pictures per class, from the camera, files or a folder.

The "Make a dataset" panel holds one ``DatasetDraft``; every picture is stored as the
course's files hold theirs (centre square, 64x64 RGB uint8) the moment it is added, so
what the thumbnails show is what the lesson will train on. Saving writes the course's
h5 layout (``engine.data.own_datasets``) and reads it back through the lessons' own
checks before saying it worked.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from engine.data.dataset import DataError
from engine.data.own_datasets import CLASS_NAMES, LESSON_SETS, load_own_dataset, \
    own_datasets_dir, safe_name, split_pictures, square_picture, write_dataset

# Far more than anyone records by hand; keeps a runaway "hold to record" bounded
# (64x64x3 bytes each: 20,000 pictures are 245 MB).
MAX_PICTURES_PER_CLASS = 5000


class DatasetDraft:
    def __init__(self, lesson_id: str) -> None:
        if lesson_id not in LESSON_SETS:
            raise DataError(f"The lesson '{lesson_id}' does not train on pictures.")
        self.set_name = LESSON_SETS[lesson_id]
        self.classes = list(CLASS_NAMES[self.set_name])
        self.pictures: dict[str, list[np.ndarray]] = {c: [] for c in self.classes}

    # --- adding ---
    def add_frame(self, class_name: str, frame: np.ndarray) -> np.ndarray:
        """A camera frame (RGB uint8): cropped, resized and added; returns the picture."""
        items = self._class(class_name)
        if len(items) >= MAX_PICTURES_PER_CLASS:
            raise DataError(f"The class '{class_name}' already holds "
                            f"{MAX_PICTURES_PER_CLASS:,} pictures, the most a dataset keeps.")
        picture = square_picture(frame)
        items.append(picture)
        return picture

    def add_files(self, class_name: str, paths) -> tuple[int, list[str]]:
        """Add picture files; returns (added, one sentence per file that was refused)."""
        from engine.faces.errors import FaceError
        from engine.faces.images import read_image

        added, problems = 0, []
        for path in paths:
            try:
                self.add_frame(class_name, read_image(path))
                added += 1
            except (DataError, FaceError) as exc:
                problems.append(str(exc))
        return added, problems

    def import_folder(self, folder) -> tuple[int, list[str]]:
        """A folder with one sub-folder per class (named as the lesson's classes, any
        case); unknown sub-folder names are refused before anything is added."""
        from engine.faces.images import list_images

        folder = Path(folder)
        if not folder.is_dir():
            raise DataError(f"{folder} is not a folder.")
        by_lower = {c.lower(): c for c in self.classes}
        subfolders = sorted(p for p in folder.iterdir() if p.is_dir()
                            and not p.name.startswith("."))
        unknown = [p.name for p in subfolders if p.name.lower() not in by_lower]
        if unknown:
            raise DataError(f"{folder.name} has sub-folders {', '.join(unknown[:5])} that "
                            f"are not classes of this lesson (expected one sub-folder per "
                            f"class: {', '.join(self.classes)}).")
        if not subfolders:
            raise DataError(f"{folder.name} has no sub-folders: put each class's pictures "
                            f"in a sub-folder named {', '.join(self.classes)}.")
        added, problems = 0, []
        for sub in subfolders:
            files = list_images(sub)[:MAX_PICTURES_PER_CLASS]
            n, bad = self.add_files(by_lower[sub.name.lower()], files)
            added += n
            problems += bad
        return added, problems

    # --- editing ---
    def delete(self, class_name: str, index: int) -> None:
        items = self._class(class_name)
        if 0 <= index < len(items):
            del items[index]

    def clear(self, class_name: str) -> None:
        self._class(class_name).clear()

    def counts(self) -> dict[str, int]:
        return {c: len(v) for c, v in self.pictures.items()}

    def total(self) -> int:
        return sum(self.counts().values())

    # --- saving ---
    def default_path(self, name: str) -> Path:
        return own_datasets_dir() / f"{self.set_name}-{safe_name(name)}.h5"

    def save(self, path, test_fraction: float = 0.2, seed: int = 0) -> Path:
        """Split per class, write atomically, and read it back through the lessons'
        own loader: a file the lesson would refuse is never left behind."""
        arrays = split_pictures(self.pictures, self.classes, test_fraction, seed)
        path = Path(path)
        # written and checked beside the target, then renamed over it: an earlier
        # good file stays until the new one has passed the lesson's checks
        checking = path.with_name(f".checking-{path.name}")
        try:
            write_dataset(checking, *arrays, self.classes)
            load_own_dataset(checking, self.set_name)
            os.replace(checking, path)
        finally:
            checking.unlink(missing_ok=True)
        return path

    def load(self, path) -> None:
        """Start from a saved dataset (train and test pictures back in their classes)."""
        dataset = load_own_dataset(path, self.set_name)
        pictures = {c: [] for c in self.classes}
        for X, Y in ((dataset.X_train, dataset.Y_train), (dataset.X_test, dataset.Y_test)):
            for image, label in zip(X, np.asarray(Y).reshape(-1)):
                pictures[self.classes[int(label)]].append(np.array(image))
        self.pictures = pictures

    def _class(self, class_name: str) -> list:
        if class_name not in self.pictures:
            raise DataError(f"'{class_name}' is not a class of this lesson "
                            f"({', '.join(self.classes)}).")
        return self.pictures[class_name]
