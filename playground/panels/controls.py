"""Train / Pause / Stop / Step / Reset, a progress bar and a status line.

The widget owns a small state machine so only meaningful buttons are enabled.
Pressing Train, Pause or Resume switches state at once (a click must feel
immediate even though the job thread only acts at its next checkpoint); the page
still calls ``set_state`` from job events ("finished", "failed" -> "idle"), which
is the final word.
"""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from playground.panels import style

STATES = ("idle", "running", "paused", "finished")

# Which buttons each state enables: train, pause, stop, step, reset.
_ENABLED = {
    "idle":     (True, False, False, False, True),
    "running":  (False, True, True, False, False),
    "paused":   (False, True, True, True, False),
    "finished": (True, False, False, False, True),
}


COMPACT_BUTTON_CSS = "QPushButton { padding: 3px 8px; }"


class RunControls(QWidget):
    train = Signal()
    pause = Signal()
    resume = Signal()
    stop = Signal()
    step = Signal()
    reset = Signal()

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
        self.status = QLabel("Ready.", objectName="statusLabel")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        buttons = QHBoxLayout()
        for b in (self.train_button, self.pause_button, self.stop_button, self.step_button,
                  self.reset_button):
            buttons.addWidget(b)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(buttons)
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
        self.state = state
        buttons = (self.train_button, self.pause_button, self.stop_button, self.step_button,
                   self.reset_button)
        for button, enabled in zip(buttons, _ENABLED[state]):
            button.setEnabled(enabled)
        self.pause_button.setText("Resume" if state == "paused" else "Pause")

    def set_progress(self, iteration: int, total: int | None) -> None:
        if not total:
            self.progress.setRange(0, 0)  # unknown length: a busy indicator
            return
        self.progress.setRange(0, int(total))
        self.progress.setValue(min(int(iteration), int(total)))
        self.progress.setFormat(f"{int(iteration):,} / {int(total):,}")

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
