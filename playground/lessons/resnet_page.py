"""Lesson 4.4's page: ResNet50 on the hand signs.

Like the SIGNS page (curves, the pictures, the mistakes, your own picture) without
the TensorFlow exercises, plus:

- the time estimate: an epoch of ResNet50 takes minutes on a CPU, so the engine
  times the first batches and the page shows "about N s per epoch, M min for the
  run" as soon as it is known;
- an "Architecture" tab: the block diagram (drawn from ``stage_plan()``, at once)
  and the layer table of ``model.summary()`` (built on a worker once TensorFlow is
  loaded: building the 23.6M-parameter network takes seconds);
- the pretrained file: where it is (or where to put it), and a button that checks a
  ``ResNet50.h5`` the learner picks and copies it there, on a worker thread.
"""
from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QFileDialog, QGroupBox, QLabel, QPushButton, QSplitter,
                               QVBoxLayout, QWidget)

from engine.keras_models.resnet import stage_plan
from engine.lesson_runs.resnet50 import START_PRETRAINED, steps_per_epoch
from engine.settings import replace_setting
from engine.weights import get_entry
from playground.lessons.keras_page import SignsPage
from playground.panels import style
from playground.panels.model_summary import ModelSummaryTable
from playground.panels.resnet_diagram import ResNetDiagram


def summary_of_resnet50() -> dict:
    """Worker thread: build the course's ResNet50 and read its layer table."""
    from engine.keras_models.resnet import ResNet50
    from engine.keras_models.summary import layer_table, parameter_totals

    model = ResNet50(input_shape=(64, 64, 3), classes=6)
    return {"rows": layer_table(model), "totals": parameter_totals(model)}


def install_pretrained(path: str):
    from engine.keras_models.resnet_weights import install_resnet50_weights
    return install_resnet50_weights(path)


ESTIMATE_HINT = ("ResNet50 is slow on a CPU: after the first few batches the time per "
                 "epoch is estimated here.")


class ResNetPage(SignsPage):
    """Residual networks: training with a time estimate, the architecture, the
    pretrained model."""

    def build_sidebar(self, layout: QVBoxLayout) -> None:
        super().build_sidebar(layout)
        box = QGroupBox("Pretrained ResNet50.h5")
        inner = QVBoxLayout(box)
        self.pretrained_status = QLabel(objectName="pretrainedStatus")
        self.pretrained_status.setWordWrap(True)
        self.pretrained_status.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.load_pretrained_button = QPushButton("Load pretrained ResNet50.h5…",
                                                  objectName="loadPretrainedButton")
        self.load_pretrained_button.setToolTip(
            "Pick the course's ResNet50.h5: it is checked layer by layer and copied to "
            "the app's weights folder.")
        self.load_pretrained_button.clicked.connect(self.choose_pretrained)
        inner.addWidget(self.pretrained_status)
        inner.addWidget(self.load_pretrained_button)
        layout.addWidget(box)
        self.refresh_pretrained_status()

    def build_tabs(self) -> None:
        training = QWidget()
        column = QVBoxLayout(training)
        column.setContentsMargins(0, 0, 0, 0)
        self.estimate_label = QLabel(ESTIMATE_HINT, objectName="epochEstimate")
        self.estimate_label.setWordWrap(True)
        self.estimate_label.setStyleSheet(style.MUTED_CSS)
        column.addWidget(self.estimate_label)
        self.accuracy_note = QLabel("", objectName="accuracyNote")
        self.accuracy_note.setWordWrap(True)
        self.accuracy_note.setStyleSheet(style.MUTED_CSS)
        self.accuracy_note.hide()
        column.addWidget(self.accuracy_note)
        column.addWidget(self.plots_widget(), 1)
        self.tabs.addTab(training, "Training")
        self.add_dataset_tab()
        self.add_results_tab()
        architecture = QSplitter(Qt.Vertical, objectName="architectureTab")
        self.diagram = ResNetDiagram()
        self.diagram.set_plan(stage_plan())   # plain data: drawn before TF loads
        self.summary_table = ModelSummaryTable(
            "model.summary() of the course's ResNet50 (built from our code)")
        self.summary_table.set_message("The layer table appears once TensorFlow has "
                                       "loaded…")
        architecture.addWidget(self.diagram)
        architecture.addWidget(self.summary_table)
        architecture.setSizes([560, 300])
        self.tabs.addTab(architecture, "Architecture")
        self.real_viewer = None
        self.estimate: dict = {}

    # --- TensorFlow is there: the layer table ---
    def on_tensorflow_ready(self) -> None:
        self.summary_table.set_message("Building ResNet50 for its layer table…")
        self.run_in_background(summary_of_resnet50, done=self._show_summary,
                               error=lambda m: self.summary_table.set_message(
                                   html.escape(m), error=True))

    def _show_summary(self, summary: dict) -> None:
        self.summary_table.set_rows(summary["rows"], **summary["totals"])

    # --- the pretrained file ---
    def refresh_pretrained_status(self) -> None:
        entry = get_entry("resnet50")
        found = entry.find()
        if found is not None:
            self.pretrained_status.setText(
                f"Found: {html.escape(str(found))}<br><span style='color:{style.MUTED}'>"
                f"Choose “{START_PRETRAINED}” under Start from (and Evaluate only for the "
                "course's test).</span>")
        else:
            self.pretrained_status.setText(
                f"<span style='color:{style.MUTED}'>Not found. "
                f"{html.escape(entry.missing_message())}</span>")

    def choose_pretrained(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "The course's ResNet50.h5", "",
            "Keras HDF5 files (*.h5 *.hdf5 *.keras);;All files (*)")
        if not path:
            return
        self.load_pretrained_button.setEnabled(False)
        self.pretrained_status.setText("Checking the file layer by layer and copying it… "
                                       "(a few seconds)")
        self.run_in_background(install_pretrained, path, done=self._pretrained_installed,
                               error=self._pretrained_failed)

    def _pretrained_installed(self, target) -> None:
        self.load_pretrained_button.setEnabled(True)
        self.refresh_pretrained_status()
        if not self.running:
            self.settings_panel.set_values(replace_setting(
                self.settings_panel.values(), "start_from", START_PRETRAINED))
        self.controls.set_status("Pretrained ResNet50 ready: press Train, or tick "
                                 "Evaluate only to test it as the course does.")

    def _pretrained_failed(self, message: str) -> None:
        self.load_pretrained_button.setEnabled(True)
        self.refresh_pretrained_status()
        first_line = message.strip().splitlines()[0] if message.strip() else "Failed."
        self.pretrained_status.setText(
            f"<span style='color:{style.ERROR}'>{html.escape(first_line)}</span><br>"
            + self.pretrained_status.text())
        self.controls.set_status(first_line, error=True)

    # --- runs: the curve is per batch, and the estimate ---
    def before_run(self, settings) -> None:
        super().before_run(settings)
        self.estimate = {}
        self.accuracy_note.hide()
        if settings.evaluate_only:
            self.estimate_label.setText("Evaluate only: the network is tested, not trained.")
            return
        pictures = len(self.dataset.X_train) if self.dataset is not None else 1080
        batches = steps_per_epoch(pictures, settings.batch_size) * int(settings.epochs)
        for plot in (self.cost_plot, self.accuracy_plot):
            plot.set_iterations(max(batches - 1, 1))
            plot.plot.setLabel("bottom", "batch")
        self.estimate_label.setText("Timing the first batches (the first one also builds "
                                    "the training graph)…")

    def clear_results(self) -> None:
        super().clear_results()
        self.estimate = {}
        self.estimate_label.setText(ESTIMATE_HINT)
        self.accuracy_note.hide()

    def explain_train_accuracy(self, metrics: dict) -> None:
        """Why the live train accuracy and the final one differ (BatchNorm's modes)."""
        curve = self._last_snapshot_accuracy or []
        running = next((row[1] for row in reversed(curve) if row[1] is not None), None)
        final = metrics.get("train_accuracy")
        if running is None or final is None:
            self.accuracy_note.hide()
            return
        self.accuracy_note.setText(
            f"Why two train accuracies? The curve's {100 * running:.1f}% is measured "
            "while training: each batch is normalised by its own mean and variance, "
            f"and the weights change from batch to batch. The final {100 * final:.1f}% "
            "is measured afterwards in inference mode, where BatchNorm uses its moving "
            "averages instead; after a few epochs those still lag the weights, so the "
            "two can differ a lot. Both are right; the second is what a test sees.")
        self.accuracy_note.show()

    progress_counts_batches = True   # per-batch curve: "iteration" counts batches

    def _on_progress(self, data: dict) -> None:
        self._take_estimate(data)
        super()._on_progress(data)

    def progress_text(self, data: dict) -> str:
        # "iteration" counts batches; "epoch" is the epoch (from 0)
        epochs = getattr(self.job.settings, "epochs", None) if self.job else None
        epoch = int(data.get("epoch", 0)) + 1
        of = f" of {epochs}" if epochs else ""
        batch = f", batch {data['batch']} of {data['batches']}" \
            if data.get("batch") and data.get("batches") else ""
        estimate = f" · {self.estimate['estimate_text']}" if self.estimate else ""
        return f"Epoch {epoch}{of}{batch} — cost {data['cost']:.4f}{estimate}"

    def on_snapshot(self, data: dict) -> None:
        self._take_estimate(data)

    def _take_estimate(self, data: dict) -> None:
        if "estimate_text" not in data or data.get("estimate_text") == \
                self.estimate.get("estimate_text"):
            return
        self.estimate = {k: data[k] for k in ("estimate_text", "seconds_per_epoch_estimate",
                                              "estimate_measured") if k in data}
        how = "measured over the first epoch" if data.get("estimate_measured") \
            else "from the first batches"
        self.estimate_label.setText(f"<b>{html.escape(data['estimate_text'])}</b> "
                                    f"({how}).")

    def on_finished(self, data: dict) -> None:
        super().on_finished(data)
        metrics = data.get("metrics") or {}
        result = data.get("result") or {}
        self.explain_train_accuracy(metrics)
        parts = []
        if metrics.get("test_cost") is not None:
            parts.append(f"test loss {metrics['test_cost']:.4f}")
        if metrics.get("real_test_cost") is not None:
            parts.append(f"real test photos loss {metrics['real_test_cost']:.4f}")
        epoch_seconds = result.get("epoch_seconds") or []
        if epoch_seconds:
            parts.append(f"first epoch took {epoch_seconds[0]:.0f} s (with building "
                         "the graph)")
        if self.estimate:
            parts.append(self.estimate["estimate_text"])
        if parts:
            self.estimate_label.setText("; ".join(parts) + ".")
