"""Course 1.3: one hidden layer on the flower, with the course's test-case inputs."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

from course_cases import case
from engine.data.planar import load_planar_dataset
from engine.numpy_nets import shallow

# [DERIVED] cost every 1000 iterations of nn_model(X, Y, n_h=4, num_iterations=10000)
NN_COSTS = [0.693048, 0.288083, 0.254385, 0.233864, 0.226792, 0.222644, 0.219731,
            0.217504, 0.219465, 0.218560]

# The planar test cases were saved rounded to 8 decimals.
ROUNDED = 1e-8


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def _cost(A2, Y):
    m = Y.shape[1]
    return float(-(Y * np.log(A2) + (1 - Y) * np.log(1 - A2)).sum() / m)


def test_planar_dataset_matches_course():
    X, Y = load_planar_dataset()
    assert X.shape == (2, 400) and Y.shape == (1, 400)
    assert Y.dtype == np.uint8 and int(Y.sum()) == 200
    np.testing.assert_allclose(X[:, 0], [1.20444229, 3.57611415], atol=5e-9)


def test_layer_sizes_on_course_case():
    X, Y = case("planar_one_hidden_layer/layer_sizes_test_case")
    assert shallow.layer_sizes(X, Y) == (5, 4, 2)


def test_initialize_parameters_seeded():
    params = shallow.initialize_parameters(2, 4, 1)
    assert {k: v.shape for k, v in params.items()} == {
        "W1": (4, 2), "b1": (4, 1), "W2": (1, 4), "b2": (1, 1)}
    assert not params["b1"].any() and not params["b2"].any()
    rng = np.random.RandomState(2)
    np.testing.assert_array_equal(params["W1"], rng.randn(4, 2) * 0.01)
    np.testing.assert_array_equal(params["W2"], rng.randn(1, 4) * 0.01)


def test_course_cases_start_from_the_initialised_weights():
    n_x, n_h, n_y = case("planar_one_hidden_layer/initialize_parameters_test_case")
    params = shallow.initialize_parameters(int(n_x), int(n_h), int(n_y))
    saved, _, _, _ = case("planar_one_hidden_layer/backward_propagation_test_case")
    for name in ("W1", "W2"):
        np.testing.assert_allclose(params[name], saved[name], atol=ROUNDED)


def test_forward_propagation_on_course_case():
    X, params = case("planar_one_hidden_layer/forward_propagation_test_case")
    A2, cache = shallow.forward_propagation(X, params)
    assert A2.shape == (1, 3) and set(cache) == {"Z1", "A1", "Z2", "A2"}
    Z1 = params["W1"] @ X + params["b1"]
    Z2 = params["W2"] @ np.tanh(Z1) + params["b2"]
    np.testing.assert_allclose(cache["Z1"], Z1, rtol=1e-12)
    np.testing.assert_allclose(cache["A1"], np.tanh(Z1), rtol=1e-12)
    np.testing.assert_allclose(cache["Z2"], Z2, rtol=1e-12)
    np.testing.assert_allclose(A2, _sigmoid(Z2), rtol=1e-12)
    assert A2 is cache["A2"]


def test_backward_case_cache_is_what_forward_gives():
    params, cache, X, Y = case("planar_one_hidden_layer/backward_propagation_test_case")
    _, ours = shallow.forward_propagation(X, params)
    for key in ("Z1", "A1", "Z2", "A2"):
        np.testing.assert_allclose(ours[key], cache[key], atol=ROUNDED)


def test_compute_cost_on_course_case():
    A2, Y, params = case("planar_one_hidden_layer/compute_cost_test_case")
    cost = shallow.compute_cost(A2, Y, params)
    assert np.shape(cost) == ()
    assert cost == pytest.approx(_cost(A2, Y.astype(float)), rel=1e-12)
    assert cost == pytest.approx(0.6930587610394646, rel=1e-9)   # recomputed from the case


def test_backward_propagation_matches_finite_differences():
    params, cache, X, Y = case("planar_one_hidden_layer/backward_propagation_test_case")
    grads = shallow.backward_propagation(params, cache, X, Y)
    assert {k: v.shape for k, v in grads.items()} == {
        "dW1": (4, 2), "db1": (4, 1), "dW2": (1, 4), "db2": (1, 1)}
    # recompute the cache from the parameters so the check is exact
    _, exact_cache = shallow.forward_propagation(X, params)
    grads = shallow.backward_propagation(params, exact_cache, X, Y)
    Yf = Y.astype(float)
    eps = 1e-6
    for name in ("W1", "b1", "W2", "b2"):
        numeric = np.zeros_like(params[name])
        for idx in np.ndindex(numeric.shape):
            shifted = {k: v.copy() for k, v in params.items()}
            shifted[name][idx] += eps
            up = _cost(shallow.forward_propagation(X, shifted)[0], Yf)
            shifted[name][idx] -= 2 * eps
            down = _cost(shallow.forward_propagation(X, shifted)[0], Yf)
            numeric[idx] = (up - down) / (2 * eps)
        np.testing.assert_allclose(grads["d" + name], numeric, rtol=1e-5, atol=1e-10)


def test_update_parameters_on_course_case():
    params, grads = case("planar_one_hidden_layer/update_parameters_test_case")
    before = {k: v.copy() for k, v in params.items()}
    new = shallow.update_parameters(params, grads)          # default rate 1.2
    for name in before:
        np.testing.assert_array_equal(new[name], before[name] - 1.2 * grads["d" + name])
        np.testing.assert_array_equal(params[name], before[name])  # inputs untouched
    half = shallow.update_parameters(params, grads, learning_rate=0.5)
    np.testing.assert_array_equal(half["W1"], before["W1"] - 0.5 * grads["dW1"])


def test_nn_model_on_course_case_fits_its_three_points():
    X, Y = case("planar_one_hidden_layer/nn_model_test_case")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)   # the cost may reach log(0)
        params = shallow.nn_model(X, Y, 4, num_iterations=10000, print_cost=False)
    assert {k: v.shape for k, v in params.items()} == {
        "W1": (4, 2), "b1": (4, 1), "W2": (1, 4), "b2": (1, 1)}
    np.testing.assert_array_equal(shallow.predict(params, X), Y.astype(float))


def test_predict_on_course_case():
    params, X = case("planar_one_hidden_layer/predict_test_case")
    predictions = shallow.predict(params, X)
    A2, _ = shallow.forward_propagation(X, params)
    np.testing.assert_array_equal(predictions, (A2 > 0.5).astype(float))
    assert predictions.shape == (1, 3)
    assert predictions.mean() == pytest.approx(2 / 3)


def test_nn_model_on_flower_reproduces_costs_and_accuracy(capsys):
    X, Y = load_planar_dataset()
    params = shallow.nn_model(X, Y, n_h=4, num_iterations=10000, print_cost=True)
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in lines] == [
        f"Cost after iteration {i}" for i in range(0, 10000, 1000)]
    costs = [float(line.split(": ")[1]) for line in lines]
    assert costs[:8] == NN_COSTS[:8]
    # With learning rate 1.2 the cost starts to oscillate after ~7000 iterations, and
    # there the last bits of the BLAS kernel (FMA or not, AVX2 or AVX-512) show up in
    # the 4th decimal: e.g. 0.219420 here against 0.219465 in the catalog at 8000.
    np.testing.assert_allclose(costs[8:], NN_COSTS[8:], atol=2e-4)
    predictions = shallow.predict(params, X)
    accuracy = ((np.dot(Y, predictions.T) + np.dot(1 - Y, 1 - predictions.T))
                / float(Y.size) * 100).item()
    assert "Accuracy: %d" % accuracy + "%" == "Accuracy: 90%"      # [SRC]
    # [DERIVED] 90.75; some BLAS kernels flip one boundary point (90.5)
    assert 90.0 <= accuracy <= 91.0


def test_hidden_layer_sweep_small_sizes():
    # [DERIVED] 1 -> 67.5 %, 2 -> 67.25 %, 3 -> 90.75 %, 4 -> 90.5 %, 5 -> 91.25 %.
    # The catalog's 20 and 50 unit values (90.5 %, 90.75 %) depend on the BLAS kernel's
    # last bits (one or two boundary points flip), so they are not checked here.
    X, Y = load_planar_dataset()
    found = {}
    for n_h in (1, 2, 3, 4, 5):
        predictions = shallow.predict(shallow.nn_model(X, Y, n_h, num_iterations=5000), X)
        found[n_h] = ((np.dot(Y, predictions.T) + np.dot(1 - Y, 1 - predictions.T))
                      / float(Y.size) * 100).item()
    assert found == {1: 67.5, 2: 67.25, 3: 90.75, 4: 90.5, 5: 91.25}


@pytest.mark.filterwarnings("ignore::FutureWarning")
def test_logistic_regression_baseline_is_47_percent():
    from sklearn.linear_model import LogisticRegressionCV

    X, Y = load_planar_dataset()
    clf = LogisticRegressionCV()
    clf.fit(X.T, Y.ravel())
    pred = clf.predict(X.T).astype(np.int64)
    y = Y.astype(np.int64)
    accuracy = (np.dot(y, pred) + np.dot(1 - y, 1 - pred)).item() / float(Y.size) * 100
    assert "%d" % accuracy == "47"                                    # [SRC] 47 %
