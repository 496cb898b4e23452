"""Checking run-history rows as they are read back.

SQLite keeps whatever a column is given (a REAL column happily holds text), and the
file sits in the user's folder where anything may edit it. So every row read back is
checked here before a panel sees it: a row whose identity is unusable (id, lesson,
start time, outcome) is skipped; decoration that is unusable (settings, metrics,
message, a curve) is repaired to "nothing". The caller counts both and says so once.
"""
from __future__ import annotations

import json
import math
from typing import Any

from engine import limits

OUTCOMES = ("finished", "stopped", "diverged", "failed")
# 1970 .. 2100: time.localtime() takes these on every platform; 1e300 or -5 is tampering.
LATEST_START = 4102444800.0
# A run lasting over ten years is not a run.
LONGEST_DURATION_S = 3.2e8
# Text columns are read only up to these many characters (a tampered row could hold a
# gigabyte); the SELECT cuts them off in SQLite, before Python sees them.
MAX_TEXT_CHARS = limits.MAX_HISTORY_TEXT_CHARS
MAX_JSON_CHARS = limits.MAX_HISTORY_JSON_CHARS
MAX_CURVE_CHARS = limits.MAX_HISTORY_CURVE_CHARS
# Settings values are numbers, words, or a layer list [[20, "relu"], ...]: two levels.
MAX_SETTING_DEPTH = 3


class BadRow(Exception):
    """A row that cannot be shown; the text is a short reason."""


def _finite(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        value = float(value)
    except OverflowError:  # an integer too big for a float
        return None
    return value if math.isfinite(value) else None


def _load_json(text: Any) -> Any:
    """Parsed JSON, or raises ValueError for anything unreadable (deep nesting, numbers
    over Python's digit limit and non-text included)."""
    if not isinstance(text, (str, bytes)):
        raise ValueError("not text")
    try:
        return json.loads(text)
    except (ValueError, RecursionError, OverflowError, UnicodeDecodeError):
        raise ValueError("not JSON") from None


def _plain(value: Any, depth: int = 0) -> bool:
    """A setting value a page can show: scalars, or short lists of them, two deep."""
    if value is None or isinstance(value, (bool, str)):
        return not isinstance(value, str) or len(value) <= MAX_TEXT_CHARS
    if isinstance(value, (int, float)):
        return _finite(value) is not None
    if isinstance(value, list) and depth < MAX_SETTING_DEPTH - 1 and len(value) <= 256:
        return all(_plain(v, depth + 1) for v in value)
    return False


def _json_object(text: Any) -> dict | None:
    """The JSON object ``text`` holds, or None when it holds anything else."""
    try:
        value = _load_json(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def clean_settings(text: Any) -> tuple[dict, bool]:
    """(settings, repaired): a JSON object of plain values; anything else -> {}."""
    value = _json_object(text)
    if value is None:
        return {}, True
    kept = {k: v for k, v in value.items() if _plain(v)}
    return kept, len(kept) != len(value)


def clean_metric_values(text: Any) -> tuple[dict, bool]:
    """(metrics, repaired): finite numbers, short words, flags or None; others dropped."""
    value = _json_object(text)
    if value is None:
        return {}, True
    kept = {}
    for key, item in value.items():
        if item is None or isinstance(item, bool) or (
                isinstance(item, str) and len(item) <= MAX_TEXT_CHARS):
            kept[key] = item
        elif _finite(item) is not None:
            kept[key] = item if isinstance(item, float) else int(item)
    return kept, len(kept) != len(value)


def clean_points(text: Any, limit: int) -> list[list] | None:
    """A stored curve [[iteration, cost], ...] with at most ``limit`` points, or None
    when it is not one."""
    try:
        value = _load_json(text)
    except ValueError:
        return None
    if not isinstance(value, list) or len(value) > limit:
        return None
    points = []
    for point in value:
        if not isinstance(point, list) or len(point) != 2:
            return None
        x, y = _finite(point[0]), _finite(point[1])
        if x is None or y is None:
            return None
        points.append([point[0] if isinstance(point[0], int) else x, y])
    return points


def check_row(values: dict) -> tuple[dict, bool]:
    """(values ready for RunRecord, repaired) or raises BadRow. ``values`` maps column
    names to what SQLite returned."""
    if not isinstance(values.get("id"), int) or isinstance(values["id"], bool):
        raise BadRow("its id is not a number")
    if not isinstance(values.get("lesson_id"), str):
        raise BadRow("its lesson is not a name")
    started = _finite(values.get("started_at"))
    if started is None or not 0 <= started <= LATEST_START:
        raise BadRow("its start time is not a date")
    if values.get("outcome") not in OUTCOMES:
        raise BadRow("its outcome is unknown")
    out = dict(values, started_at=started)
    repaired = False
    for key, default in (("kind", "run"), ("source", "app"), ("message", "")):
        if not isinstance(out.get(key), str) or len(out[key]) > MAX_TEXT_CHARS:
            out[key], repaired = default, True
    duration = _finite(out.get("duration_s"))
    if duration is None or not 0 <= duration <= LONGEST_DURATION_S:
        repaired |= out.get("duration_s") is not None
        duration = None
    out["duration_s"] = duration
    if out.get("dataset") is not None and not isinstance(out["dataset"], str):
        out["dataset"], repaired = None, True
    standin = out.get("standin")
    if standin not in (None, 0, 1) or isinstance(standin, float):
        standin, repaired = None, True
    out["standin"] = None if standin is None else bool(standin)
    out["settings"], bad_settings = clean_settings(out.get("settings"))
    out["metrics"], bad_metrics = clean_metric_values(out.get("metrics"))
    return out, repaired or bad_settings or bad_metrics
