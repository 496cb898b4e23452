"""Lesson 4.1 page: the conv stepper first, then a small NumPy ConvNet trained on SIGNS.

Tabs: "Conv stepper" (watch one convolution or pooling layer fill its output cell by
cell, and follow gradients back), "Training" (cost and accuracy of the ConvNet run with
its first-layer filters drawn live), "Course checks" (the values the course's notebook
prints for zero_pad, create_mask_from_window and distribute_value), then "Runs".
"""
from __future__ import annotations

import time

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QScrollArea, QVBoxLayout, QWidget

from playground.lessons.base import TrainingPage
from playground.panels.conv_grid import FilterTiles
from playground.panels.conv_stepper import ConvStepperPanel

FILTER_INTERVAL_S = 0.25   # live filters redraw at most 4 times a second


def course_outputs():
    """The notebook's printed values, computed by the course functions (worker thread)."""
    from engine.lesson_runs.cnn_step_by_step import course_outputs as compute
    return compute()


def format_course_outputs(outputs: dict) -> str:
    """The values laid out the way the notebook prints them."""
    with np.printoptions(precision=8, suppress=False):
        pad = outputs["zero_pad"]
        mask = outputs["create_mask_from_window"]
        spread = outputs["distribute_value"]
        blocks = [
            "# np.random.seed(1)",
            "# x = np.random.randn(4, 3, 3, 2)",
            "# x_pad = zero_pad(x, 2)",
            f"x.shape = {tuple(pad['x_shape'])}",
            f"x_pad.shape = {tuple(pad['x_pad_shape'])}",
            f"x[1,1] = {np.asarray(pad['x[1,1]'])}",
            f"x_pad[1,1] = {np.asarray(pad['x_pad[1,1]'])}",
            "",
            "# np.random.seed(1)",
            "# x = np.random.randn(2, 3)",
            "# mask = create_mask_from_window(x)",
            f"x = {np.asarray(mask['x'])}",
            f"mask = {np.asarray(mask['mask'])}",
            "",
            f"# a = distribute_value({spread['dz']}, {tuple(spread['shape'])})",
            f"distributed value = {np.asarray(spread['a'])}",
        ]
    return "\n".join(blocks)


class ConvStepperPage(TrainingPage):
    """The conv stepper beside the usual training bench."""

    length_word = "Epoch"
    speed_unit = "batch"
    real_test_file = "test_signs.h5"

    def build_tabs(self) -> None:
        self.stepper = ConvStepperPanel()
        self.tabs.addTab(self.stepper, "Conv stepper")
        self.filter_tiles = FilterTiles()
        self._last_filter_draw = 0.0
        self.tabs.addTab(self.plots_widget(self.filter_tiles), "Training")
        self.checks = QLabel("Computing the course's printed values…")
        self.checks.setObjectName("courseChecks")
        self.checks.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.checks.setAlignment(Qt.AlignTop | Qt.AlignLeft)
        self.checks.setStyleSheet("font-family: monospace; padding: 8px")
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        holder = QWidget()
        layout = QVBoxLayout(holder)
        note = QLabel("What the course's notebook prints for its helper functions, "
                      "computed here by this app's own course functions: they should "
                      "match the notebook's expected output digit for digit.")
        note.setWordWrap(True)
        layout.addWidget(note)
        layout.addWidget(self.checks, 1)
        scroll.setWidget(holder)
        self.tabs.addTab(scroll, "Course checks")
        self.run_in_background(course_outputs, done=self._show_course_outputs,
                               error=lambda message: self.checks.setText(message))

    def _show_course_outputs(self, outputs: dict) -> None:
        self.checks.setText(format_course_outputs(outputs))

    def before_run(self, settings) -> None:
        self.filter_tiles.set_filters(None, "The filters appear after the first epoch.")
        self._last_filter_draw = 0.0

    def on_snapshot(self, data: dict) -> None:
        filters = data.get("filters")
        now = time.perf_counter()
        if filters is not None and now - self._last_filter_draw >= FILTER_INTERVAL_S:
            self._last_filter_draw = now
            epoch = data.get("iteration", 0) + 1
            self.filter_tiles.set_filters(filters, f"Epoch {epoch}: the filters as they "
                                                   "are being learned.")

    def on_finished(self, data: dict) -> None:
        result = data.get("result") or {}
        filters = result.get("filters")
        if filters is not None:
            f, _, _, count = np.shape(filters)
            self.filter_tiles.set_filters(
                filters, f"The {count} learned {f}×{f}×3 filters of the CONV layer (each "
                         "stretched to its own range: bright = large weights).")
        if result.get("course_outputs"):
            self._show_course_outputs(result["course_outputs"])

    def reset(self) -> None:
        super().reset()
        self.filter_tiles.set_filters(None, "Train to see the filters the CONV layer learns.")

    def shutdown(self) -> None:
        self.stepper.shutdown()
        super().shutdown()
