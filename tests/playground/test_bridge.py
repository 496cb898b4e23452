"""The bridge between job thread and UI: coalesces plot data, never drops or
reorders lifecycle events, and delivers on the UI thread."""
from __future__ import annotations

import threading

from PySide6.QtCore import QThread

from engine.jobs import JobEvent
from playground.bridge import BackgroundTask, JobBridge


def test_bursts_are_coalesced_and_lifecycle_kept(qtbot):
    bridge = JobBridge()
    got = []
    threads = []
    bridge.started.connect(lambda d: got.append(("started", d)))
    bridge.progress.connect(lambda d: (got.append(("progress", d["iteration"])),
                                       threads.append(QThread.currentThread())))
    bridge.snapshot.connect(lambda d: got.append(("snapshot", d["iteration"])))
    bridge.finished.connect(lambda d: got.append(("finished", d)))

    def burst():
        bridge.listen(JobEvent("started", {"lesson": "x"}))
        for i in range(5000):
            bridge.listen(JobEvent("progress", {"iteration": i, "cost": 1.0}))
            if i % 10 == 0:
                bridge.listen(JobEvent("snapshot", {"iteration": i}))
        bridge.listen(JobEvent("finished", {"metrics": {}}))

    worker = threading.Thread(target=burst)
    worker.start()
    worker.join()
    qtbot.waitUntil(lambda: bool(got) and got[-1][0] == "finished", timeout=3000)
    kinds = [k for k, _ in got]
    assert kinds[0] == "started" and kinds.count("finished") == 1
    progress = [v for k, v in got if k == "progress"]
    assert progress[-1] == 4999, "the newest progress must arrive"
    assert len(progress) < 100, "5000 progress events must be coalesced"
    assert all(t is QThread.currentThread() for t in threads), "delivered on the UI thread"


def test_background_task_reports_errors_as_messages(qtbot):
    from engine.data.dataset import DataError

    def bad():
        raise DataError("train_x.h5 is truncated.")

    task = BackgroundTask(bad)
    with qtbot.waitSignal(task.error, timeout=3000) as blocker:
        task.start()
    assert blocker.args == ["train_x.h5 is truncated."]
    ok = BackgroundTask(lambda a, b: a + b, 2, 3)
    with qtbot.waitSignal(ok.done, timeout=3000) as blocker:
        ok.start()
    assert blocker.args == [5]


def test_a_task_failing_while_the_app_exits_prints_nothing(qtbot, monkeypatch, capsys):
    # A worker still running when the main thread has finished (the app quit while
    # ResNet50's layer table was being built) fails inside Keras during shutdown; no
    # page is left to tell, so nothing is printed. While the app runs, errors print.
    import playground.bridge as bridge

    def broken():
        raise ValueError("Only input tensors may be passed as positional arguments.")

    finished = threading.Thread(target=lambda: None)
    finished.start()
    finished.join()
    monkeypatch.setattr(bridge.threading, "main_thread", lambda: finished)
    task = BackgroundTask(broken)
    task.start()
    task.wait(5)
    assert "Traceback" not in capsys.readouterr().err
    monkeypatch.undo()

    task = BackgroundTask(broken)
    with qtbot.waitSignal(task.error, timeout=3000) as blocker:
        task.start()
    assert blocker.args[0].startswith("ValueError: Only input tensors")
    assert "Traceback" in capsys.readouterr().err
