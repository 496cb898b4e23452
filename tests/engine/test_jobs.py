"""The job machinery on a tiny fake lesson: events, pause/step/stop, live settings,
divergence. No Qt involved."""
from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass

from engine.jobs import Job, StopRequested
from engine.lessons import Lesson
from engine.settings import setting


@dataclass
class CountSettings:
    learning_rate: float = setting(0.1, "Learning rate", minimum=1e-6, maximum=1e6,
                                   scale="log", live=True)
    num_iterations: int = setting(50, "Iterations", minimum=1, maximum=10**7)


def counting_run(hp, on_event, control, dataset=None):
    on_event.total = hp.num_iterations
    seen = []
    try:
        for i in range(hp.num_iterations):
            control.checkpoint()
            rate = control.live("learning_rate", hp.learning_rate)
            seen.append(rate)
            cost = 1.0 / (1 + i) if rate < 1000 else math.inf
            on_event.progress(i, cost)
            if on_event.snapshot_due():
                on_event.snapshot(iteration=i)
            time.sleep(0.001)
    except StopRequested:
        pass
    return {"metrics": {"iterations": len(seen)}, "result": {"rates": seen}}


LESSON = Lesson(id="count", title="Count", course="test", section="0",
                settings=CountSettings, run=counting_run)


class Recorder:
    def __init__(self):
        self.events = []
        self.lock = threading.Lock()

    def __call__(self, event):
        with self.lock:
            self.events.append(event)

    def kinds(self):
        with self.lock:
            return [e.kind for e in self.events]


def test_events_in_order_and_curve_recorded():
    rec = Recorder()
    job = Job(LESSON, CountSettings(num_iterations=20), rec).run_here()
    kinds = rec.kinds()
    assert kinds[0] == "started" and kinds[-1] == "finished"
    assert "progress" in kinds and "snapshot" in kinds
    assert len(job.reporter.curve) == 20
    assert job.metrics["iterations"] == 20 and job.seconds > 0
    assert rec.events[-1].data["curve"][-1] == (19, 1 / 20)


def test_pause_step_resume_stop():
    rec = Recorder()
    job = Job(LESSON, CountSettings(num_iterations=100000), rec).start()
    time.sleep(0.05)
    job.control.pause()
    time.sleep(0.1)
    frozen = len(job.reporter.curve)
    time.sleep(0.1)
    assert len(job.reporter.curve) == frozen, "a paused job must not iterate"
    assert "paused" in rec.kinds()
    job.control.step()
    deadline = time.time() + 2
    while len(job.reporter.curve) != frozen + 1 and time.time() < deadline:
        time.sleep(0.01)
    assert len(job.reporter.curve) == frozen + 1, "one step is one iteration"
    time.sleep(0.05)
    assert len(job.reporter.curve) == frozen + 1
    job.control.resume()
    time.sleep(0.05)
    assert len(job.reporter.curve) > frozen + 1
    job.control.stop()
    assert job.wait(2)
    assert job.stopped and rec.kinds()[-1] == "finished"
    assert rec.events[-1].data["stopped"] is True


def test_stop_while_paused_ends_promptly():
    job = Job(LESSON, CountSettings(num_iterations=100000), Recorder()).start()
    time.sleep(0.02)
    job.control.pause()
    time.sleep(0.05)
    t0 = time.perf_counter()
    job.control.stop()
    assert job.wait(1) and time.perf_counter() - t0 < 0.5


def test_live_learning_rate_used_from_next_iteration():
    job = Job(LESSON, CountSettings(num_iterations=100000), Recorder()).start()
    time.sleep(0.03)
    job.control.set_live("learning_rate", 0.5)
    time.sleep(0.03)
    job.control.stop()
    job.wait(2)
    rates = job.result["rates"]
    assert rates[0] == 0.1 and rates[-1] == 0.5
    first = rates.index(0.5)
    assert all(r == 0.5 for r in rates[first:])


def test_divergence_fails_with_advice():
    rec = Recorder()
    job = Job(LESSON, CountSettings(learning_rate=5000), rec).run_here()
    assert rec.kinds()[-1] == "failed"
    message = rec.events[-1].data["message"]
    assert "inf" in message and "smaller" in message and "learning rate" in message
    assert job.error == message and not job.bad_input and job.diverged


def test_unexpected_error_is_reported_not_raised():
    def broken(hp, on_event, control, dataset=None):
        raise ZeroDivisionError("boom")
    rec = Recorder()
    job = Job(Lesson(id="b", title="b", course="t", section="0", settings=CountSettings,
                     run=broken), CountSettings(), rec).run_here()
    assert rec.kinds() == ["started", "failed"]
    assert "ZeroDivisionError: boom" in job.error and not job.diverged


def test_progress_events_are_throttled():
    rec = Recorder()
    fast = Lesson(id="f", title="f", course="t", section="0", settings=CountSettings,
                  run=lambda hp, ev, c, dataset=None: [ev.progress(i, 1.0)
                                                       for i in range(20000)] and
                  {"metrics": {}, "result": {}})
    job = Job(fast, CountSettings(), rec).run_here()
    assert len(job.reporter.curve) == 20000
    assert rec.kinds().count("progress") < 2000


def fast_run(hp, on_event, control, dataset=None):
    """No sleep per iteration: how fast a run goes is up to the pace alone."""
    on_event.total = hp.num_iterations
    for i in range(hp.num_iterations):
        control.checkpoint()
        on_event.progress(i, 1.0)
    return {"metrics": {}, "result": {}}


FAST = Lesson(id="fast", title="Fast", course="test", section="0", settings=CountSettings,
              run=fast_run)


def test_pace_slows_a_run_to_the_chosen_speed_and_zero_is_full_speed():
    job = Job(FAST, CountSettings(num_iterations=11), Recorder())
    job.control.set_pace(0.03)
    t0 = time.perf_counter()
    job.run_here()
    paced = time.perf_counter() - t0
    assert paced >= 10 * 0.03 * 0.9, "11 checkpoints 30 ms apart take at least 0.27 s"
    job = Job(FAST, CountSettings(num_iterations=2000), Recorder())
    t0 = time.perf_counter()
    job.run_here()
    assert time.perf_counter() - t0 < paced, "pace 0 runs 2000 iterations faster than 11"


def test_pause_step_and_stop_act_at_once_on_a_slow_pace():
    rec = Recorder()
    job = Job(FAST, CountSettings(num_iterations=1000), rec)
    job.control.set_pace(2.0)   # one iteration every two seconds
    job.start()
    time.sleep(0.05)
    job.control.pause()
    deadline = time.time() + 1
    while "paused" not in rec.kinds() and time.time() < deadline:
        time.sleep(0.01)
    assert "paused" in rec.kinds(), "pause must not wait for the slow pace"
    before = len(job.reporter.curve)
    job.control.step()
    deadline = time.time() + 1
    while len(job.reporter.curve) == before and time.time() < deadline:
        time.sleep(0.01)
    assert len(job.reporter.curve) == before + 1, "a step does not wait for the pace"
    t0 = time.perf_counter()
    job.control.stop()
    assert job.wait(1) and time.perf_counter() - t0 < 0.6


def test_every_step_reports_where_the_run_really_is():
    """The throttle must not hold back the step's progress: after each Step the last
    progress event names the iteration the run is paused at."""
    rec = Recorder()
    job = Job(FAST, CountSettings(num_iterations=100000), rec).start()
    time.sleep(0.02)
    job.control.pause()
    for _ in range(25):   # faster than the progress throttle lets events through
        count = len(rec.kinds())
        job.control.step()
        deadline = time.time() + 1
        while time.time() < deadline:
            with rec.lock:
                new = [e.kind for e in rec.events[count:]]
            if "paused" in new:
                break
            time.sleep(0.001)
        with rec.lock:
            last = [e for e in rec.events if e.kind == "progress"][-1]
        assert last.data["iteration"] == job.reporter.curve[-1][0]
    job.control.stop()
    job.wait(2)
