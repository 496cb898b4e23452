"""Course 2.1.3: gradient checking, in one dimension and for a 3-layer network.

Course names and signatures are kept (``forward_propagation``, ``gradient_check``,
``forward_propagation_n``, ``backward_propagation_n``, ``gradient_check_n`` and the
``gc_utils`` helpers), so the course's test case runs against them and prints what
the notebook prints.

The notebook hands the learner a ``backward_propagation_n`` with two planted bugs
(``dW2`` doubled, ``db1`` computed with ``4./m`` instead of ``1./m``) and asks them to
find them with the checker. ``backward_propagation_n`` below keeps both bugs, because
that is the function the notebook's 0.285093156781 comes from. The bugs are switches
of ``backward_propagation_n_with_bugs``: ``backward_propagation_n_fixed`` turns both
off, and the lesson page lets the learner plant either one.

Beyond the course, ``gradient_check_report`` returns what the page draws: the
relative error of every entry and of every parameter block (W1, b1, ...), so a
planted bug shows up in the block it lives in.
"""
from __future__ import annotations

import numpy as np

# The course's verdict lines. gradient_check / gradient_check_n use 1e-7 (as printed
# in this edition); later editions of the notebook moved the N-D threshold to 2e-7
# because float rounding alone can bring a correct check near 1e-7. The lesson page
# uses the looser one, so only a real bug turns it red.
COURSE_THRESHOLD = 1e-7
VERDICT_THRESHOLD = 2e-7
# Per block the estimate is noisier (a one-entry block has no other entries to average
# with): at epsilon 1e-7 a correct b1 or b3 lands at 2-4e-7. A wrong formula gives
# 1e-2 and up, so blocks between the two thresholds are "rounding noise", not bugs.
BLOCK_BUG_THRESHOLD = 1e-4

# The fraud-detection network's parameter blocks, in the order gc_utils flattens them.
PARAMETER_SHAPES = (("W1", (5, 4)), ("b1", (5, 1)), ("W2", (3, 5)), ("b2", (3, 1)),
                    ("W3", (1, 3)), ("b3", (1, 1)))
PLANTED_BUGS = {
    "dW2": "dW2 multiplied by 2",
    "db1": "db1 computed with 4./m instead of 1./m",
}


# --- 1-D: J(theta) = theta * x ---

def forward_propagation(x, theta):
    """J = theta * x."""
    J = theta * x
    return J


def backward_propagation(x, theta):
    """dJ/dtheta = x."""
    dtheta = x
    return dtheta


def gradient_check(x, theta, epsilon=1e-7):
    """Relative difference between backward_propagation and the two-sided difference."""
    thetaplus = theta + epsilon
    thetaminus = theta - epsilon
    J_plus = forward_propagation(x, thetaplus)
    J_minus = forward_propagation(x, thetaminus)
    gradapprox = (J_plus - J_minus) / (2 * epsilon)

    grad = backward_propagation(x, theta)

    numerator = np.linalg.norm(grad - gradapprox)
    denominator = np.linalg.norm(grad) + np.linalg.norm(gradapprox)
    difference = numerator / denominator

    if difference < COURSE_THRESHOLD:
        print("The gradient is correct!")
    else:
        print("The gradient is wrong!")
    return difference


def gradient_check_1d_details(x, theta, epsilon=1e-7) -> dict:
    """The 1-D check's intermediate values for the page (no printing).

    ``difference`` is nan when both gradients are exactly 0 (x = 0): 0/0 says nothing.
    """
    J_plus = forward_propagation(x, theta + epsilon)
    J_minus = forward_propagation(x, theta - epsilon)
    gradapprox = (J_plus - J_minus) / (2 * epsilon)
    grad = backward_propagation(x, theta)
    denominator = np.linalg.norm(grad) + np.linalg.norm(gradapprox)
    difference = float(np.linalg.norm(grad - gradapprox) / denominator) if denominator \
        else float("nan")
    return {"J": float(forward_propagation(x, theta)), "J_plus": float(J_plus),
            "J_minus": float(J_minus), "gradapprox": float(gradapprox),
            "grad": float(grad), "difference": difference,
            "correct": bool(difference < COURSE_THRESHOLD) if denominator else None}


# --- N-D: LINEAR -> RELU -> LINEAR -> RELU -> LINEAR -> SIGMOID (gc_utils helpers) ---

def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def relu(x):
    return np.maximum(0, x)


def gradient_check_n_test_case():
    """The course's test case: X (4, 3), Y [1, 1, 0] and the six parameters, all
    drawn in this order after ``np.random.seed(1)``. Seeds NumPy's global RNG, as the
    course does; callers on a job thread hold ``GLOBAL_RANDOM_LOCK``."""
    np.random.seed(1)
    x = np.random.randn(4, 3)
    y = np.array([1, 1, 0])
    parameters = {name: np.random.randn(*shape) for name, shape in PARAMETER_SHAPES}
    return x, y, parameters


def forward_propagation_n(X, Y, parameters):
    """Cost (mean cross-entropy) and cache of the 3-layer network."""
    m = X.shape[1]
    W1 = parameters["W1"]
    b1 = parameters["b1"]
    W2 = parameters["W2"]
    b2 = parameters["b2"]
    W3 = parameters["W3"]
    b3 = parameters["b3"]

    Z1 = np.dot(W1, X) + b1
    A1 = relu(Z1)
    Z2 = np.dot(W2, A1) + b2
    A2 = relu(Z2)
    Z3 = np.dot(W3, A2) + b3
    A3 = sigmoid(Z3)

    logprobs = np.multiply(-np.log(A3), Y) + np.multiply(-np.log(1 - A3), 1 - Y)
    cost = 1. / m * np.sum(logprobs)

    cache = (Z1, A1, W1, b1, Z2, A2, W2, b2, Z3, A3, W3, b3)
    return cost, cache


def backward_propagation_n_with_bugs(X, Y, cache, dW2_doubled=True, db1_quadrupled=True):
    """The course's backward pass with each of its two planted bugs switchable.

    Neither bug travels further back: dA1 is computed from dZ2, not from dW2, so a
    wrong dW2 (or db1) shows up in that block alone."""
    m = X.shape[1]
    (Z1, A1, W1, b1, Z2, A2, W2, b2, Z3, A3, W3, b3) = cache

    dZ3 = A3 - Y
    dW3 = 1. / m * np.dot(dZ3, A2.T)
    db3 = 1. / m * np.sum(dZ3, axis=1, keepdims=True)

    dA2 = np.dot(W3.T, dZ3)
    dZ2 = np.multiply(dA2, np.int64(A2 > 0))
    dW2 = 1. / m * np.dot(dZ2, A1.T) * (2 if dW2_doubled else 1)
    db2 = 1. / m * np.sum(dZ2, axis=1, keepdims=True)

    dA1 = np.dot(W2.T, dZ2)
    dZ1 = np.multiply(dA1, np.int64(A1 > 0))
    dW1 = 1. / m * np.dot(dZ1, X.T)
    db1 = (4. if db1_quadrupled else 1.) / m * np.sum(dZ1, axis=1, keepdims=True)

    gradients = {"dZ3": dZ3, "dW3": dW3, "db3": db3,
                 "dA2": dA2, "dZ2": dZ2, "dW2": dW2, "db2": db2,
                 "dA1": dA1, "dZ1": dZ1, "dW1": dW1, "db1": db1}
    return gradients


def backward_propagation_n(X, Y, cache):
    """The course's version as handed out: BOTH planted bugs are in (dW2 x 2, db1 4./m).
    This is what gives the notebook's ``difference = 0.285093156781``."""
    return backward_propagation_n_with_bugs(X, Y, cache, dW2_doubled=True,
                                            db1_quadrupled=True)


def backward_propagation_n_fixed(X, Y, cache):
    """The corrected backward pass the learner is meant to arrive at."""
    return backward_propagation_n_with_bugs(X, Y, cache, dW2_doubled=False,
                                            db1_quadrupled=False)


def dictionary_to_vector(parameters):
    """W1, b1, W2, b2, W3, b3 reshaped to columns and stacked: ``(theta, keys)`` with
    ``keys`` naming the block of each entry."""
    keys = []
    vectors = []
    for key, _ in PARAMETER_SHAPES:
        new_vector = np.reshape(parameters[key], (-1, 1))
        keys = keys + [key] * new_vector.shape[0]
        vectors.append(new_vector)
    theta = np.concatenate(vectors, axis=0)
    return theta, keys


def vector_to_dictionary(theta):
    """Inverse of dictionary_to_vector for the fraud network's shapes."""
    parameters = {}
    start = 0
    for key, shape in PARAMETER_SHAPES:
        size = int(np.prod(shape))
        parameters[key] = theta[start:start + size].reshape(shape)
        start += size
    return parameters


def gradients_to_vector(gradients):
    """dW1, db1, ..., db3 stacked as one column, in dictionary_to_vector's order."""
    return np.concatenate([np.reshape(gradients["d" + key], (-1, 1))
                           for key, _ in PARAMETER_SHAPES], axis=0)


def _gradapprox(parameters, X, Y, epsilon):
    """Two-sided difference of forward_propagation_n's cost, one entry at a time."""
    parameters_values, _ = dictionary_to_vector(parameters)
    num_parameters = parameters_values.shape[0]
    J_plus = np.zeros((num_parameters, 1))
    J_minus = np.zeros((num_parameters, 1))
    gradapprox = np.zeros((num_parameters, 1))
    for i in range(num_parameters):
        thetaplus = np.copy(parameters_values)
        thetaplus[i][0] = thetaplus[i][0] + epsilon
        J_plus[i], _ = forward_propagation_n(X, Y, vector_to_dictionary(thetaplus))

        thetaminus = np.copy(parameters_values)
        thetaminus[i][0] = thetaminus[i][0] - epsilon
        J_minus[i], _ = forward_propagation_n(X, Y, vector_to_dictionary(thetaminus))

        gradapprox[i] = (J_plus[i] - J_minus[i]) / (2. * epsilon)
    return gradapprox


def _relative_difference(grad, gradapprox) -> float:
    numerator = np.linalg.norm(grad - gradapprox)
    denominator = np.linalg.norm(grad) + np.linalg.norm(gradapprox)
    return float(numerator / denominator) if denominator else 0.0


def gradient_check_n(parameters, gradients, X, Y, epsilon=1e-7):
    """Relative difference between backprop's gradients and the numerical ones; prints
    the course's coloured verdict."""
    grad = gradients_to_vector(gradients)
    gradapprox = _gradapprox(parameters, X, Y, epsilon)

    numerator = np.linalg.norm(grad - gradapprox)
    denominator = np.linalg.norm(grad) + np.linalg.norm(gradapprox)
    difference = numerator / denominator

    if difference > COURSE_THRESHOLD:
        print("\033[93m" + "There is a mistake in the backward propagation! difference = "
              + str(difference) + "\033[0m")
    else:
        print("\033[92m" + "Your backward propagation works perfectly fine! difference = "
              + str(difference) + "\033[0m")
    return difference


def gradient_check_report(parameters, X, Y, dW2_doubled=False, db1_quadrupled=False,
                          epsilon=1e-7, threshold=VERDICT_THRESHOLD) -> dict:
    """Everything the page shows about one N-D check, without printing.

    ``blocks``: one dict per parameter block in order, with ``name``, ``shape``,
    ``difference`` (the course's formula restricted to that block), ``status``
    ("ok" up to ``threshold``, "noise" up to BLOCK_BUG_THRESHOLD, "wrong" above),
    ``flagged`` (status "wrong"), ``grad`` and ``gradapprox`` (arrays of the
    block's shape) and ``entry_errors`` (|g - a| / (|g| + |a|) per entry, 0 where
    both are 0, block-shaped). ``difference`` / ``flagged`` are for the whole vector.
    """
    cost, cache = forward_propagation_n(X, Y, parameters)
    gradients = backward_propagation_n_with_bugs(X, Y, cache, dW2_doubled, db1_quadrupled)
    grad = gradients_to_vector(gradients)
    gradapprox = _gradapprox(parameters, X, Y, epsilon)
    total = _relative_difference(grad, gradapprox)
    scale = np.abs(grad) + np.abs(gradapprox)
    entry = np.divide(np.abs(grad - gradapprox), scale, out=np.zeros_like(scale),
                      where=scale > 0)
    blocks = []
    start = 0
    for key, shape in PARAMETER_SHAPES:
        size = int(np.prod(shape))
        part = slice(start, start + size)
        difference = _relative_difference(grad[part], gradapprox[part])
        status = "ok" if difference <= threshold else \
            "noise" if difference <= BLOCK_BUG_THRESHOLD else "wrong"
        blocks.append({"name": key, "shape": shape, "difference": difference,
                       "status": status, "flagged": status == "wrong",
                       "grad": grad[part].reshape(shape),
                       "gradapprox": gradapprox[part].reshape(shape),
                       "entry_errors": entry[part].reshape(shape)})
        start += size
    bugs = [name for name, on in (("dW2", dW2_doubled), ("db1", db1_quadrupled)) if on]
    return {"cost": float(cost), "difference": total, "flagged": total > threshold,
            "threshold": threshold, "epsilon": epsilon, "blocks": blocks,
            "planted_bugs": bugs, "num_parameters": int(grad.shape[0])}
