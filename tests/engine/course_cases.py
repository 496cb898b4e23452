"""The course's own test-case inputs (courses 1.3 / 1.4 and later), read from ``../shared``.

``../shared/spec/course_test_inputs.json`` maps a key such as
``"deep_step_by_step/linear_forward_test_case"`` to the structure the course's
``*_test_case()`` function returned: nested ``{"tuple": [...]}`` and
``{"dict": {...}}`` nodes whose leaves are array names in ``course_test_inputs.npz``.
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import numpy as np
import pytest

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
SPEC = SHARED / "spec"
INDEX = SPEC / "course_test_inputs.json"
ARRAYS = SPEC / "course_test_inputs.npz"
COURSE_DATA = __import__("course_paths").course_folder()   # DL_PLAYGROUND_DATA or ../shared


def cases_available() -> bool:
    return INDEX.is_file() and ARRAYS.is_file()


@lru_cache(maxsize=1)
def _load():
    index = json.loads(INDEX.read_text())
    with np.load(ARRAYS, allow_pickle=False) as npz:
        arrays = {name: npz[name] for name in npz.files}
    return index, arrays


def build(node, arrays):
    """Rebuild one node of the index: a leaf names an array, tuples and dicts nest."""
    if isinstance(node, str):
        return arrays[node].copy()          # a fresh copy: tests may modify what they get
    if isinstance(node, dict) and len(node) == 1:
        (kind, value), = node.items()
        if kind == "tuple":
            return tuple(build(item, arrays) for item in value)
        if kind == "list":
            return [build(item, arrays) for item in value]
        if kind == "dict":
            return {key: build(item, arrays) for key, item in value.items()}
    raise ValueError(f"Unknown node in the test-case index: {node!r}")


def case(key: str):
    """The rebuilt inputs of one course test case; skips the test when the files are absent."""
    if not cases_available():
        pytest.skip(f"course test inputs not found at {SPEC} (../shared is absent)")
    index, arrays = _load()
    if key not in index:
        raise KeyError(f"{key} is not in {INDEX.name}")
    return build(index[key], arrays)
