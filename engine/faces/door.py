"""The Happy House door: opens for a resident seen in a few results in a row.

One recognition can be wrong (a blurred frame, a look-alike at 0.58); requiring the
same resident in ``frames_required`` consecutive results makes a false opening much
rarer at a cost of a fraction of a second. The smile gate (the course's Happy House
idea: only smiling residents get in) needs a Happy House model trained in that lesson
and saved for the door (engine/keras_models/happy_door_weights.py); the page measures
the smile off the UI thread (engine/faces/smile.py) and passes the probability to
``update``. Without a model the gate stays off and ``smile_gate_reason`` says why.
"""
from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from engine.faces.residents import atomic_write, make_private_dir

SMILE_MODEL_MISSING = ("The smile check needs a Happy House model: train the Happy House "
                       "lesson and press 'Use this model at the door'. Until then the "
                       "door opens without it.")


@dataclass(frozen=True)
class DoorStatus:
    state: str                 # "closed" | "opening" | "open"
    name: str | None
    message: str
    just_opened: bool = False  # True only in the update that opened the door (log it)
    smile: float | None = None  # P(smile) used by the smile gate (None: gate off / unknown)


class Door:
    """State machine fed with recognition results (largest face first).

    Once open it stays open for ``open_seconds`` (the resident walks in) unless another
    resident is recognised meanwhile: then that one is counted from 1/N.
    """

    def __init__(self, frames_required: int = 3, open_seconds: float = 4.0,
                 smile_required: bool = False, smile_available: bool = False) -> None:
        if frames_required < 1:
            raise ValueError("frames_required must be at least 1")
        self.frames_required = int(frames_required)
        self.open_seconds = float(open_seconds)
        self.smile_available = smile_available
        self.smile_required = smile_required
        self._streak_name: str | None = None
        self._streak = 0
        self._open_name: str | None = None
        self._open_until = float("-inf")

    @property
    def smile_gate_active(self) -> bool:
        return self.smile_required and self.smile_available

    @property
    def smile_gate_reason(self) -> str | None:
        """Why the smile gate is off although asked for (None when it works or is off)."""
        if self.smile_required and not self.smile_available:
            return SMILE_MODEL_MISSING
        return None

    def reset(self) -> None:
        self._streak_name, self._streak = None, 0
        self._open_name, self._open_until = None, float("-inf")

    def update(self, detections, now: float | None = None, smile=None) -> DoorStatus:
        """Feed one recognition result. ``smile``: True/False, a probability, or None."""
        now = time.monotonic() if now is None else float(now)
        detections = list(detections or [])
        if self._open_name is not None:
            # Open for open_seconds whatever one blurred frame says (an unknown face,
            # nobody), but not over another resident: the banner would welcome the
            # one who came in while the next one stands at the door.
            named = max(detections, key=lambda d: d.box.area).name if detections else None
            if now < self._open_until and named in (None, self._open_name):
                return DoorStatus("open", self._open_name, f"Welcome home, {self._open_name}!")
            self._open_name = None
            self._streak_name, self._streak = None, 0
        if not detections:
            self._streak_name, self._streak = None, 0
            return DoorStatus("closed", None, "Waiting for a face")
        face = max(detections, key=lambda d: d.box.area)
        if face.name is None:
            # "Not sure" (engine/faces/door_safety.py) breaks the streak like a stranger.
            self._streak_name, self._streak = None, 0
            return DoorStatus("closed", None, getattr(face, "unsure", None)
                              or "Not recognised")
        if face.name == self._streak_name:
            self._streak += 1
        else:
            self._streak_name, self._streak = face.name, 1
        if self._streak < self.frames_required:
            return DoorStatus("opening", face.name, f"Recognising {face.name} "
                              f"({self._streak}/{self.frames_required})")
        level = _smile_level(smile) if self.smile_gate_active else None
        if self.smile_gate_active and not _is_smiling(smile):
            return DoorStatus("opening", face.name, f"{face.name}, smile to come in!",
                              smile=level)
        self._open_name = face.name
        self._open_until = now + self.open_seconds
        return DoorStatus("open", face.name, f"Welcome home, {face.name}!", just_opened=True,
                          smile=level)


def _smile_level(smile) -> float | None:
    if smile is None or isinstance(smile, bool):
        return None if smile is None else float(smile)
    try:
        return float(smile)
    except (TypeError, ValueError):
        return None


def _is_smiling(smile) -> bool:
    if smile is None:
        return False
    if isinstance(smile, bool):
        return smile
    try:
        return float(smile) >= 0.5
    except (TypeError, ValueError):
        return False


def default_log_path() -> Path:
    from engine.user_data import user_data_dir
    return user_data_dir() / "faces" / "arrivals.jsonl"


class ArrivalLog:
    """Who came home when: one JSON object per line, owner-only, on the user's disk."""

    def __init__(self, path=None) -> None:
        self.path = Path(path) if path is not None else default_log_path()
        self.notice: str | None = None

    def append(self, name: str, when: float | None = None) -> None:
        """Record an arrival (``when``: seconds since the epoch, default now)."""
        stamp = time.time() if when is None else float(when)
        line = json.dumps({"name": str(name), "time": stamp}, ensure_ascii=False) + "\n"
        make_private_dir(self.path.parent)
        # O_APPEND writes of one short line are atomic in practice: a crash can cut the
        # last line at worst, which entries() skips.
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line.encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)

    def entries(self) -> list[tuple[str, datetime]]:
        """(name, local time) of each arrival, oldest first; damaged lines are skipped."""
        if not self.path.exists():
            return []
        out, bad = [], 0
        with open(self.path, encoding="utf-8", errors="replace") as handle:
            for line in handle:
                if not line.strip():
                    continue
                try:
                    item = json.loads(line)
                    when = datetime.fromtimestamp(float(item["time"]), tz=timezone.utc)
                    out.append((str(item["name"]), when.astimezone()))
                except (ValueError, KeyError, TypeError, OverflowError, OSError):
                    bad += 1
        self.notice = (f"{bad} damaged line(s) in {self.path.name} were skipped."
                       if bad else None)
        return out

    def clear(self) -> None:
        if self.path.exists():
            atomic_write(self.path, lambda handle: None)
