"""What every lesson page shares: text on the left, a training bench on the right.

``TrainingPage`` owns the settings panel, the run controls, the job bridge and the
cost/accuracy plots, and loads the lesson's data off the UI thread. Subclasses add
the panels their lesson needs by overriding the ``build_*`` and ``on_*`` hooks.
"""
from __future__ import annotations

import html
import sys
import time

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QFrame, QHBoxLayout, QLabel, QScrollArea, QSplitter,
                               QVBoxLayout, QWidget)

from engine.run_history import record_job, shared_history
from engine.settings import (SettingsError, load_settings, save_settings, settings_to_dict,
                             spec_of)
from engine.user_data import last_settings_file
from playground.bridge import BackgroundTask, JobBridge
from playground.gui_gc import collect_on_gui_thread
from playground.panels.controls import RunControls
from playground.panels.hyperparameters import HyperparameterPanel
from playground.panels.lesson_text import LessonText
from playground.panels.live_plots import AccuracyPlot, CostPlot
from playground.panels.real_score import RealScoreHeadline
from playground.panels import style
from playground.panels.panel_tabs import PanelTabs
from playground.panels.runs_panel import RunsPanel
from playground.safe_slots import guarded


CURVE_INTERVAL_S = 0.1
TEXT_MIN_WIDTH = 240
SIDEBAR_WIDTH = 300


def text_width_for(page_width: int) -> int:
    """The lesson column's first width: about a third of the page, 280-460 px, so
    a line of text stays readable and the bench keeps room for its plots."""
    return int(min(460, max(280, 0.27 * page_width)))


class LessonPage(QWidget):
    """Lesson text beside a work area; ``work_area`` is filled by subclasses."""

    def __init__(self, lesson, parent=None) -> None:
        super().__init__(parent)
        collect_on_gui_thread()
        self.lesson = lesson
        self.setObjectName(f"page-{lesson.id}")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(6, 6, 6, 6)
        title = QLabel(f"<b style='font-size:15pt'>{lesson.section}&nbsp; {lesson.title}</b>"
                       f"<br><span style='color:#666'>{lesson.summary}</span>")
        title.setObjectName("lessonTitle")
        title.setWordWrap(True)      # a long summary wraps instead of widening the window
        title.setMinimumWidth(200)
        outer.addWidget(title)
        # Where an exception caught by a guarded handler is said (playground/safe_slots).
        self.problem = QLabel("")
        self.problem.setObjectName("pageProblem")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet(style.ERROR_CSS)
        self.problem.hide()
        outer.addWidget(self.problem)
        self.splitter = QSplitter(Qt.Horizontal)
        self.splitter.setObjectName("pageSplitter")
        self.text = LessonText(background=True)  # opening a page never waits on mathtext
        self.text.setMinimumWidth(TEXT_MIN_WIDTH)
        self.text.load_lesson(lesson.id)
        self.splitter.addWidget(self.text)
        self.work_area = QWidget()
        self.work_layout = QVBoxLayout(self.work_area)
        self.work_layout.setContentsMargins(0, 0, 0, 0)
        self.splitter.addWidget(self.work_area)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 5)
        # The text can be dragged shut (or toggled, see set_text_shown); the bench cannot.
        self.splitter.setCollapsible(0, True)
        self.splitter.setCollapsible(1, False)
        outer.addWidget(self.splitter, 1)
        self._text_width = None

    @guarded("lay out this page")
    def showEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        if self._text_width is None:   # first show: a text column sized to the window
            self._text_width = text_width_for(self.width())
            self.splitter.setSizes([self._text_width, max(1, self.width() - self._text_width)])

    # --- the lesson text column ---
    def text_shown(self) -> bool:
        return self.splitter.sizes()[0] > 0 and self.text.isVisible()

    def set_text_shown(self, shown: bool) -> None:
        """Show or fold away the lesson text (the bench keeps the room)."""
        sizes = self.splitter.sizes()
        total = sum(sizes)
        if shown:
            width = self._text_width or text_width_for(total)
            self.splitter.setSizes([width, max(1, total - width)])
        else:
            if sizes[0] > 0:
                self._text_width = sizes[0]
            self.splitter.setSizes([0, total])

    def set_reading_mode(self, reading: bool) -> None:
        """Reading mode: the lesson text takes the whole page; the bench waits."""
        if reading and self.work_area.isVisible() and self.splitter.sizes()[0] > 0:
            self._text_width = self.splitter.sizes()[0]   # the width to come back to
        self.work_area.setVisible(not reading)
        if reading:
            self.text.show()
            self.splitter.setSizes([max(1, sum(self.splitter.sizes())), 0])
        else:
            self.set_text_shown(True)

    def reading_mode(self) -> bool:
        return not self.work_area.isVisible() and self.isVisible()

    def shutdown(self) -> None:
        """Called when the window closes: stop anything running."""

    def show_problem(self, text: str) -> None:
        """One sentence about something that went wrong in a handler on this page."""
        self.problem.setText(text)
        self.problem.show()


class TrainingPage(LessonPage):
    """A page whose lesson trains: settings, controls, live plots, data loading."""

    data_ready = Signal(object)
    run_recorded = Signal(object)  # run id in the history, or None if not recorded
    record_history = True  # False: runs are not added to the run history (screenshots)
    remember_settings = True  # False: a run's settings are not kept for next time

    def __init__(self, lesson, parent=None) -> None:
        super().__init__(lesson, parent)
        self.dataset = None
        self.last_result: dict | None = None
        self._last_curve_draw = 0.0
        self._last_snapshot_accuracy = None
        self._tasks: list[BackgroundTask] = []
        self._run_kind = "run"
        self._recorded_job = None
        self._record_task: BackgroundTask | None = None
        self.bridge = JobBridge(self)
        self.bridge.started.connect(self._on_started)
        self.bridge.progress.connect(self._on_progress)
        self.bridge.progress.connect(self._show_fold)   # after the page's own status
        self.bridge.snapshot.connect(self._on_snapshot)
        self.bridge.paused.connect(self._on_paused)
        self.bridge.resumed.connect(self._on_resumed)
        self.bridge.finished.connect(self._on_finished)
        self.bridge.failed.connect(self._on_failed)
        self.bridge.other.connect(self._on_other_event)
        self.sidebar = QWidget()
        side = QVBoxLayout(self.sidebar)
        side.setContentsMargins(0, 0, 0, 0)
        self.settings_panel = HyperparameterPanel(lesson.settings, lesson.id)
        self._restore_note = self._restore_settings()
        self.settings_panel.changed.connect(self._on_setting_changed)
        self.controls = RunControls()
        self.controls.train.connect(self.start_training)
        self.controls.pause.connect(self.pause)
        self.controls.resume.connect(self.resume)
        self.controls.stop.connect(self.stop)
        self.controls.step.connect(self.step)
        self.controls.reset.connect(self.reset)
        self.controls.speed_changed.connect(self._apply_pace)
        self.controls.set_unit(self.speed_unit)
        self._checkpoints: int | None = None
        self._batches: int | None = None
        self._last_progress: dict | None = None
        self.provenance = QLabel("Loading data…")
        self.provenance.setObjectName("dataProvenance")
        self.provenance.setWordWrap(True)
        self.provenance.setTextFormat(Qt.RichText)   # the line is escaped HTML
        self.provenance.setStyleSheet("color:#555")
        side.addWidget(self.controls)
        side.addWidget(self.settings_panel)
        self.build_sidebar(side)
        self.data_chooser = None
        from engine.data.own_datasets import LESSON_SETS
        if lesson.id in LESSON_SETS:   # picture lessons: which data to train on
            from playground.panels.data_chooser import DataChooser
            self.data_chooser = DataChooser(self)
            side.addWidget(self.data_chooser)
        side.addWidget(self.provenance)
        side.addStretch(1)
        # The run controls and settings scroll when they are taller than the screen.
        self.sidebar_area = QScrollArea()
        self.sidebar_area.setObjectName("sidebarScroll")
        self.sidebar_area.setWidgetResizable(True)
        self.sidebar_area.setFrameShape(QFrame.Shape.NoFrame)
        self.sidebar_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.sidebar_area.setWidget(self.sidebar)
        bench = QHBoxLayout()
        bench.addWidget(self.sidebar_area, 0)
        self.tabs = PanelTabs()
        bench.addWidget(self.tabs, 1)
        self.work_layout.addLayout(bench, 1)
        self.cost_plot = CostPlot()
        self.accuracy_plot = AccuracyPlot()
        # A stand-in run's real-photo score, first thing above the curves (plots_widget).
        self.real_accuracy = RealScoreHeadline()
        self.build_tabs()
        self.add_runs_tab()
        self.fit_sidebar()
        self.controls.set_state("idle")
        self.load_data()
        if self._restore_note and self.lesson.load_data is None:
            self.controls.set_status(self._restore_note)

    @guarded("lay out this page")
    def showEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        self.fit_sidebar()   # pages add sidebar rows after __init__ too
        super().showEvent(event)

    def fit_sidebar(self) -> None:
        """A fixed sidebar width: what its widest row needs, at least SIDEBAR_WIDTH."""
        scroll = self.sidebar_area.verticalScrollBar().sizeHint().width()
        width = max(SIDEBAR_WIDTH, self.sidebar.minimumSizeHint().width()) + scroll
        self.sidebar_area.setFixedWidth(width)

    # --- hooks for subclasses ---
    def build_sidebar(self, layout: QVBoxLayout) -> None:
        """Add widgets under the settings (network builder, buttons)."""

    def build_tabs(self) -> None:
        """Add panel tabs; the default shows cost and accuracy."""
        self.tabs.addTab(self.plots_widget(), "Training")

    def add_runs_tab(self) -> None:
        """Every training page ends with its lesson's run history (picture lessons
        with their "Your data" tab just before it)."""
        from engine.data.own_datasets import LESSON_SETS
        if self.lesson.id in LESSON_SETS:
            from playground.panels.own_data_panel import OwnDataPanel
            self.own_data = OwnDataPanel(self.lesson, self)
            self.tabs.addTab(self.own_data, "Your data")
        defaults = settings_to_dict(self.lesson.default_settings())
        self.runs_panel = RunsPanel(self.lesson.id, defaults=defaults)
        self.run_recorded.connect(self.runs_panel.run_recorded)
        self.tabs.addTab(self.runs_panel, "Runs")

    def plots_widget(self, *extra: QWidget) -> QWidget:
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.real_accuracy)
        for widget in extra:
            layout.addWidget(widget, 2)
        row = QHBoxLayout()
        row.addWidget(self.cost_plot)
        row.addWidget(self.accuracy_plot)
        layout.addLayout(row, 1)
        return box

    def on_data(self, dataset) -> None:
        """The lesson's data has loaded (or changed)."""

    def on_snapshot(self, data: dict) -> None:
        """Draw lesson-specific plot data."""

    def on_finished(self, data: dict) -> None:
        """Show a finished run's results."""

    def data_key(self, settings) -> object:
        """Settings that decide which data is loaded; a change reloads it."""
        return None

    def _replace_result(self, result) -> None:
        """Keep the new run's result and let go of the old one's Keras model and traced
        functions (retraining grew the process by 14-49 MB a run otherwise)."""
        old, self.last_result = self.last_result, result
        if old is not None and old is not result and "keras" in sys.modules:
            from engine.keras_models.release import release_run
            release_run(old, clear_shared=False, collect=False)

    def _full_data_key(self, settings) -> object:
        # a dataset file of the learner's own ('data' setting) also decides the data
        return self.data_key(settings), getattr(settings, "data", None)

    def show_problem(self, text: str) -> None:
        """A training page says it where it says everything: the status line."""
        self.controls.set_status(text, error=True)

    # --- settings kept between sessions ---
    def _restore_settings(self) -> str:
        """Start from the settings this lesson last trained with, if any."""
        path = last_settings_file(self.lesson.id)
        if not path.exists():
            return ""
        try:
            self.settings_panel.set_values(load_settings(self.lesson.settings,
                                                         self.lesson.id, path))
        except SettingsError:
            return "The settings saved last time could not be read; using the defaults."
        return ""

    def _remember_settings(self, settings) -> None:
        if not self.remember_settings:
            return
        path = last_settings_file(self.lesson.id)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            save_settings(settings, self.lesson.id, path)
        except OSError:
            pass  # remembering is a convenience; never fail a run over it

    # --- data ---
    def load_data(self) -> None:
        if self.lesson.load_data is None:
            self.provenance.setText("")
            return
        settings = self.settings_panel.values()
        self._data_key = self._full_data_key(settings)
        self.controls.set_status("Loading data…")
        self.run_in_background(self.lesson.load_data, settings, done=self._data_loaded,
                               error=self._data_failed)

    def run_in_background(self, fn, *args, done, error=None) -> BackgroundTask:
        task = BackgroundTask(fn, *args, parent=self)
        task.done.connect(done)
        task.error.connect(error or (lambda msg: self.controls.set_status(msg, error=True)))
        task.done.connect(lambda _v, t=task: self._tasks.remove(t))
        task.error.connect(lambda _m, t=task: self._tasks.remove(t))
        self._tasks.append(task)
        return task.start()

    def show_data_provenance(self) -> None:
        """The data line; in real-folds mode it says the stand-in plus real folds."""
        from engine.lesson_runs.data_choice import run_provenance
        if self.dataset is None:
            return
        try:
            settings = self.current_settings()
        except SettingsError:
            settings = None
        text, standin = run_provenance(self.dataset, settings)
        if self.data_chooser is not None:   # settings may have been set in code
            self.data_chooser.refresh()
        badge = " <b style='color:#b26a00'>[stand-in]</b>" if standin else ""
        self.provenance.setText(f"Data: {html.escape(str(text), quote=False)}{badge}")

    def _data_loaded(self, dataset) -> None:
        self.dataset = dataset
        self.show_data_provenance()
        for plot, title in ((self.cost_plot, "Cost"), (self.accuracy_plot, "Accuracy")):
            plot.plot.setTitle(f"{title} (stand-in data)" if dataset.is_standin else title,
                               color=style.TEXT, size="11pt")
        self.controls.set_status(" ".join(filter(None, ["Ready. Press Train.",
                                                        self._restore_note])))
        self._restore_note = ""
        self.on_data(dataset)
        self.data_ready.emit(dataset)

    def _data_failed(self, message: str) -> None:
        self.dataset = None
        self.provenance.setText(f"<span style='color:#c62828'>Data: "
                                f"{html.escape(message, quote=False)}</span>")
        self.controls.set_status(message, error=True)
        if self.data_chooser is not None:   # a chosen file failed: back to the usual data
            self.data_chooser.data_failed(message)

    # --- running ---
    @property
    def job(self):
        return self.bridge.job

    @property
    def running(self) -> bool:
        return self.job is not None and self.job.running

    def current_settings(self):
        return self.settings_panel.values()

    def start_training(self, run=None) -> None:
        if self.running:
            return
        if self.lesson.load_data is not None and self.dataset is None:
            self.controls.set_status("The data is not loaded yet.", error=True)
            return
        try:
            settings = self.current_settings()
        except SettingsError as exc:
            self.controls.set_status(str(exc), error=True)
            return
        self.cost_plot.clear()
        self.accuracy_plot.clear()
        total = None if run is not None else getattr(settings, "num_iterations", None)
        for plot in (self.cost_plot, self.accuracy_plot):
            plot.set_iterations(total)
        self._last_curve_draw = 0.0
        self._last_snapshot_accuracy = None
        self.real_accuracy.clear_scores()
        self.before_run(settings)
        self._remember_settings(settings)
        # A page action (the sweep) is recorded under its name; the lesson's own run: "run".
        self._run_kind = "run" if run is None else next(
            (name for name, fn in self.lesson.actions.items() if fn is run), "action")
        self._checkpoints, self._batches, self._last_progress = total, None, None
        self.bridge.start(self.lesson, settings, dataset=self.training_data(), run=run)
        self._apply_pace()
        self._set_state("running")

    def before_run(self, settings) -> None:
        """Clear lesson-specific plots before a new run."""

    def training_data(self):
        return self.dataset

    def pause(self) -> None:
        if self.running:
            self.job.control.pause()
            self._set_state("paused")

    def resume(self) -> None:
        if self.running:
            self.job.control.resume()
            self._set_state("running")

    def step(self) -> None:
        if self.running:
            self.job.control.step()
            self._set_state("paused")

    def stop(self) -> None:
        if self.running and not self.job.control.stop_requested:
            self.job.control.stop()
            # The lesson now evaluates what it has (seconds for a big network): say so
            # at once; the finished event brings the figures and the buttons back.
            self._set_state("stopping")
            self.controls.set_status("Stopping — evaluating the model…")

    def reset(self) -> None:
        """Back to "not started": no curves, boundaries, pictures, results or
        progress; the settings and any points added by hand stay."""
        if self.running:
            self.job.control.stop()
        if self.job is not None:
            self.job.wait(5)
        self.cost_plot.clear()
        self.accuracy_plot.clear()
        self._replace_result(None)
        self._last_progress = None
        self.clear_results()
        self.controls.reset_progress()
        self._set_state("idle")
        self.controls.set_status("Not started. Press Train.")

    def clear_results(self) -> None:
        """Reset: clear everything a run drew. Pages clear more than before_run does
        (a boundary stays up while a new run starts, but goes on Reset)."""
        try:
            settings = self.current_settings()
        except SettingsError:
            settings = self.lesson.default_settings()
        self.before_run(settings)
        self.real_accuracy.clear_scores()

    # --- speed ---
    def _apply_pace(self) -> None:
        if self.running:
            self.job.control.set_pace(self.controls.pace(self._checkpoints))

    def shutdown(self) -> None:
        self.stop()
        if getattr(self, "own_data", None) is not None:
            self.own_data.shutdown()
        if self.job is not None:
            self.job.wait(5)
            # Stopped by closing: its finished event will never reach the UI.
            if self.job.seconds is not None:
                self.record_run(wait=True)
        if self._record_task is not None:
            self._record_task.wait(2)

    # --- run history ---
    def record_run(self, wait: bool = False) -> None:
        """Add the job that just ended to the run history (once), off the UI thread:
        a commit is ~1-2 ms but an occasional checkpoint fsync takes tens."""
        job = self.job
        if job is None or job is self._recorded_job or not self.record_history:
            return
        self._recorded_job = job
        if wait:
            record_job(shared_history(), job, self._run_kind)
            return
        self._record_task = self.run_in_background(
            record_job, shared_history(), job, self._run_kind,
            done=self.run_recorded.emit, error=lambda _message: None)

    def _set_state(self, state: str) -> None:
        self.controls.set_state(state)
        self.settings_panel.set_running(state in ("running", "paused", "stopping"))
        if getattr(self, "data_chooser", None) is not None:
            self.data_chooser.setEnabled(state not in ("running", "paused", "stopping"))

    def _on_setting_changed(self, name: str, value) -> None:
        if self.running:
            if spec_of(self.lesson.settings, name).live:
                self.job.control.set_live(name, value)
                self.controls.set_status(f"{name} = {value:g} from the next iteration."
                                         if isinstance(value, float) else
                                         f"{name} = {value} from the next iteration.")
            return
        if name == "real_folds":
            self.show_data_provenance()
        if self.lesson.load_data is not None and \
                self._full_data_key(self.current_settings()) != getattr(self, "_data_key",
                                                                        None):
            self.load_data()

    # --- events ---
    def _on_started(self, data: dict) -> None:
        if self.controls.state != "stopping":
            self.controls.set_status("Training…")

    # Progress: the bar, the status line and the time left always come from the same
    # newest event, paused or not (a Step must show its step).
    progress_counts_batches = False  # True: "iteration" counts batches (ResNet)

    def _on_progress(self, data: dict) -> None:
        self._last_progress = data
        total = data.get("total") or 0
        batches = data.get("batches") if not self.progress_counts_batches else None
        if batches and data.get("batch"):
            self._batches = int(batches)
            fraction = (data["iteration"] + data["batch"] / batches) / total if total else None
        else:
            fraction = None
        value, bar_total = self.progress_bar(data)
        self.controls.set_progress(value, bar_total, fraction)
        checkpoints = total * (self._batches or 1) if total else None
        if checkpoints != self._checkpoints:
            self._checkpoints = checkpoints
            self._apply_pace()
        self._show_progress_status()

    def progress_bar(self, data: dict) -> tuple[int, int]:
        """(position, total) of the progress bar for a progress event."""
        return data["iteration"] + 1, data.get("total") or 0

    # A stand-in run tested on the real file: the headline names them.
    real_test_file = "the real test file"
    standin_words = "the stand-in pictures"
    length_word = "Iteration"   # what "iteration" of a progress event counts
    speed_unit = "iteration"    # what one checkpoint (one Step) is, for the speed label

    def progress_text(self, data: dict) -> str:
        """The status line for a progress event."""
        total = data.get("total") or 0
        batch = f", batch {data['batch']} of {data['batches']}" \
            if data.get("batch") and data.get("batches") else ""
        return (f"{self.length_word} {data['iteration'] + 1:,} of {total:,}{batch} — "
                f"cost {data['cost']:.6f}")

    def _show_progress_status(self) -> None:
        if self._last_progress is None or self.controls.state == "stopping":
            return
        text = self.progress_text(self._last_progress)
        if self.controls.state == "paused":
            text = f"Paused at {text[0].lower()}{text[1:]}"
        self.controls.set_status(text)

    def _on_resumed(self, _data: dict) -> None:
        if self.controls.state != "stopping":
            self._set_state("running")

    def _on_paused(self, _data: dict) -> None:
        if self.controls.state == "stopping":
            return
        self._set_state("paused")
        self._show_progress_status()

    def _on_snapshot(self, data: dict) -> None:
        # Boundaries follow every snapshot (~30/s); the curves move little between
        # frames, so ~10/s keeps them live at a third of the UI-thread cost.
        if "accuracy_curve" in data:
            self._last_snapshot_accuracy = data["accuracy_curve"]
        now = time.perf_counter()
        if now - self._last_curve_draw >= CURVE_INTERVAL_S or self.controls.state == "paused":
            self._last_curve_draw = now
            if "curve" in data:
                self.cost_plot.update_curve(data["curve"])
            if "accuracy_curve" in data:
                self.accuracy_plot.update_accuracy(data["accuracy_curve"])
        self.on_snapshot(data)

    def _on_finished(self, data: dict) -> None:
        self._set_state("finished")
        self.record_run()
        self._replace_result(data.get("result"))
        self.cost_plot.update_curve(data.get("curve", []))
        if self._last_snapshot_accuracy is not None:
            self.accuracy_plot.update_accuracy(self._last_snapshot_accuracy)
        metrics = data.get("metrics", {})
        parts = []
        for key, label in (("train_accuracy", "train"), ("test_accuracy", "test")):
            if metrics.get(key) is not None:
                parts.append(f"{label} accuracy {100 * metrics[key]:.1f}%")
        if metrics.get("final_cost") is not None:
            parts.append(f"final cost {metrics['final_cost']:.6f}")
        if "seconds" in metrics:
            parts.append(f"{metrics['seconds']:.1f} s")
        head = "Stopped" if data.get("stopped") else "Finished"
        self.controls.set_status(f"{head}: " + ", ".join(parts) if parts else head)
        self.real_accuracy.show_scores(metrics, self.dataset, self.real_test_file,
                                       self.standin_words)
        self.on_finished(data)
        if self.data_chooser is not None:
            from playground.panels.data_chooser import show_fold_results
            show_fold_results(self, data)

    @guarded("show the fold's result")
    def _on_other_event(self, kind: str, data: dict) -> None:
        """A real-folds run: each fold's held-out accuracy as soon as it is known."""
        if kind == "fold_done" and self.data_chooser is not None:
            from playground.panels.data_chooser import show_fold_done
            show_fold_done(self, data)

    def _show_fold(self, data: dict) -> None:
        """A real-folds run: "Fold 2 of 5 · " before the page's own status."""
        if self.data_chooser is None or (self.job and self.job.control.paused):
            return
        from playground.panels.data_chooser import fold_status
        fold = fold_status(data)
        if fold:
            self.controls.set_status(f"{fold} · {self.controls.status.text()}")

    def _on_failed(self, message: str) -> None:
        self._set_state("idle")
        self.record_run()
        self.controls.set_status(message, error=True)
