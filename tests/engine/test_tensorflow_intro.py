"""Lesson 2.3 (TensorFlow tutorial): the eager exercises, the Keras model, the course's
mini-batches, training through the Job path, pause/step/stop between batches, and the
SIGNS data (drawn stand-in, real test file)."""
from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import h5py
import numpy as np
import pytest

from engine.data.dataset import DataError, Dataset
from engine.jobs import Job, Reporter, RunControl
from engine.lessons import get_lesson

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def ti():
    from engine.keras_models import tensorflow_intro
    return tensorflow_intro


def small_signs(train_per_class: int = 16, test_per_class: int = 5) -> Dataset:
    """A few drawn pictures per class (fast to train on)."""
    from engine.data.signs import signs_standin
    return signs_standin(seed=3, train_per_class=train_per_class, test_per_class=test_per_class)


# --- the exercises ---

def test_linear_function_is_the_courses(ti):
    expected = np.array([[-2.15657382], [2.95891446], [-1.08926781], [-0.84538042]])
    np.testing.assert_allclose(ti.linear_function(), expected, atol=1e-8)


def test_sigmoid_cost_one_hot_ones(ti):
    assert ti.sigmoid(0) == pytest.approx(0.5)
    assert ti.sigmoid(12) == pytest.approx(0.9999938558, abs=1e-6)
    np.testing.assert_allclose(ti.sigmoid(np.array([-1.0, 1.0])), [0.26894142, 0.73105858],
                               atol=1e-6)
    logits = ti.sigmoid(np.array([0.2, 0.4, 0.7, 0.9]))
    # elementwise sigmoid cross-entropy, one value per entry (no mean)
    np.testing.assert_allclose(ti.cost(logits, np.array([0, 0, 1, 1])),
                               [1.0053872, 1.0366409, 0.4138543, 0.39956614], atol=1e-6)
    one_hot = ti.one_hot_matrix(np.array([1, 2, 3, 0, 2, 1]), 4)
    np.testing.assert_array_equal(one_hot, [[0, 0, 0, 1, 0, 0], [1, 0, 0, 0, 0, 1],
                                            [0, 1, 0, 0, 1, 0], [0, 0, 1, 0, 0, 0]])
    np.testing.assert_array_equal(ti.ones([3]), [1.0, 1.0, 1.0])
    assert ti.ones((2, 3)).shape == (2, 3)


def test_warm_up_and_exercise_table(ti):
    assert ti.warm_up_examples() == {"loss": 9, "c": 20, "twice_3": 6}
    rows = {r["name"]: r["value"] for r in ti.exercise_results()}
    assert rows["Multiply"] == 20
    assert rows["linear_function()"].shape == (4, 1)


# --- the model and the course's loop ---

def test_model_layers_and_parameter_count(ti):
    model = ti.signs_model()
    assert model.count_params() == 12288 * 25 + 25 + 25 * 12 + 12 + 12 * 6 + 6
    parameters = ti.parameters_of(model)
    shapes = {k: v.shape for k, v in parameters.items()}
    assert shapes == {"W1": (25, 12288), "b1": (25, 1), "W2": (12, 25), "b2": (12, 1),
                      "W3": (6, 12), "b3": (6, 1)}
    assert all(not parameters[f"b{k}"].any() for k in (1, 2, 3))   # zero biases
    limit = np.sqrt(6 / (12288 + 25))                                 # Glorot uniform
    assert np.abs(parameters["W1"]).max() <= limit
    assert np.abs(parameters["W1"]).max() > 0.9 * limit
    # the same seed gives the same start; another seed another one
    np.testing.assert_array_equal(ti.parameters_of(ti.signs_model())["W2"], parameters["W2"])
    assert not np.array_equal(ti.parameters_of(ti.signs_model(seed=2))["W2"],
                              parameters["W2"])
    # the model outputs Z3 (logits); NumPy's forward pass of its parameters agrees
    X = np.random.default_rng(0).random((12288, 4)).astype(np.float32)
    logits = np.asarray(model(X.T))
    probabilities = ti.forward_probabilities(X, parameters)
    np.testing.assert_allclose(np.argmax(logits, 1), np.argmax(probabilities, 0))
    np.testing.assert_allclose(probabilities.sum(axis=0), 1, atol=1e-6)


def test_compute_cost_is_mean_softmax_cross_entropy(ti):
    rng = np.random.default_rng(1)
    Z3 = rng.normal(size=(6, 5)).astype(np.float32)
    Y = ti.convert_to_one_hot(np.array([[0, 5, 2, 2, 1]]), 6).astype(np.float32)
    p = np.exp(Z3) / np.exp(Z3).sum(axis=0)
    expected = -np.mean(np.sum(Y * np.log(p), axis=0))
    assert float(ti.compute_cost(Z3, Y)) == pytest.approx(expected, rel=1e-5)


def test_fast_mini_batches_are_the_courses(ti):
    rng = np.random.default_rng(0)
    X, Y = rng.random((7, 100)), rng.random((6, 100))
    course = ti.random_mini_batches(X, Y, 32, seed=4)
    fast = ti.mini_batch_indices(100, 32, seed=4)
    assert [b[0].shape[1] for b in course] == [len(i) for i in fast] == [32, 32, 32, 4]
    for (bx, by), idx in zip(course, fast):
        np.testing.assert_array_equal(bx, X[:, idx])
        np.testing.assert_array_equal(by, Y[:, idx])


def test_course_model_trains_and_prints(ti, capsys):
    ds = small_signs(train_per_class=8, test_per_class=2)
    X, X_test = ds.flattened()
    Y, Y_test = ti.convert_to_one_hot(ds.Y_train, 6), ti.convert_to_one_hot(ds.Y_test, 6)
    parameters = ti.model(X, Y, X_test, Y_test, learning_rate=0.001, num_epochs=3,
                          minibatch_size=16)
    out = capsys.readouterr().out
    assert "Cost after epoch 0:" in out and "Parameters have been trained!" in out
    assert "Train Accuracy:" in out and "Test Accuracy:" in out
    assert parameters["W1"].shape == (25, 12288)


# --- the Job path ---

def _run_job(settings: dict, dataset, control_hook=None):
    lesson = get_lesson("tensorflow-signs")
    events = []
    job = Job(lesson, lesson.make_settings(settings), events.append, dataset=dataset)
    if control_hook:
        control_hook(job)
    return job, events


def test_lesson_trains_through_the_job(ti):
    dataset = small_signs()
    job, events = _run_job({"epochs": 4, "minibatch_size": "16", "learning_rate": 0.001},
                           dataset)
    job.run_here()
    assert job.error is None, job.error
    kinds = [e.kind for e in events]
    assert kinds[0] == "started" and kinds[-1] == "finished"
    progress = [e.data for e in events if e.kind == "progress"]
    assert progress and all(p["total"] == 4 for p in progress)
    assert any("batch" in p and p["batches"] == 6 for p in progress)   # 96 / 16 batches
    snapshots = [e.data for e in events if e.kind == "snapshot"]
    assert snapshots[-1]["iteration"] == 3
    assert len(snapshots[-1]["accuracy_curve"]) == len(snapshots)
    assert 0 <= snapshots[-1]["test_accuracy"] <= 1
    finished = events[-1].data
    assert finished["stopped"] is False
    assert [i for i, _ in finished["curve"]] == [0, 1, 2, 3]
    assert all(np.isfinite(c) for _, c in finished["curve"])
    metrics, result = finished["metrics"], finished["result"]
    assert metrics["epochs"] == 4 and 0 <= metrics["test_accuracy"] <= 1
    assert result["test_predictions"].shape == (1, 30)
    assert result["test_class_probabilities"].shape == (6, 30)
    assert result["parameters"]["W3"].shape == (6, 12)
    verdict = get_lesson("tensorflow-signs").classify_image(result, dataset.X_test[0])
    assert verdict["label"] in dataset.classes and 0 < verdict["probability"] <= 1


class CountingControl:
    """Counts the batches a run is let through (checkpoints that return)."""

    def __init__(self, control: RunControl, stop_after: int | None = None) -> None:
        self.control, self.stop_after, self.passed = control, stop_after, 0
        self._checkpoint = control.checkpoint
        control.checkpoint = self.checkpoint

    def checkpoint(self) -> None:
        if self.stop_after is not None and self.passed == self.stop_after:
            self.control.stop()
        self._checkpoint()
        self.passed += 1


def test_stop_acts_within_one_batch_and_evaluates_the_partial_model():
    counter = {}

    def hook(job):
        counter["c"] = CountingControl(job.control, stop_after=8)

    job, events = _run_job({"epochs": 50, "minibatch_size": "16"}, small_signs(), hook)
    job.run_here()
    assert counter["c"].passed == 8              # no batch after the one that saw Stop
    finished = events[-1]
    assert finished.kind == "finished" and finished.data["stopped"] is True
    # 6 batches per epoch: one whole epoch is on the curve, the cut one is not
    assert [i for i, _ in finished.data["curve"]] == [0]
    assert 0 <= finished.data["metrics"]["test_accuracy"] <= 1


def test_pause_holds_between_batches_and_step_runs_one():
    counter = {}

    def hook(job):
        counter["c"] = CountingControl(job.control)

    job, events = _run_job({"epochs": 2000, "minibatch_size": "16"}, small_signs(), hook)
    job.start()
    c = counter["c"]
    deadline = time.monotonic() + 60
    while c.passed < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    job.control.pause()
    time.sleep(0.5)
    frozen = c.passed
    time.sleep(0.5)
    assert c.passed == frozen
    assert any(e.kind == "paused" for e in events)
    job.control.step()
    deadline = time.monotonic() + 10
    while c.passed == frozen and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.3)
    assert c.passed == frozen + 1
    job.control.stop()
    assert job.wait(30)
    assert events[-1].kind == "finished" and events[-1].data["stopped"] is True


def test_diverging_cost_fails_with_advice(ti):
    from engine.keras_models.job_callback import JobCallback

    control, events = RunControl(), []
    reporter = Reporter(lambda e: events.append(e))
    callback = JobCallback(reporter, control, epochs=1)
    callback.set_model(ti.signs_model(n_x=4))
    callback.on_train_begin()
    with pytest.raises(Exception, match="learning rate"):
        callback.on_train_batch_end(0, {"loss": float("nan")})


# --- SIGNS data ---

def test_standin_shapes_classes_and_determinism():
    from engine.data.hand_signs import hand_sign_pictures
    from engine.data.signs import load_signs_dataset

    ds = load_signs_dataset()
    assert ds.is_standin and "stand-in" in ds.provenance.lower()
    assert ds.X_train.shape == (1080, 64, 64, 3) and ds.X_train.dtype == np.uint8
    assert ds.X_test.shape == (120, 64, 64, 3)
    assert ds.classes == ["0", "1", "2", "3", "4", "5"]
    assert np.bincount(ds.Y_train[0]).tolist() == [180] * 6
    assert np.bincount(ds.Y_test[0]).tolist() == [20] * 6
    assert "real_test" not in ds.extra
    labels = np.arange(6)
    a = hand_sign_pictures(np.random.default_rng(5), labels)
    b = hand_sign_pictures(np.random.default_rng(5), labels)
    c = hand_sign_pictures(np.random.default_rng(6), labels)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    # varied pictures, not one template: the images of one class differ a lot
    same_class = ds.X_train[ds.Y_train[0] == 2][:10].astype(float)
    assert np.abs(same_class[0] - same_class[1:]).mean() > 10
    # like the course's photos (top corners about 222): a light wall behind the hand
    corners = ds.X_train[:, :6, :6].reshape(len(ds.X_train), -1).mean(axis=1)
    assert corners.min() > 170 and np.median(corners) > 205


def test_standin_is_learnable(ti):
    from engine.data.signs import load_signs_dataset

    ds = load_signs_dataset()   # the lesson's own 1080 / 120 pictures
    rows = ds.X_train.reshape(len(ds.X_train), -1).astype(np.float32) / 255
    model = ti.signs_model()
    costs = ti.train_signs_model(model, rows, ti.convert_to_one_hot(ds.Y_train, 6).T,
                                 learning_rate=0.001, num_epochs=15, minibatch_size=32)
    assert costs[-1] < costs[0] - 0.1
    test_rows = ds.X_test.reshape(len(ds.X_test), -1).astype(np.float32) / 255
    acc = ti.accuracy(ti.logits_function(model), test_rows, ds.Y_test)
    # chance is 1/6 (20 of 120); one standard deviation of chance is about 3.4 %
    assert acc > 0.27, f"test accuracy {acc} after a short training"


def test_real_test_file_is_carried_along(course_data):
    from engine.data.signs import load_signs_dataset

    ds = load_signs_dataset()
    assert ds.is_standin                          # train_signs.h5 is not there
    real = ds.extra["real_test"]
    assert real["X"].shape == (120, 64, 64, 3) and real["Y"].shape == (1, 120)
    assert "test_signs.h5" in ds.provenance


def test_damaged_real_test_file_is_reported(data_dirs):
    from engine.data.signs import load_signs_dataset

    (data_dirs["env"] / "test_signs.h5").write_bytes(b"not an h5 file")
    with pytest.raises(DataError, match="test_signs.h5"):
        load_signs_dataset()
    with h5py.File(data_dirs["env"] / "test_signs.h5", "w") as f:
        f["test_set_x"] = np.zeros((4, 32, 32, 3), np.uint8)
        f["test_set_y"] = np.zeros(4, np.int64)
        f["list_classes"] = np.arange(6)
    with pytest.raises(DataError, match="64x64x3"):
        load_signs_dataset()


def test_runner_json_for_five_epochs():
    out = subprocess.run([sys.executable, "-m", "engine", "run", "tensorflow-signs",
                          "--set", "epochs=5", "--json"], cwd=ROOT, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["lesson"] == "tensorflow-signs" and report["settings"]["epochs"] == 5
    assert report["dataset"]["train_examples"] == 1080
    assert report["metrics"]["epochs"] == 5
    assert [i for i, _ in report["costs"]] == [0]
    assert 1.0 < report["costs"][0][1] < 2.5
    assert 0 <= report["test_accuracy"] <= 1


def test_runner_bad_setting_exits_2():
    out = subprocess.run([sys.executable, "-m", "engine", "run", "tensorflow-signs",
                          "--set", "minibatch_size=33"], cwd=ROOT, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 2 and "minibatch_size" in out.stderr
    assert "Traceback" not in out.stderr


def test_importing_the_lesson_does_not_import_tensorflow():
    code = ("import sys\n"
            "from engine.lessons import get_lesson\n"
            "import engine.keras_models.tensorflow_intro, engine.keras_models.job_callback\n"
            "get_lesson('tensorflow-signs')\n"
            "assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr


def test_tensorflow_loads_once_from_many_threads():
    from engine.keras_models.job_callback import load_tensorflow

    results = []
    threads = [threading.Thread(target=lambda: results.append(load_tensorflow()))
               for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert len(results) == 3 and all(r is results[0] for r in results)
    assert results[0][0].__name__ == "tensorflow"


def test_job_callback_drives_model_fit_and_stops_it():
    """Later Keras lessons train with model.fit: the same callback reports and stops it."""
    from engine.keras_models.job_callback import JobCallback, load_tensorflow

    _, keras = load_tensorflow()
    rng = np.random.default_rng(0)
    X, y = rng.random((200, 8)).astype(np.float32), rng.integers(0, 2, 200)
    model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(2)])
    model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(
        from_logits=True), metrics=["accuracy"])
    control, events = RunControl(), []
    counter = CountingControl(control, stop_after=13)
    reporter = Reporter(events.append)
    callback = JobCallback(reporter, control, epochs=5)
    model.fit(X, y, batch_size=20, epochs=5, verbose=0, callbacks=[callback])
    assert counter.passed == 13 and callback.stopped      # 10 batches an epoch
    assert reporter.total == 5 and [i for i, _ in reporter.curve] == [0, 1]
    snapshots = [e.data for e in events if e.kind == "snapshot"]
    assert snapshots and snapshots[-1]["train_accuracy"] is not None
