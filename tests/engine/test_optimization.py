"""Course 2.2: mini-batches, momentum, Adam, the course's model and the lesson run."""
from __future__ import annotations

import contextlib
import io
import math

import numpy as np
import pytest

from course_cases import case
from engine.data.moons import load_dataset, moons_dataset
from engine.jobs import Job
from engine.lesson_runs import optimization as lesson_module
from engine.lessons import get_lesson
from engine.numpy_nets import optimization as opt
from engine.numpy_nets.loss_surface import SURFACES, optimizer_paths

COURSE_COSTS = {  # cost after epoch 0, 1000, ..., 9000, as printed
    "gd": [0.690736, 0.685273, 0.647072, 0.619525, 0.576584, 0.607243, 0.529403,
           0.460768, 0.465586, 0.464518],
    "momentum": [0.690741, 0.685341, 0.647145, 0.619594, 0.576665, 0.607324, 0.529476,
                 0.460936, 0.465780, 0.464740],
    "adam": [0.690552, 0.185567, 0.150852, 0.074454, 0.125936, 0.104235, 0.100552,
             0.031601, 0.111709, 0.197648],
}


def _small():
    return ({"W1": np.array([[1.0, 2.0]]), "b1": np.array([[0.5]])},
            {"dW1": np.array([[0.1, -0.2]]), "db1": np.array([[0.3]])})


def _run(lesson_id, **settings):
    lesson = get_lesson(lesson_id)
    job = Job(lesson, lesson.make_settings(settings), lambda e: None).run_here()
    assert job.error is None, job.error
    return job


# --- data ---

def test_moons_are_the_courses():
    import sklearn.datasets
    X, Y = load_dataset()
    assert X.shape == (2, 300) and Y.shape == (1, 300)
    ref_X, ref_y = sklearn.datasets.make_moons(n_samples=300, noise=.2,
                                               random_state=np.random.RandomState(3))
    np.testing.assert_array_equal(X, ref_X.T)
    np.testing.assert_array_equal(Y[0], ref_y)
    state = np.random.get_state()
    ds = moons_dataset()
    assert np.random.get_state()[1].tolist() == state[1].tolist()  # left untouched
    assert ds.X_test is None and ds.m_train == 300
    np.testing.assert_array_equal(ds.X_train, X)


# --- the graded functions ---

def test_gd_update_on_course_inputs():
    parameters, grads, learning_rate = case("optimization/update_parameters_with_gd_test_case")
    expected = {k: parameters[k] - learning_rate * grads["d" + k] for k in parameters}
    out = opt.update_parameters_with_gd(parameters, grads, learning_rate)
    for k in expected:
        np.testing.assert_allclose(out[k], expected[k])


def test_random_mini_batches_shapes_and_contents():
    X, Y = load_dataset()
    batches = opt.random_mini_batches(X, Y, 64, seed=11)
    assert [b[0].shape for b in batches] == [(2, 64)] * 4 + [(2, 44)]
    assert [b[1].shape for b in batches] == [(1, 64)] * 4 + [(1, 44)]
    permutation = np.random.RandomState(11).permutation(300)
    np.testing.assert_array_equal(np.hstack([b[0] for b in batches]), X[:, permutation])
    np.testing.assert_array_equal(np.hstack([b[1] for b in batches]), Y[:, permutation])
    # the course's own test case: 148 examples of 12288 features, size 64
    X_c, Y_c, size = case("optimization/random_mini_batches_test_case")
    batches = opt.random_mini_batches(X_c, Y_c, int(size))
    assert [b[0].shape for b in batches] == [(12288, 64), (12288, 64), (12288, 20)]
    perm = np.random.RandomState(0).permutation(148)
    np.testing.assert_array_equal(batches[2][0], X_c[:, perm[128:]])
    np.testing.assert_array_equal(batches[2][1], Y_c[:, perm[128:]])
    assert len(opt.random_mini_batches(X, Y, 100)) == 3      # no empty remainder batch


def test_velocity_and_adam_state_are_zeros_like_the_parameters():
    parameters = case("optimization/initialize_velocity_test_case")[0]
    v = opt.initialize_velocity(parameters)
    assert sorted(v) == ["dW1", "dW2", "db1", "db2"]
    for key, value in v.items():
        assert value.shape == parameters[key[1:]].shape and not value.any()
    v, s = opt.initialize_adam(case("optimization/initialize_adam_test_case")[0])
    assert sorted(v) == sorted(s) == ["dW1", "dW2", "db1", "db2"]
    assert not any(x.any() for x in list(v.values()) + list(s.values()))


def test_momentum_by_hand():
    parameters, grads = _small()
    v = opt.initialize_velocity(parameters)
    parameters, v = opt.update_parameters_with_momentum(parameters, grads, v, 0.9, 0.1)
    np.testing.assert_allclose(v["dW1"], [[0.01, -0.02]])
    np.testing.assert_allclose(parameters["W1"], [[0.999, 2.002]])
    np.testing.assert_allclose(parameters["b1"], [[0.497]])
    parameters, v = opt.update_parameters_with_momentum(parameters, grads, v, 0.9, 0.1)
    np.testing.assert_allclose(v["dW1"], [[0.019, -0.038]])        # 0.9*0.01 + 0.1*0.1
    np.testing.assert_allclose(parameters["W1"], [[0.9971, 2.0058]])
    # beta = 0 is plain gradient descent
    p0, g0 = _small()
    p1, _ = opt.update_parameters_with_momentum(p0, g0, opt.initialize_velocity(p0), 0, 0.1)
    np.testing.assert_allclose(p1["W1"], [[0.99, 2.02]])


def test_adam_by_hand():
    parameters, grads = _small()
    v, s = opt.initialize_adam(parameters)
    parameters, v, s = opt.update_parameters_with_adam(parameters, grads, v, s, 1,
                                                       learning_rate=0.01)
    # t = 1: the corrected averages are g and g**2, so the step is lr * g / (|g| + eps)
    np.testing.assert_allclose(v["dW1"], [[0.01, -0.02]])
    np.testing.assert_allclose(s["dW1"], [[1e-5, 4e-5]])
    np.testing.assert_allclose(parameters["W1"],
                               [[1 - 0.01 * 0.1 / (0.1 + 1e-8), 2 + 0.01 * 0.2 / (0.2 + 1e-8)]])
    parameters, v, s = opt.update_parameters_with_adam(parameters, grads, v, s, 2,
                                                       learning_rate=0.01)
    v2 = 0.9 * 0.01 + 0.1 * 0.1
    s2 = 0.999 * 1e-5 + 0.001 * 0.01
    step = 0.01 * (v2 / (1 - 0.81)) / (math.sqrt(s2 / (1 - 0.999 ** 2)) + 1e-8)
    assert parameters["W1"][0, 0] == pytest.approx(1 - 0.01 * 0.1 / (0.1 + 1e-8) - step)


def test_adam_on_course_inputs_matches_the_formula():
    parameters, grads, v, s = case("optimization/update_parameters_with_adam_test_case")
    expected = {}
    for k in parameters:
        g = grads["d" + k]
        vk = 0.1 * g + 0.9 * v["d" + k]
        sk = 0.001 * g ** 2 + 0.999 * s["d" + k]
        expected[k] = parameters[k] - 0.01 * (vk / (1 - 0.9 ** 2)) / \
            (np.sqrt(sk / (1 - 0.999 ** 2)) + 1e-8)
    out, _, _ = opt.update_parameters_with_adam(parameters, grads, v, s, t=2)
    for k in expected:
        np.testing.assert_allclose(out[k], expected[k])


# --- the model and the lesson run ---

def _model(optimizer, **kwargs):
    X, Y = load_dataset()
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        parameters = opt.model(X, Y, [2, 5, 2, 1], optimizer=optimizer, **kwargs)
    return parameters, out.getvalue()


def test_model_prints_the_courses_first_costs():
    for name in ("gd", "momentum", "adam"):
        _, printed = _model(name, num_epochs=2)
        assert printed == f"Cost after epoch 0: {COURSE_COSTS[name][0]:f}\n"


@pytest.mark.parametrize("settings", [{}, {"mini_batch_size": "128", "beta": 0.5,
                                          "beta1": 0.8, "learning_rate": 0.01}])
def test_lesson_run_equals_the_course_model(settings):
    job = _run("optimization", num_epochs=3, **settings)
    hp = get_lesson("optimization").make_settings(settings)
    kwargs = dict(learning_rate=hp.learning_rate, mini_batch_size=int(hp.mini_batch_size),
                  beta=hp.beta, beta1=hp.beta1, beta2=hp.beta2, epsilon=hp.epsilon,
                  num_epochs=3)
    variants = {v["name"]: v for v in job.result["variants"]}
    assert list(variants) == ["gd", "momentum", "adam"]
    for name, variant in variants.items():
        expected, _ = _model(name, **kwargs)
        for key in expected:
            np.testing.assert_array_equal(variant["parameters"][key], expected[key])
        assert variant["status"] == "done"
        assert job.metrics[f"{name}_test_accuracy"] is None
        assert 0 <= job.metrics[f"{name}_train_accuracy"] <= 1
    assert job.metrics["iterations"] == 3
    if not settings:
        for name in variants:
            assert round(variants[name]["costs"][0][1], 6) == COURSE_COSTS[name][0]


def test_lesson_events_follow_the_variants_contract():
    events = []
    lesson = get_lesson("optimization")
    Job(lesson, lesson.make_settings({"num_epochs": 20}), events.append).run_here()
    snapshots = [e.data for e in events if e.kind == "snapshot"]
    assert snapshots and snapshots[-1]["iteration"] == 19
    last = snapshots[-1]["variants"]
    assert [v["name"] for v in last] == ["gd", "momentum", "adam"]
    for v in last:
        assert v["boundary"]["probability"].shape == (len(v["boundary"]["y"]),
                                                      len(v["boundary"]["x"]))
        assert v["curve"][0][0] == 0 and v["curve"][-1][0] == 19
        assert all(math.isfinite(c) for _, c in v["curve"])
    finished = [e.data for e in events if e.kind == "finished"][0]
    assert all("parameters" in v for v in finished["result"]["variants"])


def test_a_diverging_variant_stops_alone(monkeypatch):
    real = lesson_module.update_parameters_with_momentum
    calls = []

    def blows_up_at_epoch_3(parameters, grads, v, beta, learning_rate):
        calls.append(1)
        parameters, v = real(parameters, grads, v, beta, learning_rate)
        if len(calls) > 15:              # 5 mini-batches an epoch
            parameters = {k: p * np.nan for k, p in parameters.items()}
        return parameters, v

    monkeypatch.setattr(lesson_module, "update_parameters_with_momentum", blows_up_at_epoch_3)
    job = _run("optimization", num_epochs=6)
    variants = {v["name"]: v for v in job.result["variants"]}
    assert variants["momentum"]["status"] == "diverged"
    assert "epoch 3" in variants["momentum"]["message"]
    assert variants["momentum"]["boundary"] is None
    assert [i for i, _ in variants["momentum"]["curve"]] == [0, 1, 2]
    assert len(calls) == 20                      # it stopped training after epoch 3
    for name in ("gd", "adam"):
        assert variants[name]["status"] == "done"
        assert variants[name]["curve"][-1][0] == 5


def test_mini_batch_view_matches_the_models_shuffle():
    hp = get_lesson("optimization").make_settings({"mini_batch_size": "32"})
    view = lesson_module.mini_batch_view(hp, epoch=4)
    assert view["seed"] == 15 and view["sizes"] == [32] * 9 + [12]
    X, Y = load_dataset()
    batches = opt.random_mini_batches(X, Y, 32, 15)
    for k, (bx, _) in enumerate(batches):
        np.testing.assert_array_equal(bx, X[:, view["permutation"][32 * k:32 * (k + 1)]])
        members = set(np.flatnonzero(view["batch_of_point"] == k).tolist())
        assert members == set(view["permutation"][32 * k:32 * (k + 1)].tolist())


def test_loss_surface_paths_use_the_course_updates():
    paths = optimizer_paths("ravine", 5, 0.0007)
    gd = paths["paths"]["gd"]["points"]
    _, H, start, _ = SURFACES["ravine"]
    expected = np.array(start) - 0.0007 * H @ np.array(start)
    np.testing.assert_allclose(gd[1], expected)
    assert gd.shape == (6, 2)
    big = optimizer_paths("ravine", 200, 0.003)["paths"]
    assert big["gd"]["diverged"] is not None            # past GD's 2 / 2500 stability limit
    assert big["adam"]["diverged"] is None
    assert big["adam"]["costs"][-1] < big["adam"]["costs"][0]
    surface = lesson_module.run_loss_surface(get_lesson("optimization").default_settings(),
                                             None, None)["result"]
    assert set(surface["paths"]) == {"gd", "momentum", "adam"}
    assert surface["grid"]["cost"].shape == (len(surface["grid"]["y"]), len(surface["grid"]["x"]))


def test_full_course_runs_reproduce_every_printed_cost_and_accuracy():
    """The three 10,000-epoch runs (~35 s together on one core)."""
    job = _run("optimization")
    for variant in job.result["variants"]:
        costs = [c for i, c in variant["costs"] if i % 1000 == 0]
        assert [round(c, 6) for c in costs] == COURSE_COSTS[variant["name"]]
    assert job.metrics["gd_train_accuracy"] == pytest.approx(0.7966666666666666)
    assert job.metrics["momentum_train_accuracy"] == pytest.approx(0.7966666666666666)
    assert job.metrics["adam_train_accuracy"] == pytest.approx(0.94)
