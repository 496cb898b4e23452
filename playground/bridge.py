"""Job events (job thread) -> Qt signals (UI thread), coalesced.

Progress and snapshot events arrive as fast as training goes; only the newest
of each matters to a plot, so the bridge keeps the latest and delivers at most
``FLUSH_INTERVAL_MS`` apart. Lifecycle events (started, paused, finished, ...) are
never dropped and keep their order.
"""
from __future__ import annotations

import sys
import threading
import time
import traceback
from typing import Callable

from PySide6.QtCore import QObject, Qt, QTimer, Signal

from engine.jobs import Job, JobEvent

FLUSH_INTERVAL_MS = 40
# Training runs Python on the job thread; every pyqtgraph item paints in Python on
# the UI thread, and each paint must win the GIL back. With CPython's default 5 ms
# switch interval a frame of ~20 items waits ~100 ms; at 0.5 ms it waits ~10 ms,
# for a few per cent of training speed (measured in benchmarks/responsiveness.py).
GIL_SWITCH_INTERVAL_S = 0.0005


class JobBridge(QObject):
    started = Signal(dict)
    progress = Signal(dict)
    snapshot = Signal(dict)
    paused = Signal(dict)
    resumed = Signal(dict)
    finished = Signal(dict)
    failed = Signal(str)
    other = Signal(str, dict)   # a lesson's own events (real folds: "fold", "fold_done")
    _wake = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._lock = threading.Lock()
        self._latest: dict[str, JobEvent] = {}
        self._lifecycle: list[JobEvent] = []
        self._pending = False
        self._last_flush = 0.0
        self.job: Job | None = None
        sys.setswitchinterval(min(sys.getswitchinterval(), GIL_SWITCH_INTERVAL_S))
        self._wake.connect(self._schedule, Qt.QueuedConnection)

    # --- job thread ---
    def listen(self, event: JobEvent) -> None:
        with self._lock:
            if event.kind in ("progress", "snapshot"):
                self._latest[event.kind] = event
            else:
                self._lifecycle.append(event)
            if self._pending:
                return
            self._pending = True
        self._wake.emit()

    # --- UI thread ---
    def start(self, lesson, settings, dataset=None, run: Callable | None = None) -> Job:
        self.job = Job(lesson, settings, self.listen, dataset=dataset, run=run)
        return self.job.start()

    def _schedule(self) -> None:
        wait = FLUSH_INTERVAL_MS - (time.perf_counter() - self._last_flush) * 1000
        QTimer.singleShot(max(0, int(wait)), self._flush)

    def _flush(self) -> None:
        with self._lock:
            latest, self._latest = self._latest, {}
            lifecycle, self._lifecycle = self._lifecycle, []
            self._pending = False
        self._last_flush = time.perf_counter()
        # started first, then the newest plot data, then the rest in order, so a
        # finished run's final numbers are the last thing the panels see.
        for event in lifecycle:
            if event.kind == "started":
                self.started.emit(event.data)
        for kind in ("snapshot", "progress"):
            if kind in latest:
                getattr(self, kind).emit(latest[kind].data)
        for event in lifecycle:
            if event.kind == "failed":
                self.failed.emit(event.data.get("message", "The run failed."))
            elif event.kind in ("paused", "resumed", "finished"):
                getattr(self, event.kind).emit(event.data)
            elif event.kind != "started":
                self.other.emit(event.kind, event.data)


class BackgroundTask(QObject):
    """Runs one function off the UI thread (loading data, reading a picture).

    ``done`` carries the return value; ``error`` a one-line message. Exceptions
    with a user-facing message (DataError, SettingsError) are passed as is.
    """

    done = Signal(object)
    error = Signal(str)

    def __init__(self, fn: Callable, *args, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._fn, self._args = fn, args
        self._thread = threading.Thread(target=self._main, daemon=True)

    def start(self) -> "BackgroundTask":
        self._thread.start()
        return self

    def wait(self, timeout: float | None = None) -> None:
        self._thread.join(timeout)

    def _main(self) -> None:
        from engine.jobs import LessonError
        from engine.settings import SettingsError
        try:
            value = self._fn(*self._args)
        except (LessonError, SettingsError) as exc:
            emit_if_alive(self.error, str(exc))
        except Exception as exc:  # keep the app alive; say what went wrong
            if app_is_exiting():
                # A task still running when the app quits (ResNet50's layer table
                # takes seconds to build) fails inside Keras as the interpreter shuts
                # down ("Only input tensors may be passed as positional arguments"):
                # no page is left to tell, and the traceback would only alarm.
                return
            traceback.print_exc()
            emit_if_alive(self.error, f"{type(exc).__name__}: {exc}")
        else:
            emit_if_alive(self.done, value)


def app_is_exiting() -> bool:
    """The main thread has finished (the app or test session is shutting down) and
    only daemon worker threads are left running."""
    return not threading.main_thread().is_alive() or sys.is_finalizing()


def emit_if_alive(signal, value) -> None:
    """Emit from a worker thread; if the receiving page was closed meanwhile
    (its QObject deleted), nobody is waiting and the value is dropped."""
    try:
        signal.emit(value)
    except RuntimeError:
        pass
