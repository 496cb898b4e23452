"""Lesson 3.1's run: a NumPy ConvNet made of the vectorized conv/pool layers, trained on
SIGNS through the Job path (learning, pause/step/stop, results, the runner)."""
from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from engine.data.dataset import DataError
from engine.jobs import Job, RunControl
from engine.lessons import get_lesson

ROOT = Path(__file__).resolve().parents[2]
LESSON_ID = "cnn-step-by-step"


def small_signs(train_per_class: int = 40, test_per_class: int = 10):
    """240 drawn training pictures and 60 test ones: a few seconds of training."""
    from engine.data.signs import signs_standin
    return signs_standin(seed=3, train_per_class=train_per_class,
                         test_per_class=test_per_class)


class CountingControl:
    """Counts the mini-batches a run is let through (checkpoints that return)."""

    def __init__(self, control: RunControl, stop_after: int | None = None) -> None:
        self.control, self.stop_after, self.passed = control, stop_after, 0
        self._checkpoint = control.checkpoint
        control.checkpoint = self.checkpoint

    def checkpoint(self) -> None:
        if self.stop_after is not None and self.passed == self.stop_after:
            self.control.stop()
        self._checkpoint()
        self.passed += 1


def _job(settings: dict, dataset):
    lesson = get_lesson(LESSON_ID)
    events = []
    job = Job(lesson, lesson.make_settings(settings), events.append, dataset=dataset)
    return job, events


def test_lesson_is_declared():
    lesson = get_lesson(LESSON_ID)
    assert lesson.section == "4.1" and lesson.kind == "numpy"
    assert lesson.course.startswith("Course 4")
    names = set(lesson.default_settings().__dataclass_fields__)
    assert {"learning_rate", "num_epochs", "filters", "filter_size", "minibatch_size",
            "seed", "picture_size"} <= names


@pytest.fixture(scope="module")
def trained():
    """One short run on 240 pictures, shared by the checks below."""
    job, events = _job({"num_epochs": 4, "picture_size": "16", "minibatch_size": "16",
                        "learning_rate": 0.01}, small_signs())
    job.run_here()
    return job, events


def test_run_learns_on_a_small_subset(trained):
    job, events = trained
    assert job.error is None, job.error
    costs = [c for _, c in job.reporter.curve]
    assert len(costs) == 4
    assert costs[-1] < costs[0] - 0.3, costs                    # the cost falls
    # six classes: chance is 1/6; after four epochs it reads most signs
    assert job.metrics["train_accuracy"] > 0.5
    assert job.metrics["test_accuracy"] > 0.4
    kinds = [e.kind for e in events]
    assert kinds[0] == "started" and kinds[-1] == "finished" and "progress" in kinds
    snapshots = [e.data for e in events if e.kind == "snapshot"]
    assert snapshots[-1]["accuracy_curve"][-1][0] == 3
    assert all(0 <= t <= 1 for _, _, t in snapshots[-1]["accuracy_curve"])
    assert snapshots[-1]["filters"].shape == (5, 5, 3, 8)


def test_result_carries_filters_classes_and_the_course_outputs(trained):
    job, _ = trained
    result = job.result
    assert result["filters"].shape == (5, 5, 3, 8)
    np.testing.assert_array_equal(result["filters"], result["parameters"]["W1"])
    assert result["classes"] == ["0", "1", "2", "3", "4", "5"]
    assert result["test_predictions"].shape == (1, 60)
    assert result["test_class_probabilities"].shape == (6, 60)
    np.testing.assert_allclose(result["test_class_probabilities"].sum(axis=0), 1.0)
    assert [i for i, _ in result["costs"]] == [0, 1, 2, 3]
    printed = result["course_outputs"]
    assert printed["zero_pad"]["x_shape"] == (4, 3, 3, 2)
    assert printed["zero_pad"]["x_pad_shape"] == (4, 7, 7, 2)
    np.testing.assert_allclose(printed["zero_pad"]["x[1,1]"][0], [0.90085595, -0.68372786],
                               atol=5e-9)
    np.testing.assert_array_equal(printed["create_mask_from_window"]["mask"],
                                  [[True, False, False], [False, False, False]])
    np.testing.assert_array_equal(printed["distribute_value"]["a"], np.full((2, 2), 0.5))


def test_network_gradients_match_finite_differences():
    from engine.lesson_runs.cnn_step_by_step import (convnet_backward, convnet_forward,
                                                     cross_entropy, initialize_convnet)
    rng = np.random.default_rng(0)
    X = rng.random((3, 8, 8, 3)) - 0.5
    Y = np.eye(6)[rng.integers(0, 6, 3)].T
    for pooling in ("max", "average"):
        parameters = initialize_convnet(8, 3, 2, 6, seed=1)
        probabilities, caches = convnet_forward(X, parameters, 3, pooling)
        grads = convnet_backward(probabilities, Y, parameters, caches, pooling)
        for name in ("W1", "b1", "W2", "b2"):
            value = parameters[name]
            for index in list(np.ndindex(value.shape))[::7]:
                old = value[index]
                value[index] = old + 1e-6
                plus = cross_entropy(convnet_forward(X, parameters, 3, pooling)[0], Y)
                value[index] = old - 1e-6
                minus = cross_entropy(convnet_forward(X, parameters, 3, pooling)[0], Y)
                value[index] = old
                assert grads["d" + name][index] == pytest.approx(
                    (plus - minus) / 2e-6, abs=1e-7), (pooling, name, index)


def test_stop_acts_within_one_batch_and_evaluates_the_partial_model():
    job, events = _job({"num_epochs": 50, "picture_size": "16", "minibatch_size": "64"},
                       small_signs())
    counter = CountingControl(job.control, stop_after=6)
    job.run_here()
    assert counter.passed == 6                  # no batch after the one that saw Stop
    finished = events[-1]
    assert finished.kind == "finished" and finished.data["stopped"] is True
    # 4 batches an epoch: one whole epoch is on the curve, the cut one is not
    assert [i for i, _ in finished.data["curve"]] == [0]
    assert 0 <= finished.data["metrics"]["test_accuracy"] <= 1
    assert finished.data["result"]["filters"].shape == (5, 5, 3, 8)


def test_pause_holds_between_batches_and_step_runs_one():
    job, events = _job({"num_epochs": 500, "picture_size": "16", "minibatch_size": "16"},
                       small_signs())
    counter = CountingControl(job.control)
    job.start()
    deadline = time.monotonic() + 60
    while counter.passed < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    job.control.pause()
    time.sleep(0.4)
    frozen = counter.passed
    time.sleep(0.4)
    assert counter.passed == frozen, "a paused run must not train"
    assert any(e.kind == "paused" for e in events)
    job.control.step()
    deadline = time.monotonic() + 10
    while counter.passed == frozen and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.3)
    assert counter.passed == frozen + 1
    job.control.stop()
    assert job.wait(30)
    assert events[-1].kind == "finished" and events[-1].data["stopped"] is True


def test_live_learning_rate_is_read_every_batch():
    job, _ = _job({"num_epochs": 1, "picture_size": "16", "minibatch_size": "64"},
                  small_signs(10, 2))
    seen = []
    live = job.control.live
    job.control.live = lambda name, default: seen.append((name, live(name, default))) \
        or live(name, default)
    job.control.set_live("learning_rate", 0.002)
    job.run_here()
    assert seen == [("learning_rate", 0.002)]        # 60 pictures: one batch


def test_layer_sizes_follow_the_course_formulas():
    from engine.lesson_runs.cnn_step_by_step import flat_size
    from engine.settings import SettingsError
    assert flat_size(32, 5, 8) == 8 * 8 * 8        # same conv 32x32, pool 4/4 -> 8x8
    assert flat_size(16, 4, 3) == 3 * 3 * 3        # even f: conv 15x15, pool -> 3x3
    assert flat_size(64, 9, 2) == 16 * 16 * 2
    with pytest.raises(SettingsError, match="smaller filter"):
        flat_size(3, 1, 8)                         # 3x3 maps: nothing for a 4x4 pool


def test_real_test_photos_are_scored_when_present(course_data):
    # the loader's own piece for test_signs.h5 (load_data would also draw 1200 pictures)
    from engine.data.signs import _real_test_set
    small = small_signs(10, 2)
    small.extra["real_test"] = _real_test_set()
    job, _ = _job({"num_epochs": 1, "picture_size": "16"}, small)
    job.run_here()
    assert 0 <= job.metrics["real_test_accuracy"] <= 1
    assert job.result["real_test"]["test_predictions"].shape == (1, 120)


def test_classify_image_reads_a_picture_and_refuses_a_non_picture(trained, tmp_path):
    lesson = get_lesson(LESSON_ID)
    picture = small_signs().X_test[0]
    answer = lesson.classify_image(trained[0].result, picture)
    assert answer["label"] in [str(i) for i in range(6)]
    assert answer["probabilities"].shape == (6,) and 0 < answer["probability"] <= 1
    bogus = tmp_path / "notes.png"
    bogus.write_text("not a picture")
    with pytest.raises(DataError):
        lesson.classify_image(trained[0].result, bogus)


def test_runner_prints_metrics_for_two_epochs():
    out = subprocess.run([sys.executable, "-m", "engine", "run", LESSON_ID,
                          "--set", "num_epochs=2", "--set", "picture_size=16", "--json",
                          "--no-history"],
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["lesson"] == LESSON_ID and report["settings"]["num_epochs"] == 2
    assert report["dataset"]["train_examples"] == 1080
    assert report["metrics"]["epochs"] == 2 and [i for i, _ in report["costs"]] == [0, 1]
    assert report["costs"][1][1] < report["costs"][0][1]
    assert report["train_accuracy"] > 0.3 and 0 <= report["test_accuracy"] <= 1


def test_runner_bad_setting_exits_2():
    out = subprocess.run([sys.executable, "-m", "engine", "run", LESSON_ID,
                          "--set", "picture_size=20"], cwd=ROOT, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 2 and "picture_size" in out.stderr
    assert "Traceback" not in out.stderr
