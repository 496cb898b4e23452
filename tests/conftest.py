"""Test-wide setup: Qt without a screen, and no test touches the real user folder."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
COURSE_DATA = SHARED / "datasets" / "course"


@pytest.fixture(autouse=True)
def _private_user_folder(tmp_path_factory, monkeypatch):
    """Point the user data folder at a temporary one and hide the course files,
    so each test sees either the stand-ins or exactly the data it asks for."""
    monkeypatch.setenv("DL_PLAYGROUND_USER_DIR", str(tmp_path_factory.mktemp("user")))
    monkeypatch.delenv("DL_PLAYGROUND_DATA", raising=False)


@pytest.fixture
def course_data(monkeypatch):
    """Use the real course files from ../shared; skip when they are not there."""
    if not (COURSE_DATA / "train_catvnoncat.h5").exists():
        pytest.skip(f"course files not found in {COURSE_DATA}")
    monkeypatch.setenv("DL_PLAYGROUND_DATA", str(COURSE_DATA))
    return COURSE_DATA
