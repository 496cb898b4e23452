"""A damaged last-trained settings file never bricks its lesson: the page opens with
the defaults and says so, and ``--screenshot`` still renders it (issue 13, item 3:
an over-large integer, deep nesting or a 5000-digit number once raised past
``load_settings``, so clicking the lesson did nothing)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from playground.main_window import MainWindow

LESSON = "planar-one-hidden-layer"
HOSTILE = {
    "deep": '{"lesson": "%s", "settings": {"n_h": %s}}' % (LESSON, "[" * 100000 + "]" * 100000),
    "digits": '{"lesson": "%s", "settings": {"learning_rate": 1%s}}' % (LESSON, "0" * 5000),
    "huge-int": '{"lesson": "%s", "settings": {"n_h": 1%s}}' % (LESSON, "0" * 400),
}


def write_hostile(text: str) -> Path:
    from engine.user_data import last_settings_file
    path = last_settings_file(LESSON)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_the_page_opens_with_defaults_and_a_note(qtbot, name):
    write_hostile(HOSTILE[name])
    win = MainWindow()
    qtbot.addWidget(win)
    page = win.open_lesson(LESSON)
    qtbot.waitUntil(lambda: page.dataset is not None, timeout=30000)
    assert page.settings_panel.values().n_h == 4
    assert "could not be read" in page.controls.status.text()
    win.close()


def test_screenshot_still_renders_the_page(tmp_path):
    write_hostile(HOSTILE["deep"])
    out = tmp_path / "page.png"
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-m", "playground", "--screenshot", LESSON,
                           str(out), "--size", "1280x720"], cwd=root, capture_output=True,
                          text=True, timeout=600,
                          env=dict(os.environ, QT_QPA_PLATFORM="offscreen"))
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Traceback" not in done.stderr and out.stat().st_size > 10_000
