"""Pages of the cat-picture lessons (1.2 logistic regression, 1.5 deep networks)."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (QFileDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout,
                               QWidget)

from playground.lessons.base import TrainingPage
from playground.panels.dataset_viewer import DatasetViewer
from playground.panels.live_plots import MisclassifiedGrid
from playground.panels.network_builder import NetworkBuilder


class OwnImageBox(QWidget):
    """"Try your own image": pick a file, see it at 64x64 and the model's verdict."""

    def __init__(self, page: "CatPage") -> None:
        super().__init__()
        self.page = page
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.button = QPushButton("Try your own image…")
        self.button.setObjectName("ownImageButton")
        self.button.clicked.connect(self.choose)
        self.preview = QLabel()
        self.preview.setFixedSize(96, 96)
        self.preview.setObjectName("ownImagePreview")
        self.verdict = QLabel("Train a model, then try a picture of your own.")
        self.verdict.setObjectName("ownImageVerdict")
        self.verdict.setWordWrap(True)
        self.verdict.setTextInteractionFlags(Qt.TextSelectableByMouse)
        column = QVBoxLayout()
        column.addWidget(self.button)
        column.addWidget(self.verdict)
        layout.addWidget(self.preview)
        layout.addLayout(column, 1)

    def choose(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Choose a picture", "",
                                              "Images (*.png *.jpg *.jpeg *.bmp *.gif);;"
                                              "All files (*)")
        if path:
            self.classify(path)

    def classify(self, path: str) -> None:
        result = self.page.last_result
        # NumPy lessons keep "parameters"; Keras lessons keep the trained "model"
        if not result or not ("parameters" in result or "model" in result):
            self._say("Train the model first (press Train), then try your picture.", True)
            return
        lesson = self.page.lesson
        self._say("Reading the picture…")
        self.page.run_in_background(lesson.classify_image, result, path,
                                    done=self._show, error=lambda m: self._say(m, True))

    def _show(self, verdict: dict) -> None:
        image = np.ascontiguousarray(verdict["image"])
        qimage = QImage(image.data, image.shape[1], image.shape[0], 3 * image.shape[1],
                        QImage.Format_RGB888).copy()
        self.preview.setPixmap(QPixmap.fromImage(qimage).scaled(96, 96))
        p = verdict["probability"]
        self._say(f"The model says <b>{verdict['label']}</b> "
                  f"(probability of cat {p:.2f}).")

    def _say(self, text: str, error: bool = False) -> None:
        self.verdict.setText(f"<span style='color:#c62828'>{text}</span>" if error else text)


class CatPage(TrainingPage):
    """Cost and accuracy live, the pictures, the misclassified ones, your own image."""

    def build_sidebar(self, layout: QVBoxLayout) -> None:
        self.own_image = OwnImageBox(self)
        layout.addWidget(self.own_image)

    def build_tabs(self) -> None:
        self.tabs.addTab(self.plots_widget(), "Training")
        self.viewer = DatasetViewer()
        self.tabs.addTab(self.viewer, "Dataset")
        self.misclassified = MisclassifiedGrid()
        self.tabs.addTab(self.misclassified, "Results")   # the course's "results analysis"

    def on_data(self, dataset) -> None:
        self.viewer.set_dataset(dataset)

    def before_run(self, settings) -> None:
        self.misclassified.show_images(np.zeros((0, 64, 64, 3), np.uint8), [], [], [],
                                       self.dataset.classes if self.dataset else [])

    def on_finished(self, data: dict) -> None:
        result = data.get("result") or {}
        wrong = result.get("misclassified")
        if wrong is None or self.dataset is None:
            return
        ds = self.dataset
        probabilities = result["test_probabilities"][0, wrong]
        self.misclassified.show_images(ds.X_test[wrong], ds.Y_test[0, wrong],
                                       result["test_predictions"][0, wrong],
                                       probabilities, ds.classes)


class DeepCatPage(CatPage):
    """Adds the network builder: the hidden layers of the L-layer model."""

    def build_sidebar(self, layout: QVBoxLayout) -> None:
        self.builder = NetworkBuilder()
        self.builder.layers_changed.connect(self._layers_changed)
        layout.addWidget(self.builder)
        self._sync_builder()
        super().build_sidebar(layout)

    def _sync_builder(self) -> None:
        values = self.settings_panel.values()
        self.builder.set_network(12288, values.hidden_layers, 1, "sigmoid",
                                 activations=("relu", "tanh", "sigmoid"),
                                 fixed_depth=values.model == "two_layer_model")

    def _layers_changed(self, layers) -> None:
        from engine.settings import replace_setting
        self.settings_panel.set_values(replace_setting(self.settings_panel.values(),
                                                       "hidden_layers", layers))

    def _on_setting_changed(self, name, value) -> None:
        if name == "model" and not self.running:
            from engine.lesson_runs.deep_cat import TWO_LAYER_DEFAULT
            from engine.settings import replace_setting
            layers = TWO_LAYER_DEFAULT if value == "two_layer_model" else \
                self.lesson.default_settings().hidden_layers
            self.settings_panel.set_values(replace_setting(self.settings_panel.values(),
                                                           "hidden_layers", layers))
            self._sync_builder()
        elif name == "hidden_layers":  # reset to defaults, or a loaded settings file
            self._sync_builder()
        super()._on_setting_changed(name, value)

    def _set_state(self, state: str) -> None:
        super()._set_state(state)
        self.builder.setEnabled(state not in ("running", "paused", "stopping"))
