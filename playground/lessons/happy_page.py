"""The Happy House page (course 4, section 4.3): a Keras CNN that tells smiles apart.

Built on ``SignsPage``: the pictures, live curves, the misclassified test pictures
and, when the lesson trained on the drawn stand-in, the real test photos of
``test_happy.h5`` in their own tab, with the accuracy on them shown large after a
run. A "Model" tab shows the chosen architecture's layer table (the course's
``happyModel.summary()``) as soon as TensorFlow is loaded, and "Is this face
happy?" answers for a picture of your own. No exercises tab: the notebook has none.
"Use this model at the door" saves the trained model for the face-recognition page's
smile check (engine/keras_models/happy_door_weights.py).
"""
from __future__ import annotations

import html

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget

from playground.lessons.image_pages import OwnImageBox
from playground.lessons.keras_page import KerasPage, SignsPage
from playground.panels import style


def architecture_summary(architecture: str) -> dict:
    """The layer table of a freshly built model (runs on a worker thread)."""
    from engine.keras_models.happy import build_model
    from engine.keras_models.summary import layer_table, parameter_totals

    built = build_model(architecture)
    return {"architecture": architecture, "rows": layer_table(built),
            "totals": parameter_totals(built)}


class HappyOwnImageBox(OwnImageBox):
    """"Is this face happy?": the verdict in words, with the probability of a smile."""

    def __init__(self, page) -> None:
        super().__init__(page)
        self.button.setText("Is this face happy?…")
        self.verdict.setText("Train the model, then try a photo of a face (a close-up "
                             "works best).")

    def _show(self, verdict: dict) -> None:
        image = np.ascontiguousarray(verdict["image"])
        qimage = QImage(image.data, image.shape[1], image.shape[0], 3 * image.shape[1],
                        QImage.Format_RGB888).copy()
        self.preview.setPixmap(QPixmap.fromImage(qimage).scaled(96, 96))
        p = verdict["probability"]
        door = "the door opens" if verdict["happy"] else "the door stays shut"
        self._say(f"The model says <b>{html.escape(verdict['label'])}</b> (probability of "
                  f"a smile {p:.2f}): {door}.")


class DoorModelBox(QWidget):
    """"Use this model at the door": saves the trained model (on a worker thread) where
    the face-recognition page's smile check looks for it."""

    NOT_YET = ("Train the model first; then the face-recognition door can use it to let "
               "in only residents who smile.")

    def __init__(self, page) -> None:
        super().__init__()
        self.page = page
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 6, 0, 0)
        self.button = QPushButton("Use this model at the door", objectName="doorModelButton")
        self.button.clicked.connect(self.save)
        self.message = QLabel("", objectName="doorModelMessage")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextSelectableByMouse)
        column.addWidget(self.button)
        column.addWidget(self.message)
        self.model_changed(None, {})

    def model_changed(self, result: dict | None, metrics: dict) -> None:
        self._result, self._metrics = result, metrics
        ready = bool(result) and result.get("model") is not None
        self.button.setEnabled(ready)
        self.button.setToolTip("Save this model for the Happy House door's smile check "
                               "(face-recognition lesson)." if ready else self.NOT_YET)
        self.message.setText("")
        self.saving = False

    def save(self) -> None:
        result = self._result
        if not result or result.get("model") is None or self.saving:
            return
        from engine.keras_models.happy_door_weights import save_door_model
        self.saving = True
        self.button.setEnabled(False)
        self.message.setText("Saving the model…")
        architecture = result.get("architecture") or "course"
        self.page.run_in_background(save_door_model, result["model"], architecture,
                                    dict(self._metrics), done=self._saved,
                                    error=self._failed)

    def _saved(self, path) -> None:
        self.saving = False
        self.button.setEnabled(True)
        real = self._metrics.get("real_test_accuracy")
        score = (f" It got {100 * real:.1f}% of the real test photos right."
                 if real is not None else "")
        self.message.setText(f"Saved to {html.escape(str(path))}.{score} On the "
                             "face-recognition page, tick “Smile required” on the Door tab.")

    def _failed(self, message: str) -> None:
        self.saving = False
        self.button.setEnabled(True)
        self.message.setText(f"<span style='color:{style.ERROR}'>{html.escape(message)}"
                             "</span>")


class HappyPage(SignsPage):
    """Lesson 4.3: build, compile, fit and evaluate HappyModel."""

    real_test_file = "test_happy.h5"
    real_test_photos = "Happy House photos"
    standin_words = "the drawn faces"

    def build_sidebar(self, layout: QVBoxLayout) -> None:
        KerasPage.build_sidebar(self, layout)          # the TensorFlow loading state
        self.own_image = HappyOwnImageBox(self)
        layout.addWidget(self.own_image)
        self.door_model = DoorModelBox(self)
        layout.addWidget(self.door_model)

    def build_tabs(self) -> None:
        training = QWidget()
        column = QVBoxLayout(training)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.plots_widget(), 1)
        self.tabs.addTab(training, "Training")
        self.add_dataset_tab()
        from playground.panels.model_summary import ModelSummaryTable
        self.summary_table = ModelSummaryTable("The model's layers (happyModel.summary())")
        self.summary_table.set_message("The layer table appears once TensorFlow has loaded.")
        self.tabs.addTab(self.summary_table, "Model")
        self.add_results_tab()
        self.real_viewer = None
        self._summary_shown = None

    # --- the model's summary ---
    def on_tensorflow_ready(self) -> None:
        self._show_summary_of(self.current_settings().architecture)

    def _show_summary_of(self, architecture: str) -> None:
        if not self.tensorflow_ready or architecture == self._summary_shown:
            return
        self._summary_shown = architecture
        self.run_in_background(architecture_summary, architecture, done=self._show_summary,
                               error=lambda m: self.summary_table.set_message(m, error=True))

    def _show_summary(self, summary: dict) -> None:
        if summary["architecture"] != self._summary_shown:
            return                                     # the choice changed meanwhile
        note = {"course": "HappyModel as the course's code builds it: blocks 2 and 3 pad "
                          "X_input, so only the third block reaches the output.",
                "chained": "HappyModel with its three blocks chained as intended.",
                "example": "The notebook's example model: one 7x7 CONV block."}
        self.summary_table.set_title(f"<b>{note[summary['architecture']]}</b>")
        self.summary_table.set_rows(summary["rows"], **summary["totals"])

    def _on_setting_changed(self, name, value) -> None:
        if name == "architecture" and not self.running:
            self._show_summary_of(value)
        super()._on_setting_changed(name, value)

    # --- runs ---
    def before_run(self, settings) -> None:
        super().before_run(settings)
        self.door_model.model_changed(None, {})


    def on_finished(self, data: dict) -> None:
        super().on_finished(data)
        metrics = data.get("metrics") or {}
        self.door_model.model_changed(data.get("result"), metrics)
