"""Fixtures for the GUI tests.

They run with the app's garbage-collection policy (see playground/gui_gc.py), so a
panel tested on its own cannot deadlock where the app would not.
"""
import sys
from pathlib import Path

import pytest

# page_support.py sits next to this file; make it importable whatever pytest's import mode.
_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)


@pytest.fixture(autouse=True, scope="session")
def _collect_garbage_on_gui_thread(qapp):
    from playground.gui_gc import collect_on_gui_thread
    collect_on_gui_thread()
    yield


@pytest.fixture(autouse=True)
def _full_speed(monkeypatch):
    """Pages open animated (a quick run paced to ~8 s); the tests' runs go full speed
    unless a test turns Animate on itself."""
    from playground.panels.controls import RunControls
    monkeypatch.setattr(RunControls, "animate_default", False)


@pytest.fixture
def window(qtbot):
    """The main window, shown at a laptop size, closed after the test."""
    from playground.main_window import MainWindow
    win = MainWindow()
    qtbot.addWidget(win)
    win.resize(1400, 850)
    win.show()
    yield win
    win.close()
