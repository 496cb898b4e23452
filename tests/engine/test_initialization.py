"""Course 2.1.1 Initialization: the three initialisers, the course's model and runs,
the circles data, and the side-by-side lesson run (engine/lesson_runs/initialization)."""
from __future__ import annotations

import math
import re

import numpy as np
import pytest

from engine.data.two_d import circles_dataset, load_dataset
from engine.jobs import Job
from engine.lesson_runs.variant_runs import Variant, run_variants
from engine.lessons import get_lesson
from engine.numpy_nets import initialization as init

PRINTED = 1e-8   # the course prints 8 decimals
# Large random weights overflow exp and take log(0) on purpose (the course's "inf").
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


@pytest.fixture(scope="module")
def circles():
    return load_dataset()


def printed_costs(text: str) -> dict[int, float]:
    return {int(i): float(c) for i, c in re.findall(r"Cost after iteration (\d+): (\S+)", text)}


def printed_accuracies(text: str) -> list[float]:
    return [float(a) for a in re.findall(r"Accuracy: (\S+)", text)]


def test_zeros_initialization_course_case():
    p = init.initialize_parameters_zeros([3, 2, 1])
    assert sorted(p) == ["W1", "W2", "b1", "b2"]
    assert p["W1"].shape == (2, 3) and p["b1"].shape == (2, 1)
    assert p["W2"].shape == (1, 2) and p["b2"].shape == (1, 1)
    assert all(not v.any() for v in p.values())


def test_random_initialization_course_case():
    p = init.initialize_parameters_random([3, 2, 1])
    np.testing.assert_allclose(p["W1"], [[17.88628473, 4.36509851, 0.96497468],
                                         [-18.63492703, -2.77388203, -3.54758979]],
                               atol=PRINTED)
    np.testing.assert_allclose(p["W2"], [[-0.82741481, -6.27000677]], atol=PRINTED)
    assert p["b1"].shape == (2, 1) and not p["b1"].any() and not p["b2"].any()


def test_he_initialization_course_case():
    p = init.initialize_parameters_he([2, 4, 1])
    np.testing.assert_allclose(p["W1"], [[1.78862847, 0.43650985], [0.09649747, -1.8634927],
                                         [-0.2773882, -0.35475898],
                                         [-0.08274148, -0.62700068]], atol=PRINTED)
    np.testing.assert_allclose(p["W2"], [[-0.03098412, -0.33744411, -0.92904268,
                                          0.62552248]], atol=PRINTED)
    assert p["b1"].shape == (4, 1) and not p["b1"].any() and not p["b2"].any()


def test_circles_are_the_courses(circles):
    train_X, train_Y, test_X, test_Y = circles
    assert train_X.shape == (2, 300) and train_Y.shape == (1, 300)
    assert test_X.shape == (2, 100) and test_Y.shape == (1, 100)
    assert int(train_Y.sum()) == 150 and int(test_Y.sum()) == 50
    state = np.random.get_state()[1].copy()
    ds = circles_dataset()
    np.testing.assert_array_equal(ds.X_train, train_X)
    np.testing.assert_array_equal(ds.Y_test, test_Y)
    assert ds.kind == "points" and not ds.is_standin and "make_circles" in ds.provenance
    # Loading the lesson's data leaves the caller's global random state alone.
    np.testing.assert_array_equal(np.random.get_state()[1], state)


def test_zeros_run_is_stuck_at_ln2(circles, capsys):
    train_X, train_Y, test_X, test_Y = circles
    params = init.model(train_X, train_Y, initialization="zeros")
    costs = printed_costs(capsys.readouterr().out)
    assert sorted(costs) == list(range(0, 15000, 1000))
    assert all(c == pytest.approx(0.6931471805599453, abs=1e-15) for c in costs.values())
    train_pred = init.predict(train_X, train_Y, params)
    test_pred = init.predict(test_X, test_Y, params)
    assert printed_accuracies(capsys.readouterr().out) == [0.5, 0.5]
    assert not train_pred.any() and not test_pred.any()


def test_large_random_run(circles, capsys):
    train_X, train_Y, test_X, test_Y = circles
    params = init.model(train_X, train_Y, initialization="random")
    costs = printed_costs(capsys.readouterr().out)
    assert math.isinf(costs[0])     # log(0) from a saturated sigmoid
    # The course's trajectory is not reproducible bit for bit (catalog); loosely:
    assert costs[1000] == pytest.approx(0.6237287551108738, abs=2e-3)
    assert costs[2000] == pytest.approx(0.5981106708339466, abs=2e-3)
    assert costs[14000] == pytest.approx(0.38278397192120406, abs=2e-3)
    init.predict(train_X, train_Y, params)
    init.predict(test_X, test_Y, params)
    assert printed_accuracies(capsys.readouterr().out) == [0.83, 0.86]


def test_he_run(circles, capsys):
    train_X, train_Y, test_X, test_Y = circles
    params = init.model(train_X, train_Y, initialization="he")
    costs = printed_costs(capsys.readouterr().out)
    expected = {0: 0.8830537463419761, 1000: 0.6879825919728063, 2000: 0.6751286264523371,
                13000: 0.0845705595402428, 14000: 0.07357895962677366}
    for i, c in expected.items():
        assert costs[i] == pytest.approx(c, rel=1e-12), i
    init.predict(train_X, train_Y, params)
    init.predict(test_X, test_Y, params)
    train_acc, test_acc = printed_accuracies(capsys.readouterr().out)
    assert train_acc == pytest.approx(0.993333333333, abs=1e-12) and test_acc == 0.96
    decisions = init.predict_dec(params, test_X)
    assert decisions.dtype == bool and np.mean(decisions == test_Y) == 0.96


def test_model_rejects_an_unknown_initialization(circles):
    with pytest.raises(ValueError, match="zeros, random, he"):
        init.model(circles[0], circles[1], num_iterations=1, initialization="xavier")


# --- the lesson run ---------------------------------------------------------

def run_job(overrides=None, listener=None, live=None):
    lesson = get_lesson("initialization")
    events = []

    def listen(event):
        events.append(event)
        if listener:
            listener(job, event)
    job = Job(lesson, lesson.make_settings(overrides or {}), listen)
    for name, value in (live or {}).items():
        job.control.set_live(name, value)
    job.run_here()
    return job, events


def test_lesson_run_equals_the_course_model(circles):
    job, events = run_job({"num_iterations": 60})
    assert job.error is None, job.error
    variants = {v["name"]: v for v in job.result["variants"]}
    assert list(variants) == ["zeros", "random", "he"]
    for name in variants:
        expected = init.model(circles[0], circles[1], num_iterations=60, print_cost=False,
                              initialization=name)
        for key, value in expected.items():
            np.testing.assert_array_equal(variants[name]["parameters"][key], value)
    assert job.metrics["iterations"] == 60
    assert job.metrics["zeros_train_accuracy"] == 0.5
    assert job.metrics["zeros_final_cost"] == pytest.approx(math.log(2))
    # The random start's inf at iteration 0 is left out of its curve, not fatal.
    assert variants["random"]["curve"][0][0] > 0
    assert variants["he"]["curve"][0] == (0, pytest.approx(0.8830537463419761, rel=1e-12))
    assert all(v["status"] == "done" for v in variants.values())
    snapshots = [e.data for e in events if e.kind == "snapshot"]
    assert snapshots and snapshots[-1]["iteration"] == 59
    last = snapshots[-1]["variants"]
    assert [v["label"] for v in last] == ["Zeros initialization",
                                          "Large random initialization", "He initialization"]
    assert last[2]["boundary"]["probability"].shape == (64, 64)
    assert last[2]["boundary"]["x"][0] == -1.5 and last[2]["boundary"]["y"][-1] == 1.5
    progress = [e.data for e in events if e.kind == "progress"]
    assert progress and all(math.isfinite(p["cost"]) for p in progress)


def test_live_learning_rate_reaches_every_variant(circles):
    job, _ = run_job({"num_iterations": 20, "train_zeros": False}, live={"learning_rate": 0.1})
    names = [v["name"] for v in job.result["variants"]]
    assert names == ["random", "he"]
    for v in job.result["variants"]:
        expected = init.model(circles[0], circles[1], learning_rate=0.1, num_iterations=20,
                              print_cost=False, initialization=v["name"])
        np.testing.assert_array_equal(v["parameters"]["W1"], expected["W1"])


def test_stop_keeps_the_partial_models():
    def stop_early(job, event):
        if event.kind == "progress" and event.data["iteration"] >= 5:
            job.control.stop()
    job, events = run_job({"num_iterations": 5000}, listener=stop_early)
    assert job.stopped and job.metrics["iterations"] < 5000
    assert events[-1].kind == "finished"
    assert all(v["train_accuracy"] is not None for v in job.result["variants"])


def test_no_variant_chosen_is_a_clear_failure():
    job, events = run_job({"num_iterations": 5, "train_zeros": False, "train_random": False,
                           "train_he": False})
    assert job.bad_input and events[-1].kind == "failed"
    assert "at least one initialization" in job.error


def test_a_diverging_variant_stops_alone(circles):
    """NaN stops one variant; the others finish (variant_runs is shared by 2.1 lessons)."""
    ds = circles_dataset()

    def good(parameters, rate, i):
        return 0.5, parameters, None

    def bad(parameters, rate, i):
        return (float("nan") if i >= 3 else 1.0), parameters, None

    params = init.initialize_parameters_he([2, 10, 5, 1])
    variants = [Variant("ok", "Fine", dict(params), good),
                Variant("nan", "Diverges", dict(params), bad)]
    from engine.jobs import Reporter, RunControl
    events = []
    out = run_variants(variants, ds, 10, 0.01, Reporter(events.append), RunControl(),
                       ((-1.5, 1.5), (-1.5, 1.5)))
    by_name = {v["name"]: v for v in out["result"]["variants"]}
    assert by_name["nan"]["status"] == "diverged" and "NaN at iteration 3" in \
        by_name["nan"]["message"]
    assert by_name["nan"]["boundary"] is None and by_name["nan"]["train_accuracy"] is None
    assert [i for i, _ in by_name["nan"]["curve"]] == [0, 1, 2]
    assert by_name["ok"]["status"] == "done" and len(by_name["ok"]["curve"]) == 10
    assert out["metrics"]["nan_final_cost"] is None and out["metrics"]["iterations"] == 10
