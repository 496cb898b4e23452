"""GUI tests run with the app's garbage-collection policy (see playground/gui_gc.py),
so a panel tested on its own cannot deadlock where the app would not."""
import pytest


@pytest.fixture(autouse=True, scope="session")
def _collect_garbage_on_gui_thread(qapp):
    from playground.gui_gc import collect_on_gui_thread
    collect_on_gui_thread()
    yield
