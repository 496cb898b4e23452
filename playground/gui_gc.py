"""Python's cyclic garbage collector runs on the GUI thread only.

Left automatic, a collection can start on whichever thread happens to allocate —
a training job, an equation renderer — and free Qt objects there. Shiboken then
destroys them off the GUI thread while the GUI thread holds Qt's locks, and both
wait for each other forever (seen here: the window froze inside a paint event).
pyqtgraph's GarbageCollector turns automatic collection off and collects from a
timer on the GUI thread instead.
"""
from __future__ import annotations

_collector = None


def collect_on_gui_thread() -> None:
    """Install the timer-driven collector once; call from the GUI thread."""
    global _collector
    if _collector is None:
        from pyqtgraph.util.garbage_collector import GarbageCollector
        _collector = GarbageCollector(interval=0.5)
