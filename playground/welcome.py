"""The first page: what the app is, every lesson as a picture to click, and what
course files and weights were found (and what to do about the missing ones)."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import (QLabel, QListView, QListWidget, QListWidgetItem, QPushButton,
                               QHBoxLayout, QVBoxLayout, QWidget)

from engine.lessons import all_lessons
from playground import data_status
from playground.safe_slots import guarded

THUMBNAILS_DIR = Path(__file__).resolve().parents[1] / "assets" / "thumbnails"
THUMB_SIZE = QSize(224, 126)


def thumbnail(lesson) -> QPixmap:
    """The lesson's committed picture (playground/thumbnails.py), or its number drawn."""
    path = THUMBNAILS_DIR / f"{lesson.id}.png"
    pixmap = QPixmap(str(path)) if path.is_file() else QPixmap()
    if not pixmap.isNull():
        return pixmap.scaled(THUMB_SIZE, Qt.AspectRatioMode.KeepAspectRatio,
                             Qt.TransformationMode.SmoothTransformation)
    pixmap = QPixmap(THUMB_SIZE)
    pixmap.fill(QColor("#e8eef5"))
    painter = QPainter(pixmap)
    font = QFont()
    font.setPointSize(28)
    font.setBold(True)
    painter.setFont(font)
    painter.setPen(QColor("#1f4e79"))
    painter.drawText(pixmap.rect(), Qt.AlignmentFlag.AlignCenter, lesson.section)
    painter.end()
    return pixmap


class WelcomePage(QWidget):
    lesson_chosen = Signal(str)
    import_requested = Signal()
    help_requested = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("welcomePage")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 8)
        intro = QLabel(
            "<h2 style='color:#1f4e79'>Welcome to DL Playground</h2>"
            "Every programming lesson of the deep learning course, as a page you can "
            "play with: the course's own functions train live while you watch the cost "
            "fall and the decision boundary bend. Pause, step one iteration at a time, "
            "change the learning rate mid-run, click to add data points, or show a "
            "classifier a picture of your own. Pick a lesson below (or on the left; "
            "<b>Ctrl+L</b> folds that list away, <b>Ctrl+R</b> reads a lesson full "
            "width, <b>F1</b> opens the help).")
        intro.setObjectName("welcomeIntro")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.map = QListWidget(objectName="lessonMap")
        self.map.setViewMode(QListView.ViewMode.IconMode)
        self.map.setIconSize(THUMB_SIZE)
        self.map.setGridSize(QSize(THUMB_SIZE.width() + 24, THUMB_SIZE.height() + 52))
        self.map.setResizeMode(QListView.ResizeMode.Adjust)
        self.map.setMovement(QListView.Movement.Static)
        self.map.setWordWrap(True)
        self.map.setUniformItemSizes(True)
        self.map.setSpacing(4)
        self.map.setStyleSheet("QListWidget { border: none; background: transparent; }")
        for lesson in all_lessons():
            item = QListWidgetItem(QIcon(thumbnail(lesson)), f"{lesson.section}  {lesson.title}")
            item.setData(Qt.ItemDataRole.UserRole, lesson.id)
            item.setToolTip(f"{lesson.course}\n{lesson.section}  {lesson.title}\n{lesson.summary}")
            self.map.addItem(item)
        self.map.itemActivated.connect(self._chosen)
        self.map.itemClicked.connect(self._chosen)
        layout.addWidget(self.map, 1)
        self.data_label = QLabel(objectName="dataStatus")
        self.data_label.setWordWrap(True)
        self.data_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.data_label)
        buttons = QHBoxLayout()
        self.import_button = QPushButton("Import course files…", objectName="welcomeImport")
        self.import_button.clicked.connect(self.import_requested)
        self.help_button = QPushButton("Help (F1)", objectName="welcomeHelp")
        self.help_button.clicked.connect(self.help_requested)
        buttons.addWidget(self.import_button)
        buttons.addWidget(self.help_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.refresh()

    def _chosen(self, item: QListWidgetItem) -> None:
        self.lesson_chosen.emit(item.data(Qt.ItemDataRole.UserRole))

    @guarded("check which course files are here")
    def showEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        self.refresh()   # files may have been imported since
        super().showEvent(event)

    def refresh(self) -> None:
        self.data_label.setText(status_html())


def status_html() -> str:
    """What is found, which lessons use stand-ins, where the rest goes."""
    standins, partial = [], []
    for lesson in all_lessons():
        status = data_status.lesson_data(lesson.id)
        if status.standin:
            standins.append(f"{lesson.section} {lesson.title}")
        elif status.missing:
            partial.append(f"{lesson.section} {lesson.title}")
    found = sorted({name for lesson in all_lessons()
                    for name in data_status.lesson_data(lesson.id).found})
    lines = ["<b>Course files found:</b> " + (", ".join(found) if found else "none") + "."]
    if standins:
        lines.append("<b style='color:#b26a00'>On stand-in data</b> (a procedural set of "
                     "the same shape; each page says so): " + "; ".join(standins) + ".")
    if partial:
        lines.append("Some files missing: " + "; ".join(partial) + ".")
    weights = data_status.weights_lines()
    have = [d for d, ok, _ in weights if ok]
    lack = [d for d, ok, _ in weights if not ok]
    lines.append("<b>Weights found:</b> " + ("; ".join(have) if have else "none") + "."
                 + (" Not found: " + "; ".join(lack) + "." if lack else ""))
    if data_status.faces_folder_found():
        lines.append("The course's face photos are here (the face page can enrol them).")
    lines.append("Put course files in <code>" + data_status.folders_text()[0]
                 + "</code> (or use <i>Import course files…</i>); weights go in <code>"
                 + data_status.folders_text()[-1] + "</code>. Help (F1) says where each "
                 "comes from.")
    return "<br>".join(lines)
