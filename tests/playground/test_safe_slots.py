"""No exception escapes a Qt event handler: the guard turns it into a sentence."""
from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from playground.safe_slots import guarded, sentence

ROOT = Path(__file__).resolve().parents[2]
# closeEvent guards each page's shutdown itself (the window must close regardless).
UNGUARDED_ON_PURPOSE = {("playground/main_window.py", "closeEvent")}


def test_every_event_handler_in_the_app_is_guarded():
    missing = []
    for path in sorted((ROOT / "playground").rglob("*.py")):
        lines = path.read_text(encoding="utf-8").splitlines()
        for i, line in enumerate(lines):
            m = re.match(r"\s+def (\w+Event|eventFilter)\(", line)
            name = str(path.relative_to(ROOT))
            if m and not lines[i - 1].strip().startswith("@guarded") \
                    and (name, m.group(1)) not in UNGUARDED_ON_PURPOSE:
                missing.append(f"{name}:{i + 1} {m.group(1)}")
    assert missing == []


class Page(QWidget):
    def __init__(self):
        super().__init__()
        self.said = QLabel()
        QVBoxLayout(self).addWidget(self.said)
        self.child = Broken(self)
        self.layout().addWidget(self.child)

    def show_problem(self, text):
        self.said.setText(text)


class Broken(QWidget):
    @guarded("draw the thing")
    def showEvent(self, event):
        super().showEvent(event)
        raise ValueError("a cell holds text where a number belongs\nsecond line")

    @guarded("filter", default=False)
    def eventFilter(self, watched, event):
        raise KeyError("x")


def test_an_exception_in_a_child_handler_is_said_on_its_page(qtbot):
    page = Page()
    qtbot.addWidget(page)
    page.show()  # pytest-qt fails the test if the exception escaped to Qt
    qtbot.waitUntil(page.child.isVisible)
    assert page.said.text() == ("Could not draw the thing: a cell holds text where a "
                                "number belongs (ValueError).")
    assert page.child.eventFilter(None, None) is False


def test_sentence_is_one_short_line():
    text = sentence(RuntimeError("x" * 1000 + "\nmore"), "open it")
    assert "\n" not in text and len(text) < 220
    assert sentence(RuntimeError(), "open it") == "Could not open it (RuntimeError)."
