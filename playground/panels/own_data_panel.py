"""The "Your data" tab of every picture lesson: make a dataset of your own pictures
(hold to record from the camera, add files, import a folder), save it in the course's
h5 layout and train on it; and, once a model is trained, classify the camera live.

The panel only shows and forwards: pictures are cropped and stored by
``engine.data.dataset_draft``, frames come from ``engine.faces.camera``'s grabber
thread and live answers from ``engine.live_classification`` (its own thread).
"""
from __future__ import annotations

import dataclasses
import time

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QComboBox, QFileDialog,
                               QGridLayout, QHBoxLayout, QLabel, QLineEdit, QListView,
                               QListWidget, QListWidgetItem, QPushButton, QSlider,
                               QVBoxLayout, QWidget)

from engine.data.dataset import DataError
from engine.data.dataset_draft import DatasetDraft
from playground.bridge import BackgroundTask
from playground.panels.style import rgb_to_qimage
from playground.panels.video_view import VideoView
from playground.safe_slots import guarded

RECORD_EVERY_MS = 125        # "hold to record" takes 8 pictures a second
FRAME_EVERY_MS = 33          # the preview follows the camera at up to 30 frames/s
SOURCES = ("Camera 0", "Camera 1", "Video file…", "Folder of pictures…")


class LiveView(VideoView):
    """The camera picture with the model's class probabilities as bars over it."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setMinimumSize(200, 150)
        self._bars: tuple[list, np.ndarray] | None = None

    def sizeHint(self) -> QSize:
        return QSize(400, 300)

    def set_bars(self, classes, probabilities) -> None:
        self._bars = None if classes is None else (list(classes), np.asarray(probabilities))
        self.update()

    def bars(self):
        return self._bars

    @guarded("draw the live classification")
    def paintEvent(self, event) -> None:
        super().paintEvent(event)
        if self._bars is None or not self.has_frame():
            return
        classes, probabilities = self._bars
        painter = QPainter(self)
        font = QFont(self.font())
        font.setPointSizeF(max(9.0, font.pointSizeF()))
        painter.setFont(font)
        row = painter.fontMetrics().height() + 4
        name_width = max(painter.fontMetrics().horizontalAdvance(str(c)) for c in classes)
        box = QRectF(8, 8, name_width + 150, row * len(classes) + 8)
        painter.fillRect(box, QColor(0, 0, 0, 150))
        best = int(np.argmax(probabilities))
        for k, (name, p) in enumerate(zip(classes, probabilities)):
            y = box.top() + 4 + k * row
            painter.setPen(QColor("white"))
            painter.drawText(QRectF(box.left() + 4, y, name_width, row),
                             Qt.AlignVCenter | Qt.AlignRight, str(name))
            bar = QRectF(box.left() + name_width + 10, y + 3, 100 * float(p), row - 6)
            painter.fillRect(bar, QColor("#43a047" if k == best else "#90caf9"))
            painter.drawText(QRectF(bar.left() + 102, y, 40, row), Qt.AlignVCenter,
                             f"{100 * float(p):.0f}%")
        painter.end()


class OwnDataPanel(QWidget):
    dataset_saved = Signal(str)

    def __init__(self, lesson, page, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("ownDataPanel")
        self.lesson, self.page = lesson, page
        self.draft = DatasetDraft(lesson.id)
        self.grabber = None
        self.live = None
        self._recording: str | None = None
        self._last_recorded = -1
        self._tasks: list[BackgroundTask] = []
        self._shown_frame = -1

        self.source_box = QComboBox(objectName="ownSource")
        self.source_box.addItems(SOURCES)
        self.start_button = QPushButton("Start", objectName="ownStart")
        self.start_button.clicked.connect(self._toggle_source)
        self.view = LiveView()
        self.live_check = QCheckBox("Classify live with the trained model",
                                    objectName="ownLive")
        self.live_check.setToolTip("Train the lesson first; then every frame is classified "
                                   "off the UI thread and the bars show the probabilities.")
        self.live_check.toggled.connect(self._toggle_live)
        self.rate_label = QLabel("", objectName="ownRate")
        source_row = QHBoxLayout()
        source_row.addWidget(self.source_box, 1)
        source_row.addWidget(self.start_button)
        left = QVBoxLayout()
        left.addLayout(source_row)
        left.addWidget(self.view, 1)
        left.addWidget(self.live_check)
        left.addWidget(self.rate_label)

        classes = QGridLayout()
        self.count_labels, self.record_buttons = {}, {}
        for row, name in enumerate(self.draft.classes):
            classes.addWidget(QLabel(f"<b>{name}</b>"), row, 0)
            count = self.count_labels[name] = QLabel("0", objectName=f"ownCount_{row}")
            classes.addWidget(count, row, 1)
            hold = self.record_buttons[name] = QPushButton("Hold to record",
                                                           objectName=f"ownRecord_{row}")
            hold.setToolTip("Keep the button pressed: 8 pictures a second are taken "
                            "from the camera picture.")
            hold.pressed.connect(lambda n=name: self._start_recording(n))
            hold.released.connect(self._stop_recording)
            classes.addWidget(hold, row, 2)
            add = QPushButton("Files…", objectName=f"ownAdd_{row}")
            add.setToolTip(f"Add picture files to '{name}'.")
            add.clicked.connect(lambda _c=False, n=name: self._ask_files(n))
            classes.addWidget(add, row, 3)
        self.thumbs = QListWidget(objectName="ownThumbs")
        self.thumbs.setViewMode(QListView.IconMode)
        self.thumbs.setIconSize(QSize(48, 48))
        self.thumbs.setResizeMode(QListView.Adjust)
        self.thumbs.setSelectionMode(QAbstractItemView.ExtendedSelection)
        self.thumbs.setMinimumHeight(120)
        self.delete_button = QPushButton("Delete selected", objectName="ownDelete")
        self.delete_button.clicked.connect(self._delete_selected)
        self.import_button = QPushButton("Import folder…", objectName="ownImport")
        self.import_button.setToolTip("A folder with one sub-folder per class, named "
                                      + ", ".join(self.draft.classes) + ".")
        self.import_button.clicked.connect(self._ask_folder)
        self.split_slider = QSlider(Qt.Horizontal, objectName="ownSplit")
        self.split_slider.setRange(0, 50)
        self.split_slider.setValue(20)
        self.split_label = QLabel(objectName="ownSplitLabel")
        self.split_slider.valueChanged.connect(self._show_split)
        self.name_edit = QLineEdit("my-pictures", objectName="ownName")
        self.save_button = QPushButton("Save and train on it", objectName="ownSave")
        self.save_button.clicked.connect(self.save)
        self.message = QLabel(objectName="ownMessage")
        self.message.setWordWrap(True)
        edit_row = QHBoxLayout()
        edit_row.addWidget(self.delete_button)
        edit_row.addWidget(self.import_button)
        edit_row.addStretch(1)
        split_row = QHBoxLayout()
        split_row.addWidget(QLabel("Test share"))
        split_row.addWidget(self.split_slider, 1)
        split_row.addWidget(self.split_label)
        save_row = QHBoxLayout()
        save_row.addWidget(QLabel("Name"))
        save_row.addWidget(self.name_edit, 1)
        # the button on a row of its own: the name field keeps its width in a narrow tab
        right = QVBoxLayout()
        intro = QLabel("Make a dataset of your own with this lesson's classes. Pictures "
                       "are cut to a centred square and shrunk to 64×64, as the course's "
                       "files hold them, and saved in the course's h5 layout.")
        intro.setWordWrap(True)
        right.addWidget(intro)
        right.addLayout(classes)
        right.addWidget(self.thumbs, 1)
        right.addLayout(edit_row)
        right.addLayout(split_row)
        right.addLayout(save_row)
        right.addWidget(self.save_button)
        right.addWidget(self.message)
        layout = QHBoxLayout(self)
        layout.addLayout(left, 4)
        layout.addLayout(right, 5)

        self.frame_timer = QTimer(self, interval=FRAME_EVERY_MS)
        self.frame_timer.timeout.connect(self._tick)
        self.record_timer = QTimer(self, interval=RECORD_EVERY_MS)
        self.record_timer.timeout.connect(self._record_one)
        self._show_split(self.split_slider.value())
        self.view.set_message("Press Start to show the camera (or pick a video or folder).")

    # --- camera ---
    @guarded("start the camera")
    def _toggle_source(self, _checked=False) -> None:
        if self.grabber is not None:
            self.stop_source()
            return
        choice = self.source_box.currentIndex()
        if choice in (0, 1):
            spec = choice
        elif choice == 2:
            spec, _ = QFileDialog.getOpenFileName(self, "Video file")
        else:
            spec = QFileDialog.getExistingDirectory(self, "Folder of pictures")
        if spec == "":
            return
        self.start_source(spec)

    def start_source(self, spec, fps: float | None = None, loop: bool | None = True) -> bool:
        """Open a camera index, a video file or a folder; one sentence if it fails."""
        from engine.faces.camera import FrameGrabber, open_source
        from engine.faces.errors import FaceError

        self.stop_source()
        try:
            source = open_source(spec, fps=fps, loop=loop)
        except FaceError as exc:
            self.say(str(exc), error=True)
            self.view.set_message(str(exc))
            return False
        self.grabber = FrameGrabber(source)
        self.view.set_message("")
        self.start_button.setText("Stop")
        self.frame_timer.start()
        if self.live_check.isChecked():
            self._toggle_live(True)
        return True

    def stop_source(self) -> None:
        self._stop_live()
        self._stop_recording()
        self.frame_timer.stop()
        if self.grabber is not None:
            self.grabber.stop()
            self.grabber = None
        self.start_button.setText("Start")

    @guarded("show the camera")
    def _tick(self) -> None:
        grabber = self.grabber
        if grabber is None:
            return
        if grabber.error:
            message = grabber.error
            self.stop_source()
            self.view.set_message(message)
            self.say(message, error=True)
            return
        latest = grabber.latest()
        if latest is not None and latest[0] != self._shown_frame:
            self._shown_frame = latest[0]
            self.view.set_frame(latest[1])
        live = self.live
        if live is not None:
            if live.error:
                self.say(live.error, error=True)
                self._stop_live()
                self.live_check.setChecked(False)
                return
            answer = live.latest()
            if answer is not None:
                self.view.set_bars(answer.classes, answer.probabilities)
                self.rate_label.setText(f"{live.rate:.1f} answers/s, latency "
                                        f"{1000 * answer.latency_s:.0f} ms; camera "
                                        f"{grabber.fps:.1f} frames/s")

    # --- recording ---
    def _start_recording(self, class_name: str) -> None:
        if self.grabber is None:
            self.say("Start the camera (or a video or folder) first, then hold the "
                     "button to record.", error=True)
            return
        self._recording = class_name
        self._record_one()
        self.record_timer.start()

    def _stop_recording(self) -> None:
        self.record_timer.stop()
        self._recording = None

    @guarded("record a picture")
    def _record_one(self) -> None:
        if self._recording is None or self.grabber is None:
            return
        latest = self.grabber.latest()
        if latest is None or latest[0] == self._last_recorded:
            return   # no new frame since the last picture: don't store duplicates
        self._last_recorded = latest[0]
        try:
            picture = self.draft.add_frame(self._recording, latest[1])
        except DataError as exc:
            self._stop_recording()
            self.say(str(exc), error=True)
            return
        self._add_thumb(self._recording, picture)
        self._show_counts()

    # --- files and folders ---
    def _ask_files(self, class_name: str) -> None:
        paths, _ = QFileDialog.getOpenFileNames(
            self, f"Pictures of '{class_name}'", "",
            "Pictures (*.png *.jpg *.jpeg *.bmp *.webp *.tif *.tiff)")
        if paths:
            self.add_files(class_name, paths)

    def add_files(self, class_name: str, paths) -> BackgroundTask:
        def read():  # off the UI thread: many big photos take a while to decode
            scratch = DatasetDraft(self.lesson.id)
            added, problems = scratch.add_files(class_name, paths)
            return scratch, problems
        return self._in_background(read, "Reading the pictures…")

    def _ask_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder with one sub-folder per class")
        if folder:
            self.import_folder(folder)

    def import_folder(self, folder) -> BackgroundTask:
        def read():
            scratch = DatasetDraft(self.lesson.id)
            added, problems = scratch.import_folder(folder)
            return scratch, problems
        return self._in_background(read, "Importing the folder…")

    def _in_background(self, fn, doing: str) -> BackgroundTask:
        self.say(doing)
        task = BackgroundTask(fn, parent=self)
        task.done.connect(self._merge)
        task.error.connect(lambda message: self.say(message, error=True))
        task.done.connect(lambda _v, t=task: self._tasks.remove(t))
        task.error.connect(lambda _m, t=task: self._tasks.remove(t))
        self._tasks.append(task)
        return task.start()

    @guarded("add the pictures")
    def _merge(self, value) -> None:
        scratch, problems = value
        added = 0
        for name, pictures in scratch.pictures.items():
            for picture in pictures:
                self.draft.pictures[name].append(picture)
                self._add_thumb(name, picture)
                added += 1
        self._show_counts()
        note = f"Added {added} picture{'s' * (added != 1)}."
        if problems:
            note += f" {len(problems)} skipped: {problems[0]}" + (" …" if len(problems) > 1
                                                                  else "")
        self.say(note, error=bool(problems) and not added)

    # --- editing ---
    def _add_thumb(self, class_name: str, picture: np.ndarray) -> None:
        item = QListWidgetItem(QIcon(QPixmap.fromImage(rgb_to_qimage(picture))), class_name)
        item.setData(Qt.UserRole, (class_name, id(picture)))
        self.thumbs.addItem(item)

    @guarded("delete the pictures")
    def _delete_selected(self, _checked=False) -> None:
        doomed = {item.data(Qt.UserRole) for item in self.thumbs.selectedItems()}
        if not doomed:
            self.say("Select the pictures to delete first (click, Ctrl-click).")
            return
        for name in self.draft.classes:
            self.draft.pictures[name] = [p for p in self.draft.pictures[name]
                                         if (name, id(p)) not in doomed]
        for row in reversed(range(self.thumbs.count())):
            if self.thumbs.item(row).data(Qt.UserRole) in doomed:
                self.thumbs.takeItem(row)
        self._show_counts()
        self.say(f"Deleted {len(doomed)} picture{'s' * (len(doomed) != 1)}.")

    def _show_counts(self) -> None:
        for name, n in self.draft.counts().items():
            self.count_labels[name].setText(str(n))

    def _show_split(self, value: int) -> None:
        self.split_label.setText(f"{value}% test")

    # --- saving ---
    @guarded("save the dataset")
    def save(self, _checked=False) -> BackgroundTask | None:
        try:
            path = self.draft.default_path(self.name_edit.text())
        except DataError as exc:
            self.say(str(exc), error=True)
            return None
        share = self.split_slider.value() / 100
        self.save_button.setEnabled(False)
        task = BackgroundTask(self.draft.save, path, share, parent=self)
        task.done.connect(self._saved)
        task.error.connect(self._save_failed)
        self._tasks.append(task)
        return task.start()

    def _save_failed(self, message: str) -> None:
        self.save_button.setEnabled(True)
        self.say(message, error=True)

    @guarded("use the saved dataset")
    def _saved(self, path) -> None:
        self.save_button.setEnabled(True)
        counts = ", ".join(f"{n} {c}" for c, n in self.draft.counts().items())
        self.say(f"Saved {path.name} ({counts}) in {path.parent}. The lesson now trains "
                 f"on it; choose the usual data under 'Train on' to go back.")
        panel = self.page.settings_panel
        panel.set_values(dataclasses.replace(panel.values(), data=str(path), real_folds=0))
        if getattr(self.page, "data_chooser", None) is not None:
            self.page.data_chooser.refresh()    # the new file is one of the choices now
        self.page.load_data()
        self.dataset_saved.emit(str(path))

    # --- live classification ---
    def _toggle_live(self, on: bool) -> None:
        self._stop_live()
        if not on:
            self.view.set_bars(None, None)
            return
        result = getattr(self.page, "last_result", None)
        if not result or self.lesson.classify_image is None:
            self.say("Train the lesson first: live classification uses the trained model.",
                     error=True)
            self.live_check.blockSignals(True)
            self.live_check.setChecked(False)
            self.live_check.blockSignals(False)
            return
        if self.grabber is None:
            self.say("Press Start to show the camera; the bars follow its pictures.")
            return
        from engine.live_classification import LiveClassifier

        classes = result.get("classes") or self.draft.classes
        self.live = LiveClassifier(self.grabber,
                                   lambda frame: self.lesson.classify_image(result, frame),
                                   classes)
        self.live.start()

    def _stop_live(self) -> None:
        if self.live is not None:
            self.live.stop()
            self.live = None

    def say(self, text: str, error: bool = False) -> None:
        self.message.setStyleSheet("color:#c62828" if error else "color:#333")
        self.message.setText(text)

    def shutdown(self) -> None:
        self.stop_source()
        deadline = time.monotonic() + 3
        for task in list(self._tasks):
            task.wait(max(0.0, deadline - time.monotonic()))
