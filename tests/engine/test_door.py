"""The door state machine and the arrival log."""
from __future__ import annotations

import os
import stat

import numpy as np
import pytest

from engine.faces.door import SMILE_MODEL_MISSING, ArrivalLog, Door
from engine.faces.encoder import FaceBox
from engine.faces.recognition import Detection


def seen(name, distance=0.4, size=100):
    return Detection(FaceBox(0, size, size, 0), name, distance, np.zeros(128), nearest=name)


def test_opens_after_n_consecutive_results_then_closes():
    door = Door(frames_required=3, open_seconds=4)
    assert door.update([], now=0).state == "closed"
    first = door.update([seen("younes")], now=0.2)
    assert (first.state, first.name) == ("opening", "younes") and "1/3" in first.message
    assert door.update([seen("younes")], now=0.4).state == "opening"
    opened = door.update([seen("younes")], now=0.6)
    assert (opened.state, opened.message, opened.just_opened) == \
        ("open", "Welcome home, younes!", True)
    # stays open for open_seconds, whoever is in front of it, and logs only once
    during = door.update([seen(None, 0.9)], now=3.0)
    assert (during.state, during.name, during.just_opened) == ("open", "younes", False)
    after = door.update([], now=4.7)
    assert after.state == "closed" and after.name is None


def test_a_different_face_or_a_gap_restarts_the_count():
    door = Door(frames_required=3)
    door.update([seen("kian")], now=0)
    door.update([seen("kian")], now=1)
    switched = door.update([seen("benoit")], now=2)
    assert switched.state == "opening" and "1/3" in switched.message
    door.update([seen("benoit")], now=3)
    assert door.update([], now=4).state == "closed"          # nobody: count lost
    assert door.update([seen("benoit")], now=5).state == "opening"


def test_another_resident_while_open_is_counted_not_welcomed_under_the_old_name():
    door = Door(frames_required=2, open_seconds=4)
    door.update([seen("benoit")], now=0)
    assert door.update([seen("benoit")], now=0.2).message == "Welcome home, benoit!"
    assert door.update([], now=0.5).name == "benoit"          # walked in: still open
    nxt = door.update([seen("bertrand")], now=1.0)             # well within open_seconds
    assert (nxt.state, nxt.name) == ("opening", "bertrand") and "1/2" in nxt.message
    opened = door.update([seen("bertrand")], now=1.2)
    assert (opened.message, opened.just_opened) == ("Welcome home, bertrand!", True)


def test_unknown_faces_are_not_recognised():
    door = Door(frames_required=1)
    status = door.update([seen(None, 0.8)], now=0)
    assert (status.state, status.name, status.message) == ("closed", None, "Not recognised")


def test_the_largest_face_is_the_one_at_the_door():
    door = Door(frames_required=1)
    status = door.update([seen("kian", size=40), seen(None, 0.9, size=200)], now=0)
    assert status.message == "Not recognised"
    status = door.update([seen(None, 0.9, size=40), seen("kian", size=200)], now=1)
    assert status.state == "open" and status.name == "kian"


def test_smile_gate():
    door = Door(frames_required=1, smile_required=True)
    assert door.smile_gate_reason == SMILE_MODEL_MISSING and not door.smile_gate_active
    assert door.update([seen("tian")], now=0, smile=False).state == "open"   # gate is off
    assert Door(smile_required=False).smile_gate_reason is None

    gated = Door(frames_required=1, smile_required=True, smile_available=True)
    assert gated.smile_gate_reason is None and gated.smile_gate_active
    waiting = gated.update([seen("tian")], now=0, smile=0.2)
    assert waiting.state == "opening" and "smile" in waiting.message
    assert gated.update([seen("tian")], now=1, smile=None).state == "opening"
    assert gated.update([seen("tian")], now=2, smile=0.9).state == "open"


def test_frames_required_must_be_positive():
    with pytest.raises(ValueError):
        Door(frames_required=0)


def test_arrival_log(tmp_path):
    log = ArrivalLog(tmp_path / "faces" / "arrivals.jsonl")
    assert log.entries() == []
    log.append("younes", when=1_700_000_000)
    log.append("Benoît", when=1_700_000_060)
    entries = ArrivalLog(log.path).entries()
    assert [name for name, _ in entries] == ["younes", "Benoît"]
    assert (entries[1][1] - entries[0][1]).total_seconds() == 60
    if os.name == "posix":
        assert stat.S_IMODE(log.path.stat().st_mode) == 0o600
        assert stat.S_IMODE(log.path.parent.stat().st_mode) == 0o700
    with open(log.path, "a", encoding="utf-8") as handle:
        handle.write('{"name": "half a li')                 # a crash mid-line
    assert [n for n, _ in log.entries()] == ["younes", "Benoît"] and "1 damaged" in log.notice
    log.clear()
    assert log.entries() == [] and log.path.exists()


def test_arrival_log_default_path(tmp_path, monkeypatch):
    monkeypatch.setenv("DL_PLAYGROUND_USER_DIR", str(tmp_path))
    log = ArrivalLog()
    log.append("kian")
    assert (tmp_path / "faces" / "arrivals.jsonl").is_file()
    assert log.entries()[0][0] == "kian"
