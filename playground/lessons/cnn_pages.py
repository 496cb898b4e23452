"""Lesson 4.2's page: the course's small ConvNet on the SIGNS pictures.

``CnnSignsPage`` is lesson 2.3's ``SignsPage`` (dataset, live curves, the mistakes,
the real test photos, your own picture) without the eager-TensorFlow exercises, and
with an "Architecture" tab: the network's layers, their output shapes and parameter
counts, computed by the engine from the Keras model (built on a worker thread once
TensorFlow has loaded; no setting changes the architecture).
"""
from __future__ import annotations

import html

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from playground.lessons.keras_page import SignsPage
from playground.panels import style
from playground.panels.model_summary import ModelSummaryTable

# The fully connected network of lesson 2.3 (12288 -> 25 -> 12 -> 6), for comparison.
DENSE_PARAMETERS = 12288 * 25 + 25 + 25 * 12 + 12 + 12 * 6 + 6


class CnnSignsPage(SignsPage):
    """Lesson 4.2: SIGNS pictures, live curves, mistakes, and the layer table."""

    length_setting = "num_epochs"

    def build_tabs(self) -> None:
        self.tabs.addTab(self.plots_widget(), "Training")
        self.tabs.addTab(self._architecture_tab(), "Architecture")
        self.add_dataset_tab()
        self.add_results_tab()
        self.real_viewer = None

    def _architecture_tab(self) -> QWidget:
        box = QWidget()
        layout = QVBoxLayout(box)
        self.architecture_intro = QLabel(
            "CONV2D (W1) → RELU → MAXPOOL 8×8 → CONV2D (W2) → RELU → MAXPOOL 4×4 → "
            "FLATTEN → FULLY CONNECTED (6). Each convolution keeps the picture's size "
            "(padding SAME, stride 1); each max-pool shrinks it by its window.",
            objectName="architectureIntro")
        self.architecture_intro.setWordWrap(True)
        self.architecture = ModelSummaryTable()
        self.architecture.set_message("The layer table appears once TensorFlow has loaded…")
        self.architecture_note = QLabel("", objectName="architectureNote")
        self.architecture_note.setWordWrap(True)
        self.architecture_note.setStyleSheet(style.MUTED_CSS)
        layout.addWidget(self.architecture_intro)
        layout.addWidget(self.architecture, 1)
        layout.addWidget(self.architecture_note)
        return box

    # --- the architecture view ---
    def on_tensorflow_ready(self) -> None:
        from engine.keras_models.signs_cnn import course_architecture
        self.architecture.set_message("Building the network…")
        self.run_in_background(course_architecture, done=self._show_architecture,
                               error=lambda m: self.architecture.set_message(
                                   html.escape(m), error=True))

    def _show_architecture(self, summary: dict) -> None:
        rows = summary["rows"]
        self.architecture.set_rows(rows, total=summary["total"],
                                   trainable=summary["trainable"],
                                   non_trainable=summary["non_trainable"])
        filters = [f"{r['name']}: {' × '.join(map(str, r['weights'][0]))}"
                   for r in rows if r["type"] == "Conv2D" and r.get("weights")]
        self.architecture_note.setText(
            "Filters (height × width × channels in × filters): " + "; ".join(filters)
            + ". No biases in the convolutions, as in the course. The fully connected "
            f"network of lesson 2.3 had {DENSE_PARAMETERS:,} parameters for the same "
            f"pictures; this one has {summary['total']:,}, because a filter's weights are "
            "shared by every position of the picture.")
