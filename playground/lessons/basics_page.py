"""Lesson 1.1: type values into the course's functions; time loops vs vectorization."""
from __future__ import annotations

from playground.lessons.base import LessonPage
from playground.panels.numpy_playground import NumpyPlayground


class NumpyBasicsPage(LessonPage):
    def __init__(self, lesson, parent=None) -> None:
        super().__init__(lesson, parent)
        self.playground = NumpyPlayground()
        self.work_layout.addWidget(self.playground, 1)
