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
    # --steps 300 is the screenshot's, not the lesson's remembered settings
    from engine.user_data import last_settings_file
    assert not last_settings_file("planar-one-hidden-layer").exists()


def test_screenshot_of_an_unknown_lesson_exits_2(tmp_path):
    result = run_app("--screenshot", "no-such-lesson", str(tmp_path / "x.png"))
    assert result.returncode == 2
    assert "Unknown lesson 'no-such-lesson'" in result.stderr
    assert "Traceback" not in result.stderr


def test_garbage_is_collected_on_the_gui_thread_only(qtbot):
    # Automatic collection could free Qt objects on a worker thread and deadlock
    # against the GUI thread; the app collects from a GUI-thread timer instead.
    import gc
    import weakref
    from playground.main_window import MainWindow
    window = MainWindow()
    qtbot.addWidget(window)
    assert not gc.isenabled()

    class Cycle:
        pass
    a, b = Cycle(), Cycle()
    a.other, b.other = b, a
    gone = weakref.ref(a)
    del a, b
    # Enough live allocations to pass the collector's threshold (freed ones don't count).
    junk = [[i] for i in range(5000)]
    qtbot.waitUntil(lambda: gone() is None, timeout=5000)
    assert len(junk) == 5000
