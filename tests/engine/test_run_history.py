"""Run history in SQLite: record, list, reopen, delete, and never a crash on a bad file."""
from __future__ import annotations

import os
import sqlite3
import sys
import threading
import time
from types import SimpleNamespace

import numpy as np
import pytest

from engine import run_history
from engine.run_history import (MAX_CURVE_POINTS, RunHistory, job_outcome, record_job,
                                shared_history)

SETTINGS = {"dataset": "flower", "n_h": 4, "learning_rate": 1.2, "num_iterations": 100}


def record(history, lesson="planar-one-hidden-layer", started_at=None, **changes):
    kwargs = dict(settings=SETTINGS, outcome="finished",
                  started_at=time.time() if started_at is None else started_at,
                  duration_s=1.5, metrics={"train_accuracy": 0.9, "final_cost": 0.25},
                  curves={"cost": [(0, 0.69), (50, 0.4), (99, 0.25)]},
                  dataset="Flower (course generator)", standin=False)
    kwargs.update(changes)
    return history.record(lesson, **kwargs)


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "runs.sqlite3"


def test_record_list_get_delete(db_path):
    with RunHistory(db_path) as history:
        first = record(history, started_at=1000.0)
        second = record(history, started_at=2000.0, outcome="stopped",
                        settings={**SETTINGS, "n_h": 5},
                        metrics={"train_accuracy": np.float64(0.75),
                                 "final_cost": float("nan"),
                                 "parameters": np.zeros((4, 2))})
        record(history, lesson="logistic-regression")
        runs = history.runs("planar-one-hidden-layer")
        assert [r.id for r in runs] == [second, first]          # newest first
        assert runs[0].curves is None                           # listing skips the curves
        assert runs[0].outcome == "stopped" and runs[0].settings["n_h"] == 5
        # NumPy scalars become numbers, NaN becomes None, arrays are not kept
        assert runs[0].metrics == {"train_accuracy": 0.75, "final_cost": None}
        full = history.get(first)
        assert full.curves == {"cost": [[0, 0.69], [50, 0.4], [99, 0.25]]}
        assert full.dataset == "Flower (course generator)" and full.standin is False
        assert full.duration_s == 1.5 and full.started_at == 1000.0
        assert history.get(999) is None
        assert history.delete([first, 12345]) == 1
        assert [r.id for r in history.runs("planar-one-hidden-layer")] == [second]
        assert history.get(first) is None and history.curves([first]) == {}
        assert len(history.runs("logistic-regression")) == 1
        assert history.notice == ""


def test_survives_reopen_and_long_curves_are_thinned(db_path):
    long_curve = [(i, 1.0 / (i + 1)) for i in range(10_000)] + [(10_000, float("inf"))]
    with RunHistory(db_path) as history:
        run_id = record(history, curves={"He initialization": long_curve,
                                         "Zeros": [(0, 0.69)]})
    with RunHistory(db_path) as reopened:
        stored = reopened.get(run_id)
    assert list(stored.curves) == ["He initialization", "Zeros"]   # order kept
    points = stored.curves["He initialization"]
    assert len(points) <= MAX_CURVE_POINTS + 1
    assert points[0] == [0, 1.0] and points[-1] == [9999, 1.0 / 10_000]  # inf left out
    assert stored.settings == SETTINGS


def test_bad_arguments_are_refused(db_path):
    with RunHistory(db_path) as history:
        with pytest.raises(ValueError):
            record(history, outcome="exploded")
        assert history.runs("planar-one-hidden-layer") == []


def test_failure_mid_write_leaves_no_half_row(db_path):
    with RunHistory(db_path) as history:
        kept = record(history)
        # The run row is written, then the second curve turns out unusable.
        with pytest.raises(ValueError):
            record(history, curves={"good": [(0, 1.0)], "bad": [(0, "not a number")]})
        # A failure inside SQLite itself, after the run row and the first curve.
        history._conn.execute(
            "CREATE TRIGGER refuse AFTER INSERT ON curves WHEN NEW.label = 'boom' "
            "BEGIN SELECT RAISE(ABORT, 'disk trouble'); END")
        assert record(history, curves={"fine": [(0, 1.0)], "boom": [(0, 2.0)]}) is None
        assert "disk trouble" in history.notice
        assert [r.id for r in history.runs("planar-one-hidden-layer")] == [kept]
        conn = sqlite3.connect(db_path)
        assert conn.execute("SELECT count(*) FROM runs").fetchone()[0] == 1
        assert conn.execute("SELECT count(*) FROM curves").fetchone()[0] == 1
        conn.close()
        assert record(history) is not None  # the connection is still usable


@pytest.mark.parametrize("damage", ["not sqlite", "truncated", "foreign schema"])
def test_unreadable_file_is_moved_aside_and_a_fresh_one_works(db_path, damage):
    if damage == "not sqlite":
        db_path.write_bytes(b"this is a text file, not a database\n" * 50)
    elif damage == "foreign schema":
        conn = sqlite3.connect(db_path)
        conn.execute("CREATE TABLE runs (name TEXT)")
        conn.commit()
        conn.close()
    else:
        with RunHistory(db_path) as history:
            for _ in range(30):
                record(history, curves={"cost": [(i, 1.0) for i in range(900)]})
            history._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        size = db_path.stat().st_size
        with open(db_path, "r+b") as fh:
            fh.truncate(size // 2)
    original = db_path.read_bytes()
    with RunHistory(db_path) as history:
        assert history.runs("planar-one-hidden-layer") == []
        assert "moved to runs.sqlite3.unreadable-" in history.notice
        assert "\n" not in history.notice
        run_id = record(history)
        assert history.get(run_id).outcome == "finished"
    aside = [p for p in db_path.parent.iterdir() if ".unreadable-" in p.name
             and not p.name.endswith(("-wal", "-shm"))]
    assert len(aside) == 1 and aside[0].read_bytes() == original   # nothing lost
    with RunHistory(db_path) as reopened:
        assert [r.id for r in reopened.runs("planar-one-hidden-layer")] == [run_id]
        assert reopened.notice == ""


def test_newer_schema_is_left_alone(db_path):
    conn = sqlite3.connect(db_path)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    with RunHistory(db_path) as history:
        assert record(history) is None
        assert not history.available and "newer version" in history.notice
    conn = sqlite3.connect(db_path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 99
    conn.close()


@pytest.mark.skipif(sys.platform == "win32" or os.geteuid() == 0,
                    reason="needs a folder the user cannot write (not as root)")
def test_read_only_folder_turns_history_off(tmp_path):
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        history = RunHistory(folder / "runs.sqlite3")
        assert record(history) is None and history.runs("x") == []
        assert "Run history is off" in history.notice
    finally:
        folder.chmod(0o700)


def test_path_that_cannot_be_a_folder_turns_history_off(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("a file where the folder should be")
    history = RunHistory(blocker / "sub" / "runs.sqlite3")
    assert record(history) is None
    assert history.runs("planar-one-hidden-layer") == [] and history.delete([1]) == 0
    assert not history.available and "Run history is off" in history.notice


def test_locked_database_says_so_and_recovers(db_path, monkeypatch):
    monkeypatch.setattr(run_history, "BUSY_TIMEOUT_S", 0.05)
    with RunHistory(db_path) as history:
        record(history)
        other = sqlite3.connect(db_path, isolation_level=None)
        other.execute("BEGIN EXCLUSIVE")      # another program is writing
        assert record(history) is None
        assert "locked" in history.notice
        other.execute("ROLLBACK")
        other.close()
        assert record(history) is not None
        assert history.notice == ""  # a passing lock is not worth a lasting message
        assert len(history.runs("planar-one-hidden-layer")) == 2


def test_concurrent_writers_from_threads_and_a_second_connection(db_path):
    history = RunHistory(db_path)
    second = RunHistory(db_path)   # like the headless runner writing meanwhile
    ids, errors = [], []

    def writer(target, n):
        try:
            for k in range(n):
                ids.append(record(target, settings={**SETTINGS, "n_h": k + 1}))
                target.runs("planar-one-hidden-layer")
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(history if i % 2 else second, 15))
               for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors and None not in ids
    assert len(set(ids)) == 90
    assert len(history.runs("planar-one-hidden-layer")) == 90
    history.close()
    second.close()


def _job(**fields):
    base = dict(error=None, stopped=False, bad_input=False, diverged=False, result={}, metrics={},
                lesson=SimpleNamespace(id="planar-one-hidden-layer"), dataset=None,
                started_at=100.0, seconds=2.0, reporter=SimpleNamespace(curve=[(0, 0.7)]))
    base.update(fields)
    return SimpleNamespace(**base)


def test_job_outcomes():
    assert job_outcome(_job()) == ("finished", "")
    assert job_outcome(_job(stopped=True)) == ("stopped", "")
    assert job_outcome(_job(error="The cost became nan at iteration 3, ...",
                            diverged=True)) == \
        ("diverged", "The cost became nan at iteration 3, ...")
    assert job_outcome(_job(error="bad file", bad_input=True))[0] == "failed"
    assert job_outcome(_job(error="The run failed unexpectedly: KeyError",
                            traceback="..."))[0] == "failed"
    variants = [{"name": "zeros", "label": "Zeros", "status": "done"},
                {"name": "large", "label": "Large random", "status": "diverged"}]
    assert job_outcome(_job(result={"variants": variants})) == \
        ("finished", "Large random diverged.")


def test_record_job_stores_variant_curves_under_their_labels(db_path):
    from engine.lessons import get_lesson
    lesson = get_lesson("planar-one-hidden-layer")
    variants = [{"name": "zeros", "label": "Zeros initialization", "curve": [(0, 0.69)],
                 "parameters": {"W1": np.zeros((4, 2))}},
                {"name": "he", "label": "He initialization", "curve": [(0, 0.6), (1, 0.5)]}]
    job = _job(lesson=lesson, settings=lesson.default_settings(),
               result={"variants": variants}, metrics={"he_final_cost": 0.5},
               reporter=SimpleNamespace(curve=[]),
               dataset=SimpleNamespace(provenance="stand-in cats", is_standin=True))
    with RunHistory(db_path) as history:
        run_id = record_job(history, job, source="runner")
        stored = history.get(run_id)
    assert stored.curves == {"Zeros initialization": [[0, 0.69]],
                             "He initialization": [[0, 0.6], [1, 0.5]]}
    assert stored.standin is True and stored.source == "runner"
    assert stored.settings["num_iterations"] == 10000


def test_shared_history_follows_the_user_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("DL_PLAYGROUND_USER_DIR", str(tmp_path / "one"))
    first = shared_history()
    assert shared_history() is first
    assert first.path == tmp_path / "one" / "runs.sqlite3"
    assert record(first) is not None
    monkeypatch.setenv("DL_PLAYGROUND_USER_DIR", str(tmp_path / "two"))
    second = shared_history()
    assert second is not first and first._conn is None   # the old file is let go
    assert second.runs("planar-one-hidden-layer") == []
    assert len(first.runs("planar-one-hidden-layer")) == 1  # and reopens if still used
    run_history.close_shared_histories()


def test_locked_at_open_tries_again_later(db_path, monkeypatch):
    monkeypatch.setattr(run_history, "BUSY_TIMEOUT_S", 0.05)
    with RunHistory(db_path) as history:
        record(history)
    other = sqlite3.connect(db_path, isolation_level=None)
    other.execute("PRAGMA locking_mode = EXCLUSIVE")
    other.execute("BEGIN EXCLUSIVE")
    other.execute("DELETE FROM runs WHERE id = -1")
    with RunHistory(db_path) as history:
        assert history.runs("planar-one-hidden-layer") == []
        assert history.available and "busy" in history.notice
        other.execute("COMMIT")
        other.close()
        assert len(history.runs("planar-one-hidden-layer")) == 1
        assert history.notice == ""


def _tamper(path, sql, args=()):
    conn = sqlite3.connect(path)
    conn.execute(sql, args)
    conn.commit()
    conn.close()


@pytest.mark.parametrize("column,value,skipped", [
    ("started_at", "yesterday", True),
    ("started_at", 1e300, True),
    ("started_at", -5.0, True),
    ("outcome_unchecked", None, True),
    ("settings", "[1, 2, 3]", False),
    ("settings", "[" * 5000 + "]" * 5000, False),
    ("settings", '{"learning_rate": ' + "[" * 50 + "]" * 50 + "}", False),
    ("metrics", "not json", False),
    ("metrics", '{"train_accuracy": 1' + "0" * 5000 + "}", False),
    ("metrics", '{"a": {"b": 1}, "train_accuracy": 0.5}', False),
    ("duration_s", "long", False),
    ("message", b"\xff\xfe bytes", False),
    ("standin", "maybe", False),
    ("kind", b"\x00\x01", False),
])
def test_tampered_rows_are_skipped_or_repaired_with_a_note(db_path, column, value, skipped):
    with RunHistory(db_path) as history:
        good = record(history, started_at=1000.0)
        bad = record(history, started_at=2000.0)
    if column == "outcome_unchecked":  # the CHECK constraint would refuse it: drop it
        _tamper(db_path, "PRAGMA ignore_check_constraints = 1")
        conn = sqlite3.connect(db_path)
        conn.execute("PRAGMA ignore_check_constraints = 1")
        conn.execute("UPDATE runs SET outcome = 'exploded' WHERE id = ?", (bad,))
        conn.commit()
        conn.close()
    else:
        _tamper(db_path, f"UPDATE runs SET {column} = ? WHERE id = ?", (value, bad))
    with RunHistory(db_path) as history:
        runs = history.runs("planar-one-hidden-layer")
        assert good in [r.id for r in runs]
        assert (bad in [r.id for r in runs]) is not skipped
        assert history.notice and "\n" not in history.notice
        for run in runs:
            assert isinstance(run.settings, dict) and isinstance(run.metrics, dict)
            assert 0 <= run.started_at <= 4102444800
            assert run.duration_s is None or run.duration_s >= 0
            time.localtime(run.started_at)
        assert history.get(good).curves["cost"][0] == [0, 0.69]


@pytest.mark.parametrize("points", ["not json", "[[1, 2, 3]]", '[["a", 1]]', "{}",
                                    "[" * 3000 + "]" * 3000, "[[0, 1e999]]",
                                    "[[0, 0.5]]" * 1])
def test_tampered_curves_are_left_out_with_a_note(db_path, points):
    with RunHistory(db_path) as history:
        run_id = record(history)
    _tamper(db_path, "UPDATE curves SET points = ? WHERE run_id = ?", (points, run_id))
    with RunHistory(db_path) as history:
        curves = history.curves([run_id])
        if points == "[[0, 0.5]]":
            assert curves == {run_id: {"cost": [[0, 0.5]]}} and not history.notice
        else:
            assert curves == {} and "could not be read" in history.notice


def test_huge_text_in_a_row_is_cut_off_inside_sqlite(db_path):
    with RunHistory(db_path) as history:
        run_id = record(history)
    _tamper(db_path, "UPDATE runs SET settings = ?, message = ? WHERE id = ?",
            ('{"a": "' + "x" * 1_000_000 + '"}', "y" * 1_000_000, run_id))
    with RunHistory(db_path) as history:
        (run,) = history.runs("planar-one-hidden-layer")
        assert run.settings == {} and len(run.message) <= 2000
        assert history.get("not a number") is None
