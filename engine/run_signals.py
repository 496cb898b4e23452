"""Ctrl-C, SIGTERM and SIGHUP on the headless runner stop the run the way Stop does.

Without this, Ctrl-C raised KeyboardInterrupt somewhere inside the lesson and the
process left without recording anything, although every run that is stopped is meant
to be in the history. Here the first signal asks the job to stop (the lesson ends at
its next checkpoint, evaluates what it has, and the runner records it as stopped); a
second signal while the job is still running quits at once, for a lesson stuck where
no checkpoint comes. Signals that arrive while the run is being recorded are ignored,
so the history write is never cut in half.
"""
from __future__ import annotations

import signal
import threading
from typing import Callable

# The names users know, for the one-line note.
NAMES = {getattr(signal, name): name for name in ("SIGINT", "SIGTERM", "SIGHUP")
         if hasattr(signal, name)}


class Interrupted(Exception):
    """A signal arrived before there was a run to stop (while loading data)."""

    def __init__(self, signum: int) -> None:
        super().__init__(f"interrupted by {NAMES.get(signum, signum)}")
        self.signum = signum


class StopOnSignal:
    """Context manager around a headless run.

    Before ``attach(stop)`` a signal raises :class:`Interrupted` (nothing started yet);
    after it, the first signal calls ``stop`` and later ones raise KeyboardInterrupt;
    after ``ending()`` they are ignored. ``signum`` is the first signal received.
    """

    def __init__(self) -> None:
        self.signum: int | None = None
        self._stop: Callable[[], None] | None = None
        self._ending = False
        self._previous: dict[int, object] = {}

    @property
    def exit_code(self) -> int | None:
        """128 + the signal number (130 SIGINT, 143 SIGTERM, 129 SIGHUP), or None."""
        return None if self.signum is None else 128 + self.signum

    @property
    def name(self) -> str:
        return NAMES.get(self.signum, str(self.signum))

    def attach(self, stop: Callable[[], None]) -> None:
        """A run has started: from now on a signal stops it."""
        self._stop = stop
        if self.signum is not None:  # arrived between loading and starting
            stop()

    def ending(self) -> None:
        """The run is over and being recorded: signals no longer interrupt."""
        self._ending = True

    def _handle(self, signum, _frame) -> None:
        if self._ending:
            if self.signum is None:
                self.signum = signum
            return
        if self.signum is not None and self._stop is not None:
            raise KeyboardInterrupt  # second signal: the user means it
        first = self.signum is None
        self.signum = self.signum or signum
        if self._stop is None:
            raise Interrupted(signum)
        if first:
            self._stop()

    def __enter__(self) -> "StopOnSignal":
        if threading.current_thread() is threading.main_thread():
            for signum in NAMES:
                try:
                    self._previous[signum] = signal.signal(signum, self._handle)
                except (OSError, ValueError):
                    pass
        return self

    def __exit__(self, *exc) -> None:
        for signum, previous in self._previous.items():
            try:
                signal.signal(signum, previous)
            except (OSError, ValueError, TypeError):
                pass
