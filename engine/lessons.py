"""The lesson registry: every lesson is declared once and found here by id.

The GUI page, the headless runner and the tests all go through these
declarations; a lesson module under ``engine/lesson_runs/`` declares one
:class:`Lesson` and this registry imports it lazily, so importing the registry
never imports TensorFlow or the course data.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any, Callable

from engine.settings import make_settings


@dataclass
class Lesson:
    id: str
    title: str
    course: str                 # "Course 1 — Neural Networks and Deep Learning"
    section: str                # "1.2"
    settings: type              # dataclass declared with engine.settings.setting
    run: Callable               # run(settings, on_event, control, dataset=None) -> dict
    load_data: Callable | None = None   # load_data(settings) -> Dataset
    summary: str = ""
    kind: str = "numpy"         # "numpy" or "keras" (keras lessons import TF lazily)
    # Extra jobs a page can start, e.g. the hidden-layer sweep: name -> run-like callable.
    actions: dict[str, Callable] = field(default_factory=dict)
    # (result of a finished run, image array or path) -> {"label", "probability"}
    classify_image: Callable | None = None

    def default_settings(self):
        return make_settings(self.settings)

    def make_settings(self, overrides: dict[str, Any] | None = None):
        return make_settings(self.settings, overrides)


COURSE_1 = "Course 1 — Neural Networks and Deep Learning"
COURSE_2 = "Course 2 — Improving Deep Neural Networks"
COURSE_4 = "Course 4 — Convolutional Neural Networks"

# id -> module under engine.lesson_runs that defines ``LESSON``. Order is the
# order of the navigator.
_MODULES = {
    "numpy-basics": "numpy_basics",
    "logistic-regression": "logistic_regression",
    "planar-one-hidden-layer": "planar",
    "deep-step-by-step": "deep_step_by_step",
    "deep-cat-classifier": "deep_cat",
    "initialization": "initialization",
    "regularization": "regularization",
    "gradient-checking": "gradient_checking",
    "optimization": "optimization",
    "tensorflow-signs": "tensorflow_signs",
    "cnn-step-by-step": "cnn_step_by_step",
    "cnn-signs": "cnn_signs",
    "happy-house": "happy_house",
    "resnet50": "resnet50",
    "car-detection": "car_detection",
    "face-recognition": "face_recognition",
    "neural-style-transfer": "neural_style_transfer",
}

_cache: dict[str, Lesson] = {}


class UnknownLesson(KeyError):
    def __str__(self) -> str:
        return (f"Unknown lesson '{self.args[0]}'. Known lessons: "
                f"{', '.join(_MODULES)}.")


def lesson_ids() -> list[str]:
    return list(_MODULES)


def get_lesson(lesson_id: str) -> Lesson:
    if lesson_id not in _MODULES:
        raise UnknownLesson(lesson_id)
    if lesson_id not in _cache:
        module = importlib.import_module(f"engine.lesson_runs.{_MODULES[lesson_id]}")
        _cache[lesson_id] = module.LESSON
    return _cache[lesson_id]


def all_lessons() -> list[Lesson]:
    return [get_lesson(i) for i in _MODULES]
