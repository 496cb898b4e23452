"""Which course files and weights each lesson can use, and which of them are here.

The welcome page and Help read this; it only looks at file names on disk (no file is
opened), so it is cheap enough to run whenever the welcome page is shown.
"""
from __future__ import annotations

from dataclasses import dataclass

from engine.data.course_files import find_course_file, search_folders
from engine.weights import REGISTRY, weights_dir

CAT = ("train_catvnoncat.h5", "test_catvnoncat.h5")
SIGNS = ("train_signs.h5", "test_signs.h5")
HAPPY = ("train_happy.h5", "test_happy.h5")

# lesson id -> the course data files its page trains or tests on. A lesson not listed
# makes its data the way the course does (NumPy generators, random arrays).
LESSON_FILES = {
    "logistic-regression": CAT,
    "deep-cat-classifier": CAT,
    "regularization": ("data.mat",),
    "tensorflow-signs": SIGNS,
    "cnn-step-by-step": SIGNS,
    "cnn-signs": SIGNS,
    "happy-house": HAPPY,
    "resnet50": SIGNS,
}
# lesson id -> weights registry names it can use (engine/weights.py).
LESSON_WEIGHTS = {
    "resnet50": ("resnet50",),
    "face-recognition": ("facenet", "happy-house"),
}
FACES_FOLDER = "faces"


@dataclass(frozen=True)
class LessonData:
    lesson_id: str
    found: tuple[str, ...]
    missing: tuple[str, ...]

    @property
    def needs_files(self) -> bool:
        return bool(self.found or self.missing)

    @property
    def standin(self) -> bool:
        """True when the lesson trains on a stand-in: its training file is missing."""
        return any(name.startswith("train_") or name == "data.mat" for name in self.missing)

    def sentence(self) -> str:
        if not self.needs_files:
            return "Makes its data as the course does: nothing to install."
        if not self.missing:
            return "Course files found: " + ", ".join(self.found) + "."
        text = "Missing " + ", ".join(self.missing)
        if self.standin:
            text += ": trains on a stand-in of the same shape"
            if self.found:
                text += " and tests on the real " + ", ".join(self.found)
        return text + "."


def lesson_data(lesson_id: str) -> LessonData:
    names = LESSON_FILES.get(lesson_id, ())
    found = tuple(n for n in names if find_course_file(n) is not None)
    missing = tuple(n for n in names if n not in found)
    return LessonData(lesson_id, found, missing)


def faces_folder_found() -> bool:
    return any((folder / FACES_FOLDER).is_dir() for folder in search_folders())


def weights_found() -> dict[str, bool]:
    """Registry name -> whether a file for it is in the weights folder."""
    out = {}
    for name, entry in REGISTRY.items():
        try:
            out[name] = entry.find() is not None
        except OSError:
            out[name] = False
    return out


def weights_lines() -> list[tuple[str, bool, str]]:
    """(description, found, where to get it) for every registered weights file."""
    found = weights_found()
    return [(entry.description, found[name], entry.where_to_get)
            for name, entry in REGISTRY.items()]


def folders_text() -> list[str]:
    return [str(folder) for folder in search_folders()] + [str(weights_dir())]
