"""Train / Pause / Stop / Step / Reset, a speed slider, a progress bar with the time
left, and a status line.

The widget owns a small state machine so only meaningful buttons are enabled.
Pressing Train, Pause or Resume switches state at once (a click must feel
immediate even though the job thread only acts at its next checkpoint); the page
still calls ``set_state`` from job events ("finished", "failed" -> "idle"), which
is the final word. "stopping" disables every button while a stopped run evaluates
its model (seconds, for a ResNet).

Speed (TensorFlow Playground's idea): the slider goes from one iteration a second
to full speed; "Animate" instead paces a run to last about ``ANIMATE_SECONDS``, so a
10,000-iteration boundary bends before the learner's eyes instead of in one second.
Neither ever makes a slow run slower than its own speed. ``pace(checkpoints)`` turns
the choice into seconds per checkpoint for the job (engine/jobs.py RunControl).
"""
from __future__ import annotations

import time

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QCheckBox, QHBoxLayout, QLabel, QProgressBar, QPushButton,
                               QSlider, QVBoxLayout, QWidget)

from playground.panels import style

STATES = ("idle", "running", "paused", "stopping", "finished")

# Which buttons each state enables: train, pause, stop, step, reset.
_ENABLED = {
    "idle":     (True, False, False, False, True),
    "running":  (False, True, True, False, False),
    "paused":   (False, True, True, True, False),
    "stopping": (False, False, False, False, False),
    "finished": (True, False, False, False, True),
}

# Slider positions, in iterations (or batches) a second; 0 is full speed.
SPEEDS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 0)
FULL_SPEED = len(SPEEDS) - 1
ANIMATE_SECONDS = 8.0
# The time left is shown once a run is known to take longer than this, after
# ESTIMATE_AFTER_S of running (the first iterations include warm-up).
ESTIMATE_ABOVE_S = 10.0
ESTIMATE_AFTER_S = 2.0
# The estimate is redrawn at most this often: a text that changes 30 times a second
# costs the UI thread for nothing (and the training thread waits on the GIL).
ESTIMATE_INTERVAL_S = 0.5


def format_duration(seconds: float) -> str:
    """'45 s', '1 min 20 s', '2 h 05 min': a time left, at a useful precision."""
    seconds = max(0, int(round(seconds)))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        minutes, rest = divmod(seconds, 60)
        rest = rest // 5 * 5 if minutes < 10 else 0
        return f"{minutes} min {rest} s" if rest else f"{minutes} min"
    hours, rest = divmod(seconds, 3600)
    return f"{hours} h {rest // 60:02d} min"


COMPACT_BUTTON_CSS = "QPushButton { padding: 3px 8px; }"


class RunControls(QWidget):
    train = Signal()
    pause = Signal()
    resume = Signal()
    stop = Signal()
    step = Signal()
    reset = Signal()
    speed_changed = Signal()
    # Pages start animated; the test suite turns this off so its runs go full speed.
    animate_default = True

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.state = "idle"
        self.train_button = self._button("Train", "trainButton", "Start training (from the "
                                         "current parameters if a run was paused).")
        self.pause_button = self._button("Pause", "pauseButton", "Pause or resume training.")
        self.stop_button = self._button("Stop", "stopButton",
                                        "Stop training and keep the model as it is now.")
        self.step_button = self._button("Step", "stepButton",
                                        "While paused: run a single iteration.")
        self.reset_button = self._button("Reset", "resetButton",
                                         "Forget the trained model and clear the plots.")
        self.train_button.setDefault(True)
        self.train_button.setStyleSheet(
            COMPACT_BUTTON_CSS +
            f"QPushButton:enabled {{ background: {style.POSITIVE}; color: white;"
            " font-weight: bold; border-radius: 4px; padding: 3px 10px; }")

        self.train_button.clicked.connect(self._train_clicked)
        self.pause_button.clicked.connect(self._pause_clicked)
        self.stop_button.clicked.connect(self.stop)
        self.step_button.clicked.connect(self.step)
        self.reset_button.clicked.connect(self.reset)

        self.progress = QProgressBar(objectName="progressBar")
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setTextVisible(True)
        self.progress.setFormat("not started")
        # The time left is written in the bar itself ("300 / 10,000 — about 45 s
        # left"): it takes no room from the bar and never re-lays the window out.
        self.time_left = ""
        self._bar_text = "not started"
        self._last_estimate = -1.0
        self.status = QLabel("Ready.", objectName="statusLabel")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.unit = "iteration"   # what one checkpoint is: "batch" on Keras pages
        self.speed_slider = QSlider(Qt.Horizontal, objectName="speedSlider")
        self.speed_slider.setRange(0, FULL_SPEED)
        self.speed_slider.setValue(FULL_SPEED)
        self.speed_slider.setPageStep(1)
        self.speed_slider.setToolTip("How fast training goes: from one step a second "
                                     "to full speed. Changes act at once.")
        self.speed_label = QLabel(objectName="speedLabel")
        self.speed_label.setStyleSheet(style.MUTED_CSS)
        self.animate_box = QCheckBox("Animate", objectName="animateBox")
        self.animate_box.setToolTip(f"Pace a quick run to last about {ANIMATE_SECONDS:.0f} s "
                                    "so you can watch it learn; a slower run is "
                                    "never slowed down.")
        self.animate_box.setChecked(type(self).animate_default)
        self.speed_slider.valueChanged.connect(self._slider_moved)
        self.animate_box.toggled.connect(self._speed_changed)
        self._update_speed_label()
        self._run_seconds = 0.0            # time spent running (pauses excluded)
        self._running_since: float | None = None
        self._bar = (0, 1)

        buttons = QHBoxLayout()
        for b in (self.train_button, self.pause_button, self.stop_button, self.step_button,
                  self.reset_button):
            buttons.addWidget(b)
        speed = QHBoxLayout()
        speed.addWidget(QLabel("Speed"))
        speed.addWidget(self.speed_slider, 1)
        speed.addWidget(self.animate_box)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(buttons)
        layout.addLayout(speed)
        layout.addWidget(self.speed_label)
        layout.addWidget(self.progress)
        # Room for two lines, so a finished run's figures or an error never get clipped.
        self.status.setMinimumHeight(2 * self.status.fontMetrics().lineSpacing() + 4)
        layout.addWidget(self.status)
        layout.addStretch(1)
        self.set_state("idle")

    def _button(self, text: str, name: str, tip: str) -> QPushButton:
        button = QPushButton(text, objectName=name)
        button.setToolTip(tip)
        # Fusion's 80 px minimum would make five buttons wider than the sidebar.
        button.setStyleSheet(COMPACT_BUTTON_CSS)
        return button

    # --- API ---------------------------------------------------------------
    def set_state(self, state: str) -> None:
        if state not in STATES:
            raise ValueError(f"unknown run state {state!r}; use one of {', '.join(STATES)}")
        self._time_running(state == "running")
        if state in ("running", "idle") and self.state in ("idle", "finished"):
            self._run_seconds = 0.0     # a new run, or a reset
            self._last_estimate = -1.0
            self._set_time_left("")
        if state == "stopping":
            self.progress.setRange(0, 0)   # busy: evaluating, no position to show
        elif self.state == "stopping":
            self.progress.setRange(0, self._bar[1])
            self.progress.setValue(self._bar[0])
        if state == "running":
            self._last_estimate = -1.0   # back from a pause: estimate again at once
        if state in ("stopping", "finished", "idle"):
            self._set_time_left("")
        elif state == "paused" and self.time_left:
            self._set_time_left("paused")
        self.state = state
        buttons = (self.train_button, self.pause_button, self.stop_button, self.step_button,
                   self.reset_button)
        for button, enabled in zip(buttons, _ENABLED[state]):
            button.setEnabled(enabled)
        self.pause_button.setText("Resume" if state == "paused" else "Pause")

    def set_progress(self, iteration: int, total: int | None,
                     fraction: float | None = None) -> None:
        """Bar at ``iteration`` of ``total``; ``fraction`` of the run done (default
        iteration / total) gives the time left."""
        if not total:
            self.progress.setRange(0, 0)  # unknown length: a busy indicator
            return
        self._bar = (min(int(iteration), int(total)), int(total))
        if self.state != "stopping":
            self.progress.setRange(0, int(total))
            self.progress.setValue(self._bar[0])
        self._bar_text = f"{int(iteration):,} / {int(total):,}"
        self._estimate(iteration / total if fraction is None else fraction)
        self._show_bar_text()

    def reset_progress(self) -> None:
        """Back to "not started": an empty bar, no time left."""
        self._bar = (0, 1)
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self._bar_text = "not started"
        self._set_time_left("")
        self._run_seconds = 0.0

    # --- speed ---------------------------------------------------------------
    def pace(self, checkpoints: int | None) -> float:
        """Seconds per checkpoint for the job: 0 is full speed. ``checkpoints``: how
        many the run makes (None while unknown: Animate then waits for it)."""
        if self.animate_box.isChecked():
            return ANIMATE_SECONDS / checkpoints if checkpoints else 0.0
        per_second = SPEEDS[self.speed_slider.value()]
        return 1.0 / per_second if per_second else 0.0

    def set_unit(self, unit: str) -> None:
        self.unit = unit
        self._update_speed_label()

    def _slider_moved(self, _value: int) -> None:
        # Choosing a speed by hand means that speed, not the animation.
        self.animate_box.setChecked(False)
        self._speed_changed()

    def _speed_changed(self, *_args) -> None:
        self._update_speed_label()
        self.speed_changed.emit()

    def _update_speed_label(self) -> None:
        if self.animate_box.isChecked():
            text = f"Animated: a quick run lasts about {ANIMATE_SECONDS:.0f} s."
        else:
            per_second = SPEEDS[self.speed_slider.value()]
            units = self.unit if per_second == 1 else \
                ("batches" if self.unit == "batch" else f"{self.unit}s")
            text = "Full speed." if not per_second else \
                f"At most {per_second:,} {units} a second."
        self.speed_label.setText(text)

    # --- time left ---------------------------------------------------------
    def _time_running(self, running: bool) -> None:
        now = time.perf_counter()
        if self._running_since is not None:
            self._run_seconds += now - self._running_since
        self._running_since = now if running else None

    def running_seconds(self) -> float:
        extra = 0.0 if self._running_since is None else \
            time.perf_counter() - self._running_since
        return self._run_seconds + extra

    def _estimate(self, fraction: float) -> None:
        if self.state != "running" or fraction <= 0:
            return
        now = time.perf_counter()
        if now - self._last_estimate < ESTIMATE_INTERVAL_S:
            return
        self._last_estimate = now
        spent = self.running_seconds()
        expected = spent / min(fraction, 1.0)
        if spent < ESTIMATE_AFTER_S or expected < ESTIMATE_ABOVE_S:
            self.time_left = ""
            return
        self.time_left = f"about {format_duration(expected - spent)} left"

    def _set_time_left(self, text: str) -> None:
        self.time_left = text
        self._show_bar_text()

    def _show_bar_text(self) -> None:
        self.progress.setFormat(f"{self._bar_text} — {self.time_left}" if self.time_left
                                else self._bar_text)

    def set_status(self, text: str, error: bool = False) -> None:
        self.status.setStyleSheet(style.ERROR_CSS if error else "")
        self.status.setText(text)

    # --- buttons -----------------------------------------------------------
    def _train_clicked(self) -> None:
        self.set_state("running")
        self.train.emit()

    def _pause_clicked(self) -> None:
        if self.state == "paused":
            self.set_state("running")
            self.resume.emit()
        else:
            self.set_state("paused")
            self.pause.emit()
