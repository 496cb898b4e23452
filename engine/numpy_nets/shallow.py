"""Course 1.3, a network with one tanh hidden layer on 2-D points (the "flower").

Examples are columns: ``X`` is ``(2, m)``, ``Y`` is ``(1, m)``. Names, signatures and
the fixed seeds follow the course so its numbers come out the same.
"""
from __future__ import annotations

import numpy as np


def sigmoid(x):
    """Logistic function, elementwise (the course imports it from its helper module)."""
    s = 1 / (1 + np.exp(-x))
    return s


def layer_sizes(X, Y):
    """``(n_x, n_h, n_y)`` with the hidden size fixed at 4, as the course asks."""
    n_x = X.shape[0]
    n_h = 4
    n_y = Y.shape[0]
    return (n_x, n_h, n_y)


def initialize_parameters(n_x, n_h, n_y):
    """Small random weights, zero biases.

    The seed is fixed inside so every learner (and our tests) start from the same
    weights; drawing W1 before W2 matters for that.
    """
    np.random.seed(2)
    W1 = np.random.randn(n_h, n_x) * 0.01
    b1 = np.zeros((n_h, 1))
    W2 = np.random.randn(n_y, n_h) * 0.01
    b2 = np.zeros((n_y, 1))
    parameters = {"W1": W1, "b1": b1, "W2": W2, "b2": b2}
    return parameters


def forward_propagation(X, parameters):
    """tanh hidden layer, sigmoid output. Returns ``A2`` and the cache Z1, A1, Z2, A2."""
    W1 = parameters["W1"]
    b1 = parameters["b1"]
    W2 = parameters["W2"]
    b2 = parameters["b2"]
    Z1 = np.dot(W1, X) + b1
    A1 = np.tanh(Z1)
    Z2 = np.dot(W2, A1) + b2
    A2 = sigmoid(Z2)
    cache = {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}
    return A2, cache


def compute_cost(A2, Y, parameters):
    """Mean cross-entropy of the outputs ``A2`` against ``Y``.

    ``parameters`` is unused; the course keeps it in the signature.
    """
    m = Y.shape[1]
    logprobs = np.multiply(np.log(A2), Y) + np.multiply(np.log(1 - A2), 1 - Y)
    cost = - np.sum(logprobs) / m
    cost = np.squeeze(cost)
    return cost


def backward_propagation(parameters, cache, X, Y):
    """Gradients dW1, db1, dW2, db2 of the cost, using tanh' = 1 - A1**2."""
    m = X.shape[1]
    W2 = parameters["W2"]
    A1 = cache["A1"]
    A2 = cache["A2"]
    dZ2 = A2 - Y
    dW2 = np.dot(dZ2, A1.T) / m
    db2 = np.sum(dZ2, axis=1, keepdims=True) / m
    dZ1 = np.dot(W2.T, dZ2) * (1 - np.power(A1, 2))
    dW1 = np.dot(dZ1, X.T) / m
    db1 = np.sum(dZ1, axis=1, keepdims=True) / m
    grads = {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}
    return grads


def update_parameters(parameters, grads, learning_rate=1.2):
    """One gradient-descent step; returns a new dict (the old arrays stay untouched,
    so a plot still drawing them never sees a half-updated matrix)."""
    parameters = {name: parameters[name] - learning_rate * grads["d" + name]
                  for name in ("W1", "b1", "W2", "b2")}
    return parameters


def nn_model(X, Y, n_h, num_iterations=10000, print_cost=False):
    """Train the one-hidden-layer network with ``n_h`` units; returns its parameters."""
    np.random.seed(3)
    n_x = layer_sizes(X, Y)[0]
    n_y = layer_sizes(X, Y)[2]
    parameters = initialize_parameters(n_x, n_h, n_y)
    for i in range(0, num_iterations):
        A2, cache = forward_propagation(X, parameters)
        cost = compute_cost(A2, Y, parameters)
        grads = backward_propagation(parameters, cache, X, Y)
        parameters = update_parameters(parameters, grads)
        if print_cost and i % 1000 == 0:
            print("Cost after iteration %i: %f" % (i, cost))
    return parameters


def predict(parameters, X):
    """Class 0./1. for each column of ``X`` (threshold 0.5, by rounding)."""
    A2, cache = forward_propagation(X, parameters)
    predictions = np.round(A2)
    return predictions
