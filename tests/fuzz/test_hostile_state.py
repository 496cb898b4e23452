"""The app's own files, tampered with: the last-trained settings, run-history rows,
every weights loader's files and the door model's JSON (cases in ``state_cases``).

Each must be refused with one sentence (history rows: skipped or repaired with a
one-line note), with no traceback, within bounded memory (the cases run in a worker
process under an address-space limit of its size + 768 MiB) and time (30 s each; a
FIFO must not hang), and the good data must still be there. Signals on the headless
runner are tested in tests/engine/test_runner_signals.py.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import state_cases  # noqa: E402

pytestmark = pytest.mark.skipif(sys.platform != "linux",
                                reason="address-space limits and FIFOs need Linux")


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> dict[str, dict]:
    """Every case's result, from worker processes (restarted after one dies)."""
    work = tmp_path_factory.mktemp("hostile-state")
    pending, results, rounds = list(state_cases.CASES), {}, 0
    env = dict(os.environ, DL_PLAYGROUND_USER_DIR=str(work / "user"))
    while pending:
        rounds += 1
        out = work / f"results-{rounds}.jsonl"
        proc = subprocess.run(
            [sys.executable, str(HERE / "run_state_cases.py"), str(work / "cases"),
             str(out), *pending], cwd=HERE.parents[1], env=env, capture_output=True,
            text=True, timeout=60 + 35 * len(pending))
        done = [json.loads(line) for line in out.read_text().splitlines()] \
            if out.exists() else []
        for row in done:
            results[row["id"]] = row
        pending = pending[len(done):]
        if pending:   # the worker died on pending[0]: a failure, then carry on
            dead = pending.pop(0)
            results[dead] = {"id": dead, "refused": None, "kept": False,
                             "unexpected": f"worker died (rc {proc.returncode}): "
                                           f"{proc.stderr[-2000:]}"}
    summary = {"inputs": len(results),
               "clean": sum(_clean(r) for r in results.values()),
               "failures": [k for k, r in results.items() if not _clean(r)]}
    print("\nhostile state cases:", json.dumps(summary))
    return results


def _one_sentence(text: str | None) -> bool:
    return bool(text) and "\n" not in text and "Traceback" not in text and len(text) < 400


def _clean(row: dict) -> bool:
    name = row["id"].partition(":")[2]
    silent = row["id"].startswith("history:") and name in state_cases.HISTORY_SILENT
    said = _one_sentence(row["refused"]) or (silent and row["refused"] is None)
    return row["unexpected"] is None and row["kept"] and said


@pytest.mark.parametrize("case_id", state_cases.CASES)
def test_hostile_state_is_refused_in_one_sentence(results, case_id):
    row = results[case_id]
    assert row["unexpected"] is None, row["unexpected"]
    assert row["kept"], "the good data was changed or lost"
    assert _clean(row), f"not one clear sentence: {row['refused']!r}"


def test_a_door_json_with_odd_metrics_still_describes(tmp_path):
    from engine.keras_models.happy_door_weights import (INFO_NAME, WEIGHTS_NAME,
                                                        describe_door_model, read_door_info)
    state_cases._h5(tmp_path / WEIGHTS_NAME, lambda f: state_cases._keras3(f))
    (tmp_path / INFO_NAME).write_text(state_cases.DOOR_JSON_ACCEPTED["metrics-strings"])
    assert describe_door_model(read_door_info(tmp_path)).startswith("the 'course'")
