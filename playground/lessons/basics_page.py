"""Lesson 1.1: type values into the course's functions; time loops vs vectorization."""
from __future__ import annotations

from PySide6.QtWidgets import QFrame, QScrollArea

from playground.lessons.base import LessonPage
from playground.panels.numpy_playground import NumpyPlayground


class NumpyBasicsPage(LessonPage):
    def __init__(self, lesson, parent=None) -> None:
        super().__init__(lesson, parent)
        self.playground = NumpyPlayground()
        area = QScrollArea()   # taller than a 720-pixel screen leaves it: scroll, not grow
        area.setWidgetResizable(True)
        area.setFrameShape(QFrame.Shape.NoFrame)
        area.setWidget(self.playground)
        self.work_layout.addWidget(area, 1)
