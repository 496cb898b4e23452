"""Who came home when: the newest arrival on top, and a Clear button."""
from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QListWidget, QPushButton, QVBoxLayout,
                               QWidget)


def _fields(entry) -> tuple[str, float | str | None]:
    """(name, time) from an ArrivalLog entry: a (name, time) pair, a dict or an object."""
    if isinstance(entry, dict):
        return str(entry.get("name", "?")), entry.get("time", entry.get("timestamp"))
    if isinstance(entry, (tuple, list)) and len(entry) >= 2:
        return str(entry[0]), entry[1]
    return str(getattr(entry, "name", entry)), getattr(entry, "time", None)


def format_time(when) -> str:
    if isinstance(when, (int, float)):
        stamp = dt.datetime.fromtimestamp(when)
    elif isinstance(when, dt.datetime):
        stamp = when
    elif isinstance(when, str):
        try:
            stamp = dt.datetime.fromisoformat(when)
        except ValueError:
            return when
    else:
        return ""
    today = dt.date.today()
    return stamp.strftime("%H:%M:%S" if stamp.date() == today else "%d %b %H:%M")


class ArrivalLogView(QWidget):
    clear_requested = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        head = QHBoxLayout()
        title = QLabel("<b>Arrivals</b>")
        head.addWidget(title)
        head.addStretch(1)
        self.clear_button = QPushButton("Clear")
        self.clear_button.setObjectName("clearArrivalsButton")
        self.clear_button.clicked.connect(self.clear_requested)
        head.addWidget(self.clear_button)
        layout.addLayout(head)
        self.list = QListWidget()
        self.list.setObjectName("arrivalList")
        self.list.setAlternatingRowColors(True)
        layout.addWidget(self.list, 1)

    def set_entries(self, entries) -> None:
        self.list.clear()
        for entry in reversed(list(entries)):
            self.list.addItem(self._text(entry))
        if not self.list.count():
            self.list.addItem("Nobody yet.")
        self.clear_button.setEnabled(bool(entries))

    def add_entry(self, name: str, when) -> None:
        if self.list.count() == 1 and self.list.item(0).text() == "Nobody yet.":
            self.list.clear()
        self.list.insertItem(0, self._text((name, when)))
        self.clear_button.setEnabled(True)

    def names(self) -> list[str]:
        """Newest first (for tests): the names shown."""
        return [self.list.item(i).text().split("  ", 1)[-1] for i in range(self.list.count())
                if self.list.item(i).text() != "Nobody yet."]

    @staticmethod
    def _text(entry) -> str:
        name, when = _fields(entry)
        return f"{format_time(when)}  {name}"
