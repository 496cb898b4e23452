"""The conv stepper: watch a convolution (or pooling) fill its output one cell at a time.

Three grids side by side: the padded input with the sliding window, the filter, and the
output filling up. Under them, large: the input picture, the feature map Z as far as the
loop has gone, and ReLU(Z) (for pooling, the pooled output). Every number comes from
``engine.numpy_nets.conv_steps``; this panel only asks it for step k and draws the
answer. Each step is a few microseconds of NumPy and Jump to end runs the course's loop
once (a few hundredths of a second for a 64x64 picture), so Play drives it with a
QTimer on the GUI thread; only pictures load in the background.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFileDialog, QGridLayout, QHBoxLayout,
                               QLabel, QPushButton, QSlider, QSpinBox, QVBoxLayout, QWidget)

from engine.numpy_nets.conv_steps import (FILTERS, ConvSettingsError, ConvStepper,
                                          make_filter, picture_input, random_volume,
                                          shape_formula)
from playground.panels.controls import COMPACT_BUTTON_CSS
from playground.bridge import BackgroundTask
from playground.panels.conv_grid import NUMBER_CELL, ConvGrid, format_number
from playground.panels.conv_maps import MapView, display_scale
from playground.panels.style import ERROR, MUTED
from playground.safe_slots import guarded

INPUTS = [  # (label, key)
    ("Random 5×5×1", "random-1"),
    ("Random 4×4×3", "random-3"),
    ("Hand sign (SIGNS)", "hand"),
    ("Cat picture", "cat"),
    ("Your own picture…", "own"),
]
MODES = [("Convolution", "convolution"), ("Max pooling", "max"), ("Average pooling", "average")]
SPEEDS = [1, 2, 4, 8, 15, 30, 60, 120, 240, 480]   # steps per second on the slider
MAX_TERMS = 9   # more products than this: the sum line shows the total only


class ConvStepperPanel(QWidget):
    """Input, filter and output grids with Step / Back / Play controls."""

    stepped = Signal(int)   # the current step after every change (tests, page)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("convStepper")
        self.volume = random_volume((5, 5, 1))
        self.input_key = "random-1"
        self.input_caption = "np.random.seed(1); integers 0..9"
        self.is_picture = False
        self.stepper: ConvStepper | None = None
        self.k = -1                    # last step done; -1: none yet
        self.back_cell = None          # (h, w) chosen for the backward view
        self._task: BackgroundTask | None = None
        self._scale = (None, 1.0)      # (stepper, colour-bar end of its feature map)
        self.timer = QTimer(self)
        self.timer.timeout.connect(self._tick)

        outer = QVBoxLayout(self)
        outer.setContentsMargins(6, 6, 6, 6)
        outer.setSpacing(4)
        row1 = QHBoxLayout()
        self.input_box = _combo("inputChoice", [label for label, _ in INPUTS])
        self.filter_box = _combo("filterChoice", [name.capitalize() for name in FILTERS])
        self.mode_box = _combo("modeChoice", [label for label, _ in MODES])
        for label, box in (("Input", self.input_box), ("Mode", self.mode_box)):
            row1.addWidget(QLabel(label))
            row1.addWidget(box, 1)
        outer.addLayout(row1)

        row2 = QHBoxLayout()
        row2.addWidget(QLabel("Filter"))
        row2.addWidget(self.filter_box, 1)
        self.f_spin = _spin("fSpin", 1, 9, 3)
        self.stride_spin = _spin("strideSpin", 1, 6, 1)
        self.pad_spin = _spin("padSpin", 0, 4, 1)
        for label, spin in (("f", self.f_spin), ("stride", self.stride_spin),
                            ("pad", self.pad_spin)):
            row2.addSpacing(4)
            row2.addWidget(QLabel(label))
            row2.addWidget(spin)
        outer.addLayout(row2)

        row3 = QHBoxLayout()
        self.back_button = _button("Back", "convBackButton")
        self.step_button = _button("Step", "convStepButton")
        self.play_button = _button("Play", "convPlayButton")
        self.reset_button = _button("Reset", "convResetButton")
        self.end_button = _button("Jump to end", "convEndButton")
        for button in (self.back_button, self.step_button, self.play_button):
            row3.addWidget(button)
        self.speed = QSlider(Qt.Horizontal)
        self.speed.setObjectName("speedSlider")
        self.speed.setRange(0, len(SPEEDS) - 1)
        self.speed.setValue(3)
        self.speed.setMaximumWidth(110)
        self.speed.setMinimumWidth(50)
        self.speed_label = QLabel()
        self.speed_label.setMinimumWidth(52)
        row3.addWidget(self.speed)
        row3.addWidget(self.speed_label)
        row3.addWidget(self.reset_button)
        row3.addWidget(self.end_button)
        outer.addLayout(row3)

        self.backward_box = QCheckBox("Backward view (click an output cell)")
        self.backward_box.setObjectName("backwardToggle")
        self.sum_box = QCheckBox("Add up the cells stepped so far")
        self.sum_box.setObjectName("sumToggle")
        self.sum_box.setToolTip("Step through the backward loop: the gradients of output "
                                "cells 0..k added up (dZ = 1 everywhere)")
        self.sum_box.setEnabled(False)
        back_row = QHBoxLayout()
        back_row.addWidget(self.backward_box)
        back_row.addWidget(self.sum_box)
        back_row.addStretch(1)
        outer.addLayout(back_row)

        self.formula = QLabel()
        self.formula.setObjectName("shapeFormula")
        self.formula.setWordWrap(True)
        self.formula.setTextInteractionFlags(Qt.TextSelectableByMouse)
        outer.addWidget(self.formula)

        self.step_text = QLabel()
        self.step_text.setObjectName("stepText")
        self.step_text.setWordWrap(True)
        self.step_text.setTextFormat(Qt.RichText)
        self.step_text.setMinimumHeight(52)
        self.step_text.setStyleSheet("background:#f7f7f7; border:1px solid #ddd; padding:4px")
        self.step_text.setAlignment(Qt.AlignTop | Qt.AlignLeft)
        outer.addWidget(self.step_text)
        grids = QGridLayout()
        grids.setHorizontalSpacing(10)
        self.grids = grids
        self.input_grid = ConvGrid("Padded input")
        self.filter_grid = ConvGrid("Filter W")
        self.output_grid = ConvGrid("Output Z")
        for column, grid in enumerate((self.input_grid, self.filter_grid, self.output_grid)):
            grids.addWidget(grid, 0, column)
        self.output_grid.clicked.connect(self._output_clicked)
        for grid in (self.input_grid, self.filter_grid, self.output_grid):
            grid.resized.connect(self._share_cells)
        outer.addLayout(grids, 1)

        # The same arrays large, where a picture's edges can be seen.
        maps = QHBoxLayout()
        maps.setSpacing(8)
        self.maps = maps
        self.picture_map = MapView("Input picture")
        self.picture_map.setObjectName("pictureMap")
        self.z_map = MapView("Feature map Z")
        self.z_map.setObjectName("featureMap")
        self.relu_map = MapView("ReLU(Z) = max(0, Z)")
        self.relu_map.setObjectName("reluMap")
        for view in (self.picture_map, self.z_map, self.relu_map):
            maps.addWidget(view, 1)
        outer.addLayout(maps, 1)

        self.message = QLabel()
        self.message.setObjectName("stepperMessage")
        self.message.setWordWrap(True)
        outer.addWidget(self.message)

        self.input_box.currentIndexChanged.connect(self._input_chosen)
        for box in (self.filter_box, self.mode_box):
            box.currentIndexChanged.connect(self.rebuild)
        for spin in (self.f_spin, self.stride_spin, self.pad_spin):
            spin.valueChanged.connect(self.rebuild)
        self.backward_box.toggled.connect(self._backward_toggled)
        self.sum_box.toggled.connect(lambda _on: self.show_step())
        self.back_button.clicked.connect(self.back)
        self.step_button.clicked.connect(self.step)
        self.play_button.clicked.connect(self.toggle_play)
        self.reset_button.clicked.connect(self.reset)
        self.end_button.clicked.connect(self.jump_to_end)
        self.speed.valueChanged.connect(self._speed_changed)
        self._speed_changed()
        self.rebuild()

    # --- settings ---
    @property
    def mode(self) -> str:
        return MODES[self.mode_box.currentIndex()][1]

    @property
    def filter_name(self) -> str:
        return FILTERS[self.filter_box.currentIndex()]

    def rebuild(self, *_args) -> None:
        """New settings or input: a fresh stepper, back to step -1 (nothing done)."""
        self.stop_play()
        conv = self.mode == "convolution"
        self.pad_spin.setEnabled(conv)
        self.filter_box.setEnabled(conv)
        pad = self.pad_spin.value() if conv else 0
        f, stride = self.f_spin.value(), self.stride_spin.value()
        n_H, n_W, n_C = self.volume.shape
        formula = shape_formula(n_H, n_W, f, stride, pad, self.mode)
        channels = ", n_C = 1 (one filter)" if conv else f", n_C = {n_C}"
        self.formula.setText(f"<b>Output size:</b> {formula}{channels}")
        self.k, self.back_cell = -1, None
        try:
            if conv:
                weights, bias = make_filter(self.filter_name, f, n_C)
                self.stepper = ConvStepper(self.volume, weights, bias, stride, pad)
            else:
                self.stepper = ConvStepper(self.volume, stride=stride, mode=self.mode, f=f)
        except ConvSettingsError as exc:
            self.stepper = None
            self.formula.setText(f"<b>Output size:</b> <span style='color:{ERROR}'>{exc}</span>")
            self.set_message(str(exc), error=True)
        else:
            self.set_message(f"Input: {self.input_caption}.")
        self.show_step()

    def set_message(self, text: str, error: bool = False) -> None:
        self.message.setText(text)
        self.message.setStyleSheet(f"color:{ERROR if error else MUTED}")
        self._fit_labels()

    def _fit_labels(self) -> None:
        """Word-wrapped labels claim the height their text needs at today's width.
        Their own minimum is one line; the layout then found two and squeezed the
        grids below theirs, so the grids' captions ran under the large views."""
        for label, least in ((self.formula, 0), (self.step_text, 52), (self.message, 0)):
            width = label.width() if label.width() > 50 else self.width() - 12
            label.setMinimumHeight(max(least, label.heightForWidth(width)))

    @guarded("fit the stepper to its new size")
    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit_labels()

    # --- inputs ---
    def _input_chosen(self, index: int) -> None:
        key = INPUTS[index][1]
        self._task = None                # a picture still loading is no longer wanted
        if key.startswith("random"):
            channels = int(key.split("-")[1])
            self.set_volume(random_volume((5, 5, 1) if channels == 1 else (4, 4, 3)), key,
                            "np.random.seed(1); " + ("integers 0..9" if channels == 1
                                                     else "randn rounded to 1 decimal"))
            return
        if key == "own":
            path, _ = QFileDialog.getOpenFileName(self, "Choose a picture")
            if not path:
                self._show_input_choice()
                return
            self.load_picture(path)
            return
        self.load_picture(key)

    def load_picture(self, source: str) -> None:
        """Load "hand", "cat" or a file path off the UI thread; errors keep the old input."""
        self.stop_play()
        self.set_message("Loading the picture…")
        task = BackgroundTask(picture_input, source, parent=self)
        task.done.connect(lambda result, t=task, s=source: self._picture_loaded(t, s, result))
        task.error.connect(lambda message, t=task: self._picture_failed(t, message))
        self._task = task.start()

    def _picture_loaded(self, task, source: str, result) -> None:
        if task is not self._task:      # the user chose another input meanwhile
            return
        volume, caption = result
        key = source if source in ("hand", "cat") else "own"
        self.set_volume(volume, key, caption)

    def _picture_failed(self, task, message: str) -> None:
        if task is not self._task:
            return
        self._show_input_choice()
        self.set_message(message, error=True)

    def _show_input_choice(self) -> None:
        """Point the input box back at the input actually shown."""
        keys = [key for _, key in INPUTS]
        self.input_box.blockSignals(True)
        self.input_box.setCurrentIndex(keys.index(self.input_key))
        self.input_box.blockSignals(False)

    def set_volume(self, volume: np.ndarray, key: str, caption: str) -> None:
        self.volume, self.input_key, self.input_caption = volume, key, caption
        self.is_picture = key in ("hand", "cat", "own")
        self._show_input_choice()
        self.rebuild()

    # --- stepping ---
    @property
    def total(self) -> int:
        return 0 if self.stepper is None else self.stepper.total_steps

    def step(self) -> None:
        if self.stepper is not None and self.k < self.total - 1:
            self.k += 1
            self.back_cell = None
            self.show_step()

    def back(self) -> None:
        if self.k > -1:
            self.k -= 1
            self.back_cell = None
            self.show_step()

    def reset(self) -> None:
        self.stop_play()
        self.k, self.back_cell = -1, None
        self.show_step()

    def jump_to_end(self) -> None:
        self.stop_play()
        if self.stepper is not None:
            self.k, self.back_cell = self.total - 1, None
            self.show_step()

    def toggle_play(self) -> None:
        if self.timer.isActive():
            self.stop_play()
        elif self.stepper is not None:
            if self.k >= self.total - 1:
                self.k = -1
            self.play_button.setText("Pause")
            self.timer.start()

    def stop_play(self) -> None:
        self.timer.stop()
        self.play_button.setText("Play")

    def _speed_changed(self, *_args) -> None:
        per_second = SPEEDS[self.speed.value()]
        self.speed_label.setText(f"{per_second}/s")
        self.timer.setInterval(max(16, int(1000 / per_second)))

    def _tick(self) -> None:
        per_second = SPEEDS[self.speed.value()]
        per_tick = max(1, round(per_second * self.timer.interval() / 1000))
        self.k = min(self.total - 1, self.k + per_tick)
        self.back_cell = None
        self.show_step()
        if self.k >= self.total - 1:
            self.stop_play()

    def _backward_toggled(self, on: bool) -> None:
        self.sum_box.setEnabled(on)
        self.show_step()

    def _output_clicked(self, row: int, col: int) -> None:
        """Forward: run the loop up to the clicked cell. Backward: follow that cell's
        gradient (or, adding up, run the backward loop up to it)."""
        if self.stepper is None:
            return
        self.stop_play()
        if self.backward_box.isChecked() and not self.sum_box.isChecked():
            self.back_cell = (row, col)
        else:
            self.k, self.back_cell = row * self.stepper.n_W + col, None
        self.show_step()

    # --- drawing ---
    def show_step(self) -> None:
        for button in (self.step_button, self.end_button, self.play_button):
            button.setEnabled(self.stepper is not None)
        self.back_button.setEnabled(self.k > -1)
        self.step_button.setEnabled(self.stepper is not None and self.k < self.total - 1)
        if self.stepper is None:
            for grid in (self.input_grid, self.output_grid):
                grid.set_values(np.zeros((0, 0, 1)))
            self.filter_grid.set_values(np.zeros((0, 0, 1)))
            self.step_text.setText("")
            self._fit_labels()
            self._show_picture(self.volume)
            for view in (self.z_map, self.relu_map):
                view.set_map(np.zeros((0, 0, 1)), "diverging", -1, 1)
            self.stepped.emit(self.k)
            return
        if self.backward_box.isChecked():
            self._show_backward()
        else:
            self._show_forward()
        self._show_maps()
        self._fit_labels()
        self.stepped.emit(self.k)

    def _share_width(self, *arrays) -> None:
        """Columns as wide as their arrays, then one cell size for all grids, so a
        window of the input and the filter line up by eye."""
        for column, array in enumerate(arrays[:3]):
            self.grids.setColumnStretch(column, int(array.shape[1]) + 1)
        # the filter's numbers stay readable beside a picture's many small cells
        self.filter_grid.setMinimumWidth(max(min(120, 28 * int(arrays[1].shape[1]) + 8),
                                             self.filter_grid.text_width()))
        # Numbers need cells of NUMBER_CELL pixels: the grids claim that height, and the
        # large views below get the rest (the tab scrolls when even that is too much).
        for grid in (self.input_grid, self.filter_grid, self.output_grid):
            rows, _, channels = grid.values.shape
            need = rows * channels * NUMBER_CELL + 8 * (channels - 1) + 44 \
                if grid.show_numbers and not self.is_picture else 110
            grid.setMinimumHeight(need)
        # a picture's large views get the larger share of the height
        self.layout().setStretchFactor(self.grids, 2 if self.is_picture else 1)
        self.layout().setStretchFactor(self.maps, 3 if self.is_picture else 1)
        self._share_cells()

    def _share_cells(self) -> None:
        pictures = (self.input_grid, self.output_grid)
        for grid in (*pictures, self.filter_grid):
            grid.cell_limit = None
        sizes = [grid.fit_cell() for grid in pictures
                 if grid.isVisibleTo(self) and grid.values.size]
        shared = min(sizes) if sizes else None
        for grid in pictures:
            grid.cell_limit = shared
        # the filter keeps readable numbers even beside a picture's tiny cells
        if not self.is_picture:
            self.filter_grid.cell_limit = shared
        for grid in (*pictures, self.filter_grid):
            grid.update()


    def _numbers(self, array: np.ndarray) -> bool:
        return not self.is_picture and array.shape[0] * array.shape[2] <= 24

    def _show_forward(self) -> None:
        s = self.stepper
        conv = self.mode == "convolution"
        view = s.step(max(self.k, 0))
        window = (view.vert_start, view.vert_end, view.horiz_start, view.horiz_end)
        started = self.k >= 0
        placed_mask = None
        if view.mask is not None and started:   # the window's mask, placed on the input
            placed_mask = np.zeros(s.padded.shape, dtype=bool)
            placed_mask[view.vert_start:view.vert_end, view.horiz_start:view.horiz_end] = view.mask
        self.input_grid.title = "Padded input" if conv and s.pad else "Input"
        self.input_grid.set_values(s.padded, "grey" if self.is_picture else "diverging",
                                   self._numbers(s.padded))
        self.input_grid.set_overlays(padding=s.is_padding, window=window,
                                     marked=placed_mask,
                                     window_style=Qt.SolidLine if started else Qt.DashLine)
        self.input_grid.set_caption(f"{s.padded.shape[0]}×{s.padded.shape[1]}×{s.n_C_prev}")
        if conv:
            self.filter_grid.title = "Filter W"
            self.filter_grid.set_values(s.weights, "diverging", True)
            bias = format_number(s.bias) or "0"
            self.filter_grid.set_caption(f"{s.f}×{s.f}×{s.n_C_prev}, b = {bias}")
        else:
            self.filter_grid.title = "Window values"
            self.filter_grid.set_values(view.window, "grey" if self.is_picture else "diverging",
                                        True)
            self.filter_grid.set_caption(f"{s.f}×{s.f} window, no weights")
        self.filter_grid.set_overlays(marked=view.mask if started else None)
        output = s.output_after(self.k)
        self.output_grid.title = "Output Z" if conv else "Output A"
        self.output_grid.set_values(output, "diverging", self._numbers(output))
        self.output_grid.set_overlays(current=(view.h, view.w) if started else None)
        self.output_grid.set_caption(f"{s.n_H}×{s.n_W}×{s.n_C}  ·  click a cell")
        self.step_text.setText(self._forward_text(view, started))
        self._share_width(s.padded, self.filter_grid.values, output)

    def _forward_text(self, view, started: bool) -> str:
        corners = (f"vert_start = {view.vert_start}, vert_end = {view.vert_end}, "
                   f"horiz_start = {view.horiz_start}, horiz_end = {view.horiz_end}")
        if not started:
            return (f"Ready: {self.total} steps, one per output cell, row by row. "
                    f"Press <b>Step</b> to compute Z[0, 0] from the dashed window ({corners}).")
        head = (f"<b>Step {self.k + 1} of {self.total}</b>: output cell "
                f"(h={view.h}, w={view.w}); {corners}.<br>")
        if self.mode == "convolution":
            products = view.window.ravel()
            weights = self.stepper.weights.ravel()
            if products.size <= MAX_TERMS:
                terms = " + ".join(f"{_term(a)}·{_term(w)}" for a, w in zip(products, weights))
            else:
                terms = f"sum of the {products.size} products of window and filter"
            return (head + f"Z[{view.h}, {view.w}] = {terms} = {view.total:.4g}, "
                    f"+ b ({self.stepper.bias:g}) = <b>{view.value[0]:.4g}</b>")
        if self.mode == "max":
            values = ", ".join(f"{v:.4g}" for v in view.value[:3])
            return head + (f"A[{view.h}, {view.w}] = max of the window = <b>{values}</b> "
                           f"(circled: the mask from create_mask_from_window)")
        values = ", ".join(f"{v:.4g}" for v in view.value[:3])
        return head + (f"A[{view.h}, {view.w}] = mean of the {self.stepper.f ** 2} window "
                       f"values = <b>{values}</b>")

    def _show_backward(self) -> None:
        s = self.stepper
        conv = self.mode == "convolution"
        adding = self.sum_box.isChecked() and self.back_cell is None
        h, w = self.back_cell if self.back_cell is not None else s.cell(max(self.k, 0))
        view = s.backward_sum(max(self.k, 0)) if adding else s.backward(h, w, 1.0)
        r0, r1, c0, c1 = view.window
        grid_input = view.d_input
        self.input_grid.title = "Gradient to the padded input" if conv and s.pad \
            else "Gradient to the input"
        self.input_grid.set_values(grid_input, "diverging", self._numbers(grid_input))
        self.input_grid.set_overlays(padding=s.is_padding if conv else None,
                                     window=view.window)
        self.input_grid.set_caption("window += W · dZ" if conv else
                                    ("mask · dZ" if self.mode == "max" else
                                     "distribute_value(dZ, (f, f))"))
        if conv:
            self.filter_grid.title = "Gradient to W"
            self.filter_grid.set_values(view.d_weights, "diverging", True)
            self.filter_grid.set_caption("a_slice · dZ")
        else:
            self.filter_grid.title = "Window values"
            self.filter_grid.set_values(s.volume[r0:r1, c0:c1], "diverging", True)
            self.filter_grid.set_caption("(pooling has no weights)")
        self.filter_grid.set_overlays()
        dz = np.zeros((s.n_H, s.n_W, s.n_C))
        if adding:   # the cells the loop has visited so far, each with dZ = 1
            dz.reshape(-1, s.n_C)[:max(self.k, 0) + 1] = 1.0
        else:
            dz[h, w] = 1.0
        self.output_grid.title = "dZ (cells so far = 1)" if adding else "dZ (one cell = 1)"
        self.output_grid.set_values(dz, "diverging", self._numbers(dz))
        self.output_grid.set_overlays(current=(h, w))
        self.output_grid.set_caption("click a cell")
        if adding:
            last = max(self.k, 0) + 1
            done = last == self.total
            what = ("conv_backward's dA_prev (before the padding is cut off), dW and db"
                    if conv else "pool_backward's dA_prev")
            text = (f"<b>Backward loop, {last} of {self.total} cells</b> (dZ = 1 in each): "
                    f"the gradients of output cells 0..{last - 1} added up, window by "
                    f"window; overlapping windows add. "
                    + (f"All cells done: this is {what}." if done else
                       "Step on to add the next cell."))
            if conv:
                text += f" db = {view.d_bias:g}."
        elif conv:
            text = (f"<b>Backward</b> from Z[{h}, {w}] with dZ = 1: every input cell of its "
                    f"window (rows {r0}..{r1 - 1}, columns {c0}..{c1 - 1} of the padded input) "
                    f"gets its weight times dZ; each weight gets the input value it met times "
                    f"dZ; the bias gets dZ. Summed over all output cells this is conv_backward.")
        elif self.mode == "max":
            text = (f"<b>Backward</b> from A[{h}, {w}] with dA = 1: only the window's maximum "
                    f"changed the output, so the whole gradient goes to it (the mask); the "
                    f"other {s.f * s.f - 1} cells get 0.")
        else:
            text = (f"<b>Backward</b> from A[{h}, {w}] with dA = 1: every one of the "
                    f"{s.f * s.f} window cells counted 1/{s.f * s.f} in the mean, so each "
                    f"gets {1 / (s.f * s.f):.3g}.")
        self.step_text.setText(text)
        self._share_width(grid_input, self.filter_grid.values, dz)

    def _show_maps(self) -> None:
        """The input, the output so far and its ReLU, large, each with a colour bar.
        Colour ranges come from the whole output, so they hold still while stepping."""
        s = self.stepper
        maps = s.feature_maps(self.k)
        conv = self.mode == "convolution"
        in_scheme, low, high, words = self._show_picture(maps.picture)
        done = min(self.k + 1, self.total)
        progress = (f"all {self.total} cells" if maps.complete else
                    f"{done} of {self.total} cells (grey: not yet)")
        if not conv:
            # Pooling keeps the input's values, so A is drawn on the input's scale.
            name = "max" if self.mode == "max" else "average"
            self.z_map.title = f"Pooled output A ({name})"
            self.z_map.set_map(maps.output, in_scheme, low, high, words,
                               f"{progress}. No ReLU after pooling.")
            self.relu_map.setVisible(False)
            return
        if self._scale[0] is not s:     # the percentile once per stepper, not per tick
            self._scale = (s, display_scale(maps.full_output))
        top = self._scale[1]
        agree = ""
        if maps.complete:
            # short enough for two caption lines in a 140 px view at 1280x720
            agree = f" = conv_forward_fast (±{s.fast_difference():.0e})"
        self.z_map.title = "Feature map Z"
        self.z_map.set_map(maps.output, "diverging", -top, top, ("negative", "positive"),
                           progress + agree)
        self.relu_map.setVisible(True)
        self.relu_map.set_map(maps.relu, "positive", 0.0, top, ("0: negatives cut", "positive"),
                              "what the CONV layer passes on")

    def _show_picture(self, volume: np.ndarray):
        """The input view; returns its colour scale (pooled outputs share it)."""
        rows, cols, channels = volume.shape
        if self.is_picture:
            scale = "grey", 0.0, 1.0, ("black", "white")
        elif volume.min() >= 0:
            scale = "positive", 0.0, float(volume.max()) or 1.0, ("zero", "large")
        else:
            top = float(np.abs(volume).max()) or 1.0
            scale = "diverging", -top, top, ("negative", "positive")
        self.picture_map.title = "Input picture" if self.is_picture else "Input"
        self.picture_map.set_map(volume, *scale, f"{rows}×{cols}×{channels}, without padding")
        return scale

    def shutdown(self) -> None:
        self.stop_play()
        if self._task is not None:
            self._task.wait(2)


def _term(value: float) -> str:
    """One factor of the sum line; negatives in brackets so 9·(-1) reads clearly."""
    text = format_number(value) or "0"
    return f"({text})" if value < 0 else text


def _combo(name: str, items: list[str]) -> QComboBox:
    box = QComboBox()
    box.setObjectName(name)
    box.addItems(items)
    box.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
    box.setMinimumContentsLength(8)
    return box


def _spin(name: str, low: int, high: int, value: int) -> QSpinBox:
    spin = QSpinBox()
    spin.setObjectName(name)
    spin.setRange(low, high)
    spin.setValue(value)
    return spin


def _button(text: str, name: str) -> QPushButton:
    button = QPushButton(text)
    button.setObjectName(name)
    button.setStyleSheet(COMPACT_BUTTON_CSS)   # five in a row fit a 1280-pixel screen
    return button
