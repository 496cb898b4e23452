"""Background jobs: one plain thread per run, events out, control in.

A lesson's ``run(hp, on_event, control)`` trains on the job thread. It reports
through ``on_event`` (a :class:`Reporter`) and calls ``control.checkpoint()`` once per
iteration (or Keras batch), which is where pause, single-step and stop take effect.

Events reach the listener as ``JobEvent(kind, data)`` on the job thread:

``started``   ``{"lesson": id, "settings": {...}}``
``progress``  ``{"iteration": i, "cost": c, "total": n, **metrics}`` (throttled)
``snapshot``  lesson-specific plot data, see ``engine/snapshots.md`` (throttled)
``paused`` / ``resumed``  ``{"iteration": i}``
``finished``  ``{"metrics": {...}, "result": {...}, "stopped": bool}``
``failed``    ``{"message": "one readable sentence"}``

The listener must be quick (the Qt bridge only stores the latest event and lets
the UI thread pick it up); the job never waits on it.
"""
from __future__ import annotations

import math
import threading
import time
import traceback
from dataclasses import dataclass, field
import warnings
from typing import Any, Callable

from engine.keras_models.release import running_keras
from engine.settings import SettingsError, settings_to_dict

# Plots refresh at most this often: 20 frames a second looks live, and each frame
# costs the UI thread painting time (benchmarks/responsiveness.py). Progress events
# are cheap (a counter and a bar) and come a little more often.
SNAPSHOT_INTERVAL_S = 1 / 20
PROGRESS_INTERVAL_S = 1 / 30
# Lessons whose snapshots only feed curves (no boundary to animate) evaluate the test
# set for each one; five a second keeps the curves live and that cost near 1%.
CURVES_ONLY_SNAPSHOT_INTERVAL_S = 1 / 5
# How far a paced run may fall behind its pace and still catch up (see RunControl).
PACE_CATCH_UP_S = 0.1


def quiet_numeric_warnings() -> None:
    """Hide NumPy's overflow / divide-by-zero warnings raised inside engine code.

    A diverging run overflows on its way to inf/NaN and the Reporter already says so
    in one sentence. A process-wide filter, set once at start-up by the runner and
    the app: np.errstate around each run would cost ~3% of training speed (NumPy
    consults it on every ufunc call).
    """
    warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"engine\.")


class StopRequested(Exception):
    """Raised inside the job thread by ``checkpoint`` when the user pressed Stop."""


class LessonError(Exception):
    """A problem the user can fix (bad data, bad setting). Its text is shown as is."""


class DivergedError(LessonError):
    """The cost became NaN or infinite."""


@dataclass
class JobEvent:
    kind: str
    data: dict = field(default_factory=dict)


class RunControl:
    """Pause / resume / step / stop and live settings, shared by UI and job thread.

    ``checkpoint`` is on the hot path of every training loop, so the common case
    (running at full speed, nothing requested) is three attribute reads and no lock.

    ``set_pace(seconds)`` slows a run down to at most one checkpoint per ``seconds``
    (the page's speed slider and "Animate"): a learner can watch a boundary bend that
    would otherwise be drawn in a second. 0 is full speed. Pacing waits on the same
    condition as pause, so Pause, Step and Stop still act at once.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._paused = False
        self._stop = False
        self._steps = 0
        self._live: dict[str, Any] = {}
        self._pace = 0.0        # seconds per checkpoint; 0: full speed
        self._next_due = 0.0    # perf_counter time the next checkpoint may pass
        self.on_pause_change: Callable[[bool], None] | None = None

    # --- called from the UI (any thread) ---
    def pause(self) -> None:
        with self._cond:
            self._paused = True
            self._cond.notify_all()

    def resume(self) -> None:
        with self._cond:
            self._paused = False
            self._steps = 0
            self._cond.notify_all()

    def step(self, count: int = 1) -> None:
        """Let a paused run do ``count`` more iterations, then pause again."""
        with self._cond:
            self._paused = True
            self._steps += count
            self._cond.notify_all()

    def stop(self) -> None:
        with self._cond:
            self._stop = True
            self._cond.notify_all()

    def set_pace(self, seconds: float) -> None:
        """At most one checkpoint per ``seconds`` from now on (0: full speed)."""
        with self._cond:
            self._pace = max(0.0, float(seconds))
            self._next_due = 0.0
            self._cond.notify_all()

    @property
    def pace(self) -> float:
        return self._pace

    def set_live(self, name: str, value: Any) -> None:
        """Change a setting of a running job; the lesson reads it next iteration."""
        with self._cond:
            self._live[name] = value

    @property
    def paused(self) -> bool:
        return self._paused

    @property
    def stop_requested(self) -> bool:
        return self._stop

    # --- called from the job thread ---
    def live(self, name: str, default: Any) -> Any:
        return self._live.get(name, default)

    def checkpoint(self) -> None:
        if self._stop:
            raise StopRequested()
        if self._pace:
            self._wait_for_pace()
        if not self._paused:
            return
        with self._cond:
            notified = False
            while self._paused and not self._stop:
                if self._steps > 0:
                    self._steps -= 1
                    break
                if not notified and self.on_pause_change:
                    self.on_pause_change(True)
                    notified = True
                self._cond.wait(0.25)
            if notified and self.on_pause_change and not self._paused:
                self.on_pause_change(False)
            if self._stop:
                raise StopRequested()


    def _wait_for_pace(self) -> None:
        due = self._next_due or time.perf_counter()   # 0: the pace starts now
        if due > time.perf_counter():
            with self._cond:
                # Pause, Stop or a new pace end the wait early.
                while self._pace and not self._paused and not self._stop:
                    left = self._next_due - time.perf_counter()
                    if left <= 0:
                        break
                    self._cond.wait(min(left, 0.25))
            if self._stop:
                raise StopRequested()
        # Waking late (a loaded machine oversleeps a millisecond wait by as much) is
        # made up by the next checkpoints, so an animated run keeps its length; a
        # slow stretch of the run itself banks at most PACE_CATCH_UP_S, so it never
        # ends in a burst.
        self._next_due = max(due + self._pace, time.perf_counter() - PACE_CATCH_UP_S)


class Reporter:
    """What a lesson calls to report. Throttles events and catches divergence.

    ``progress`` records the cost curve and sends a progress event at most
    ``PROGRESS_INTERVAL_S`` apart; ``snapshot_due`` tells the lesson whether an
    expensive plot snapshot (decision boundary, hidden units) is worth computing.
    """

    def __init__(self, emit: Callable[[JobEvent], None], total: int | None = None,
                 clock: Callable[[], float] = time.perf_counter) -> None:
        self._emit = emit
        self._clock = clock
        self.total = total
        self.curve: list[tuple[int, float]] = []
        self.snapshot_interval = SNAPSHOT_INTERVAL_S
        self._last_progress = -1.0
        self._held_progress: tuple | None = None
        self._last_snapshot = -1.0
        self._forced_snapshot = True

    def __call__(self, kind: str, **data: Any) -> None:
        self._emit(JobEvent(kind, data))

    def progress(self, iteration: int, cost: float, record: bool = True,
                 **metrics: Any) -> None:
        cost = float(cost)
        if not math.isfinite(cost):
            raise DivergedError(
                f"The cost became {cost} at iteration {iteration}, so the run was stopped. "
                "The learning rate is probably too large: try a smaller one.")
        if record:
            self.curve.append((iteration, cost))
        now = self._clock()
        if now - self._last_progress >= PROGRESS_INTERVAL_S or iteration + 1 == self.total:
            self._last_progress = now
            self._held_progress = None
            self._emit(JobEvent("progress", {"iteration": iteration, "cost": cost,
                                             "total": self.total, **metrics}))
        else:  # kept as a tuple: this branch runs on nearly every iteration
            self._held_progress = (iteration, cost, metrics)

    def flush(self) -> None:
        """Send the newest progress the throttle held back (the run pauses or a step
        ends: the bar and the status must show where it really is)."""
        held, self._held_progress = self._held_progress, None
        if held is not None:
            iteration, cost, metrics = held
            self._last_progress = self._clock()
            self._emit(JobEvent("progress", {"iteration": iteration, "cost": cost,
                                             "total": self.total, **metrics}))

    def snapshot_due(self) -> bool:
        if self._forced_snapshot:
            return True
        return self._clock() - self._last_snapshot >= self.snapshot_interval

    def force_snapshot(self) -> None:
        """Make the next ``snapshot_due`` true (after a pause, at the end)."""
        self._forced_snapshot = True

    def snapshot(self, **data: Any) -> None:
        self._last_snapshot = self._clock()
        self._forced_snapshot = False
        data.setdefault("curve", list(self.curve))
        self._emit(JobEvent("snapshot", data))


class Job:
    """Runs ``lesson.run(settings, reporter, control)`` on its own thread.

    ``dataset`` replaces the lesson's own data (points the user added, an imported
    file); ``run`` replaces ``lesson.run`` for a page's extra action (a sweep).
    """

    def __init__(self, lesson, settings, listener: Callable[[JobEvent], None],
                 dataset=None, run: Callable | None = None) -> None:
        self.lesson = lesson
        self.settings = settings
        self.dataset = dataset
        self._run = run or lesson.run
        self.listener = listener
        self.control = RunControl()
        self.reporter = Reporter(self._emit)
        self.control.on_pause_change = self._pause_changed
        self.metrics: dict | None = None
        self.result: dict | None = None
        self.error: str | None = None
        self.bad_input = False
        self.diverged = False   # the cost became NaN/inf (a run outcome, not bad input)
        self.stopped = False
        self.started_at: float | None = None
        self.seconds: float | None = None
        self._thread = threading.Thread(target=self._main, name=f"job-{lesson.id}",
                                        daemon=True)

    def _emit(self, event: JobEvent) -> None:
        self.listener(event)

    def _pause_changed(self, paused: bool) -> None:
        self.reporter.force_snapshot()
        if paused:
            self.reporter.flush()
        self._emit(JobEvent("paused" if paused else "resumed",
                            {"iteration": self.reporter.curve[-1][0]
                             if self.reporter.curve else 0}))

    def start(self) -> "Job":
        self._thread.start()
        return self

    def run_here(self) -> "Job":
        """Run on the calling thread (the headless runner and tests use this)."""
        self._main()
        return self

    def wait(self, timeout: float | None = None) -> bool:
        self._thread.join(timeout)
        return not self._thread.is_alive()

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def _main(self) -> None:
        self.started_at = time.time()
        t0 = time.perf_counter()
        self._emit(JobEvent("started", {"lesson": self.lesson.id,
                                        "settings": settings_to_dict(self.settings)}))
        try:
            extra = {} if self.dataset is None else {"dataset": self.dataset}
            # counted, so that releasing a finished Keras run never clears Keras's
            # shared state under a run that is still going
            with running_keras():
                out = self._run(self.settings, self.reporter, self.control, **extra)
        except StopRequested:
            self.stopped = True
            out = {"metrics": {}, "result": {}}
        except (LessonError, SettingsError) as exc:
            self.seconds = time.perf_counter() - t0
            self.error = str(exc)
            # Bad data or settings are the user's to fix; divergence is a run outcome.
            self.diverged = isinstance(exc, DivergedError)
            self.bad_input = not self.diverged
            self._emit(JobEvent("failed", {"message": self.error}))
            return
        except MemoryError:
            self.seconds = time.perf_counter() - t0
            self.error = "Out of memory: try fewer hidden units or a smaller dataset."
            self._emit(JobEvent("failed", {"message": self.error}))
            return
        except Exception as exc:  # a bug: keep the app alive, say what happened
            self.seconds = time.perf_counter() - t0
            self.error = f"The run failed unexpectedly: {type(exc).__name__}: {exc}"
            self.traceback = traceback.format_exc()
            self._emit(JobEvent("failed", {"message": self.error}))
            return
        self.seconds = time.perf_counter() - t0
        # Lessons usually catch StopRequested themselves and evaluate the partial model.
        self.stopped = self.stopped or self.control.stop_requested
        self.metrics = dict(out.get("metrics", {}))
        self.metrics["seconds"] = self.seconds
        self.result = out.get("result", {})
        self._emit(JobEvent("finished", {"metrics": self.metrics, "result": self.result,
                                         "stopped": self.stopped,
                                         "curve": list(self.reporter.curve)}))
