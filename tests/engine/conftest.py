"""Fixtures for the engine tests: the shared course files and isolated data folders."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

# course_cases.py sits next to this file; make it importable whatever pytest's import mode.
_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

from course_cases import COURSE_DATA  # noqa: E402


def _course_data_dir() -> Path:
    if not (COURSE_DATA / "train_catvnoncat.h5").is_file():
        pytest.skip(f"real course files not found at {COURSE_DATA} (../shared is absent)")
    return COURSE_DATA


@pytest.fixture
def course_data(monkeypatch) -> Path:
    """The shared folder of real course files, announced through DL_PLAYGROUND_DATA."""
    folder = _course_data_dir()
    monkeypatch.setenv("DL_PLAYGROUND_DATA", str(folder))
    return folder


@pytest.fixture(scope="module")
def real_cats():
    """The real cat / non-cat files as a Dataset, loaded once per module."""
    folder = _course_data_dir()
    from engine.data.course_files import load_h5_dataset

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DL_PLAYGROUND_DATA", str(folder))
        return load_h5_dataset("catvnoncat")


@pytest.fixture
def data_dirs(tmp_path, monkeypatch):
    """Empty env, user and assets data folders, so no real file leaks into a test."""
    from engine.data import course_files

    dirs = {name: tmp_path / name for name in ("env", "user", "assets")}
    for folder in dirs.values():
        folder.mkdir()
    monkeypatch.setenv("DL_PLAYGROUND_DATA", str(dirs["env"]))
    monkeypatch.setattr(course_files, "user_datasets_dir", lambda: dirs["user"])
    monkeypatch.setattr(course_files, "ASSETS_DATASETS", dirs["assets"])
    return dirs
