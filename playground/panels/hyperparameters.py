"""Sliders, boxes and checkboxes for a lesson's settings dataclass.

Every row comes from ``engine.settings.specs`` so a lesson declares a setting once
and gets its slider here, its ``--set`` in the headless runner and its place in the
save file. The panel holds the exact values (a typed 0.0075 stays 0.0075); the
slider is only a coarse way to change them, so snapping to slider steps never
silently alters a value the learner typed or loaded.
"""
from __future__ import annotations

import dataclasses
import math
import os

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFileDialog, QGridLayout, QHBoxLayout,
                               QLabel, QLineEdit, QPushButton, QSlider, QVBoxLayout, QWidget)

from engine.settings import SettingsError, coerce, load_settings, save_settings, specs
from playground.panels import style

LOG_STEPS_PER_DECADE = 24   # 24 = 3 * 8, so 1, 2.15, 4.64 and 7.5 x 10^k are all on it
LINEAR_STEPS = 200          # at least this many slider positions across a float range


def _nice_step(span: float, steps: int) -> float:
    """A power of ten giving between ``steps`` and 10 * ``steps`` slider positions."""
    return 10.0 ** math.floor(math.log10(span / steps)) if span > 0 else 1.0


def _fmt(value, kind: str) -> str:
    if kind == "int":
        return str(int(value))
    return f"{value:.4g}"


class SliderScale:
    """Maps between slider positions (ints) and setting values, linear or log."""

    def __init__(self, spec, default) -> None:
        self.kind, self.log = spec.kind, spec.scale == "log"
        low, high = spec.minimum, spec.maximum
        if self.log:
            low = low if low is not None and low > 0 else abs(default or 1) / 100
            high = high if high is not None else abs(default or 1) * 100
            self.lo, self.hi = math.log10(low), math.log10(high)
            self.positions = max(1, round((self.hi - self.lo) * LOG_STEPS_PER_DECADE))
        else:
            low = 0 if low is None else low
            high = high if high is not None else max(2 * (default or 0), low + 10)
            self.lo, self.hi = float(low), float(high)
            if self.kind == "int":
                span = self.hi - self.lo
                self.step = 1 if span <= 500 else _nice_step(span, 100)
            else:
                self.step = _nice_step(self.hi - self.lo, LINEAR_STEPS)
            self.positions = max(1, round((self.hi - self.lo) / self.step))

    def value(self, position: int):
        if self.log:
            raw = 10 ** (self.lo + (self.hi - self.lo) * position / self.positions)
            value = float(f"{raw:.3g}")   # 0.0075, not 0.0074989...
        else:
            value = min(self.hi, self.lo + position * self.step)
            value = round(value, max(0, -math.floor(math.log10(self.step))))
        return int(round(value)) if self.kind == "int" else value

    def position(self, value) -> int:
        if self.log:
            if value <= 0:
                return 0
            frac = (math.log10(value) - self.lo) / (self.hi - self.lo)
        else:
            frac = (value - self.lo) / (self.hi - self.lo) if self.hi > self.lo else 0
        return int(round(min(max(frac, 0.0), 1.0) * self.positions))


class HyperparameterPanel(QWidget):
    changed = Signal(str, object)

    def __init__(self, settings_cls, lesson_id: str, parent=None) -> None:
        super().__init__(parent)
        self.settings_cls, self.lesson_id = settings_cls, lesson_id
        self._specs = {name: (spec, default) for name, spec, default in specs(settings_cls)}
        self._base = settings_cls()              # carries the "layers" fields
        self._values = {n: d for n, (_, d) in self._specs.items()}
        self._editors: dict[str, QWidget] = {}
        self._boxes: dict[str, QLineEdit] = {}
        self._scales: dict[str, SliderScale] = {}
        self._running = False

        grid = QGridLayout()
        grid.setColumnStretch(1, 1)
        row = 0
        for name, (spec, default) in self._specs.items():
            if spec.kind == "layers":
                continue
            label = QLabel(spec.label + (" <span style='color:#2e7d32'>\u25cf live</span>"
                                         if spec.live else ""))
            tip = spec.help + ("\nCan be changed while training runs." if spec.live else "")
            label.setToolTip(tip.strip())
            grid.addWidget(label, row, 0)
            editor = self._make_editor(name, spec, default)
            editor.setToolTip(tip.strip())
            if spec.kind == "bool":  # natural size, so a click anywhere on it toggles
                grid.addWidget(editor, row, 1, Qt.AlignmentFlag.AlignLeft)
            elif spec.kind == "choice":  # the slider and value columns: room for long names
                grid.addWidget(editor, row, 1, 1, 2)
            else:
                grid.addWidget(editor, row, 1)
            if name in self._boxes:
                grid.addWidget(self._boxes[name], row, 2)
            row += 1

        self.reset_button = QPushButton("Reset to defaults", objectName="resetSettings")
        self.save_button = QPushButton("Save\u2026", objectName="saveSettings")
        self.load_button = QPushButton("Load\u2026", objectName="loadSettings")
        self.reset_button.clicked.connect(self.reset)
        self.save_button.clicked.connect(self._ask_save)
        self.load_button.clicked.connect(self._ask_load)
        buttons = QHBoxLayout()
        for b in (self.reset_button, self.save_button, self.load_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        self.message = QLabel(objectName="settingsMessage")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("<b>Hyperparameters</b>"))
        layout.addLayout(grid)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        layout.addStretch(1)

    # --- editors -----------------------------------------------------------
    def _make_editor(self, name: str, spec, default) -> QWidget:
        if spec.kind == "bool":
            editor = QCheckBox(objectName=name)
            editor.setChecked(bool(default))
            editor.toggled.connect(lambda on, n=name: self._user_set(n, bool(on)))
        elif spec.kind == "choice":
            editor = QComboBox(objectName=name)
            editor.addItems([str(c) for c in spec.choices])
            editor.setCurrentText(str(default))
            editor.currentTextChanged.connect(lambda text, n=name: self._user_set(n, text))
        elif spec.kind == "text":  # a file path or a name: typed, taken on Enter / focus out
            editor = QLineEdit(str(default), objectName=name)
            editor.setPlaceholderText("(default)")
            editor.setMinimumWidth(140)
            editor.editingFinished.connect(lambda n=name: self._text_edited(n))
        else:
            scale = self._scales[name] = SliderScale(spec, default)
            editor = QSlider(Qt.Orientation.Horizontal, objectName=name)
            editor.setRange(0, scale.positions)
            editor.setPageStep(max(1, scale.positions // 10))
            editor.setValue(scale.position(default))
            editor.setMinimumWidth(70)
            editor.valueChanged.connect(lambda pos, n=name: self._slider_moved(n, pos))
            box = QLineEdit(_fmt(default, spec.kind), objectName=f"{name}_value")
            box.setFixedWidth(64)
            box.setAlignment(Qt.AlignmentFlag.AlignRight)
            box.setToolTip("Type an exact value and press Enter.")
            box.editingFinished.connect(lambda n=name: self._box_edited(n))
            self._boxes[name] = box
        self._editors[name] = editor
        return editor

    def _slider_moved(self, name: str, position: int) -> None:
        value = self._scales[name].value(position)
        self._boxes[name].setText(_fmt(value, self._specs[name][0].kind))
        self._user_set(name, value)

    def _box_edited(self, name: str) -> None:
        spec = self._specs[name][0]
        box = self._boxes[name]
        if box.text().strip() == _fmt(self._values[name], spec.kind):
            return  # focus merely left the box; don't round the exact value to 4 digits
        try:
            value = coerce(name, spec, box.text().strip())
        except SettingsError as exc:
            self._say(str(exc), error=True)
            box.setText(_fmt(self._values[name], spec.kind))
            return
        self._show(name, value)
        self._user_set(name, value)

    def _text_edited(self, name: str) -> None:
        spec, editor = self._specs[name][0], self._editors[name]
        try:
            value = coerce(name, spec, editor.text())
        except SettingsError as exc:
            self._say(str(exc), error=True)
            editor.setText(str(self._values[name]))
            return
        self._user_set(name, value)

    def _user_set(self, name: str, value) -> None:
        if self._values.get(name) == value:
            return
        self._values[name] = value
        self._say("")
        self.changed.emit(name, value)

    def _show(self, name: str, value) -> None:
        """Put ``value`` into the widgets without emitting anything."""
        spec = self._specs[name][0]
        editor = self._editors.get(name)
        if editor is None:
            return
        editor.blockSignals(True)
        if spec.kind == "bool":
            editor.setChecked(bool(value))
        elif spec.kind == "choice":
            editor.setCurrentText(str(value))
        elif spec.kind == "text":
            editor.setText(str(value))
        else:
            editor.setValue(self._scales[name].position(value))
            self._boxes[name].setText(_fmt(value, spec.kind))
        editor.blockSignals(False)

    # --- API ---------------------------------------------------------------
    def values(self):
        return dataclasses.replace(self._base, **{n: v for n, v in self._values.items()
                                                  if self._specs[n][0].kind != "layers"})

    def set_values(self, settings) -> None:
        self._base = settings
        for name in self._specs:
            self._values[name] = getattr(settings, name)
            self._show(name, self._values[name])

    def _apply_from_user(self, settings) -> None:
        """Like set_values, but a user action: tell listeners what changed."""
        before = dict(self._values)
        self.set_values(settings)
        for name, value in self._values.items():
            if before.get(name) != value:
                self.changed.emit(name, value)

    def reset(self) -> None:
        self._apply_from_user(self.settings_cls())
        self._say("Defaults restored.")

    def save_to(self, path) -> bool:
        try:
            save_settings(self.values(), self.lesson_id, path)
        except OSError as exc:
            self._say(f"Could not save to {path}: {exc.strerror or exc}.", error=True)
            return False
        self._say(f"Saved to {os.path.basename(os.fspath(path))}.")
        return True

    def load_from(self, path) -> bool:
        try:
            settings = load_settings(self.settings_cls, self.lesson_id, path)
        except SettingsError as exc:
            self._say(str(exc), error=True)
            return False
        # A settings file stores every field, layers included: keep them.
        self._apply_from_user(settings)
        self._say(f"Loaded {os.path.basename(os.fspath(path))}.")
        return True

    def set_running(self, running: bool) -> None:
        """Grey out what cannot change mid-run; live settings stay editable."""
        self._running = running
        for name, editor in self._editors.items():
            editable = not running or self._specs[name][0].live
            editor.setEnabled(editable)
            if name in self._boxes:
                self._boxes[name].setEnabled(editable)
        # Reset and Load would change non-live settings too.
        self.reset_button.setEnabled(not running)
        self.load_button.setEnabled(not running)

    # --- dialogs and messages ----------------------------------------------
    def _ask_save(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save settings",
                                              f"{self.lesson_id}-settings.json",
                                              "Settings (*.json)")
        if path:
            self.save_to(path)

    def _ask_load(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Load settings", "",
                                              "Settings (*.json);;All files (*)")
        if path:
            self.load_from(path)

    def _say(self, text: str, error: bool = False) -> None:
        self.message.setStyleSheet(style.ERROR_CSS if error else style.MUTED_CSS)
        self.message.setText(text)
