"""A strip of picture thumbnails to choose from, plus the learner's own pictures.

Used twice by the style-transfer page: once for content photos, once for style
pictures (where several may be selected and are then blended). A picture is added
with *Add…* (a file), by dropping files on the strip, or with *Webcam* (one
snapshot). Files are read on a worker thread by the engine's reader; a file that is
not a picture gives one sentence under the strip and the selection stays as it was.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import (QAbstractItemView, QFileDialog, QHBoxLayout, QLabel,
                               QListView, QListWidget, QListWidgetItem, QPushButton,
                               QSlider, QVBoxLayout, QWidget)

from engine.data.style_pictures import (PICTURE_SUFFIXES, read_picture, shipped_pictures,
                                        take_camera_snapshot)
from playground.bridge import BackgroundTask
from playground.panels import style
from playground.panels.style import rgb_to_qimage
from playground.safe_slots import guarded

THUMBNAIL = 64
FILE_FILTER = "Pictures (" + " ".join(f"*{s}" for s in PICTURE_SUFFIXES) + ");;All files (*)"


@dataclass
class GalleryPicture:
    title: str
    image: np.ndarray          # RGB uint8, longer side at most MAX_SIDE
    own: bool = False          # the learner's (file, drop, webcam), not shipped
    source: str = ""           # a shipped picture's short name, or the file's path


def _read_shipped(kind: str) -> list[GalleryPicture]:
    return [GalleryPicture(p.title, read_picture(p.path), source=p.name)
            for p in shipped_pictures(kind)]


def _read_own(path: str) -> GalleryPicture:
    return GalleryPicture(Path(path).name, read_picture(path), own=True, source=str(path))


def _snapshot(camera: int) -> GalleryPicture:
    return GalleryPicture(f"Webcam {time.strftime('%H:%M:%S')}",
                          take_camera_snapshot(camera), own=True)


class PictureGallery(QWidget):
    """Thumbnails of one kind of picture; ``chosen`` carries the selected pictures."""

    chosen = Signal(list)      # [GalleryPicture, ...] in the order of the strip
    loaded = Signal()          # the shipped pictures are in
    added = Signal(object)     # a learner's picture was added (and selected)
    message_changed = Signal(str)

    def __init__(self, kind: str, title: str, multiple: bool = False, webcam: bool = True,
                 parent=None) -> None:
        super().__init__(parent)
        self.kind = kind
        self.setObjectName(f"{kind}Gallery")
        self.setAcceptDrops(True)
        self._tasks: list[BackgroundTask] = []
        self.camera = 0
        self.list = QListWidget(objectName=f"{kind}Thumbnails")
        self.list.setViewMode(QListView.IconMode)
        self.list.setFlow(QListView.LeftToRight)
        self.list.setWrapping(False)
        self.list.setMovement(QListView.Static)
        self.list.setIconSize(QSize(THUMBNAIL, THUMBNAIL))
        self.list.setSpacing(2)
        self.list.setGridSize(QSize(THUMBNAIL + 22, THUMBNAIL + 24))
        self.list.setUniformItemSizes(True)
        self.list.setTextElideMode(Qt.ElideRight)
        self.list.setWordWrap(False)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarAsNeeded)
        self.list.setVerticalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.list.setFixedHeight(THUMBNAIL + 34)
        self.list.setSelectionMode(QAbstractItemView.ExtendedSelection if multiple
                                   else QAbstractItemView.SingleSelection)
        self.list.itemSelectionChanged.connect(self._selection_changed)
        self.list.setAcceptDrops(False)   # drops go to the gallery itself
        self.add_button = QPushButton("Add…", objectName=f"{kind}AddButton")
        self.add_button.setToolTip("Add a picture of your own from a file (or drop files "
                                   "on the strip).")
        self.add_button.clicked.connect(self._ask_file)
        self.webcam_button = QPushButton("Webcam", objectName=f"{kind}WebcamButton")
        self.webcam_button.setToolTip("Take one snapshot with the webcam.")
        self.webcam_button.clicked.connect(self.take_snapshot)
        self.webcam_button.setVisible(webcam)
        self.message = QLabel(objectName=f"{kind}GalleryMessage")
        self.message.setWordWrap(True)
        self.message.setStyleSheet(style.MUTED_CSS)
        hint = " (Ctrl-click to blend several)" if multiple else ""
        head = QHBoxLayout()
        head.addWidget(QLabel(f"<b>{title}</b><span style='color:#777'>{hint}</span>"), 1)
        head.addWidget(self.add_button)
        head.addWidget(self.webcam_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(head)
        layout.addWidget(self.list)
        layout.addWidget(self.message)
        self._run(_read_shipped, kind, done=self._shipped_read)

    # --- contents ---
    def pictures(self) -> list[GalleryPicture]:
        return [self.list.item(i).data(Qt.UserRole) for i in range(self.list.count())]

    def selected(self) -> list[GalleryPicture]:
        rows = sorted(self.list.row(item) for item in self.list.selectedItems())
        return [self.list.item(r).data(Qt.UserRole) for r in rows]

    def select(self, *rows: int) -> None:
        self.list.clearSelection()
        for row in rows:
            self.list.item(row).setSelected(True)
        if rows:
            self.list.setCurrentRow(rows[-1], self.list.selectionModel().SelectionFlag.NoUpdate)

    def select_source(self, source: str) -> bool:
        """Select the picture whose short name or path is ``source``; False if none."""
        for row, picture in enumerate(self.pictures()):
            if source and picture.source == source:
                self.select(row)
                return True
        return False

    def add_picture(self, picture: GalleryPicture, select: bool = True) -> None:
        item = QListWidgetItem(QIcon(_thumbnail(picture.image)), _short(picture.title))
        item.setData(Qt.UserRole, picture)
        h, w = picture.image.shape[:2]
        item.setToolTip(f"{picture.title} — {w}x{h}")
        self.list.addItem(item)
        if select:
            self.select(self.list.count() - 1)
            self.list.scrollToItem(item)

    # --- the learner's pictures ---
    def add_file(self, path) -> None:
        """Read ``path`` off the UI thread; on success add it and select it."""
        self.say(f"Reading {Path(str(path)).name}…")
        self._run(_read_own, str(path), done=self._own_read)

    def take_snapshot(self) -> None:
        self.webcam_button.setEnabled(False)
        self.say("Taking a webcam snapshot…")
        self._run(_snapshot, self.camera, done=self._own_read,
                  finally_=lambda: self.webcam_button.setEnabled(True))

    def _ask_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Add a picture", "", FILE_FILTER)
        if path:
            self.add_file(path)

    def _shipped_read(self, pictures: list) -> None:
        for picture in pictures:
            self.add_picture(picture, select=False)
        self.loaded.emit()   # a listener may select the pictures it wants first
        if pictures and not self.list.selectedItems():
            self.select(0)

    def _own_read(self, picture: GalleryPicture) -> None:
        self.say("")
        self.add_picture(picture)
        self.added.emit(picture)

    # --- drag and drop ---
    @guarded("take that drop")
    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasUrls() and any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    @guarded("take that drop")
    def dragMoveEvent(self, event) -> None:
        self.dragEnterEvent(event)

    @guarded("add the dropped pictures")
    def dropEvent(self, event) -> None:
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        for path in paths:
            self.add_file(path)
        if paths:
            event.acceptProposedAction()

    # --- helpers ---
    def show_problem(self, text: str) -> None:
        """Where a guarded handler of this gallery says what went wrong."""
        self.say(text, error=True)

    def say(self, text: str, error: bool = False) -> None:
        self.message.setStyleSheet(style.ERROR_CSS if error else style.MUTED_CSS)
        self.message.setText(text)
        self.message_changed.emit(text)

    def _selection_changed(self) -> None:
        chosen = self.selected()
        if chosen:
            self.chosen.emit(chosen)

    def _run(self, fn, *args, done, finally_=None) -> None:
        task = BackgroundTask(fn, *args, parent=self)

        def finish(*_):
            if task in self._tasks:
                self._tasks.remove(task)
            if finally_ is not None:
                finally_()

        task.done.connect(done)
        task.error.connect(lambda message: self.say(message, error=True))
        task.done.connect(finish)
        task.error.connect(finish)
        self._tasks.append(task)
        task.start()

    def busy(self) -> bool:
        return bool(self._tasks)

    def shutdown(self) -> None:
        for task in list(self._tasks):
            task.wait(2)


def _thumbnail(image: np.ndarray) -> QPixmap:
    pixmap = QPixmap.fromImage(rgb_to_qimage(image))
    return pixmap.scaled(THUMBNAIL, THUMBNAIL, Qt.KeepAspectRatio, Qt.SmoothTransformation)


def _short(title: str, limit: int = 11) -> str:
    return title if len(title) <= limit else title[:limit - 1] + "…"


class BlendWeights(QWidget):
    """One slider per selected style picture (0-100), shown when two or more are
    selected: how much each counts in the blended style."""

    changed = Signal(list)     # the weights, in the order of the pictures

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("blendWeights")
        self._rows = QVBoxLayout(self)
        self._rows.setContentsMargins(0, 0, 0, 0)
        self.sliders: list[QSlider] = []
        self._labels: list[QLabel] = []

    def set_pictures(self, titles: list[str], weights: list[float] | None = None) -> None:
        while self._rows.count():
            item = self._rows.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        self.sliders, self._labels = [], []
        self.setVisible(len(titles) > 1)
        if len(titles) < 2:
            return
        weights = list(weights or [1.0] * len(titles))
        top = max(weights) or 1.0
        self._rows.addWidget(QLabel("<b>Blend</b> <span style='color:#777'>(how much each "
                                    "style counts)</span>"))
        for title, weight in zip(titles, weights):
            slider = QSlider(Qt.Horizontal, objectName="blendSlider")
            slider.setRange(0, 100)
            slider.setValue(round(100 * weight / top))
            label = QLabel()
            label.setMinimumWidth(40)
            slider.valueChanged.connect(self._moved)
            row = QHBoxLayout()
            name = QLabel(_short(title, 16))
            name.setMinimumWidth(110)
            row.addWidget(name)
            row.addWidget(slider, 1)
            row.addWidget(label)
            self._rows.addLayout(row)
            self.sliders.append(slider)
            self._labels.append(label)
        self._show_shares()

    def weights(self) -> list[float]:
        return [float(s.value()) for s in self.sliders]

    def _moved(self, _value: int) -> None:
        self._show_shares()
        self.changed.emit(self.weights())

    def _show_shares(self) -> None:
        weights = self.weights()
        total = sum(weights)
        for label, weight in zip(self._labels, weights):
            label.setText(f"{100 * weight / total:.0f}%" if total else "–")
