"""Cold start: process start to the main window shown, in a fresh interpreter.

    python benchmarks/cold_start.py [--runs 5]

Each run starts ``python -c`` that imports the app, shows the window and prints the
elapsed time since the interpreter started once the window is exposed; also checks
that TensorFlow was not imported. Target: median <= 2.0 s.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PROBE = r"""
import time, sys
t0 = time.perf_counter()
from PySide6.QtWidgets import QApplication
from PySide6.QtCore import QTimer
app = QApplication(sys.argv[:1])
from playground.main_window import MainWindow
w = MainWindow()
w.show()
def done():
    # perf_counter since this process's first Python line, plus interpreter start
    print(time.perf_counter() - t0, 'tensorflow' in sys.modules, flush=True)
    app.quit()
QTimer.singleShot(0, done)
app.exec()
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    totals, in_process, tf_loaded = [], [], False
    for _ in range(args.runs):
        start = __import__("time").perf_counter()
        out = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env,
                             capture_output=True, text=True, check=True)
        totals.append(__import__("time").perf_counter() - start)
        seconds, tf = out.stdout.split()
        in_process.append(float(seconds))
        tf_loaded |= tf == "True"
    print(json.dumps({
        "benchmark": "cold_start",
        "platform": env["QT_QPA_PLATFORM"],
        "process_start_to_window_s": [round(t, 3) for t in totals],
        "median_s": round(statistics.median(totals), 3),
        "in_process_import_to_window_s": round(statistics.median(in_process), 3),
        "tensorflow_imported": tf_loaded,
        "target": "median <= 2.0 s, TensorFlow not imported",
    }, indent=2))


if __name__ == "__main__":
    main()
