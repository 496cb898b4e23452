"""``python -m engine run`` adds its runs to the run history (unless --no-history),
and trouble with the history never changes the runner's exit code."""
from __future__ import annotations

import json

from engine.__main__ import EXIT_RUN_FAILED, main
from engine.run_history import RunHistory, default_path

PLANAR = "planar-one-hidden-layer"


def stored_runs(lesson_id):
    with RunHistory(default_path()) as history:
        return [history.get(r.id) for r in history.runs(lesson_id)]


def test_runner_records_a_finished_run(capsys):
    assert main(["run", PLANAR, "--set", "num_iterations=120", "--set", "n_h=3",
                 "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    (run,) = stored_runs(PLANAR)
    assert run.outcome == "finished" and run.source == "runner" and run.kind == "run"
    assert run.settings == report["settings"]
    assert run.settings["n_h"] == 3
    assert run.metrics["train_accuracy"] == report["train_accuracy"]
    assert run.dataset == report["dataset"]["provenance"] and run.standin is False
    assert [p[0] for p in run.curves["cost"]] == list(range(120))
    assert run.curves["cost"][0][1] == report["costs"][0][1]
    assert run.duration_s > 0 and run.started_at > 0


def test_runner_records_a_diverged_run_and_keeps_its_exit_code(capsys):
    code = main(["run", "deep-step-by-step", "--set", "learning_rate=10",
                 "--set", "num_iterations=300", "--set", "hidden_layers=50:relu,50:relu"])
    assert code == EXIT_RUN_FAILED
    (run,) = stored_runs("deep-step-by-step")
    assert run.outcome == "diverged" and "cost became" in run.message
    assert len(run.curves["cost"]) < 300  # the part before it blew up


def test_no_history_records_nothing(capsys):
    assert main(["run", PLANAR, "--set", "num_iterations=20", "--no-history"]) == 0
    assert stored_runs(PLANAR) == []
    assert "note:" not in capsys.readouterr().err


def test_history_trouble_is_a_note_not_a_failure(capsys, monkeypatch, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("the user data folder cannot be created here")
    monkeypatch.setenv("DL_PLAYGROUND_USER_DIR", str(blocker))
    assert main(["run", PLANAR, "--set", "num_iterations=20", "--json"]) == 0
    out = capsys.readouterr()
    json.loads(out.out)  # stdout is still exactly the report
    notes = [line for line in out.err.splitlines() if line.startswith("note:")]
    assert len(notes) == 1 and "Run history is off" in notes[0]


def test_corrupt_history_is_replaced_and_the_run_recorded(capsys):
    path = default_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"garbage, not a database" * 10)
    assert main(["run", PLANAR, "--set", "num_iterations=20"]) == 0
    assert "moved to runs.sqlite3.unreadable-" in capsys.readouterr().err
    assert len(stored_runs(PLANAR)) == 1
