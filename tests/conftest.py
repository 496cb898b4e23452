"""Test-wide setup: Qt without a screen, and no test touches the real user folder."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# course_paths.py (where the course files are) sits next to this file.
sys.path.insert(0, str(Path(__file__).resolve().parent))
import course_paths  # noqa: E402,F401 - reads DL_PLAYGROUND_DATA before tests hide it


@pytest.fixture(autouse=True)
def _private_user_folder(tmp_path_factory, monkeypatch):
    """Point the user data folder at a temporary one and hide the course files,
    so each test sees either the stand-ins or exactly the data it asks for
    (tests/engine/conftest.py's ``course_data`` fixture brings the real files)."""
    monkeypatch.setenv("DL_PLAYGROUND_USER_DIR", str(tmp_path_factory.mktemp("user")))
    monkeypatch.delenv("DL_PLAYGROUND_DATA", raising=False)
