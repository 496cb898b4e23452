"""Course 1.2: logistic regression, the optimize test case and the headline run."""
from __future__ import annotations

import numpy as np
import pytest

from engine.numpy_nets.logistic import (initialize_with_zeros, model, optimize, predict,
                                        propagate, sigmoid)

W = np.array([[1.], [2.]])
B = 2.
X = np.array([[1., 2., -1.], [3., 4., -3.2]])
Y = np.array([[1, 0, 1]])

# [SRC] Run A, "Cost after iteration i" for i = 0, 100, ..., 1900
RUN_A_COSTS = [0.693147, 0.584508, 0.466949, 0.376007, 0.331463, 0.303273, 0.279880,
               0.260042, 0.242941, 0.228004, 0.214820, 0.203078, 0.192544, 0.183033,
               0.174399, 0.166521, 0.159305, 0.152667, 0.146542, 0.140872]


def test_sigmoid_and_zeros():
    np.testing.assert_allclose(sigmoid(np.array([0, 2])), [0.5, 0.88079708], atol=5e-9)
    w, b = initialize_with_zeros(2)
    assert w.shape == (2, 1) and not w.any()
    assert b == 0 and isinstance(b, (int, float))


def test_propagate_derived_values():
    grads, cost = propagate(W, B, X, Y)
    # [DERIVED] dw = [[0.99845601] [2.39507239]], db = 0.001455578136784208,
    # cost = 5.801545319394553
    np.testing.assert_allclose(grads["dw"], [[0.99845601], [2.39507239]], atol=5e-9)
    assert grads["dw"].shape == W.shape
    assert grads["db"] == pytest.approx(0.001455578136784208, rel=1e-12)
    assert cost == pytest.approx(5.801545319394553, rel=1e-12)
    assert np.shape(cost) == ()


def test_propagate_gradients_match_finite_differences():
    def cost_at(w, b):
        return float(propagate(w, b, X, Y)[1])
    grads, _ = propagate(W, B, X, Y)
    # not smaller: one activation is within 1e-5 of 1, so log(1 - a) loses digits
    eps = 1e-4
    for i in range(2):
        step = np.zeros_like(W)
        step[i, 0] = eps
        numeric = (cost_at(W + step, B) - cost_at(W - step, B)) / (2 * eps)
        assert grads["dw"][i, 0] == pytest.approx(numeric, rel=1e-6)
    numeric_b = (cost_at(W, B + eps) - cost_at(W, B - eps)) / (2 * eps)
    assert grads["db"] == pytest.approx(numeric_b, abs=2e-7)


def test_optimize_matches_course_output():
    params, grads, costs = optimize(W, B, X, Y, num_iterations=100, learning_rate=0.009,
                                    print_cost=False)
    # [SRC] w = [[0.19033591] [0.12259159]], b = 1.92535983008,
    #       dw = [[0.67752042] [1.41625495]], db = 0.219194504541
    np.testing.assert_allclose(params["w"], [[0.19033591], [0.12259159]], atol=5e-9)
    assert params["b"] == pytest.approx(1.92535983008, abs=5e-12)
    np.testing.assert_allclose(grads["dw"], [[0.67752042], [1.41625495]], atol=5e-9)
    assert grads["db"] == pytest.approx(0.219194504541, abs=5e-13)
    assert len(costs) == 1                      # recorded at i = 0 only
    np.testing.assert_array_equal(W, [[1.], [2.]])   # the caller's w is left alone


def test_optimize_prints_every_100(capsys):
    optimize(W, B, X, Y, num_iterations=201, learning_rate=0.009, print_cost=True)
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in lines] == [
        "Cost after iteration 0", "Cost after iteration 100", "Cost after iteration 200"]
    assert lines[0] == "Cost after iteration 0: 5.801545"


def test_predict_thresholds_above_half():
    w = np.array([[0.1124579], [0.23106775]])
    x = np.array([[1., -1.1, -3.2], [1.2, 2., 0.1]])
    p = predict(w, -0.3, x)
    assert p.shape == (1, 3)
    np.testing.assert_array_equal(p, (sigmoid(w.T @ x - 0.3) > 0.5).astype(float))
    np.testing.assert_array_equal(p, [[1., 1., 0.]])
    # exactly 0.5 counts as class 0
    np.testing.assert_array_equal(predict(np.zeros((2, 1)), 0, x), [[0., 0., 0.]])
    # a flat w of the right size is accepted (the course reshapes it)
    np.testing.assert_array_equal(predict(w.ravel(), -0.3, x), p)


def test_model_on_real_cat_files(real_cats, capsys):
    train_x, test_x = real_cats.flattened()
    d = model(train_x, real_cats.Y_train, test_x, real_cats.Y_test, num_iterations=2000,
              learning_rate=0.005, print_cost=True)
    out = capsys.readouterr().out.splitlines()
    assert set(d) == {"costs", "Y_prediction_test", "Y_prediction_train", "w", "b",
                      "learning_rate", "num_iterations"}
    assert d["learning_rate"] == 0.005 and d["num_iterations"] == 2000
    assert d["w"].shape == (12288, 1)
    assert d["Y_prediction_train"].shape == (1, 209)
    assert d["Y_prediction_test"].shape == (1, 50)
    np.testing.assert_allclose(np.array(d["costs"], dtype=float), RUN_A_COSTS, atol=5e-7)
    printed = [float(line.split(": ")[1]) for line in out if line.startswith("Cost after")]
    assert printed == RUN_A_COSTS
    assert "train accuracy: 99.04306220095694 %" in out
    assert "test accuracy: 70.0 %" in out
