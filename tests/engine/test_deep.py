"""Courses 1.4 and 1.5: the L-layer building blocks and the two cat models.

The source prints no numbers for 1.4, so the blocks are checked on the course's
test-case inputs against direct formulas and finite differences.
"""
from __future__ import annotations

import contextlib
import io

import numpy as np
import pytest

from course_cases import case
from engine.numpy_nets import deep

ACTS = {"sigmoid": lambda z: 1 / (1 + np.exp(-z)), "relu": lambda z: np.maximum(0, z),
        "tanh": np.tanh}


def _cost(AL, Y):
    return float(-(Y * np.log(AL) + (1 - Y) * np.log(1 - AL)).mean())


# --- activations ---

@pytest.mark.parametrize("name", ["sigmoid", "relu", "tanh"])
def test_activation_returns_value_and_z(name):
    Z = np.array([[-2., -0.5, 0.3, 4.]])
    A, cache = getattr(deep, name)(Z)
    np.testing.assert_allclose(A, ACTS[name](Z))
    assert cache is Z


@pytest.mark.parametrize("name", ["sigmoid", "relu", "tanh"])
def test_activation_backward_is_chain_rule(name):
    Z = np.array([[-2., -0.5, 0.3, 4.], [1.5, -3., 0.7, -0.1]])
    dA = np.array([[0.3, -1.2, 2., 0.5], [-0.7, 0.1, 1., 3.]])
    dZ = getattr(deep, name + "_backward")(dA, Z)
    eps = 1e-6
    numeric = dA * (ACTS[name](Z + eps) - ACTS[name](Z - eps)) / (2 * eps)
    np.testing.assert_allclose(dZ, numeric, rtol=1e-6, atol=1e-9)


def test_relu_backward_treats_zero_as_off_and_keeps_da():
    dA = np.array([[1., 2., 3.]])
    dZ = deep.relu_backward(dA, np.array([[0., 1., -1.]]))
    np.testing.assert_array_equal(dZ, [[0., 2., 0.]])
    np.testing.assert_array_equal(dA, [[1., 2., 3.]])


def test_unknown_activation_is_a_clear_error():
    with pytest.raises(ValueError, match="softplus"):
        deep.linear_activation_forward(np.ones((2, 1)), np.ones((1, 2)), np.zeros((1, 1)),
                                       "softplus")


# --- initialisers ---

def test_initialize_parameters_seed_1_small():
    params = deep.initialize_parameters(3, 2, 1)
    rng = np.random.RandomState(1)
    np.testing.assert_array_equal(params["W1"], rng.randn(2, 3) * 0.01)
    np.testing.assert_array_equal(params["W2"], rng.randn(1, 2) * 0.01)
    assert params["b1"].shape == (2, 1) and params["b2"].shape == (1, 1)
    assert not params["b1"].any() and not params["b2"].any()


def test_course_cases_are_built_from_the_same_seeded_draws():
    params = deep.initialize_parameters(3, 2, 1)
    A = case("deep_step_by_step/linear_forward_test_case")[0]
    np.testing.assert_allclose(params["W1"].ravel() * 100, A.ravel(), atol=5e-9)


def test_initialize_parameters_deep_seed_3_small():
    params = deep.initialize_parameters_deep([5, 4, 3])
    assert list(params) == ["W1", "b1", "W2", "b2"]
    rng = np.random.RandomState(3)
    np.testing.assert_array_equal(params["W1"], rng.randn(4, 5) * 0.01)
    np.testing.assert_array_equal(params["W2"], rng.randn(3, 4) * 0.01)
    assert params["b1"].shape == (4, 1) and params["b2"].shape == (3, 1)
    assert params["W1"][0, 0] == pytest.approx(0.01788628, abs=5e-9)


def test_initialize_parameters_deep_app_seed_1_scaled_by_fan_in():
    dims = [12288, 20, 7, 5, 1]
    params = deep.initialize_parameters_deep_app(dims)
    rng = np.random.RandomState(1)
    for l in range(1, len(dims)):
        np.testing.assert_array_equal(
            params["W" + str(l)], rng.randn(dims[l], dims[l - 1]) / np.sqrt(dims[l - 1]))
        assert params["b" + str(l)].shape == (dims[l], 1)


# --- forward pieces on the course test cases ---

def test_linear_forward_on_course_case():
    A, W, b = case("deep_step_by_step/linear_forward_test_case")
    Z, cache = deep.linear_forward(A, W, b)
    assert Z.shape == (1, 2)
    np.testing.assert_allclose(Z, W @ A + b, rtol=1e-12)
    assert cache[0] is A and cache[1] is W and cache[2] is b


@pytest.mark.parametrize("activation", ["sigmoid", "relu", "tanh"])
def test_linear_activation_forward_on_course_case(activation):
    A_prev, W, b = case("deep_step_by_step/linear_activation_forward_test_case")
    A, (linear_cache, activation_cache) = deep.linear_activation_forward(A_prev, W, b,
                                                                         activation)
    Z = W @ A_prev + b
    assert A.shape == (1, 2)
    np.testing.assert_allclose(A, ACTS[activation](Z), rtol=1e-12)
    np.testing.assert_allclose(activation_cache, Z, rtol=1e-12)
    assert linear_cache[0] is A_prev


@pytest.mark.parametrize("key", ["deep_step_by_step/L_model_forward_test_case",
                                 "deep_step_by_step/L_model_forward_test_case_2hidden"])
def test_L_model_forward_on_course_cases(key):
    X, params = case(key)
    L = len(params) // 2
    AL, caches = deep.L_model_forward(X, params)
    assert AL.shape == (1, X.shape[1]) and len(caches) == L
    A = X
    for l in range(1, L + 1):
        Z = params["W" + str(l)] @ A + params["b" + str(l)]
        np.testing.assert_allclose(caches[l - 1][1], Z, rtol=1e-12)
        assert caches[l - 1][0][0].shape == A.shape
        A = np.maximum(0, Z) if l < L else 1 / (1 + np.exp(-Z))
    np.testing.assert_allclose(AL, A, rtol=1e-12)
    # the generalised form with all-ReLU hidden layers is the same computation
    AL2, caches2 = deep.L_model_forward_with(X, params, ["relu"] * (L - 1))
    np.testing.assert_array_equal(AL2, AL)
    for c1, c2 in zip(caches, caches2):
        np.testing.assert_array_equal(c1[1], c2[1])


def test_compute_cost_on_course_case():
    Y, AL = case("deep_step_by_step/compute_cost_test_case")
    cost = deep.compute_cost(AL, Y)
    assert np.shape(cost) == ()
    assert cost == pytest.approx(-(np.log(0.8) + np.log(0.9) + np.log(0.4)) / 3, rel=1e-12)
    assert cost == pytest.approx(0.41493159961539694, rel=1e-12)


# --- backward pieces ---

def test_linear_backward_on_course_case_matches_finite_differences():
    dZ, (A_prev, W, b) = case("deep_step_by_step/linear_backward_test_case")
    dA_prev, dW, db = deep.linear_backward(dZ, (A_prev, W, b))
    m = A_prev.shape[1]
    assert dA_prev.shape == A_prev.shape and dW.shape == W.shape and db.shape == b.shape
    # The course's convention: dW, db are averaged over examples, dA_prev is not.
    # So dW, db are gradients of sum(dZ * Z) / m and dA_prev of sum(dZ * Z).
    def objective():
        return float(np.sum(dZ * (W @ A_prev + b)))
    np.testing.assert_allclose(dW, _central_difference(objective, W) / m, rtol=1e-6)
    np.testing.assert_allclose(db, _central_difference(objective, b) / m, rtol=1e-6)
    np.testing.assert_allclose(dA_prev, _central_difference(objective, A_prev), rtol=1e-6)


@pytest.mark.parametrize("activation", ["sigmoid", "relu", "tanh"])
def test_linear_activation_backward_on_course_case(activation):
    dA, cache = case("deep_step_by_step/linear_activation_backward_test_case")
    (A_prev, W, b), Z = cache
    dA_prev, dW, db = deep.linear_activation_backward(dA, cache, activation)
    # uses the cached Z (which in this test case is not W A + b) for the slope
    dZ = getattr(deep, activation + "_backward")(dA, Z)
    m = A_prev.shape[1]
    np.testing.assert_allclose(dA_prev, W.T @ dZ, rtol=1e-12)
    np.testing.assert_allclose(dW, dZ @ A_prev.T / m, rtol=1e-12)
    np.testing.assert_allclose(db, dZ.sum(axis=1, keepdims=True) / m, rtol=1e-12)
    assert dA_prev.shape == A_prev.shape and dW.shape == W.shape and db.shape == b.shape


def test_L_model_backward_on_course_case_follows_the_chain():
    AL, Y, caches = case("deep_step_by_step/L_model_backward_test_case")
    grads = deep.L_model_backward(AL, Y, caches)
    assert set(grads) == {"dA1", "dW1", "db1", "dA2", "dW2", "db2"}
    (lin1, Z1), (lin2, Z2) = caches
    # the +1 shift of the course: "dA2" is w.r.t. the input of layer 2, "dA1" w.r.t. X
    assert grads["dA2"].shape == lin2[0].shape == (3, 2)
    assert grads["dA1"].shape == lin1[0].shape == (4, 2)
    assert grads["dW1"].shape == (3, 4) and grads["db1"].shape == (3, 1)
    assert grads["dW2"].shape == (1, 3) and grads["db2"].shape == (1, 1)
    dAL = -(Y / AL - (1 - Y) / (1 - AL))
    dA2, dW2, db2 = deep.linear_backward(deep.sigmoid_backward(dAL, Z2), lin2)
    dA1, dW1, db1 = deep.linear_backward(deep.relu_backward(dA2, Z1), lin1)
    for name, value in {"dA2": dA2, "dW2": dW2, "db2": db2, "dA1": dA1, "dW1": dW1,
                        "db1": db1}.items():
        np.testing.assert_allclose(grads[name], value, rtol=1e-12, err_msg=name)
    generic = deep.L_model_backward_with(AL, Y, caches, ["relu"])
    for name in grads:
        np.testing.assert_array_equal(generic[name], grads[name])


def _central_difference(f, x, eps=1e-6):
    """d f() / d x by central differences, nudging ``x`` in place entry by entry."""
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        saved = x[idx]
        x[idx] = saved + eps
        up = f()
        x[idx] = saved - eps
        down = f()
        x[idx] = saved            # exactly restored: caches may share these arrays
        grad[idx] = (up - down) / (2 * eps)
    return grad


def _numeric_grads(X, Y, params, activations, eps=1e-6):
    def cost():
        AL, _ = deep.L_model_forward_with(X, params, activations)
        return _cost(AL, Y)
    return {name: _central_difference(cost, X if name == "X" else params[name], eps)
            for name in list(params) + ["X"]}


@pytest.mark.parametrize("activations", [None, ("tanh", "sigmoid"), ("relu", "tanh")])
def test_L_model_backward_matches_finite_differences(activations):
    X, params = case("deep_step_by_step/L_model_forward_test_case_2hidden")
    Y = np.array([[1, 0, 1, 1]])
    m = X.shape[1]
    if activations is None:
        AL, caches = deep.L_model_forward(X, params)
        grads = deep.L_model_backward(AL, Y, caches)
        activations = ("relu", "relu")
    else:
        AL, caches = deep.L_model_forward_with(X, params, activations)
        grads = deep.L_model_backward_with(AL, Y, caches, activations)
    assert deep.compute_cost(AL, Y) == pytest.approx(_cost(AL, Y), rel=1e-12)
    numeric = _numeric_grads(X, Y, params, activations)
    for l in (1, 2, 3):
        np.testing.assert_allclose(grads["dW" + str(l)], numeric["W" + str(l)],
                                   rtol=1e-5, atol=1e-9, err_msg=f"dW{l}")
        np.testing.assert_allclose(grads["db" + str(l)], numeric["b" + str(l)],
                                   rtol=1e-5, atol=1e-9, err_msg=f"db{l}")
    # dA is not averaged over examples, so it is m times the gradient of the mean cost
    np.testing.assert_allclose(grads["dA1"] / m, numeric["X"], rtol=1e-5, atol=1e-9)
    # leaving out the input gradient changes nothing else
    lean = deep.L_model_backward_with(AL, Y, caches, activations, input_grad=False)
    assert "dA1" not in lean
    for name, value in lean.items():
        np.testing.assert_array_equal(value, grads[name])


def test_generalised_helpers_check_their_activation_list():
    X, params = case("deep_step_by_step/L_model_forward_test_case_2hidden")
    with pytest.raises(ValueError, match="2 hidden activations"):
        deep.L_model_forward_with(X, params, ["relu"])


def test_update_parameters_on_course_case():
    params, grads = case("deep_step_by_step/update_parameters_test_case")
    before = {k: v.copy() for k, v in params.items()}
    held = params["W1"]
    new = deep.update_parameters(params, grads, 0.1)
    for name in before:
        np.testing.assert_array_equal(new[name], before[name] - 0.1 * grads["d" + name])
    np.testing.assert_array_equal(held, before["W1"])   # arrays handed out stay as they were


def test_predict_helper_prints_accuracy(capsys):
    X, params = case("deep_step_by_step/L_model_forward_test_case_2hidden")
    AL, _ = deep.L_model_forward(X, params)
    y = (AL > 0.5).astype(int)
    y[0, 0] = 1 - y[0, 0]
    p = deep.predict(X, y, params)
    assert p.shape == (1, 4)
    np.testing.assert_array_equal(p, (AL > 0.5).astype(float))
    assert capsys.readouterr().out.strip() == "Accuracy: 0.75"


# --- 1.5 on the real cat files (2500 iterations each, run once per module) ---

def _run_printing(fn, *args, **kwargs):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        result = fn(*args, **kwargs)
    return result, out.getvalue().splitlines()


def _printed_costs(lines):
    return {int(line.split(":")[0].rsplit(" ", 1)[1]): line.split(": ")[1]
            for line in lines if line.startswith("Cost after iteration")}


@pytest.fixture(scope="module")
def two_layer_run(real_cats):
    train_x, test_x = real_cats.flattened()
    params, lines = _run_printing(deep.two_layer_model, train_x, real_cats.Y_train,
                                  layers_dims=(12288, 7, 1), num_iterations=2500,
                                  print_cost=True)
    return real_cats, params, lines


@pytest.fixture(scope="module")
def l_layer_run(real_cats):
    train_x, test_x = real_cats.flattened()
    params, lines = _run_printing(deep.L_layer_model, train_x, real_cats.Y_train,
                                  [12288, 20, 7, 5, 1], num_iterations=2500, print_cost=True)
    return real_cats, params, lines


def _accuracy(dataset, params):
    train_x, test_x = dataset.flattened()
    (p_train, train_lines) = _run_printing(deep.predict, train_x, dataset.Y_train, params)
    (p_test, test_lines) = _run_printing(deep.predict, test_x, dataset.Y_test, params)
    assert p_train.shape == (1, 209) and p_test.shape == (1, 50)
    return (float(train_lines[0].split(": ")[1]), float(test_lines[0].split(": ")[1]))


def test_two_layer_model_on_real_cats(two_layer_run):
    data, params, lines = two_layer_run
    costs = _printed_costs(lines)
    assert sorted(costs) == list(range(0, 2500, 100))
    # [SRC] values printed with full repr
    for i, expected in {0: 0.693049735659989, 100: 0.6464320953428849,
                        200: 0.6325140647912678, 2400: 0.048554785628770226}.items():
        assert float(costs[i]) == pytest.approx(expected, rel=1e-11), i
    assert float(costs[2300]) == pytest.approx(0.05336140348560556, rel=1e-11)  # [DERIVED]
    train, test = _accuracy(data, params)
    assert train == pytest.approx(1.0, abs=1e-12)      # prints 0.9999999999999998 on NumPy 2
    assert test == pytest.approx(0.72, abs=1e-12)
    assert {k: v.shape for k, v in params.items()} == {
        "W1": (7, 12288), "b1": (7, 1), "W2": (1, 7), "b2": (1, 1)}


def test_L_layer_model_on_real_cats(l_layer_run):
    data, params, lines = l_layer_run
    costs = _printed_costs(lines)
    # [SRC] 0.771749, 0.672053, 0.648263 ... 0.092878; [DERIVED] 2300: 0.100897
    assert costs[0] == "0.771749" and costs[100] == "0.672053"
    assert costs[200] == "0.648263" and costs[2400] == "0.092878"
    assert costs[2300] == "0.100897"
    train, test = _accuracy(data, params)
    assert train == pytest.approx(0.985645933014, abs=5e-13)
    assert test == pytest.approx(0.8, abs=1e-12)


def test_first_cost_depends_on_which_deep_initialiser(real_cats):
    # why both initialisers exist: x0.01 starts near log(2), /sqrt(fan-in) at 0.771749
    train_x, _ = real_cats.flattened()
    dims = [12288, 20, 7, 5, 1]
    small = deep.compute_cost(deep.L_model_forward(
        train_x, deep.initialize_parameters_deep(dims))[0], real_cats.Y_train)
    scaled = deep.compute_cost(deep.L_model_forward(
        train_x, deep.initialize_parameters_deep_app(dims))[0], real_cats.Y_train)
    assert small == pytest.approx(np.log(2), abs=1e-3)
    assert "%f" % scaled == "0.771749"
