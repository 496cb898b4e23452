"""The style-transfer canvas while it paints: UI event-loop stalls and redraws per second.

    python benchmarks/style_canvas.py [--iterations 60] [--size 300]

Opens the neural-style-transfer page in the real main window (offscreen Qt), waits
for TensorFlow and the shipped pictures, then paints the default content and style
at ``--size`` px for ``--iterations`` iterations with the live canvas and cost curves.
A 5 ms QTimer heartbeat runs on the UI thread inside ``app.exec()``; a stall is how
much later than scheduled a beat fires (benchmarks/keras_responsiveness.py's method).
The same heartbeat runs first on the idle page (``--idle-seconds``), the baseline
that the machine's load alone gives. Also counted: generated pictures drawn per
second and per iteration, and painting iterations per second. Targets: p99 stall <= 50 ms; at least one redraw per
iteration or 2 per second.
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

from PySide6.QtCore import QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from keras_responsiveness import Heartbeat  # noqa: E402


def _stalls(gaps) -> dict:
    import numpy as np
    stalls = np.maximum(np.array(gaps or [0.0]), 0)
    return {"heartbeats": int(len(gaps)),
            "p50": round(float(np.percentile(stalls, 50)), 2),
            "p99": round(float(np.percentile(stalls, 99)), 2),
            "max": round(float(stalls.max()), 2)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--iterations", type=int, default=60)
    parser.add_argument("--size", type=int, default=300)
    parser.add_argument("--idle-seconds", type=float, default=10.0)
    args = parser.parse_args()
    os.environ.setdefault("DL_PLAYGROUND_USER_DIR", "/tmp/style-canvas-bench-user")
    app = QApplication.instance() or QApplication(sys.argv[:1])
    from engine.settings import replace_setting
    from playground.lessons.base import TrainingPage
    from playground.main_window import MainWindow
    TrainingPage.record_history = False
    window = MainWindow()
    window.resize(1600, 1000)
    window.show()
    page = window.open_lesson("neural-style-transfer")
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and not (
            page.tensorflow_ready and page.painting_input() is not None):
        app.processEvents()
        time.sleep(0.01)
    settings = replace_setting(page.settings_panel.values(), "num_iterations", args.iterations)
    settings = replace_setting(settings, "size", args.size)
    settings = replace_setting(settings, "network", "embedded (random filters)")
    settings = replace_setting(settings, "output_dir", "/tmp/style-canvas-bench-out")
    page.settings_panel.set_values(settings)

    area = page.canvas.generated_view.area
    first = {"t": None, "redraws": 0, "iteration": 0}

    def snapshot(data):
        # Count from the first picture: the run's set-up (building the network, the
        # first trace of the step) is not painting.
        if first["t"] is None and data.get("picture") is not None:
            first["t"], first["redraws"] = time.perf_counter(), area.redraws
            first["iteration"] = int(data.get("iteration", 0))
            first["beat"] = len(beat.gaps)

    page.bridge.snapshot.connect(snapshot)
    page.bridge.finished.connect(lambda _d: app.quit())
    page.bridge.failed.connect(lambda m: (print("failed:", m, file=sys.stderr), app.quit()))
    beat = Heartbeat()
    # The same heartbeat on the idle page first: on a loaded machine the scheduler
    # alone delays the UI thread, and this is the baseline to compare with.
    beat.start()
    QTimer.singleShot(int(args.idle_seconds * 1000), app.quit)
    app.exec()
    idle = beat.stop()
    t0 = time.perf_counter()
    page.start_training()
    beat.start()
    app.exec()
    end = time.perf_counter()
    gaps = list(beat.gaps)
    stalls = beat.stop()
    split = first.get("beat", 0)
    setting_up, painting = _stalls(gaps[1:split]), _stalls(gaps[split:])
    painting_s = end - (first["t"] or t0)
    redraws = area.redraws - first["redraws"]
    iterations = args.iterations - first["iteration"]
    picture = page.canvas.shown_picture()
    app.processEvents()
    window.close()
    print(json.dumps({
        "benchmark": "style_canvas",
        "platform": os.environ["QT_QPA_PLATFORM"],
        "size": args.size, "picture_shape": None if picture is None else list(picture.shape),
        "iterations": args.iterations,
        "seconds_total": round(end - t0, 2),
        "seconds_painting": round(painting_s, 2),
        "iterations_per_s": round(iterations / painting_s, 2),
        "redraws_per_s": round(redraws / painting_s, 2),
        "redraws_per_iteration": round(redraws / max(iterations, 1), 2),
        "stall_ms_idle_page": idle,
        "stall_ms": stalls,
        "stall_ms_setting_up": setting_up,    # network built, first step traced
        "stall_ms_painting": painting,
        "cost_points": page.canvas.cost_plot.point_count(),
        "target": "p99 stall <= 50 ms; >= 1 redraw per iteration or >= 2 per second",
    }, indent=2))


if __name__ == "__main__":
    main()
