"""Lesson 3.2 (ConvNet application): the course's functions, the Keras network's layers,
shapes and 1,286 parameters, the generic layer table, training through the Job path
(cost goes down, Stop within one mini-batch), and classifying a picture of your own."""
from __future__ import annotations

import numpy as np
import pytest

from engine.data.dataset import DataError
from engine.jobs import Job
from engine.lessons import get_lesson

COURSE_LAYERS = [  # name, type, output shape, parameters
    ("W1", "Conv2D", (None, 64, 64, 8), 4 * 4 * 3 * 8),
    ("A1", "ReLU", (None, 64, 64, 8), 0),
    ("P1", "MaxPooling2D", (None, 8, 8, 8), 0),
    ("W2", "Conv2D", (None, 8, 8, 16), 2 * 2 * 8 * 16),
    ("A2", "ReLU", (None, 8, 8, 16), 0),
    ("P2", "MaxPooling2D", (None, 2, 2, 16), 0),
    ("F", "Flatten", (None, 64), 0),
    ("Z3", "Dense", (None, 6), 64 * 6 + 6),
]


@pytest.fixture(scope="module")
def sc():
    from engine.keras_models import signs_cnn
    return signs_cnn


def small_signs(train_per_class: int = 10, test_per_class: int = 3):
    """60 drawn training pictures and 18 test ones (fast to train on)."""
    from engine.data.signs import signs_standin
    return signs_standin(seed=3, train_per_class=train_per_class, test_per_class=test_per_class)


# --- the course's functions ---

def test_placeholders_are_tensor_specs(sc):
    X, Y = sc.create_placeholders(64, 64, 3, 6)
    assert tuple(X.shape) == (None, 64, 64, 3) and tuple(Y.shape) == (None, 6)
    assert X.dtype.name == "float32" and Y.dtype.name == "float32"


def test_initialize_parameters_shapes_and_glorot_seed_0(sc):
    parameters = sc.initialize_parameters()
    assert sorted(parameters) == ["W1", "W2"]
    assert tuple(parameters["W1"].shape) == (4, 4, 3, 8)
    assert tuple(parameters["W2"].shape) == (2, 2, 8, 16)
    W1 = parameters["W1"].numpy()
    limit = np.sqrt(6 / (4 * 4 * 3 + 4 * 4 * 8))        # Glorot: fan_in + fan_out
    assert np.abs(W1).max() <= limit and np.abs(W1).max() > 0.9 * limit
    # seed 0: the same start every time
    np.testing.assert_array_equal(sc.initialize_parameters()["W1"].numpy(), W1)


def test_forward_propagation_shape_and_reuses_its_fully_connected_layer(sc):
    X = np.random.RandomState(1).randn(2, 64, 64, 3).astype(np.float32)
    parameters = sc.initialize_parameters()
    Z3 = sc.forward_propagation(X, parameters)
    assert tuple(Z3.shape) == (2, 6)
    assert parameters["W3"].shape == (64, 6)
    np.testing.assert_allclose(sc.forward_propagation(X, parameters), Z3)


def test_forward_propagation_is_the_keras_network(sc):
    network = sc.signs_cnn_model()
    X = np.random.RandomState(2).rand(3, 64, 64, 3).astype(np.float32)
    parameters = sc.parameters_of(network)
    np.testing.assert_allclose(sc.forward_propagation(X, parameters),
                               network(X, training=False), rtol=1e-5, atol=1e-6)
    # the model's W1 and W2 start where initialize_parameters does
    start = sc.initialize_parameters()
    np.testing.assert_array_equal(parameters["W1"], start["W1"].numpy())
    np.testing.assert_array_equal(parameters["W2"], start["W2"].numpy())


def test_compute_cost_known_values(sc):
    # all-zero logits: every class 1/6, cost log 6
    Z3 = np.zeros((4, 6), np.float32)
    Y = np.eye(6, dtype=np.float32)[[0, 1, 2, 3]]
    assert float(sc.compute_cost(Z3, Y)) == pytest.approx(np.log(6), rel=1e-6)
    # a confident right answer and a confident wrong one: mean of ~0 and ~10
    Z3 = np.array([[10, 0, 0, 0, 0, 0], [10, 0, 0, 0, 0, 0]], np.float32)
    Y = np.eye(6, dtype=np.float32)[[0, 1]]
    right = np.log1p(5 * np.exp(-10.0))
    wrong = 10 + np.log1p(5 * np.exp(-10.0))
    assert float(sc.compute_cost(Z3, Y)) == pytest.approx((right + wrong) / 2, rel=1e-5)


# --- the Keras network and the layer table ---

def test_course_layer_list_shapes_and_parameter_count(sc):
    from engine.keras_models.summary import layer_table, parameter_totals

    network = sc.signs_cnn_model()
    rows = layer_table(network)
    assert [(r["name"], r["type"], r["output_shape"], r["params"]) for r in rows] \
        == COURSE_LAYERS
    assert all(r["trainable"] == r["params"] for r in rows)
    assert parameter_totals(network) == {"total": 1286, "trainable": 1286,
                                         "non_trainable": 0}
    assert network.count_params() == 1286
    summary = sc.model_summary_rows(network)
    assert summary["total"] == 1286
    assert summary["rows"][0]["weights"] == [(4, 4, 3, 8)]
    assert summary["rows"][7]["weights"] == [(64, 6), (6,)]


def test_layer_table_counts_frozen_weights_and_input_layers():
    """The generic table on a functional model with batch norm (the ResNet's case)."""
    from engine.keras_models.job_callback import load_tensorflow
    from engine.keras_models.summary import format_shape, layer_table, parameter_totals

    _, keras = load_tensorflow()
    inputs = keras.Input((8, 8, 3), name="pictures")
    x = keras.layers.Conv2D(4, 3, name="conv")(inputs)
    x = keras.layers.BatchNormalization(name="bn")(x)
    outputs = keras.layers.Add(name="add")([x, x])
    rows = layer_table(keras.Model(inputs, outputs))
    assert [r["name"] for r in rows] == ["pictures", "conv", "bn", "add"]
    assert rows[1]["params"] == 3 * 3 * 3 * 4 + 4
    assert (rows[2]["params"], rows[2]["trainable"]) == (16, 8)   # moving mean/variance
    assert format_shape(rows[3]["output_shape"]) == "(None, 6, 6, 4)"
    assert parameter_totals(keras.Model(inputs, outputs))["non_trainable"] == 8


# --- training ---

def test_course_model_trains_and_prints(sc, capsys):
    ds = small_signs(train_per_class=4, test_per_class=2)
    X, X_test = sc.to_model_input(ds.X_train), sc.to_model_input(ds.X_test)
    Y, Y_test = np.eye(6)[ds.Y_train[0]], np.eye(6)[ds.Y_test[0]]
    train_accuracy, test_accuracy, parameters = sc.model(X, Y, X_test, Y_test,
                                                         num_epochs=6, minibatch_size=8)
    out = capsys.readouterr().out
    assert "Cost after epoch 0:" in out and "Cost after epoch 5:" in out
    assert "Cost after epoch 1:" not in out
    assert "Train Accuracy:" in out and "Test Accuracy:" in out
    assert 0 <= train_accuracy <= 1 and 0 <= test_accuracy <= 1
    assert parameters["W2"].shape == (2, 2, 8, 16)


def _job(settings: dict, dataset):
    lesson = get_lesson("cnn-signs")
    events = []
    return Job(lesson, lesson.make_settings(settings), events.append, dataset=dataset), events


def test_lesson_run_lowers_the_cost_and_keeps_the_model():
    dataset = small_signs()
    job, events = _job({"num_epochs": 2, "minibatch_size": "16"}, dataset)
    job.run_here()
    assert job.error is None, job.error
    finished = events[-1]
    assert finished.kind == "finished" and finished.data["stopped"] is False
    curve = finished.data["curve"]
    assert [i for i, _ in curve] == [0, 1]
    assert curve[1][1] < curve[0][1]                      # the cost went down
    progress = [e.data for e in events if e.kind == "progress"]
    assert any(p.get("batches") == 4 for p in progress)    # 60 pictures / 16
    metrics, result = finished.data["metrics"], finished.data["result"]
    assert metrics["epochs"] == 2 and 0 <= metrics["test_accuracy"] <= 1
    assert result["model"].count_params() == 1286
    assert result["classes"] == dataset.classes
    assert result["test_predictions"].shape == (1, 18)
    assert result["test_probabilities"].shape == (1, 18)
    assert result["costs"] == [[0, curve[0][1]]]           # printed every 5 epochs
    wrong = np.flatnonzero(result["test_predictions"][0] != dataset.Y_test[0])
    assert result["misclassified"] == list(wrong)

    verdict = get_lesson("cnn-signs").classify_image(result, dataset.X_test[0])
    assert verdict["label"] in dataset.classes
    assert verdict["probabilities"].shape == (6,)
    assert verdict["probability"] == pytest.approx(verdict["probabilities"].max())
    assert verdict["image"].shape == (64, 64, 3)
    # the same answer as the run's own prediction for that picture
    assert verdict["label"] == dataset.classes[result["test_predictions"][0, 0]]


def test_real_test_photos_are_scored(course_data):
    from engine.lesson_runs.cnn_signs import load_data

    dataset = load_data()
    if not dataset.is_standin:
        pytest.skip("the full SIGNS set is present; no stand-in to compare with")
    small = small_signs(train_per_class=4, test_per_class=1)
    small.extra["real_test"] = dataset.extra["real_test"]
    job, _ = _job({"num_epochs": 1, "minibatch_size": "32"}, small)
    job.run_here()
    assert job.error is None, job.error
    assert 0 <= job.metrics["real_test_accuracy"] <= 1
    assert job.result["real_test"]["test_predictions"].shape == (1, 120)


def test_stop_mid_run_evaluates_the_partial_model():
    job, events = _job({"num_epochs": 50, "minibatch_size": "16"}, small_signs())
    passed = {"n": 0}
    checkpoint = job.control.checkpoint

    def counting_checkpoint():
        if passed["n"] == 6:          # during the second epoch (4 mini-batches each)
            job.control.stop()
        checkpoint()
        passed["n"] += 1

    job.control.checkpoint = counting_checkpoint
    job.run_here()
    assert passed["n"] == 6                                # nothing ran after Stop
    finished = events[-1]
    assert finished.kind == "finished" and finished.data["stopped"] is True
    assert [i for i, _ in finished.data["curve"]] == [0]   # the cut epoch is left out
    assert 0 <= finished.data["metrics"]["test_accuracy"] <= 1
    assert finished.data["result"]["model"] is not None


def test_classify_image_of_a_file_that_is_not_a_picture(tmp_path):
    from engine.keras_models.signs_cnn import signs_cnn_model

    not_a_picture = tmp_path / "notes.png"
    not_a_picture.write_text("this is not a picture")
    result = {"model": signs_cnn_model(), "classes": ["0", "1", "2", "3", "4", "5"]}
    with pytest.raises(DataError, match="notes.png is not an image"):
        get_lesson("cnn-signs").classify_image(result, not_a_picture)
    # an array of any size is resized to 64x64 first
    picture = np.random.RandomState(0).randint(0, 256, (100, 80, 3)).astype(np.uint8)
    verdict = get_lesson("cnn-signs").classify_image(result, picture)
    assert verdict["image"].shape == (64, 64, 3) and 0 < verdict["probability"] <= 1


def test_settings_are_the_courses():
    settings = get_lesson("cnn-signs").default_settings()
    assert (settings.learning_rate, settings.num_epochs, settings.minibatch_size) \
        == (0.009, 100, "64")
    lesson = get_lesson("cnn-signs")
    assert (lesson.kind, lesson.section) == ("keras", "4.2")


def test_importing_the_lesson_does_not_import_tensorflow():
    import subprocess
    import sys
    from pathlib import Path

    code = ("import sys, engine.lesson_runs.cnn_signs, engine.keras_models.signs_cnn, "
            "engine.keras_models.summary, engine.keras_models.course_loop\n"
            "from engine.lessons import get_lesson\n"
            "get_lesson('cnn-signs').default_settings()\n"
            "print('tensorflow' in sys.modules or 'keras' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=Path(__file__).resolve().parents[2], timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "False"
