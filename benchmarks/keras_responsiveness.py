"""Keras responsiveness: event-loop stalls while TensorFlow is imported (the first
Keras page opening) and while the TensorFlow lesson trains with live plots.

    python benchmarks/keras_responsiveness.py [--epochs 60]

Run in a fresh interpreter: the first phase needs TensorFlow not yet imported. A
5 ms QTimer heartbeat runs on the UI thread inside the real event loop
(``app.exec()``); a stall is how much later than scheduled a beat fires (the method
of benchmarks/responsiveness.py). Snapshots drawn per second are counted too.
Target: p99 stall <= 50 ms in both phases.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
from PySide6.QtCore import QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

BEAT_MS = 5


class Heartbeat:
    def __init__(self) -> None:
        self.gaps: list[float] = []
        self.last = time.perf_counter()
        self.timer = QTimer()
        self.timer.setInterval(BEAT_MS)
        self.timer.timeout.connect(self._beat)

    def _beat(self) -> None:
        now = time.perf_counter()
        self.gaps.append((now - self.last) * 1000 - BEAT_MS)
        self.last = now

    def start(self) -> None:
        self.gaps.clear()
        self.last = time.perf_counter()
        self.timer.start()

    def stop(self) -> dict:
        self.timer.stop()
        stalls = np.maximum(np.array(self.gaps[1:] or [0.0]), 0)
        return {"heartbeats": int(len(stalls)),
                "p50": round(float(np.percentile(stalls, 50)), 2),
                "p99": round(float(np.percentile(stalls, 99)), 2),
                "max": round(float(stalls.max()), 2)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=60)
    args = parser.parse_args()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    from engine.settings import replace_setting
    from playground.main_window import MainWindow
    window = MainWindow()
    window.resize(1500, 900)
    window.show()
    imported_before = "tensorflow" in sys.modules
    beat = Heartbeat()

    # Phase 1: open the page; TensorFlow loads on a worker thread. Building the
    # page's widgets is not counted (the same for every page); the import is.
    t0 = time.perf_counter()
    page = window.open_lesson("tensorflow-signs")
    page.controls.animate_box.setChecked(False)   # full speed, as before Animate existed
    beat.start()
    poll = QTimer()
    poll.timeout.connect(lambda: app.quit() if page.tensorflow_ready and page.dataset
                         is not None else None)
    poll.start(20)
    app.exec()
    poll.stop()
    loading_seconds = time.perf_counter() - t0
    importing = beat.stop()

    # Phase 2: train with live curves.
    page.settings_panel.set_values(replace_setting(page.settings_panel.values(), "epochs",
                                                   args.epochs))
    snapshots = {"n": 0}
    page.bridge.snapshot.connect(lambda _d: snapshots.__setitem__("n", snapshots["n"] + 1))
    page.bridge.finished.connect(lambda _d: app.quit())
    page.bridge.failed.connect(lambda _m: app.quit())
    page.start_training()
    beat.start()
    t0 = time.perf_counter()
    app.exec()
    training_seconds = time.perf_counter() - t0
    training = beat.stop()
    app.processEvents()
    window.close()
    print(json.dumps({
        "benchmark": "keras_responsiveness",
        "lesson": "tensorflow-signs", "platform": os.environ["QT_QPA_PLATFORM"],
        "tensorflow_imported_before": imported_before,
        "loading": {"seconds": round(loading_seconds, 2), "stall_ms": importing},
        "training": {"epochs": args.epochs, "seconds": round(training_seconds, 2),
                     "stall_ms": training,
                     "snapshots_drawn_per_s": round(snapshots["n"] / training_seconds, 1)},
        "target": "p99 stall <= 50 ms while importing and while training",
    }, indent=2))


if __name__ == "__main__":
    main()
