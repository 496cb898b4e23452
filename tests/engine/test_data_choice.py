"""Choosing a picture lesson's data: the chooser's entries, the provenance line of a
real-folds run (page, history, headless) and unreadable own datasets moved aside."""
from __future__ import annotations

import types

import h5py
import numpy as np
import pytest

from engine.data.course_files import user_datasets_dir
from engine.data.dataset import DataError, Dataset
from engine.data.own_datasets import own_datasets_dir, split_pictures, write_dataset
from engine.jobs import Job
from engine.lesson_runs.data_choice import data_loader, data_options, run_provenance, \
    run_with_data_choice, with_data_choice
from engine.run_history import RunHistory, record_job

HAPPY = ["not happy", "happy"]


def _pictures(per_class, seed=0):
    rng = np.random.default_rng(seed)
    return {name: [rng.integers(60 * k, 60 * k + 80, (64, 64, 3), dtype=np.uint8)
                   for _ in range(per_class)] for k, name in enumerate(HAPPY)}


def _real_test_file(name="test_happy.h5", m=20):
    folder = user_datasets_dir()
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(3)
    with h5py.File(folder / name, "w") as f:
        f["test_set_x"] = rng.integers(0, 255, (m, 64, 64, 3), dtype=np.uint8)
        f["test_set_y"] = np.arange(m).reshape(1, -1) % 2
        f["list_classes"] = np.array([b"0", b"1"])
    return folder / name


def test_the_chooser_offers_usual_data_own_datasets_and_real_folds_where_possible():
    labels = [o.label for o in data_options("happy-house")]
    assert labels == ["Stand-in, no course files (default)"]
    write_dataset(own_datasets_dir() / "happy-door.h5",
                  *split_pictures(_pictures(3), HAPPY), HAPPY)
    write_dataset(own_datasets_dir() / "signs-hands.h5",       # another lesson's set
                  *split_pictures(_pictures(3), HAPPY), HAPPY)
    _real_test_file()
    options = data_options("happy-house")
    assert [o.label for o in options][1:] == ["Your dataset: door",
                                              "Stand-in + real test photos in 5 folds"]
    assert options[1].data.endswith("happy-door.h5") and options[1].real_folds == 0
    assert options[2].data == "" and options[2].real_folds == 5
    # both course files there: the lesson trains on them, no fold mode
    (user_datasets_dir() / "train_happy.h5").write_bytes(b"")
    assert [o.label for o in data_options("happy-house")] == ["Course files (default)",
                                                               "Your dataset: door"]


def test_a_real_folds_run_is_recorded_as_stand_in_plus_real_folds(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.integers(0, 255, (12, 64, 64, 3), dtype=np.uint8)
    Y = (np.arange(12) % 2).reshape(1, -1)
    standin = Dataset("happy", "images", X, Y, X[:4], Y[:, :4], HAPPY, "drawn faces",
                      is_standin=True, extra={"real_test": {"X": X, "Y": Y,
                                                            "provenance": "test_happy.h5"}})

    @with_data_choice
    class Settings:
        pass

    def run(hp, on_event, control, dataset=None):   # always answers "happy"
        on_event.progress(0, 1.0)
        predicted = np.ones((1, dataset.X_test.shape[0]), np.int64)
        result = {"misclassified": [0], "test_predictions": predicted}
        if dataset.is_standin:
            result["real_test"] = {"test_predictions":
                                   np.ones((1, dataset.extra["real_test"]["X"].shape[0]))}
        return {"metrics": {"test_accuracy": float(np.mean(predicted == dataset.Y_test))},
                "result": result}

    lesson = types.SimpleNamespace(id="happy-house",
                                   run=run_with_data_choice(run, lambda s: standin))
    settings = Settings(real_folds=3)
    job = Job(lesson, settings, lambda event: None, dataset=standin).run_here()
    assert job.error is None
    folds = job.result["real_folds"]
    assert job.metrics["test_accuracy"] == pytest.approx(folds["real_fold_mean"])
    assert "misclassified" not in job.result      # indexes the last fold, not the page's
    text, standin_flag = run_provenance(standin, settings)
    assert text.startswith("Stand-in + real folds (not the course's split)")
    assert "3 folds" in text and standin_flag is False
    assert run_provenance(standin, Settings()) == ("drawn faces", True)
    history = RunHistory(tmp_path / "runs.sqlite3")
    run_id = record_job(history, job)
    assert run_id is not None, history.notice
    recorded = history.runs("happy-house")[0]
    assert recorded.dataset == text and recorded.standin is False


def test_an_unreadable_own_dataset_is_moved_aside_with_a_sentence(tmp_path):
    own_datasets_dir().mkdir(parents=True, exist_ok=True)
    broken = own_datasets_dir() / "happy-broken.h5"
    broken.write_bytes(b"not an h5 file at all")
    elsewhere = tmp_path / "happy-elsewhere.h5"
    elsewhere.write_bytes(b"nor this")
    load = data_loader(lambda s: None, "happy")

    @with_data_choice
    class Settings:
        pass
    with pytest.raises(DataError, match="moved aside as happy-broken.h5.unreadable-"):
        load(Settings(data=str(broken)))
    assert not broken.exists()
    assert [p.name.split(".unreadable-")[0] for p in own_datasets_dir().iterdir()] == \
        ["happy-broken.h5"]
    assert "Your dataset" not in " ".join(o.label for o in data_options("happy-house"))
    with pytest.raises(DataError) as refused:    # not ours to move: only refused
        load(Settings(data=str(elsewhere)))
    assert "moved aside" not in str(refused.value) and elsewhere.exists()
