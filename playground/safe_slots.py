"""No exception may escape a Qt event handler or slot: it becomes a sentence on the page.

PySide prints an exception raised inside a virtual (``showEvent``, ``paintEvent``…) or
a slot and carries on with half-done state; raised inside some event chains it has
taken the whole process down (a damaged run-history row did, in ``showEvent``). The
guard here catches it where it starts, and hands one sentence to the nearest widget
that can show one: the first ancestor with a ``show_problem(text)`` method, else the
main window's status bar. One line also goes to stderr, for whoever runs the app from
a terminal.
"""
from __future__ import annotations

import functools
import sys
from typing import Any, Callable

_MAX_DETAIL = 160


def sentence(exc: BaseException, doing: str) -> str:
    """'Could not show the runs: the history row is damaged (ValueError).'"""
    try:
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    except Exception:  # noqa: BLE001 - str() of the exception itself may fail
        detail = ""
    if len(detail) > _MAX_DETAIL:
        detail = detail[:_MAX_DETAIL] + "…"
    name = type(exc).__name__
    return (f"Could not {doing}: {detail} ({name})." if detail
            else f"Could not {doing} ({name}).")


def report(widget: Any, exc: BaseException, doing: str) -> str:
    """Show the problem on the page that holds ``widget``; the sentence shown."""
    text = sentence(exc, doing)
    print(f"problem: {text}", file=sys.stderr)
    target = widget
    while target is not None:
        show = getattr(target, "show_problem", None)
        if callable(show):
            try:
                show(text)
                return text
            except Exception:  # noqa: BLE001 - try further up
                pass
        parent = getattr(target, "parentWidget", None)
        target = parent() if callable(parent) else None
    try:
        window = widget.window()
        if hasattr(window, "statusBar"):
            window.statusBar().showMessage(text)
    except Exception:  # noqa: BLE001 - nothing left to show it on; stderr has it
        pass
    return text


def guarded(doing: str, default: Any = None) -> Callable:
    """Decorate an event handler or slot method: an exception in it is reported on the
    page (see ``report``) and ``default`` returned (False for ``eventFilter``)."""
    def wrap(method: Callable) -> Callable:
        @functools.wraps(method)
        def safe(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except Exception as exc:  # noqa: BLE001 - the point of the guard
                report(self, exc, doing)
                return default
        return safe
    return wrap


def install_last_resort(app) -> None:
    """For whatever slipped past the guards: sys.excepthook shows the sentence on the
    active window instead of only printing a traceback."""
    previous = sys.excepthook

    def hook(kind, exc, tb):
        if not isinstance(exc, Exception):
            previous(kind, exc, tb)
            return
        window = app.activeWindow() or next(
            (w for w in app.topLevelWidgets() if w.isVisible()), None)
        if window is None:
            print(f"problem: {sentence(exc, 'finish that')}", file=sys.stderr)
        else:
            report(window, exc, "finish that")
    sys.excepthook = hook
