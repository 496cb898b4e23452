"""The app's command line: --screenshot renders a page to a PNG; bad input exits 2."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtGui import QImage

ROOT = Path(__file__).resolve().parents[2]


def run_app(*args):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    return subprocess.run([sys.executable, "-m", "playground", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=240)


def test_screenshot_after_training_steps(tmp_path):
    out = tmp_path / "planar.png"
    result = run_app("--screenshot", "planar-one-hidden-layer", str(out), "--steps", "300",
                     "--size", "1400x850")
    assert result.returncode == 0, result.stderr
    image = QImage(str(out))
    assert not image.isNull() and image.width() >= 1400 and image.height() >= 850
    # a trained page is not blank: the boundary paints many different colours
    colours = {image.pixel(x, y) for x in range(0, image.width(), 7)
               for y in range(0, image.height(), 7)}
    assert len(colours) > 200


def test_screenshot_of_an_unknown_lesson_exits_2(tmp_path):
    result = run_app("--screenshot", "no-such-lesson", str(tmp_path / "x.png"))
    assert result.returncode == 2
    assert "Unknown lesson 'no-such-lesson'" in result.stderr
    assert "Traceback" not in result.stderr
