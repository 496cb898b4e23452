"""Where the tests find the course's files: the folder named by DL_PLAYGROUND_DATA
when it holds them (as the app itself looks there first), else ../shared/datasets.

Read once at import, before tests/conftest.py hides the variable from each test so a
test sees only the data it asks for."""
from __future__ import annotations

import os
from pathlib import Path

SHARED_DATASETS = Path(__file__).resolve().parents[1].parent / "shared" / "datasets"
_ENV = os.environ.get("DL_PLAYGROUND_DATA", "").strip()
_ENV_DIR = Path(_ENV).expanduser() if _ENV else None


def course_folder() -> Path:
    """The folder with train_catvnoncat.h5, test_signs.h5, ... (may not exist)."""
    if _ENV_DIR is not None and any(_ENV_DIR.glob("*.h5")):
        return _ENV_DIR
    return SHARED_DATASETS / "course"


def faces_folder() -> Path:
    """The course's face photos (younes.jpg, camera_0.jpg, ...)."""
    if _ENV_DIR is not None and (_ENV_DIR / "faces").is_dir():
        return _ENV_DIR / "faces"
    return SHARED_DATASETS / "faces"
