"""``python -m engine``: the JSON report, and one clear line with exit 2 on bad input."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest

from engine.__main__ import main

ROOT = Path(__file__).resolve().parents[2]


def run_cli(*args, env_data=None, monkeypatch=None):
    import os
    env = dict(os.environ)
    if env_data is not None:
        env["DL_PLAYGROUND_DATA"] = str(env_data)
    return subprocess.run([sys.executable, "-m", "engine", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


def test_list_names_every_lesson():
    out = run_cli("list")
    assert out.returncode == 0
    for lesson in ("numpy-basics", "logistic-regression", "planar-one-hidden-layer",
                   "deep-step-by-step", "deep-cat-classifier"):
        assert lesson in out.stdout


def test_run_json_report_on_planar(capsys):
    assert main(["run", "planar-one-hidden-layer", "--set", "num_iterations=1001",
                 "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["lesson"] == "planar-one-hidden-layer"
    assert report["settings"]["num_iterations"] == 1001
    assert "Flower" in report["dataset"]["provenance"]
    # the course prints the planar costs every 1000 iterations
    assert [c[0] for c in report["costs"]] == [0, 1000]
    assert report["costs"][0][1] == pytest.approx(0.693048, abs=1e-6)
    assert report["costs"][1][1] == pytest.approx(0.288083, abs=1e-6)
    assert 0.5 < report["train_accuracy"] <= 1 and report["seconds"] > 0


def test_run_json_on_standin_cats(capsys):
    assert main(["run", "logistic-regression", "--set", "num_iterations=201",
                 "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["dataset"]["standin"] is True
    assert report["dataset"]["train_examples"] == 209
    assert [c[0] for c in report["costs"]] == [0, 100, 200]
    assert report["costs"][0][1] == pytest.approx(0.693147, abs=1e-6)
    assert report["test_accuracy"] is not None


@pytest.mark.parametrize("args,fragment", [
    (["run", "no-such-lesson"], "Unknown lesson 'no-such-lesson'"),
    (["run", "planar-one-hidden-layer", "--set", "n_h=500"], "between 1 and 50"),
    (["run", "planar-one-hidden-layer", "--set", "bogus=1"], "Unknown setting 'bogus'"),
    (["run", "planar-one-hidden-layer", "--set", "learning_rate"], "name=value"),
    (["run", "deep-cat-classifier", "--set", "model=two_layer_model"],
     "exactly one hidden layer"),
    (["frobnicate"], "invalid choice"),
])
def test_bad_input_exits_2_with_one_line(args, fragment):
    out = run_cli(*args)
    assert out.returncode == 2, out.stderr
    assert fragment in out.stderr
    assert "Traceback" not in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1


def test_unreadable_data_exits_2(tmp_path):
    (tmp_path / "train_catvnoncat.h5").write_bytes(b"this is not an h5 file")
    with h5py.File(tmp_path / "test_catvnoncat.h5", "w") as f:
        f["test_set_x"] = np.zeros((5, 64, 64, 3), np.uint8)
        f["test_set_y"] = np.zeros(5, np.int64)
    out = run_cli("run", "logistic-regression", env_data=tmp_path)
    assert out.returncode == 2
    assert "train_catvnoncat.h5" in out.stderr and "Traceback" not in out.stderr


def test_diverging_run_exits_3_with_advice():
    out = run_cli("run", "logistic-regression", "--set", "learning_rate=10",
                  "--set", "num_iterations=500")
    assert out.returncode == 3
    assert "smaller" in out.stderr and "Traceback" not in out.stderr


def test_run_numpy_basics_prints_what_the_lesson_computes(capsys):
    assert main(["run", "numpy-basics", "--no-history"]) == 0
    out = capsys.readouterr().out
    assert "sigmoid([1, 2, 3]) = [0.73105858, 0.88079708, 0.95257413]" in out
    assert "L1 = 1.1" in out and "L2 = 0.43" in out
    assert "vectorization, vectors of length 15" in out and "speed-up" in out


def test_list_verbose_keeps_its_columns_in_line(capsys):
    from engine.lessons import all_lessons
    from engine.settings import specs
    assert main(["list", "-v"]) == 0
    lines = capsys.readouterr().out.splitlines()
    for lesson in all_lessons():
        start = next(i for i, line in enumerate(lines) if line.startswith(lesson.id + " "))
        equals, labels = set(), set()
        row = start + 1
        for name, spec, _default in specs(lesson.settings):
            line = lines[row]
            assert line.split()[0] == name
            equals.add(line.index(" = "))
            if line.rstrip().endswith(spec.label):
                labels.add(line.rindex(spec.label))
                row += 1
            else:            # a long default: its label on the next line, same column
                labels.add(lines[row + 1].rindex(spec.label))
                row += 2
        assert len(equals) <= 1 and len(labels) <= 1, (lesson.id, equals, labels)
