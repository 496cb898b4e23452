"""Run history: every finished, stopped, diverged or failed run, kept in SQLite.

One database file in the user data folder (``runs.sqlite3``). The app and the
headless runner may write it at the same time (WAL journal, busy timeout), and
several threads of one process share a :class:`RunHistory` (one connection behind
a lock). Settings and metrics are JSON columns; cost curves live in their own
table so listing 200 runs never reads their points.

History is a convenience: nothing here may stop a run or crash the app. A file
that is not a readable run history is renamed aside (timestamp suffix) and a fresh
one started; a folder that cannot be written turns history off. Either way
``notice`` holds one line for the UI to show.
"""
from __future__ import annotations

import atexit
import json
import math
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from engine import history_rows
from engine.user_data import user_data_dir

FILE_NAME = "runs.sqlite3"
SCHEMA_VERSION = 1
OUTCOMES = history_rows.OUTCOMES
# A 10,000-iteration run reports 10,000 costs; a plot of 1,000 looks the same and
# keeps a run's row a few tens of KB.
MAX_CURVE_POINTS = 1000
BUSY_TIMEOUT_S = 2.0
_SQLITE_HEADER = b"SQLite format 3\x00"
# sqlite3 primary result codes (Python 3.11 exposes them on the exception).
_CORRUPT_CODES = {11, 26}           # SQLITE_CORRUPT, SQLITE_NOTADB
_BUSY_CODES = {5, 6}                # SQLITE_BUSY, SQLITE_LOCKED

_SCHEMA = """
CREATE TABLE runs (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    lesson_id   TEXT NOT NULL,
    kind        TEXT NOT NULL DEFAULT 'run',   -- 'run', or a page action such as 'sweep'
    source      TEXT NOT NULL DEFAULT 'app',   -- 'app' or 'runner'
    started_at  REAL NOT NULL,                 -- Unix time
    duration_s  REAL,
    outcome     TEXT NOT NULL CHECK (outcome IN ('finished','stopped','diverged','failed')),
    message     TEXT NOT NULL DEFAULT '',
    settings    TEXT NOT NULL,                 -- JSON object
    dataset     TEXT,                          -- provenance line, NULL when no data
    standin     INTEGER,                       -- 1 stand-in, 0 course file, NULL no data
    metrics     TEXT NOT NULL                  -- JSON object of scalars
);
CREATE INDEX runs_by_lesson ON runs (lesson_id, started_at DESC);
CREATE TABLE curves (
    run_id    INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    position  INTEGER NOT NULL,                -- display order
    label     TEXT NOT NULL,                   -- 'cost', or a variant's label
    points    TEXT NOT NULL,                   -- JSON [[iteration, cost], ...]
    PRIMARY KEY (run_id, position)
);
"""
_RUN_COLUMNS = ("id", "lesson_id", "kind", "source", "started_at", "duration_s", "outcome",
                "message", "settings", "dataset", "standin", "metrics")
_CURVE_COLUMNS = ("run_id", "position", "label", "points")
# What a read selects: long text is cut off (or dropped, for JSON) inside SQLite, so a
# tampered row holding a gigabyte never reaches Python whole.
_SHORT_TEXT = f"substr(%s, 1, {history_rows.MAX_TEXT_CHARS})"
_JSON_TEXT = f"CASE WHEN length(%s) <= {history_rows.MAX_JSON_CHARS} THEN %s END"
_READ_COLUMNS = ", ".join(
    _SHORT_TEXT % name if name in ("lesson_id", "kind", "source", "message", "dataset",
                                   "outcome")
    else _JSON_TEXT % (name, name) if name in ("settings", "metrics") else name
    for name in _RUN_COLUMNS)
# Stored curves hold at most MAX_CURVE_POINTS (+1) points; allow slack for older files.
_MAX_READ_POINTS = 10 * MAX_CURVE_POINTS
_POINTS_TEXT = (f"CASE WHEN length(points) <= {history_rows.MAX_CURVE_CHARS} "
                "THEN points END")


class _Corrupt(Exception):
    """The file is not a run history this version can read."""


@dataclass
class RunRecord:
    id: int
    lesson_id: str
    kind: str
    source: str
    started_at: float
    duration_s: float | None
    outcome: str
    message: str
    settings: dict
    dataset: str | None
    standin: bool | None
    metrics: dict
    # {label: [[iteration, cost], ...]}; None when listed without them
    curves: dict[str, list[list]] | None = None


def default_path() -> Path:
    return user_data_dir() / FILE_NAME


def _code(exc: sqlite3.Error) -> int:
    return getattr(exc, "sqlite_errorcode", 0) & 0xFF


def _is_corrupt(exc: sqlite3.Error) -> bool:
    return _code(exc) in _CORRUPT_CODES or (
        type(exc) is sqlite3.DatabaseError and not _code(exc))


def _json_scalar(value: Any) -> Any:
    """Metrics are numbers, text, flags or None; NumPy scalars become Python ones and
    anything else (arrays, parameters) is not history's to keep."""
    if hasattr(value, "item") and getattr(value, "ndim", 1) == 0:
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError


def clean_metrics(metrics: dict | None) -> dict:
    out = {}
    for key, value in (metrics or {}).items():
        try:
            out[str(key)] = _json_scalar(value)
        except TypeError:
            continue
    return out


def clean_curve(curve: Iterable) -> list[list[float]]:
    """[(iteration, cost), ...] -> finite [[int, float], ...], thinned to MAX_CURVE_POINTS.
    Raises ValueError/TypeError on points that are not two numbers."""
    curve = list(curve)
    if len(curve) > MAX_CURVE_POINTS:  # thin first: converting 10,000 points costs ms
        step = math.ceil(len(curve) / MAX_CURVE_POINTS)
        curve = curve[::step] + ([curve[-1]] if (len(curve) - 1) % step else [])
    points = []
    for iteration, cost in curve:
        cost = float(cost)
        if math.isfinite(cost):
            points.append([int(iteration), cost])
    return points


class RunHistory:
    """The run-history database. Methods never raise on database trouble: they
    return None / [] and set ``notice``; invalid arguments raise ValueError/TypeError."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path is not None else default_path()
        self.notice = ""            # one line for the UI; empty while all is well
        self.available = True       # False once history is off for this session
        self._passing_notice = False  # "busy" clears itself on the next success
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.RLock()

    # --- opening, and what to do when the file is bad ---
    def _connection(self) -> sqlite3.Connection | None:
        if self._conn is None and self.available:
            try:
                self._conn = self._open()
            except _Corrupt as exc:
                self._start_over(str(exc))
            except sqlite3.Error as exc:
                if _is_corrupt(exc):
                    self._start_over(str(exc))
                elif _code(exc) in _BUSY_CODES:  # another program is writing: try later
                    self._trouble(exc, "trying again next time")
                else:
                    self._turn_off(exc)
            except OSError as exc:
                self._turn_off(exc)
        return self._conn

    def _open(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.path.exists() and self.path.stat().st_size > 0:
            with open(self.path, "rb") as fh:
                if fh.read(len(_SQLITE_HEADER)) != _SQLITE_HEADER:
                    raise _Corrupt("not a SQLite database")
        conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None,
                               check_same_thread=False)
        # A tampered row may hold bytes that are not UTF-8: show them mangled rather
        # than fail the whole list with "Could not decode to UTF-8".
        conn.text_factory = lambda raw: raw.decode("utf-8", "replace")
        try:
            self._prepare(conn)
        except BaseException:
            conn.close()
            raise
        return conn

    def _prepare(self, conn: sqlite3.Connection) -> None:
        conn.execute("PRAGMA foreign_keys = ON")
        # One read transaction, so a second program creating the tables at this very
        # moment is seen either before or after, never half-way (version 0 with tables
        # looked like a foreign layout and got a good file moved aside).
        conn.execute("BEGIN")
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            tables = {row[0] for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")} - {"sqlite_sequence"}
        finally:
            conn.execute("COMMIT")
        if version > SCHEMA_VERSION:
            raise sqlite3.OperationalError(
                "it was written by a newer version of DL Playground")
        if version == 0 and not tables:
            try:  # WAL lets the runner write while the app reads; not every disk has it
                conn.execute("PRAGMA journal_mode = WAL")
            except sqlite3.OperationalError:
                pass
            self._create(conn)
            return
        if version != SCHEMA_VERSION:
            raise _Corrupt(f"unknown layout (version {version})")
        for table, columns in (("runs", _RUN_COLUMNS), ("curves", _CURVE_COLUMNS)):
            found = tuple(row[1] for row in conn.execute(f"PRAGMA table_info({table})"))
            if found != columns:
                raise _Corrupt(f"the '{table}' table has an unexpected layout")
        # A truncated or damaged file often opens fine and fails later; find out now.
        # A row that breaks a CHECK or NOT NULL rule was edited by hand, not damaged:
        # reading skips it (history_rows), and the rest of the history stays in view.
        problems = [row[0] for row in conn.execute("PRAGMA quick_check(20)")
                    if row[0] != "ok" and not str(row[0]).startswith(
                        ("CHECK constraint failed", "NULL value in"))]
        if problems:
            raise _Corrupt(f"damaged ({problems[0]})")
        conn.execute("PRAGMA synchronous = NORMAL")

    @staticmethod
    def _create(conn: sqlite3.Connection) -> None:
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Another process may have created it while this one waited for the lock.
            if conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'runs'"
                            ).fetchone()[0] == 0:
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        conn.execute("PRAGMA synchronous = NORMAL")

    def _start_over(self, reason: str) -> None:
        """Rename the unreadable file (and its journal) aside and open a fresh one."""
        self._close_connection()
        stamp = time.strftime("%Y%m%d-%H%M%S")
        aside = self.path.with_name(f"{self.path.name}.unreadable-{stamp}")
        n = 1
        while aside.exists():
            n += 1
            aside = self.path.with_name(f"{self.path.name}.unreadable-{stamp}-{n}")
        try:
            self.path.replace(aside)
            for suffix in ("-wal", "-shm", "-journal"):
                extra = self.path.with_name(self.path.name + suffix)
                if extra.exists():
                    extra.replace(aside.with_name(aside.name + suffix))
            self._conn = self._open()
        except (OSError, sqlite3.Error, _Corrupt) as exc:
            self._turn_off(exc)
            return
        self.notice = (f"The run history could not be read ({reason}); it was moved to "
                       f"{aside.name} and a new one started.")

    def _turn_off(self, exc: BaseException) -> None:
        self._close_connection()
        self.available = False
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        self.notice = (f"Run history is off: {self.path} cannot be used ({reason}). "
                       "Runs still work but are not recorded.")

    def _trouble(self, exc: sqlite3.Error, doing: str) -> None:
        """A database error during an operation: recover if the file is damaged,
        otherwise say what happened and carry on."""
        if _is_corrupt(exc):
            self._start_over(str(exc))
        elif _code(exc) in _BUSY_CODES or "locked" in str(exc):
            self.notice = (f"Run history is busy (another program holds it locked); "
                           f"{doing}.")
            self._passing_notice = True
        else:
            self.notice = f"Run history problem ({exc}); {doing}."
            self._passing_notice = True

    def _succeeded(self) -> None:
        if self._passing_notice:
            self.notice, self._passing_notice = "", False

    def ensure_open(self) -> bool:
        """Open (and check) the file now, e.g. on a worker thread before the UI needs it."""
        with self._lock:
            return self._connection() is not None

    # --- writing ---
    def record(self, lesson_id: str, *, settings: dict, outcome: str, started_at: float,
               duration_s: float | None = None, metrics: dict | None = None,
               curves: dict[str, Iterable] | None = None, dataset: str | None = None,
               standin: bool | None = None, message: str = "", kind: str = "run",
               source: str = "app") -> int | None:
        """Store one run in a single transaction; its id, or None if history is unusable."""
        if outcome not in OUTCOMES:
            raise ValueError(f"outcome must be one of {', '.join(OUTCOMES)}; "
                             f"got {outcome!r}")
        row = (lesson_id, kind, source, float(started_at),
               None if duration_s is None else float(duration_s), outcome, message or "",
               json.dumps(settings, allow_nan=False), dataset,
               None if standin is None else int(bool(standin)),
               json.dumps(clean_metrics(metrics), allow_nan=False))
        for attempt in range(2):  # once more on a fresh file if this one proved damaged
            with self._lock:
                conn = self._connection()
                if conn is None:
                    return None
                try:
                    run_id = self._insert(conn, row, curves or {})
                    self._succeeded()
                    return run_id
                except sqlite3.Error as exc:
                    self._trouble(exc, "this run was not recorded")
                    if not (_is_corrupt(exc) and self._conn is not None and attempt == 0):
                        return None
        return None

    @staticmethod
    def _insert(conn, row, curves) -> int:
        conn.execute("BEGIN IMMEDIATE")
        try:
            cursor = conn.execute(
                f"INSERT INTO runs ({', '.join(_RUN_COLUMNS[1:])}) VALUES "
                f"({', '.join('?' * (len(_RUN_COLUMNS) - 1))})", row)
            run_id = cursor.lastrowid
            for position, (label, curve) in enumerate(curves.items()):
                # Cleaned inside the transaction: a bad curve undoes the whole run.
                conn.execute("INSERT INTO curves VALUES (?, ?, ?, ?)",
                             (run_id, position, str(label), json.dumps(clean_curve(curve))))
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        return run_id

    def delete(self, run_ids: Iterable[int]) -> int:
        """Remove runs (and their curves); how many were removed."""
        ids = [int(i) for i in run_ids]
        if not ids:
            return 0
        with self._lock:
            conn = self._connection()
            if conn is None:
                return 0
            marks = ", ".join("?" * len(ids))
            try:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    conn.execute(f"DELETE FROM curves WHERE run_id IN ({marks})", ids)
                    count = conn.execute(f"DELETE FROM runs WHERE id IN ({marks})",
                                         ids).rowcount
                    conn.execute("COMMIT")
                except BaseException:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise
            except sqlite3.Error as exc:
                self._trouble(exc, "nothing was deleted")
                return 0
            return count

    # --- reading ---
    def runs(self, lesson_id: str) -> list[RunRecord]:
        """The lesson's runs, newest first, without their curves. Rows that cannot be
        shown are skipped, damaged details repaired; ``notice`` says how many."""
        rows = self._query(f"SELECT {_READ_COLUMNS} FROM runs "
                           "WHERE lesson_id = ? ORDER BY started_at DESC, id DESC",
                           (str(lesson_id),))
        return self._records(rows)

    def get(self, run_id: int) -> RunRecord | None:
        """One run with its curves, or None (also when its row cannot be shown)."""
        try:
            run_id = int(run_id)
        except (TypeError, ValueError, OverflowError):
            return None
        rows = self._query(f"SELECT {_READ_COLUMNS} FROM runs WHERE id = ?", (run_id,))
        records = self._records(rows)
        if not records:
            return None
        record = records[0]
        record.curves = self.curves([record.id]).get(record.id, {})
        return record

    def curves(self, run_ids: Iterable[int]) -> dict[int, dict[str, list[list]]]:
        """{run id: {label: [[iteration, cost], ...]}}; a curve that is not one is left
        out (with a note)."""
        ids = [i for i in run_ids if isinstance(i, int) and abs(i) < 2 ** 63]
        if not ids:
            return {}
        rows = self._query(f"SELECT run_id, label, {_POINTS_TEXT} FROM curves WHERE "
                           f"run_id IN ({', '.join('?' * len(ids))}) "
                           "ORDER BY run_id, position", ids)
        out: dict[int, dict] = {}
        damaged = 0
        for run_id, label, points in rows:
            points = history_rows.clean_points(points, _MAX_READ_POINTS)
            if points is None or not isinstance(label, (str, int, float)):
                damaged += 1
                continue
            out.setdefault(run_id, {})[str(label)[:200]] = points
        if damaged:
            self._note(f"{damaged} cost curve{'s' if damaged != 1 else ''} in the run "
                       "history could not be read and {verb} not drawn.".format(
                           verb="are" if damaged != 1 else "is"))
        return out

    def _records(self, rows) -> list[RunRecord]:
        records, skipped, repaired, reason = [], 0, 0, ""
        for row in rows:
            try:
                values, fixed = history_rows.check_row(dict(zip(_RUN_COLUMNS, row)))
            except history_rows.BadRow as exc:
                skipped += 1
                reason = reason or str(exc)
                continue
            repaired += fixed
            records.append(RunRecord(**values))
        if skipped:
            self._note(f"{skipped} run{'s' if skipped != 1 else ''} in the history could "
                       f"not be read ({reason}) and {'are' if skipped != 1 else 'is'} not "
                       "listed.")
        elif repaired:
            self._note(f"{repaired} run{'s' if repaired != 1 else ''} in the history had "
                       "damaged details; what could be read is shown.")
        return records

    def _note(self, text: str) -> None:
        """A passing note about damaged rows (cleared by the next clean operation)."""
        self.notice = text
        self._passing_notice = True

    def _query(self, sql: str, args) -> list[tuple]:
        with self._lock:
            conn = self._connection()
            if conn is None:
                return []
            try:
                rows = conn.execute(sql, args).fetchall()
                self._succeeded()
                return rows
            except sqlite3.Error as exc:
                self._trouble(exc, "the list of runs may be incomplete")
                return []

    # --- closing ---
    def _close_connection(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            except sqlite3.Error:
                pass
            self._conn = None

    def close(self) -> None:
        with self._lock:
            self._close_connection()

    def __enter__(self) -> "RunHistory":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


# --- a Job -> a stored run (used by the app's pages and the headless runner) ---


def job_outcome(job) -> tuple[str, str]:
    """(outcome, message) of a job that has ended."""
    if job.error is None:
        message = ""
        for variant in (job.result or {}).get("variants") or []:
            if variant.get("status") == "diverged":  # one variant of a comparison
                message += f"{variant.get('label', variant.get('name'))} diverged. "
        return ("stopped" if job.stopped else "finished"), message.strip()
    return ("diverged" if job.diverged else "failed"), job.error


def job_curves(job) -> dict[str, list]:
    """Comparison lessons: each variant's curve under its label; others: 'cost'."""
    variants = (job.result or {}).get("variants") or []
    curves: dict[str, list] = {}
    for variant in variants:
        label = str(variant.get("label") or variant.get("name") or f"variant {len(curves)}")
        while label in curves:
            label += "'"
        curves[label] = variant.get("curve") or []
    if not curves:
        curves["cost"] = list(job.reporter.curve)
    return curves


def record_job(history: RunHistory, job, kind: str = "run",
               source: str = "app") -> int | None:
    """Record an ended Job. Never raises: a problem becomes ``history.notice``."""
    from engine.settings import settings_to_dict
    try:
        from engine.lesson_runs.data_choice import run_provenance
        outcome, message = job_outcome(job)
        # a page may hand a job plain data (a dict of pictures): no provenance; in
        # real-folds mode the line says the stand-in plus real folds, not the stand-in
        provenance, standin = run_provenance(job.dataset, job.settings)
        return history.record(
            job.lesson.id, settings=settings_to_dict(job.settings), outcome=outcome,
            message=message, started_at=job.started_at or time.time(),
            duration_s=job.seconds, metrics=job.metrics, curves=job_curves(job),
            dataset=provenance, standin=standin,
            kind=kind, source=source)
    except Exception as exc:  # a lesson's odd result must not cost the user the app
        history.notice = f"This run was not recorded: {type(exc).__name__}: {exc}"
        return None


# --- one shared history per data folder for the app ---
_shared: dict[Path, RunHistory] = {}
_shared_lock = threading.Lock()


def shared_history() -> RunHistory:
    """The app's history for the current user data folder (opened on first use)."""
    path = default_path()
    with _shared_lock:
        history = _shared.get(path)
        if history is None:
            # The folder changed (tests do, per test): let go of the old file. Anyone
            # still holding the old object reopens it lazily, so closing is safe.
            for old in _shared.values():
                old.close()
            _shared.clear()
            history = _shared[path] = RunHistory(path)
        return history


def close_shared_histories() -> None:
    with _shared_lock:
        for history in _shared.values():
            history.close()
        _shared.clear()


atexit.register(close_shared_histories)
