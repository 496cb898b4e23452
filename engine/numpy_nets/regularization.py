"""Course 2.1.2 Regularization: L2 and dropout on the 2-20-3-1 "football field" net.

Graded functions and the provided ``model`` keep the course's names and defaults.
reg_utils' helpers live here too: its backward pass differs from init_utils'
(``dZ3 = A3 - Y`` with ``1/m`` in each ``dW``, capitalised gradient names) and its
initialiser divides by ``sqrt(n[l-1])``.

The course's ``forward_propagation_with_dropout`` reseeds NumPy with 1 on every
call, so its masks are the same in every iteration. ``dropout_forward`` takes the
random source as an argument so the lesson can draw the same masks from a private
generator (or fresh ones each iteration, as real dropout does).
"""
from __future__ import annotations

import numpy as np

from engine.numpy_nets.three_layer import (cross_entropy, forward_propagation,  # noqa: F401
                                           predict, predict_dec, relu, sigmoid,
                                           update_parameters)

# The course's names: graded functions, model, and what it imports from reg_utils.
__all__ = ["compute_cost_with_regularization", "backward_propagation_with_regularization",
           "forward_propagation_with_dropout", "backward_propagation_with_dropout", "model",
           "initialize_parameters", "compute_cost", "forward_propagation",
           "backward_propagation", "update_parameters", "predict", "predict_dec", "sigmoid",
           "relu", "dropout_forward"]


def initialize_parameters(layer_dims):
    """reg_utils' initialiser: ``randn / sqrt(n[l-1])`` (seed 3), zero biases."""
    np.random.seed(3)
    parameters = {}
    L = len(layer_dims)
    for l in range(1, L):
        parameters["W" + str(l)] = np.random.randn(layer_dims[l], layer_dims[l - 1]) / \
            np.sqrt(layer_dims[l - 1])
        parameters["b" + str(l)] = np.zeros((layer_dims[l], 1))
    return parameters


def compute_cost(a3, Y):
    """Cross-entropy without regularisation (reg_utils)."""
    return cross_entropy(a3, Y)


def _gradients(X, Y, cache, lambd=0.0, masks=None, keep_prob=1.0):
    """The baseline backward pass with the L2 term and/or the dropout masks applied."""
    m = X.shape[1]
    (Z1, A1, W1, b1, Z2, A2, W2, b2, Z3, A3, W3, b3) = cache
    D1, D2 = masks if masks is not None else (None, None)

    dZ3 = A3 - Y
    dW3 = 1. / m * np.dot(dZ3, A2.T)
    db3 = 1. / m * np.sum(dZ3, axis=1, keepdims=True)
    dA2 = np.dot(W3.T, dZ3)
    if D2 is not None:
        dA2 = dA2 * D2          # the units switched off going forward get no gradient
        dA2 = dA2 / keep_prob   # and the survivors were scaled up, so their slope is too
    dZ2 = np.multiply(dA2, np.int64(A2 > 0))
    dW2 = 1. / m * np.dot(dZ2, A1.T)
    db2 = 1. / m * np.sum(dZ2, axis=1, keepdims=True)
    dA1 = np.dot(W2.T, dZ2)
    if D1 is not None:
        dA1 = dA1 * D1
        dA1 = dA1 / keep_prob
    dZ1 = np.multiply(dA1, np.int64(A1 > 0))
    dW1 = 1. / m * np.dot(dZ1, X.T)
    db1 = 1. / m * np.sum(dZ1, axis=1, keepdims=True)
    if lambd:
        # d/dW of lambd/(2m) * sum(W**2); biases are not regularised
        dW3 = dW3 + lambd * W3 / m
        dW2 = dW2 + lambd * W2 / m
        dW1 = dW1 + lambd * W1 / m

    return {"dZ3": dZ3, "dW3": dW3, "db3": db3, "dA2": dA2,
            "dZ2": dZ2, "dW2": dW2, "db2": db2, "dA1": dA1,
            "dZ1": dZ1, "dW1": dW1, "db1": db1}


def backward_propagation(X, Y, cache):
    """reg_utils' baseline backward pass; gradients keyed ``dZ3, dW3, db3, dA2, ...``."""
    return _gradients(X, Y, cache)


def compute_cost_with_regularization(A3, Y, parameters, lambd):
    """Cross-entropy + ``lambd / (2m) * (|W1|^2 + |W2|^2 + |W3|^2)``."""
    m = Y.shape[1]
    W1, W2, W3 = parameters["W1"], parameters["W2"], parameters["W3"]
    cross_entropy_cost = compute_cost(A3, Y)
    L2_regularization_cost = lambd * (np.sum(np.square(W1)) + np.sum(np.square(W2)) +
                                      np.sum(np.square(W3))) / (2 * m)
    cost = cross_entropy_cost + L2_regularization_cost
    return cost


def backward_propagation_with_regularization(X, Y, cache, lambd):
    """The baseline gradients with ``(lambd / m) * W`` added to each ``dW``."""
    return _gradients(X, Y, cache, lambd=lambd)


def dropout_forward(X, parameters, keep_prob, rng):
    """Forward pass with inverted dropout on both hidden layers; masks drawn from
    ``rng`` (anything with ``rand``). Returns ``(A3, cache)`` in the course's layout."""
    W1, b1 = parameters["W1"], parameters["b1"]
    W2, b2 = parameters["W2"], parameters["b2"]
    W3, b3 = parameters["W3"], parameters["b3"]

    Z1 = np.dot(W1, X) + b1
    A1 = relu(Z1)
    D1 = rng.rand(A1.shape[0], A1.shape[1])
    D1 = (D1 < keep_prob)
    A1 = A1 * D1
    A1 = A1 / keep_prob     # keeps the expected activation the same as without dropout
    Z2 = np.dot(W2, A1) + b2
    A2 = relu(Z2)
    D2 = rng.rand(A2.shape[0], A2.shape[1])
    D2 = (D2 < keep_prob)
    A2 = A2 * D2
    A2 = A2 / keep_prob
    Z3 = np.dot(W3, A2) + b3
    A3 = sigmoid(Z3)

    cache = (Z1, D1, A1, W1, b1, Z2, D2, A2, W2, b2, Z3, A3, W3, b3)
    return A3, cache


def forward_propagation_with_dropout(X, parameters, keep_prob=0.5):
    """LINEAR -> RELU + DROPOUT -> LINEAR -> RELU + DROPOUT -> LINEAR -> SIGMOID.

    Seeds NumPy with 1 first, as the course does. Returns ``(A3, cache)`` with
    ``cache = (Z1, D1, A1, W1, b1, Z2, D2, A2, W2, b2, Z3, A3, W3, b3)``.
    """
    np.random.seed(1)
    return dropout_forward(X, parameters, keep_prob, np.random)


def backward_propagation_with_dropout(X, Y, cache, keep_prob):
    """Backward pass reapplying the forward masks ``D1``, ``D2`` and the ``1/keep_prob``."""
    (Z1, D1, A1, W1, b1, Z2, D2, A2, W2, b2, Z3, A3, W3, b3) = cache
    plain = (Z1, A1, W1, b1, Z2, A2, W2, b2, Z3, A3, W3, b3)
    return _gradients(X, Y, plain, masks=(D1, D2), keep_prob=keep_prob)


def model(X, Y, learning_rate=0.3, num_iterations=30000, print_cost=True, lambd=0,
          keep_prob=1):
    """The course's 2-20-3-1 model with optional L2 (``lambd``) or dropout (``keep_prob``).

    One technique at a time, as in the course. Prints the cost every 10000
    iterations and records it every 1000; returns the learnt parameters.
    """
    costs = []
    layers_dims = [X.shape[0], 20, 3, 1]
    parameters = initialize_parameters(layers_dims)

    for i in range(0, num_iterations):
        if keep_prob == 1:
            a3, cache = forward_propagation(X, parameters)
        elif keep_prob < 1:
            a3, cache = forward_propagation_with_dropout(X, parameters, keep_prob)

        if lambd == 0:
            cost = compute_cost(a3, Y)
        else:
            cost = compute_cost_with_regularization(a3, Y, parameters, lambd)

        assert lambd == 0 or keep_prob == 1   # the course explores one at a time

        if lambd == 0 and keep_prob == 1:
            grads = backward_propagation(X, Y, cache)
        elif lambd != 0:
            grads = backward_propagation_with_regularization(X, Y, cache, lambd)
        elif keep_prob < 1:
            grads = backward_propagation_with_dropout(X, Y, cache, keep_prob)

        parameters = update_parameters(parameters, grads, learning_rate)

        if print_cost and i % 10000 == 0:
            print("Cost after iteration {}: {}".format(i, cost))
        if print_cost and i % 1000 == 0:
            costs.append(cost)
    return parameters
