"""Every hostile course file and picture of ``make_cases`` is refused with one
sentence, within bounded memory and time, and leaves the installed good file in
place; every good one is read correctly.

The cases run in worker processes (``run_cases.py``) under an address-space limit
of their size after imports + 768 MiB: a reader that allocates what a bomb declares
fails there with MemoryError. A worker that dies or hangs on a case is restarted
after it, and that case counts as a failure.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import make_cases  # noqa: E402

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo") or sys.platform != "linux",
                                reason="address-space limits and FIFOs need Linux")


def run_all(ids: list[str], workdir: Path, workers: int = 2) -> list[dict]:
    """Results of every case (in two worker processes), restarting after a crash."""
    out = workdir / "results.jsonl"
    shares = [ids[i::workers] for i in range(workers)]
    results: dict[str, dict] = {}
    pending = [list(share) for share in shares if share]
    while pending:
        procs = []
        for n, share in enumerate(pending):
            rounds = getattr(run_all, "rounds", 0) + 1
            run_all.rounds = rounds
            part = workdir / f"results-{rounds}.jsonl"
            proc = subprocess.Popen(
                [sys.executable, str(HERE / "run_cases.py"), str(workdir / "cases"),
                 str(part), *share], cwd=HERE.parents[1], stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE, text=True)
            procs.append((proc, share, part))
        pending = []
        for proc, share, part in procs:
            try:
                _, stderr = proc.communicate(timeout=60 + 10 * len(share))
            except subprocess.TimeoutExpired:
                proc.kill()
                _, stderr = proc.communicate()
            done = [json.loads(line) for line in part.read_text().splitlines()] \
                if part.exists() else []
            for row in done:
                results[row["id"]] = row
            if len(done) < len(share):        # died (or hung) on share[len(done)]
                dead = share[len(done)]
                results[dead] = {"id": dead, "steps": {"worker": {
                    "outcome": "failed",
                    "why": f"worker died (exit {proc.returncode}): {stderr[-300:]}"}}}
                if share[len(done) + 1:]:
                    pending.append(share[len(done) + 1:])
    rows = [results[i] for i in ids]
    out.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return rows


def summarise(rows: list[dict]) -> dict:
    steps = [s for r in rows for s in r["steps"].values()]
    outcome = Counter(s["outcome"] for s in steps)
    return {"inputs": len(rows),
            "hostile_inputs": sum(r.get("expect") == "refuse" for r in rows),
            "good_inputs": sum(r.get("expect") == "read" for r in rows),
            "boundary_calls": len(steps), "clean_refusals": outcome["refused"],
            "good_reads": outcome["read"], "failures": outcome["failed"],
            "peak_rss_mb": max((r.get("peak_rss", 0) for r in rows), default=0) >> 20,
            "as_limit_mb": max((r.get("as_limit", 0) for r in rows), default=0) >> 20}


def test_every_hostile_file_is_refused_cleanly_and_good_ones_read(tmp_path):
    cases = make_cases.cases()
    assert len(cases) > 300
    rows = run_all([c.id for c in cases], tmp_path)
    summary = summarise(rows)
    report = os.environ.get("FUZZ_REPORT")
    if report:
        Path(report).write_text(json.dumps({"summary": summary, "rows": rows}, indent=1))
    failures = [f"{r['id']} [{step}]: {s['why']}" for r in rows
                for step, s in r["steps"].items() if s["outcome"] == "failed"]
    assert not failures, f"{len(failures)} failures ({summary}):\n" + "\n".join(failures[:40])
    assert summary["clean_refusals"] > 0 and summary["good_reads"] > 0


def test_the_judge_fails_raw_errors_and_unclear_sentences():
    import run_cases

    from engine.data.dataset import DataError
    assert run_cases.clean_refusal(DataError("bomb.png declares 4 pixels."), "bomb.png") is None
    assert "raw ValueError" in run_cases.clean_refusal(ValueError("matmul"), "bomb.png")
    assert "MemoryError" in run_cases.clean_refusal(MemoryError(), "bomb.png")
    assert "not one sentence" in run_cases.clean_refusal(
        DataError("Traceback (most recent call last):\n  ..."), "bomb.png")
    assert "does not name" in run_cases.clean_refusal(DataError("A file is bad."), "bomb.png")
