"""Course 2.1.2 Regularization: the graded functions on the course's test cases, the
field data (file, stand-in, damaged file), the course's three runs, and the
side-by-side lesson run with its dropout snapshot."""
from __future__ import annotations

import numpy as np
import pytest

from course_cases import case
from engine.data.dataset import DataError
from engine.data.two_d import field_dataset, field_standin
from engine.jobs import Job
from engine.lessons import get_lesson
from engine.numpy_nets import regularization as reg

PRINTED = 1e-8
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


def test_compute_cost_with_regularization_course_case():
    A3, Y, parameters = case("regularization/compute_cost_with_regularization_test_case")
    cost = reg.compute_cost_with_regularization(A3, Y, parameters, lambd=0.1)
    assert cost == pytest.approx(1.78648594516, abs=1e-11)


def test_backward_propagation_with_regularization_course_case():
    X, Y, cache = case("regularization/backward_propagation_with_regularization_test_case")
    grads = reg.backward_propagation_with_regularization(X, Y, cache, lambd=0.7)
    assert sorted(grads) == sorted(["dZ3", "dW3", "db3", "dA2", "dZ2", "dW2", "db2",
                                    "dA1", "dZ1", "dW1", "db1"])
    np.testing.assert_allclose(grads["dW1"], [[-0.25604646, 0.12298827, -0.28297129],
                                              [-0.17706303, 0.34536094, -0.4410571]],
                               atol=PRINTED)
    np.testing.assert_allclose(grads["dW2"], [[0.79276486, 0.85133918],
                                              [-0.0957219, -0.01720463],
                                              [-0.13100772, -0.03750433]], atol=PRINTED)
    np.testing.assert_allclose(grads["dW3"], [[-1.77691347, -0.11832879, -0.09397446]],
                               atol=PRINTED)
    # Biases are not regularised: their gradients equal the plain backward pass's.
    plain = reg.backward_propagation(X, Y, cache)
    for key in ("db1", "db2", "db3", "dZ1"):
        np.testing.assert_array_equal(grads[key], plain[key])


def test_forward_propagation_with_dropout_course_case():
    X, parameters = case("regularization/forward_propagation_with_dropout_test_case")
    A3, cache = reg.forward_propagation_with_dropout(X, parameters, keep_prob=0.7)
    np.testing.assert_allclose(A3, [[0.36974721, 0.00305176, 0.04565099, 0.49683389,
                                     0.36974721]], atol=PRINTED)
    assert len(cache) == 14
    D1, A1 = cache[1], cache[2]
    assert D1.dtype == bool and not A1[~D1].any()
    # The same masks again on the next call: the course reseeds with 1 each time.
    _, again = reg.forward_propagation_with_dropout(X, parameters, keep_prob=0.7)
    np.testing.assert_array_equal(again[1], D1)


def test_backward_propagation_with_dropout_course_case():
    X, Y, cache = case("regularization/backward_propagation_with_dropout_test_case")
    grads = reg.backward_propagation_with_dropout(X, Y, cache, keep_prob=0.8)
    np.testing.assert_allclose(grads["dA1"], [[0.36544439, 0., -0.00188233, 0., -0.17408748],
                                              [0.65515713, 0., -0.00337459, 0., -0.]],
                               atol=PRINTED)
    np.testing.assert_allclose(grads["dA2"], [[0.58180856, 0., -0.00299679, 0., -0.27715731],
                                              [0., 0.53159854, -0., 0.53159854, -0.34089673],
                                              [0., 0., -0.00292733, 0., -0.]], atol=PRINTED)


def test_initialize_parameters_is_reg_utils():
    p = reg.initialize_parameters([2, 20, 3, 1])
    np.random.seed(3)
    np.testing.assert_array_equal(p["W1"], np.random.randn(20, 2) / np.sqrt(2))
    assert p["W2"].shape == (3, 20) and p["W3"].shape == (1, 3)
    assert p["b2"].shape == (3, 1) and not p["b2"].any()


# --- data ---------------------------------------------------------------------

def test_field_standin_when_data_mat_is_absent(data_dirs):
    ds = field_dataset()
    assert ds.is_standin and "Stand-in" in ds.provenance and "data.mat" in ds.provenance
    assert ds.X_train.shape == (2, 211) and ds.Y_train.shape == (1, 211)
    assert ds.X_test.shape == (2, 200) and ds.Y_test.shape == (1, 200)
    assert set(np.unique(ds.Y_train)) == {0, 1} and 0.3 < ds.Y_train.mean() < 0.7
    (x0, x1), (y0, y1) = ds.extra["view"]
    assert x0 <= ds.X_train[0].min() and ds.X_train[0].max() <= x1
    assert y0 <= ds.X_train[1].min() and ds.X_train[1].max() <= y1
    np.testing.assert_array_equal(field_standin().X_test, ds.X_test)   # deterministic


def test_field_reads_the_course_file(course_data):
    ds = field_dataset()
    assert not ds.is_standin and "data.mat" in ds.provenance
    assert ds.X_train.shape == (2, 211) and ds.X_test.shape == (2, 200)
    assert ds.Y_train.shape == (1, 211) and int(ds.Y_train.sum()) == 106


def test_damaged_or_wrong_data_mat_is_one_clear_line(data_dirs):
    import scipy.io

    path = data_dirs["env"] / "data.mat"
    path.write_bytes(b"MATLAB 5.0 MAT-file, truncated" + b"\0" * 20)
    with pytest.raises(DataError) as err:
        field_dataset()
    assert "data.mat" in str(err.value) and "\n" not in str(err.value)
    scipy.io.savemat(str(path), {"X": np.zeros((5, 2)), "y": np.zeros((5, 1))})
    with pytest.raises(DataError, match="'Xval', 'yval'"):
        field_dataset()
    scipy.io.savemat(str(path), {"X": np.zeros((5, 3)), "y": np.zeros((5, 1)),
                                 "Xval": np.zeros((2, 2)), "yval": np.zeros((2, 1))})
    with pytest.raises(DataError, match=r"expected \(m, 2\)"):
        field_dataset()


# --- the lesson run ----------------------------------------------------------------

def run_job(overrides=None, dataset=None):
    lesson = get_lesson("regularization")
    events = []
    job = Job(lesson, lesson.make_settings(overrides or {}), events.append,
              dataset=dataset).run_here()
    assert job.error is None, job.error
    return job, events


def test_lesson_run_equals_the_course_model_for_each_technique():
    ds = field_standin()
    job, events = run_job({"num_iterations": 40}, dataset=ds)
    variants = {v["name"]: v for v in job.result["variants"]}
    assert list(variants) == ["none", "l2", "dropout"]
    calls = {"none": {}, "l2": {"lambd": 0.7}, "dropout": {"keep_prob": 0.86}}
    for name, kwargs in calls.items():
        expected = reg.model(ds.X_train, ds.Y_train, num_iterations=40, print_cost=False,
                             **kwargs)
        for key, value in expected.items():
            np.testing.assert_array_equal(variants[name]["parameters"][key], value)
    assert variants["l2"]["label"] == "L2 (λ = 0.7)"
    assert job.metrics["iterations"] == 40
    assert set(job.metrics) >= {f"{n}_{k}" for n in calls
                                for k in ("train_accuracy", "test_accuracy", "final_cost")}


def test_dropout_snapshot_shows_this_iterations_masks():
    ds = field_standin()
    _, events = run_job({"num_iterations": 30}, dataset=ds)
    snaps = [e.data for e in events if e.kind == "snapshot"]
    dropout = snaps[-1]["dropout"]
    assert dropout["layer_sizes"] == [20, 3] and dropout["keep_prob"] == 0.86
    assert [f.shape for f in dropout["kept_fraction"]] == [(20,), (3,)]
    assert [m.shape for m in dropout["example_mask"]] == [(20,), (3,)]
    assert all(m.dtype == bool for m in dropout["example_mask"])
    # The course's masks: a fresh RandomState(1) draw, the same every iteration.
    D1 = np.random.RandomState(1).rand(20, 211) < 0.86
    np.testing.assert_array_equal(dropout["kept_fraction"][0], D1.mean(axis=1))
    j = dropout["example_index"]
    np.testing.assert_array_equal(dropout["example_mask"][0], D1[:, j])
    assert 0.7 < float(np.mean(dropout["kept_fraction"][0])) < 0.98
    assert snaps[-1]["variants"][2]["boundary"]["probability"].shape == (64, 64)


def test_fresh_masks_change_between_iterations():
    ds = field_standin()
    job, events = run_job({"num_iterations": 30, "fresh_masks": True}, dataset=ds)
    last = [e.data for e in events if e.kind == "snapshot"][-1]["dropout"]
    assert last["iteration"] == 29
    # The first draw of the private generator is the course's mask; the 30th is not.
    D1 = np.random.RandomState(1).rand(20, 211) < 0.86
    assert not np.array_equal(last["kept_fraction"][0], D1.mean(axis=1))
    course = reg.model(ds.X_train, ds.Y_train, num_iterations=30, print_cost=False,
                       keep_prob=0.86)
    assert not np.array_equal(job.result["variants"][2]["parameters"]["W1"], course["W1"])


def test_lambd_zero_and_keep_prob_one_turn_both_off():
    ds = field_standin()
    job, _ = run_job({"num_iterations": 25, "lambd": 0.0, "keep_prob": 1.0}, dataset=ds)
    W = [v["parameters"]["W1"] for v in job.result["variants"]]
    np.testing.assert_array_equal(W[0], W[1])
    np.testing.assert_array_equal(W[0], W[2])
    assert job.result["dropout"]["example_mask"][0].all()


def test_settings_reach_the_run():
    ds = field_standin()
    job, _ = run_job({"num_iterations": 15, "lambd": 2.0, "keep_prob": 0.5}, dataset=ds)
    expected_l2 = reg.model(ds.X_train, ds.Y_train, num_iterations=15, print_cost=False,
                            lambd=2.0)
    expected_do = reg.model(ds.X_train, ds.Y_train, num_iterations=15, print_cost=False,
                            keep_prob=0.5)
    variants = job.result["variants"]
    np.testing.assert_array_equal(variants[1]["parameters"]["W2"], expected_l2["W2"])
    np.testing.assert_array_equal(variants[2]["parameters"]["W2"], expected_do["W2"])
    assert job.result["dropout"]["keep_prob"] == 0.5


COURSE_RUNS = {  # name: (costs at 0, 10000, 20000), train, test
    "none": ((0.6557412523481002, 0.16329987525724216, 0.13851642423255986),
             0.947867298578, 0.915),
    "l2": ((0.6974484493131264, 0.2684918873282239, 0.2680916337127301), 0.938388625592, 0.93),
    "dropout": ((0.6543912405149825, 0.06101698657490559, 0.060582435798513114),
                0.928909952607, 0.95),
}


def test_the_courses_three_runs_in_full(course_data):
    """One full-length (30,000 iteration) lesson run on data.mat: every printed cost
    and the three accuracies of the course (about 30 s)."""
    job, _ = run_job()
    assert not field_dataset().is_standin
    for variant in job.result["variants"]:
        costs, train, test = COURSE_RUNS[variant["name"]]
        curve = dict(variant["curve"])
        assert [curve[i] for i in (0, 10000, 20000)] == pytest.approx(costs, rel=1e-12)
        assert variant["train_accuracy"] == pytest.approx(train, abs=1e-12)
        assert variant["test_accuracy"] == pytest.approx(test, abs=1e-12)
