"""Pages of the Keras lessons: TensorFlow loads in the background when one opens.

``KerasPage`` is a ``TrainingPage`` whose lesson needs TensorFlow. Importing it
takes several seconds, so the page starts it on a BackgroundTask as it opens, shows
"Loading TensorFlow…" with a busy bar, and keeps Train disabled until it is done;
the window stays live all the while. Its plots count epochs, and progress reads
"epoch e of N, batch b of B". Later Keras lessons subclass it and override
``on_tensorflow_ready`` for anything that needs TensorFlow on the page.

Every KerasPage also gets a "Feature maps" tab (just before "Runs"): when a run
finishes, its ``result["model"]`` goes to the viewer with the page's test pictures;
a page that loads pretrained weights calls ``show_model`` instead.

``SignsPage`` is lesson 2.3's: the SIGNS pictures, the misclassified ones (and the
real test photos' when the lesson trained on the stand-in), your own picture, and
the eager-TensorFlow exercises computed by the engine.
"""
from __future__ import annotations

import html
import sys

import numpy as np
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QLabel, QProgressBar, QTextBrowser, QVBoxLayout, QWidget

from engine.data.dataset import Dataset
from engine.keras_models.job_callback import load_tensorflow, tensorflow_loaded
from playground.lessons.base import TrainingPage
from playground.lessons.image_pages import OwnImageBox
from playground.panels import style
from playground.panels.dataset_viewer import DatasetViewer
from playground.panels.feature_maps import FeatureMapViewer
from playground.panels.live_plots import MisclassifiedGrid


class KerasPage(TrainingPage):
    """A training page for a lesson whose engine code uses TensorFlow / Keras."""

    # Class attributes so the hooks that TrainingPage.__init__ calls can read them.
    tensorflow_ready = False
    # Tests replace this with a loader they control; it runs on a worker thread.
    tensorflow_loader = staticmethod(load_tensorflow)
    length_setting = "epochs"  # the setting that gives a run's number of epochs
    length_word = "Epoch"      # progress events count epochs
    speed_unit = "batch"       # Keras checks pause / step / speed after each batch

    def __init__(self, lesson, parent=None) -> None:
        super().__init__(lesson, parent)
        for plot in (self.cost_plot, self.accuracy_plot):
            plot.plot.setLabel("bottom", "epoch")
        self.tensorflow_error: str | None = None
        loader = type(self).tensorflow_loader
        if loader is load_tensorflow and tensorflow_loaded():
            self._tensorflow_loaded((sys.modules["tensorflow"], sys.modules["keras"]))
        else:
            self._set_loading_state()
            self.run_in_background(type(self).tensorflow_loader, done=self._tensorflow_loaded,
                                   error=self._tensorflow_failed)

    # --- the TensorFlow loading state ---
    def build_sidebar(self, layout: QVBoxLayout) -> None:
        self.tensorflow_status = QLabel("Loading TensorFlow…", objectName="tensorflowStatus")
        self.tensorflow_status.setWordWrap(True)
        self.tensorflow_busy = QProgressBar(objectName="tensorflowBusy")
        self.tensorflow_busy.setRange(0, 0)   # no length known: a moving busy bar
        self.tensorflow_busy.setTextVisible(False)
        self.tensorflow_busy.setMaximumHeight(8)
        layout.addWidget(self.tensorflow_status)
        layout.addWidget(self.tensorflow_busy)

    def _set_loading_state(self) -> None:
        self.tensorflow_status.setText("Loading TensorFlow… (a few seconds, the first "
                                       "time a Keras lesson opens)")
        self.tensorflow_busy.show()
        self.controls.train_button.setEnabled(False)
        self.controls.train_button.setToolTip("Available once TensorFlow has loaded.")
        self.controls.set_status("Loading TensorFlow…")

    def _tensorflow_loaded(self, modules) -> None:
        self.tensorflow_ready = True
        loaded = isinstance(modules, tuple) and len(modules) == 2
        tf, keras = modules if loaded else (None, None)
        self.tensorflow_status.setText(f"TensorFlow {getattr(tf, '__version__', '')} · Keras "
                                       f"{getattr(keras, '__version__', '')} ready.")
        self.tensorflow_status.setStyleSheet(style.MUTED_CSS)
        self.tensorflow_busy.hide()
        self.controls.train_button.setToolTip("Start training.")
        self._set_state(self.controls.state)
        if self.controls.state == "idle":
            self.controls.set_status("Ready. Press Train." if self.dataset is not None
                                     else "Loading data…")
        self.on_tensorflow_ready()

    def _tensorflow_failed(self, message: str) -> None:
        self.tensorflow_error = message
        self.tensorflow_status.setText(f"<span style='color:{style.ERROR}'>"
                                       f"{html.escape(message)}</span>")
        self.tensorflow_busy.hide()
        self.controls.set_status(message, error=True)

    def on_tensorflow_ready(self) -> None:
        """TensorFlow is imported: start whatever on the page needs it."""

    # --- the feature-map viewer, on every Keras page ---
    def add_runs_tab(self) -> None:
        # TrainingPage calls this right after build_tabs: whatever tabs a subclass
        # built, "Feature maps" comes last before "Runs".
        self.feature_maps = FeatureMapViewer()
        self.tabs.addTab(self.feature_maps, "Feature maps")
        super().add_runs_tab()

    def _test_pictures(self) -> tuple:
        """The page's test pictures (uint8 (m, h, w, 3)), labels and class names."""
        ds = self.dataset
        X = getattr(ds, "X_test", None)
        if X is None or np.ndim(X) != 4:
            return None, None, None
        return X, ds.Y_test, ds.classes

    def show_model(self, model) -> None:
        """Look into ``model`` (trained here or loaded with pretrained weights)."""
        self.feature_maps.set_model(model, *self._test_pictures())

    def _data_loaded(self, dataset) -> None:
        super()._data_loaded(dataset)
        self.feature_maps.set_images(*self._test_pictures())

    def _on_finished(self, data: dict) -> None:
        super()._on_finished(data)
        model = (data.get("result") or {}).get("model")
        if model is not None:
            self.show_model(model)
            self._maps_from_run = True

    def clear_results(self) -> None:
        super().clear_results()
        # a trained model's feature maps go; a pretrained one's (the door) stay
        if getattr(self, "_maps_from_run", False):
            self._maps_from_run = False
            self.feature_maps.set_model(None)

    def shutdown(self) -> None:
        super().shutdown()
        self.feature_maps.shutdown()

    # --- TrainingPage hooks ---
    def _set_state(self, state: str) -> None:
        super()._set_state(state)
        if not self.tensorflow_ready:
            self.controls.train_button.setEnabled(False)

    def on_data(self, dataset) -> None:
        if not self.tensorflow_ready:  # the data came first: say what is still missing
            self.controls.set_status("Data ready; loading TensorFlow…")

    def start_training(self, run=None) -> None:
        if not self.tensorflow_ready:
            self.controls.set_status(self.tensorflow_error or "TensorFlow is still loading…",
                                     error=self.tensorflow_error is not None)
            self._set_state("idle")
            return
        super().start_training(run)

    def before_run(self, settings) -> None:
        epochs = getattr(settings, self.length_setting, None)
        for plot in (self.cost_plot, self.accuracy_plot):
            plot.set_iterations(max(epochs - 1, 1) if epochs else None)

class SignsOwnImageBox(OwnImageBox):
    """"Try your own image", answered with a digit and its probability."""

    def _show(self, verdict: dict) -> None:
        image = np.ascontiguousarray(verdict["image"])
        qimage = QImage(image.data, image.shape[1], image.shape[0], 3 * image.shape[1],
                        QImage.Format_RGB888).copy()
        self.preview.setPixmap(QPixmap.fromImage(qimage).scaled(96, 96))
        self._say(f"The model reads <b>{verdict['label']}</b> "
                  f"(probability {verdict['probability']:.2f}). It only knows the six "
                  "signs 0-5: anything else still gets one of them.")


def _format_value(value: np.ndarray) -> str:
    return np.array2string(np.asarray(value), precision=8, suppress_small=False,
                           max_line_width=60)


class SignsPage(KerasPage):
    """Lesson 2.3: exercises, SIGNS pictures, live curves and the mistakes.

    Course 4's picture lessons build on it; ``real_test_file`` / ``real_test_photos``
    name the real test set a stand-in run is also tested on."""

    real_test_file = "test_signs.h5"
    real_test_photos = "SIGNS test photos"

    def build_sidebar(self, layout: QVBoxLayout) -> None:
        super().build_sidebar(layout)
        self.own_image = SignsOwnImageBox(self)
        layout.addWidget(self.own_image)

    def build_tabs(self) -> None:
        self.tabs.addTab(self.plots_widget(), "Training")
        self.add_dataset_tab()
        self.add_results_tab()
        self.exercises = QTextBrowser(objectName="exercisesView")
        self.exercises.setHtml("<p style='color:#777'>The exercises run as soon as "
                               "TensorFlow has loaded…</p>")
        self.tabs.addTab(self.exercises, "Exercises")
        self.real_viewer = None

    def add_dataset_tab(self) -> None:
        self.viewer = DatasetViewer()
        self.tabs.addTab(self.viewer, "Dataset")

    def add_results_tab(self) -> None:
        """"Results analysis": the misclassified test pictures, and below them the
        real test photos the model got wrong when it trained on a stand-in."""
        self.results_box = QWidget()
        results = QVBoxLayout(self.results_box)
        results.setContentsMargins(0, 0, 0, 0)
        self.misclassified = MisclassifiedGrid(title="Misclassified test pictures")
        self.real_misclassified = MisclassifiedGrid(
            title=f"Real {self.real_test_photos} ({self.real_test_file}) the model got wrong")
        self.real_misclassified.hide()
        results.addWidget(self.misclassified, 1)
        results.addWidget(self.real_misclassified, 1)
        self.tabs.addTab(self.results_box, "Results")   # short: seven tabs fit 1280 px

    # --- data ---
    def on_data(self, dataset) -> None:
        super().on_data(dataset)
        real = dataset.extra.get("real_test")
        if real is not None and self.real_viewer is None:
            self.real_viewer = DatasetViewer()
            self.tabs.addTab(self.real_viewer, "Real test photos")
        # 1,200 thumbnails take a few hundred ms of the UI thread: build them when a
        # viewer is first looked at, not while the page is busy opening
        self._viewers_to_fill = {self.viewer: dataset}
        if real is not None:
            self._viewers_to_fill[self.real_viewer] = Dataset(
                name=self.real_test_file, kind="images", X_train=None, Y_train=None,
                X_test=real["X"], Y_test=real["Y"], classes=real["classes"],
                provenance=f"The real {self.real_test_photos} ({real['provenance']}); the "
                           "model trains on the stand-in and is tested on these as well.")
        if not getattr(self, "_fill_connected", False):
            self.tabs.currentChanged.connect(self._fill_viewer)
            self._fill_connected = True
        self._fill_viewer()

    def _fill_viewer(self, _index=None) -> None:
        viewer = self.tabs.currentWidget()
        dataset = getattr(self, "_viewers_to_fill", {}).pop(viewer, None)
        if dataset is not None:
            viewer.set_dataset(dataset)

    # --- exercises ---
    def on_tensorflow_ready(self) -> None:
        from engine.keras_models.tensorflow_intro import exercise_results
        self.exercises.setHtml("<p style='color:#777'>Running the exercises…</p>")
        self.run_in_background(exercise_results, done=self._show_exercises,
                               error=lambda m: self.exercises.setHtml(
                                   f"<p style='color:{style.ERROR}'>{html.escape(m)}</p>"))

    def _show_exercises(self, rows: list) -> None:
        parts = ["<h3>The exercises, eager</h3><p>Each line ran in TensorFlow just now, "
                 "without a session: the value is there as soon as the operation runs."
                 "</p><table cellspacing='0' cellpadding='5'>"]
        for row in rows:
            parts.append(f"<tr><td valign='top'><b>{html.escape(row['name'])}</b><br>"
                         f"<code style='color:#555'>{html.escape(row['call'])}</code></td>"
                         f"<td valign='top'><pre>{html.escape(_format_value(row['value']))}"
                         "</pre></td></tr>")
        parts.append("</table>")
        self.exercises.setHtml("".join(parts))
        self.exercise_rows = rows

    # --- runs ---
    def before_run(self, settings) -> None:
        super().before_run(settings)
        empty = np.zeros((0, 64, 64, 3), np.uint8)
        classes = self.dataset.classes if self.dataset else []
        self.misclassified.show_images(empty, [], [], [], classes)
        self.real_misclassified.hide()

    def on_finished(self, data: dict) -> None:
        result = data.get("result") or {}
        metrics = data.get("metrics") or {}
        if self.dataset is None or "misclassified" not in result:
            return
        ds = self.dataset
        wrong = result["misclassified"]
        self.misclassified.show_images(ds.X_test[wrong], ds.Y_test[0, wrong],
                                       result["test_predictions"][0, wrong],
                                       result["test_probabilities"][0, wrong], ds.classes)
        real = result.get("real_test")
        source = ds.extra.get("real_test")
        if real is not None and source is not None:
            wrong = real["misclassified"]
            self.real_misclassified.show_images(
                source["X"][wrong], source["Y"][0, wrong], real["test_predictions"][0, wrong],
                real["test_probabilities"][0, wrong], source["classes"])
            self.real_misclassified.show()
        if metrics.get("real_test_accuracy") is not None:
            self.controls.set_status(f"{self.controls.status.text()}; real test photos "
                                     f"{100 * metrics['real_test_accuracy']:.1f}%")
