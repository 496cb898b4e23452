"""Where the user's own files live: imported course files, saved runs, faces.

``DL_PLAYGROUND_USER_DIR`` overrides the platform folder (tests use it so they
never touch a real user's data; a portable install can too).
"""
from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "dl-playground"
USER_DIR_ENV = "DL_PLAYGROUND_USER_DIR"


def user_data_dir() -> Path:
    override = os.environ.get(USER_DIR_ENV, "").strip()
    if override:
        return Path(override)
    import platformdirs
    return Path(platformdirs.user_data_dir(APP_NAME))


def last_settings_file(lesson_id: str) -> Path:
    """Where a lesson page keeps the settings it last trained with."""
    return user_data_dir() / "settings" / f"{lesson_id}.json"
