"""Lesson 3.4: the course's ResNet50 (names, shapes, parameter counts), its blocks,
the pretrained-weights reader in both .h5 layouts, and a tiny training run."""
from __future__ import annotations

import h5py
import numpy as np
import pytest

from engine.weights import WeightsError


@pytest.fixture(scope="module")
def keras():
    from engine.keras_models.job_callback import load_tensorflow
    return load_tensorflow()[1]


@pytest.fixture(scope="module")
def model(keras):
    """Built once: ResNet50 costs seconds."""
    from engine.keras_models.resnet import ResNet50
    return ResNet50(input_shape=(64, 64, 3), classes=6)


def _count(variables) -> int:
    return int(sum(np.prod(v.shape) for v in variables))


def test_parameter_counts_are_the_courses(model):
    from engine.keras_models.resnet import (NON_TRAINABLE_PARAMS, TOTAL_PARAMS,
                                            TRAINABLE_PARAMS)
    assert model.count_params() == TOTAL_PARAMS == 23_600_006
    assert _count(model.trainable_weights) == TRAINABLE_PARAMS == 23_546_886
    assert _count(model.non_trainable_weights) == NON_TRAINABLE_PARAMS == 53_120
    assert model.name == "ResNet50"


def test_layer_names_and_shapes(model):
    expect = {"conv1": (None, 32, 32, 64), "bn_conv1": (None, 32, 32, 64),
              "res2a_branch2a": (None, 15, 15, 64), "res2a_branch1": (None, 15, 15, 256),
              "bn2a_branch1": (None, 15, 15, 256), "res3a_branch2a": (None, 8, 8, 128),
              "res4f_branch2c": (None, 4, 4, 1024), "bn5c_branch2c": (None, 2, 2, 2048),
              "avg_pool": (None, 1, 1, 2048), "fc6": (None, 6)}
    for name, shape in expect.items():
        assert tuple(model.get_layer(name).output.shape) == shape, name
    assert model.get_layer("conv1").count_params() == 9472
    assert model.get_layer("bn_conv1").count_params() == 256
    assert model.get_layer("fc6").count_params() == 12294
    conv = model.get_layer("res3a_branch2a")
    assert conv.strides == (2, 2) and conv.padding == "valid"
    middle = model.get_layer("res3b_branch2b")
    assert middle.kernel_size == (3, 3) and middle.padding == "same"
    assert model.get_layer("bn3b_branch2b").axis in (3, [3], (3,), -1, [-1])
    assert model.get_layer("fc6").activation.__name__ == "softmax"
    # identity blocks have no shortcut conv; every stage has exactly one branch1
    names = {layer.name for layer in model.layers}
    assert {f"res{s}a_branch1" for s in (2, 3, 4, 5)} <= names
    assert not any(n.endswith("b_branch1") for n in names)


def test_kernels_start_from_glorot_seed_0(model, keras):
    kernel = model.get_layer("res2b_branch2a").kernel.numpy()
    expected = keras.initializers.GlorotUniform(seed=0)(kernel.shape).numpy()
    np.testing.assert_allclose(kernel, expected)
    # the course's seeded initialiser gives same-shaped layers the same start
    np.testing.assert_allclose(kernel, model.get_layer("res2c_branch2a").kernel.numpy())


def test_stage_plan_matches_the_model(model):
    from engine.keras_models.resnet import stage_plan
    plan = stage_plan()
    blocks = [b for stage in plan for b in stage["blocks"]]
    assert len(blocks) == 16
    assert [b["kind"] for b in blocks].count("conv") == 4
    for block in blocks:
        layer = model.get_layer(block["name"] + "_branch2c")
        assert tuple(layer.output.shape[1:]) == block["output_shape"], block["name"]
        assert tuple(model.get_layer(block["name"] + "_branch2a").input.shape[1:]) \
            == block["input_shape"]
    assert plan[1]["output_shape"] == (15, 15, 64) and plan[-1]["output_shape"] == (6,)
    assert plan[-1]["flatten"] == 2048


def test_identity_block_keeps_the_shape_and_conv_block_divides_by_s(keras):
    from engine.keras_models.resnet import convolutional_block, identity_block
    X = keras.layers.Input((4, 4, 6))
    A = identity_block(X, f=2, filters=[2, 4, 6], stage=1, block='a')
    assert tuple(A.shape) == (None, 4, 4, 6)
    B = convolutional_block(X, f=2, filters=[2, 4, 6], stage=1, block='b', s=2)
    assert tuple(B.shape) == (None, 2, 2, 6)
    C = convolutional_block(X, f=3, filters=[2, 4, 5], stage=1, block='c', s=1)
    assert tuple(C.shape) == (None, 4, 4, 5)
    small = keras.Model(X, [A, B])
    names = {layer.name for layer in small.layers}
    assert {"res1a_branch2a", "bn1a_branch2c", "res1b_branch1", "bn1b_branch1"} <= names
    assert "res1a_branch1" not in names
    # the identity block really adds its input: all-zero weights give relu(input)
    for layer in small.layers:
        if layer.weights and layer.name.startswith("res1a"):
            layer.set_weights([np.zeros_like(w) for w in layer.get_weights()])
    for layer in small.layers:
        if layer.name.startswith("bn1a"):
            gamma, beta, mean, var = layer.get_weights()
            layer.set_weights([np.zeros_like(gamma), beta * 0, mean * 0, var * 0 + 1])
    x = np.random.default_rng(0).normal(size=(2, 4, 4, 6)).astype(np.float32)
    np.testing.assert_allclose(np.asarray(small(x, training=False)[0]), np.maximum(x, 0),
                               atol=1e-6)


# --- the pretrained file ---

def _random_weights(model, seed):
    from engine.keras_models.resnet_weights import weight_layer_names
    rng = np.random.default_rng(seed)
    out = {}
    for name in weight_layer_names(model):
        arrays = []
        for w in model.get_layer(name).get_weights():
            a = rng.normal(0, 0.05, size=w.shape).astype(np.float32)
            arrays.append(np.abs(a) + 0.5 if "bn" in name and len(arrays) == 3 else a)
        out[name] = arrays
    return out


def write_keras2_model_h5(path, model, weights, skip=(), replace=None):
    """The layout of the course's ResNet50.h5 (Keras 2 ``model.save``)."""
    replace = replace or {}
    with h5py.File(path, "w") as f:
        f.attrs["keras_version"] = b"2.0.7"
        f.attrs["model_config"] = b'{"class_name": "Model"}'   # never read
        group = f.create_group("model_weights")
        names = [layer.name for layer in model.layers if layer.name not in skip]
        group.attrs["layer_names"] = [n.encode() for n in names]
        for layer in model.layers:
            if layer.name in skip:
                continue
            sub = group.create_group(layer.name)
            arrays = replace.get(layer.name, weights.get(layer.name, []))
            var_names = [v.path.split("/")[-1] for v in layer.weights]
            weight_names = [f"{layer.name}/{v}:0" for v in var_names]
            sub.attrs["weight_names"] = [w.encode() for w in weight_names]
            for w, array in zip(weight_names, arrays):
                sub.create_dataset(w, data=array)


def _set(model, weights):
    for name, arrays in weights.items():
        model.get_layer(name).set_weights(arrays)


def _assert_holds(model, weights):
    for name, arrays in weights.items():
        for got, want in zip(model.get_layer(name).get_weights(), arrays):
            np.testing.assert_array_equal(got, want)


def test_course_layout_round_trip_gives_the_same_predictions(model, tmp_path):
    from engine.keras_models.resnet_weights import load_resnet50_weights
    weights = _random_weights(model, seed=1)
    _set(model, weights)
    x = np.random.default_rng(2).random((2, 64, 64, 3)).astype(np.float32)
    before = np.asarray(model(x, training=False))
    path = tmp_path / "ResNet50.h5"
    write_keras2_model_h5(path, model, weights)
    _set(model, _random_weights(model, seed=3))         # scramble, then load back
    load_resnet50_weights(model, path)
    _assert_holds(model, weights)
    np.testing.assert_array_equal(np.asarray(model(x, training=False)), before)


def test_keras3_weights_file_is_installed_and_loads_into_a_new_model(model, tmp_path):
    from engine.keras_models.resnet_weights import install_resnet50_weights
    from engine.weights import get_entry, weights_dir
    weights = _random_weights(model, seed=4)
    _set(model, weights)
    path = tmp_path / "resnet.weights.h5"
    model.save_weights(path)
    target = install_resnet50_weights(path)     # checked, then copied where it is looked for
    assert target == weights_dir() / "resnet50" / "ResNet50.h5"
    assert target.read_bytes() == path.read_bytes()
    assert get_entry("resnet50").find() == target
    loaded = get_entry("resnet50").load()       # built afresh, filled by layer name
    _assert_holds(loaded, weights)
    x = np.random.default_rng(5).random((2, 64, 64, 3)).astype(np.float32)
    np.testing.assert_array_equal(np.asarray(loaded(x, training=False)),
                                  np.asarray(model(x, training=False)))


def test_a_wrong_file_is_refused_and_changes_nothing(model, tmp_path):
    from engine.keras_models.resnet_weights import load_resnet50_weights
    weights = _random_weights(model, seed=6)
    _set(model, weights)
    write_keras2_model_h5(tmp_path / "partial.h5", model, weights, skip=("res4f_branch2c",))
    with pytest.raises(WeightsError, match="res4f_branch2c") as info:
        load_resnet50_weights(model, tmp_path / "partial.h5")
    assert "\n" not in str(info.value)
    wrong = {"fc6": [np.zeros((2048, 10), np.float32), np.zeros(10, np.float32)]}
    write_keras2_model_h5(tmp_path / "wrong.h5", model, _random_weights(model, 7),
                          replace=wrong)
    with pytest.raises(WeightsError, match="fc6"):
        load_resnet50_weights(model, tmp_path / "wrong.h5")
    _assert_holds(model, weights)              # checked before anything was set
    (tmp_path / "junk.h5").write_bytes(b"not hdf5 at all")
    with pytest.raises(WeightsError, match="junk.h5"):
        load_resnet50_weights(model, tmp_path / "junk.h5")
    with h5py.File(tmp_path / "empty.h5", "w") as f:
        f.create_dataset("x", data=np.zeros(3))
    with pytest.raises(WeightsError, match="empty.h5"):
        load_resnet50_weights(model, tmp_path / "empty.h5")


def test_registry_entry_says_where_to_put_the_file(tmp_path, monkeypatch):
    from engine import weights as registry
    monkeypatch.setattr(registry, "user_data_dir", lambda: tmp_path)
    entry = registry.get_entry("resnet50")
    assert entry.find() is None
    message = entry.missing_message()
    assert "ResNet50.h5" in message and str(tmp_path / "weights" / "resnet50") in message
    (tmp_path / "weights" / "resnet50").mkdir(parents=True)
    (tmp_path / "weights" / "resnet50" / "ResNet50.h5").write_bytes(b"x")
    assert entry.find() == tmp_path / "weights" / "resnet50" / "ResNet50.h5"


# --- the lesson run ---

def _tiny_signs(train=8, test=6):
    from engine.data.dataset import Dataset
    from engine.data.signs import signs_standin
    full = signs_standin(0, 2, 1)
    return Dataset(name="signs", kind="images", X_train=full.X_train[:train],
                   Y_train=full.Y_train[:, :train], X_test=full.X_test[:test],
                   Y_test=full.Y_test[:, :test], classes=full.classes,
                   provenance="tiny stand-in", is_standin=True)


def test_a_tiny_run_reports_the_time_estimate_and_finishes(keras):
    from engine.jobs import Job
    from engine.lessons import get_lesson
    lesson = get_lesson("resnet50")
    assert lesson.section == "4.4" and lesson.kind == "keras"
    events = []
    settings = lesson.settings(epochs=1, batch_size="4")
    job = Job(lesson, settings, events.append, dataset=_tiny_signs()).run_here()
    assert job.error is None, job.error
    progress = [e.data for e in events if e.kind == "progress"]
    estimated = [d for d in progress if "seconds_per_epoch_estimate" in d]
    assert estimated and estimated[0]["seconds_per_epoch_estimate"] > 0
    assert "s per epoch" in estimated[0]["estimate_text"]
    first = estimated[0]
    assert first["run_seconds_estimate"] >= first["seconds_per_epoch_estimate"]
    assert first["estimate_measured"] is False
    last = [e.data for e in events if e.kind == "snapshot"][-1]
    assert last["estimate_measured"] is True and last["test_accuracy"] is not None
    assert progress[0]["batches"] == 2 and progress[-1]["total"] == 2
    metrics, result = job.metrics, job.result
    assert metrics["epochs"] == 1 and metrics["iterations"] == 2
    assert np.isfinite(metrics["final_cost"]) and 0 <= metrics["test_accuracy"] <= 1
    assert metrics["seconds_per_epoch"] > 0 and metrics["first_epoch_seconds"] > 0
    assert result["model"].count_params() == 23_600_006
    assert result["test_predictions"].shape == (1, 6)
    assert result["test_class_probabilities"].shape == (6, 6)
    np.testing.assert_allclose(result["test_class_probabilities"].sum(axis=0), 1, rtol=1e-5)
    wrong = np.flatnonzero(result["test_predictions"][0] != _tiny_signs().Y_test[0])
    assert result["misclassified"] == list(wrong)
    # your own picture, and a file that is not one
    verdict = lesson.classify_image(result, np.full((30, 40, 3), 200, np.uint8))
    assert verdict["label"] in result["classes"] and verdict["image"].shape == (64, 64, 3)
    from engine.data.dataset import DataError
    with pytest.raises(DataError):
        lesson.classify_image(result, __file__)


def test_pretrained_start_without_the_file_fails_with_the_registry_message(
        tmp_path, monkeypatch):
    from engine import weights as registry
    from engine.jobs import Job
    from engine.lessons import get_lesson
    monkeypatch.setattr(registry, "user_data_dir", lambda: tmp_path)
    lesson = get_lesson("resnet50")
    settings = lesson.settings(start_from="pretrained ResNet50.h5", evaluate_only=True)
    job = Job(lesson, settings, lambda e: None, dataset=_tiny_signs()).run_here()
    assert job.error == registry.get_entry("resnet50").missing_message()
    assert job.bad_input


def test_evaluate_only_with_a_pretrained_file(model, tmp_path, monkeypatch):
    from engine import weights as registry
    from engine.jobs import Job
    from engine.lessons import get_lesson
    monkeypatch.setattr(registry, "user_data_dir", lambda: tmp_path)
    weights = _random_weights(model, seed=8)
    _set(model, weights)
    (tmp_path / "weights" / "resnet50").mkdir(parents=True)
    write_keras2_model_h5(tmp_path / "weights" / "resnet50" / "ResNet50.h5", model, weights)
    lesson = get_lesson("resnet50")
    settings = lesson.settings(start_from="pretrained ResNet50.h5", evaluate_only=True)
    data = _tiny_signs()
    job = Job(lesson, settings, lambda e: None, dataset=data).run_here()
    assert job.error is None, job.error
    assert job.metrics["epochs"] == 0 and job.metrics["final_cost"] is None
    expected = np.asarray(model(data.X_test.astype(np.float32) / 255, training=False))
    np.testing.assert_allclose(job.result["test_class_probabilities"], expected.T,
                               rtol=1e-4, atol=1e-6)
    assert job.metrics["test_accuracy"] == pytest.approx(
        np.mean(expected.argmax(axis=1) == data.Y_test[0]))
