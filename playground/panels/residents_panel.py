"""Enrolment: who lives in the Happy House, with a thumbnail and a photo count each.

Reading and encoding photos runs on a BackgroundTask (dlib takes ~0.1-0.5 s a photo);
the buttons are disabled meanwhile. Every problem (not an image, no face, a name
already taken) is one line in the message bar and changes nothing.
The dialogs only collect paths / names and call the plain methods
(``add_photos``, ``import_folder``, ``rename_resident``, ...) that tests call directly.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

import numpy as np
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import (QFileDialog, QHBoxLayout, QInputDialog, QLabel, QLineEdit,
                               QListView, QListWidget, QListWidgetItem, QMessageBox,
                               QPushButton, QVBoxLayout, QWidget)

from playground.bridge import BackgroundTask
from playground.panels.style import rgb_to_qimage

THUMB = 84
IMAGE_FILTER = "Images (*.jpg *.jpeg *.png *.bmp *.webp *.tif *.tiff);;All files (*)"


def _placeholder(name: str) -> QPixmap:
    """A coloured disc with the initial, for residents enrolled without a photo."""
    pix = QPixmap(THUMB, THUMB)
    pix.fill(Qt.transparent)
    p = QPainter(pix)
    p.setRenderHint(QPainter.Antialiasing)
    hue = (sum(map(ord, name)) * 37) % 360
    p.setBrush(QColor.fromHsv(hue, 110, 210))
    p.setPen(Qt.NoPen)
    p.drawEllipse(2, 2, THUMB - 4, THUMB - 4)
    font = p.font()
    font.setPixelSize(THUMB // 2)
    font.setBold(True)
    p.setFont(font)
    p.setPen(QColor("white"))
    p.drawText(pix.rect(), Qt.AlignCenter, (name[:1] or "?").upper())
    p.end()
    return pix


def thumbnail_pixmap(image: np.ndarray | None, name: str) -> QPixmap:
    if image is None:
        return _placeholder(name)
    pix = QPixmap.fromImage(rgb_to_qimage(image))
    return pix.scaled(THUMB, THUMB, Qt.KeepAspectRatioByExpanding, Qt.SmoothTransformation)


def problems_text(problems) -> str:
    """The engine's per-file lines ("file: why") as one sentence a reason, files that
    share a reason listed together ("camera_0.jpg, camera_1.jpg: skipped, ...")."""
    by_reason: dict[str, list[str]] = {}
    for line in problems:
        file, sep, why = str(line).partition(": ")
        if sep:
            by_reason.setdefault(why.rstrip("."), []).append(file)
        else:
            by_reason.setdefault(str(line).rstrip("."), [])
    return "; ".join(f"{', '.join(files)}: {why}" if files else why
                     for why, files in by_reason.items()) + ("." if by_reason else "")


class ResidentsPanel(QWidget):
    changed = Signal()          # residents added / renamed / deleted
    busy_changed = Signal(bool)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.store = None
        self.encoder = None
        self.snapshot_source: Callable[[], np.ndarray | None] | None = None
        self.thumbnail_source: Callable[[str], np.ndarray | None] | None = None
        self.busy = False
        self._task: BackgroundTask | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        self.message = QLabel("")
        self.message.setObjectName("residentsMessage")
        self.message.setWordWrap(True)
        self.message.hide()
        layout.addWidget(self.message)

        add_row = QHBoxLayout()
        self.name_edit = QLineEdit()
        self.name_edit.setObjectName("residentName")
        self.name_edit.setPlaceholderText("Name (or select a resident to add photos)")
        add_row.addWidget(self.name_edit, 1)
        self.add_button = self._button("Add resident…", "addResidentButton", self._choose_photos)
        self.snapshot_button = self._button("Take snapshot", "snapshotButton", self.take_snapshot)
        self.import_button = self._button("Import folder…", "importFolderButton",
                                          self._choose_folder)
        for b in (self.add_button, self.snapshot_button, self.import_button):
            add_row.addWidget(b)
        layout.addLayout(add_row)
        # Shown by the page when the course's sample photos are among the data folders.
        self.course_button = QPushButton("Enrol the course's 12 residents")
        self.course_button.setObjectName("courseResidentsButton")
        self.course_button.hide()
        layout.addWidget(self.course_button)

        self.list = QListWidget()
        self.list.setObjectName("residentList")
        self.list.setViewMode(QListView.IconMode)
        self.list.setIconSize(QSize(THUMB, THUMB))
        self.list.setGridSize(QSize(THUMB + 46, THUMB + 46))
        self.list.setResizeMode(QListView.Adjust)
        self.list.setMovement(QListView.Static)
        self.list.setWordWrap(True)
        self.list.setSpacing(4)
        self.list.currentItemChanged.connect(self._selection_changed)
        layout.addWidget(self.list, 1)

        edit_row = QHBoxLayout()
        self.count_label = QLabel("")
        self.count_label.setStyleSheet("color:#555")
        edit_row.addWidget(self.count_label, 1)
        self.rename_button = self._button("Rename…", "renameResidentButton", self._ask_rename)
        self.delete_button = self._button("Delete", "deleteResidentButton", self._ask_delete)
        self.delete_all_button = self._button("Delete all…", "deleteAllButton",
                                              self._ask_delete_all)
        for b in (self.rename_button, self.delete_button, self.delete_all_button):
            edit_row.addWidget(b)
        layout.addLayout(edit_row)
        self._update_buttons()

    def _button(self, text, name, slot) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name)
        button.clicked.connect(slot)
        return button

    # --- context from the page ---
    def set_context(self, store, encoder) -> None:
        self.store, self.encoder = store, encoder
        self.refresh()

    def show_message(self, text: str, kind: str = "info") -> None:
        if not text:
            self.message.hide()
            return
        colors = {"info": ("#e8f1fb", "#1d4f80"), "ok": ("#e7f5ea", "#1f6b33"),
                  "error": ("#fdecea", "#a12622")}
        bg, fg = colors.get(kind, colors["info"])
        self.message.setStyleSheet(f"background:{bg}; color:{fg}; padding:6px 8px;"
                                   "border-radius:4px")
        self.message.setText(text)
        self.message.show()

    @property
    def message_text(self) -> str:
        return "" if self.message.isHidden() else self.message.text()

    # --- list ---
    def refresh(self) -> None:
        selected = self.selected_name()
        self.list.clear()
        if self.store is None:
            self._update_buttons()
            return
        encodings = self.store.encodings()
        for name in self.store.names():
            count = len(encodings.get(name, ()))
            image = self.thumbnail_source(name) if self.thumbnail_source else None
            item = QListWidgetItem(QIcon(thumbnail_pixmap(image, name)),
                                   f"{name}\n{count} photo{'s' if count != 1 else ''}")
            item.setData(Qt.UserRole, name)
            item.setToolTip(f"{name}: {count} photo(s) enrolled")
            self.list.addItem(item)
            if name == selected:
                self.list.setCurrentItem(item)
        n = self.list.count()
        photos = sum(len(v) for v in encodings.values())
        self.count_label.setText(f"{n} resident{'s' if n != 1 else ''}, {photos} photo"
                                 f"{'s' if photos != 1 else ''}" if n else
                                 "Nobody lives here yet: add residents or import a folder.")
        self._update_buttons()

    def names(self) -> list[str]:
        return [self.list.item(i).data(Qt.UserRole) for i in range(self.list.count())]

    def selected_name(self) -> str | None:
        item = self.list.currentItem()
        return item.data(Qt.UserRole) if item else None

    def select(self, name: str) -> None:
        for i in range(self.list.count()):
            if self.list.item(i).data(Qt.UserRole) == name:
                self.list.setCurrentItem(self.list.item(i))

    def _selection_changed(self, *_):
        self._update_buttons()

    def _update_buttons(self) -> None:
        ready = self.store is not None and self.encoder is not None and not self.busy
        has_selection = self.selected_name() is not None
        for b in (self.add_button, self.snapshot_button, self.import_button,
                  self.course_button):
            b.setEnabled(ready)
        self.rename_button.setEnabled(ready and has_selection)
        self.delete_button.setEnabled(ready and has_selection)
        self.delete_all_button.setEnabled(ready and self.list.count() > 0)

    def target_name(self) -> str:
        """The name typed in, or else the selected resident (to add more photos)."""
        return self.name_edit.text().strip() or (self.selected_name() or "")

    # --- actions (dialogs collect input, then call these) ---
    def _choose_photos(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, "Photos of the resident", "",
                                                IMAGE_FILTER)
        if paths:
            self.add_photos(self.target_name(), paths)

    def _choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder of residents' photos")
        if folder:
            self.import_folder(folder)

    def add_photos(self, name: str, paths) -> bool:
        """Enrol ``name`` with photos from files; False (and a message) when not started."""
        name = (name or "").strip()
        if not name:
            self.show_message("Type the resident's name first (or select a resident).", "error")
            return False
        return self._run(_add_photo_files, self.store, self.encoder, name,
                         [str(p) for p in paths], done=self._added)

    def add_named_photos(self, pairs) -> bool:
        """Enrol several people at once from (name, path) pairs (the course's sample)."""
        return self._run(_add_named_files, self.store, self.encoder,
                         [(str(n), str(p)) for n, p in pairs], done=self._imported)

    def take_snapshot(self) -> bool:
        name = self.target_name()
        frame = self.snapshot_source() if self.snapshot_source else None
        if frame is None:
            self.show_message("No camera picture to take: start a camera, a video or a "
                              "folder on the Door tab first.", "error")
            return False
        if not name:
            self.show_message("Type the resident's name first (or select a resident).", "error")
            return False
        frame = frame.copy()   # the picture shown is the picture enrolled
        if not self.confirm_snapshot(frame, name):
            self.show_message("Snapshot not enrolled.", "info")
            return False
        return self._run(_add_photo_arrays, self.store, self.encoder, name, [frame],
                         done=self._added)

    def confirm_snapshot(self, frame: np.ndarray, name: str) -> bool:
        """Show the frame about to be enrolled and ask first: the camera may have
        moved on, or someone else may be in the picture."""
        box = QMessageBox(self)
        box.setObjectName("snapshotPreview")
        box.setWindowTitle("Take snapshot")
        box.setText(f"Enrol this picture as <b>{name}</b>?")
        box.setInformativeText("Only the face in it is kept (as a 128-number encoding and "
                               "a thumbnail), in your user data folder.")
        picture = QPixmap.fromImage(rgb_to_qimage(frame[..., :3]))
        box.setIconPixmap(picture.scaled(320, 240, Qt.AspectRatioMode.KeepAspectRatio,
                                         Qt.TransformationMode.SmoothTransformation))
        box.setStandardButtons(QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
        box.setDefaultButton(QMessageBox.StandardButton.Yes)
        return box.exec() == QMessageBox.StandardButton.Yes

    def import_folder(self, folder) -> bool:
        return self._run(self.store.import_folder, str(folder), self.encoder,
                         done=self._imported)

    def rename_resident(self, old: str, new: str) -> bool:
        new = (new or "").strip()
        try:
            self.store.rename(old, new)
        except Exception as exc:  # LessonError / ValueError from the store
            self.show_message(_message(exc), "error")
            return False
        self.show_message(f"Renamed {old} to {new}.", "ok")
        self.refresh()
        self.select(new)
        self.changed.emit()
        return True

    def delete_resident(self, name: str) -> bool:
        try:
            self.store.delete(name)
        except Exception as exc:
            self.show_message(_message(exc), "error")
            return False
        self.show_message(f"{name} no longer opens the door.", "ok")
        self.refresh()
        self.changed.emit()
        return True

    def delete_all_residents(self) -> bool:
        try:
            self.store.delete_all()
        except Exception as exc:
            self.show_message(_message(exc), "error")
            return False
        self.show_message("Every resident was deleted.", "ok")
        self.refresh()
        self.changed.emit()
        return True

    def _ask_rename(self) -> None:
        old = self.selected_name()
        if old is None:
            return
        new, ok = QInputDialog.getText(self, "Rename resident", f"New name for {old}:",
                                       text=old)
        if ok and new.strip() and new.strip() != old:
            self.rename_resident(old, new)

    def _ask_delete(self) -> None:
        name = self.selected_name()
        if name and QMessageBox.question(self, "Delete resident",
                                         f"Delete {name} and their photos?") == \
                QMessageBox.Yes:
            self.delete_resident(name)

    def _ask_delete_all(self) -> None:
        if QMessageBox.question(self, "Delete all residents",
                                "Delete every resident? The door will open for nobody.") == \
                QMessageBox.Yes:
            self.delete_all_residents()

    # --- background work ---
    def _run(self, fn, *args, done) -> bool:
        if self.busy or self.store is None or self.encoder is None:
            if self.encoder is None:
                self.show_message("The face encoder is still loading; try again in a "
                                  "moment.", "error")
            return False
        self._set_busy(True)
        self.show_message("Encoding faces…", "info")
        task = BackgroundTask(fn, *args, parent=self)
        task.done.connect(done)
        task.error.connect(self._failed)
        self._task = task.start()
        return True

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self._update_buttons()
        self.busy_changed.emit(busy)

    def _added(self, outcome) -> None:
        name, added, problems = outcome
        self._set_busy(False)
        if added:
            self.name_edit.clear()
            text = f"Added {added} photo{'s' if added != 1 else ''} of {name}."
            if problems:
                text += " Not enrolled: " + problems_text(problems)
            self.show_message(text, "ok" if not problems else "info")
            self.refresh()
            self.select(name)
            self.changed.emit()
        else:
            self.show_message(problems_text(problems) or "Nothing was added.", "error")

    def _imported(self, outcome) -> None:
        added, problems = outcome
        self._set_busy(False)
        problems = [str(p) for p in problems]
        if added:
            text = f"Imported {len(added)} resident{'s' if len(added) != 1 else ''}: " \
                   f"{', '.join(added)}."
            if problems:
                text += " Not enrolled: " + problems_text(problems)
            self.show_message(text, "ok" if not problems else "info")
            self.refresh()
            self.changed.emit()
        else:
            self.show_message(problems_text(problems) or "No photos were found in that folder.",
                              "error")

    def _failed(self, message: str) -> None:
        self._set_busy(False)
        self.show_message(message, "error")

    def wait(self, timeout: float = 30.0) -> None:
        if self._task is not None:
            self._task.wait(timeout)


def _message(exc: Exception) -> str:
    return str(exc.args[0]) if isinstance(exc, KeyError) and exc.args else str(exc)


def _add_photo_files(store, encoder, name: str, paths: list[str]):
    """Worker thread: read and enrol each file; a bad file is reported, not fatal."""
    from engine.faces.errors import FaceError
    from engine.faces.images import read_image
    added, problems = 0, []
    for path in paths:
        try:
            store.add_photo(name, read_image(path), encoder)
            added += 1
        except FaceError as exc:
            text = str(exc)
            problems.append(text if Path(path).name in text else f"{Path(path).name}: {text}")
    return name, added, problems


def _add_named_files(store, encoder, pairs):
    from engine.faces.errors import FaceError
    from engine.faces.images import read_image
    added, problems = [], []
    for name, path in pairs:
        try:
            store.add_photo(name, read_image(path), encoder)
            if name not in added:
                added.append(name)
        except FaceError as exc:
            problems.append(f"{Path(path).name}: {exc}")
    return added, problems


def _add_photo_arrays(store, encoder, name: str, images: list):
    from engine.faces.errors import FaceError
    added, problems = 0, []
    for image in images:
        try:
            store.add_photo(name, image, encoder)
            added += 1
        except FaceError as exc:
            problems.append(f"Snapshot: {exc}")
    return name, added, problems
