"""The course's 3-layer helper network, shared by lessons 2.1.1 and 2.1.2.

``LINEAR -> RELU -> LINEAR -> RELU -> LINEAR -> SIGMOID``. The initialization
lesson's helper module (init_utils) and the regularization lesson's (reg_utils)
carry identical copies of these pieces; where the two modules differ (backward
propagation, initialisation) each lesson module keeps its own version.
"""
from __future__ import annotations

import numpy as np


def sigmoid(x):
    """Logistic function of a scalar or array (one value back, no cache)."""
    s = 1 / (1 + np.exp(-x))
    return s


def relu(x):
    """max(0, x) elementwise (one value back, no cache)."""
    s = np.maximum(0, x)
    return s


def forward_propagation(X, parameters):
    """Returns ``(a3, cache)`` with ``cache = (z1, a1, W1, b1, z2, a2, W2, b2, z3, a3, W3, b3)``."""
    W1, b1 = parameters["W1"], parameters["b1"]
    W2, b2 = parameters["W2"], parameters["b2"]
    W3, b3 = parameters["W3"], parameters["b3"]

    z1 = np.dot(W1, X) + b1
    a1 = relu(z1)
    z2 = np.dot(W2, a1) + b2
    a2 = relu(z2)
    z3 = np.dot(W3, a2) + b3
    a3 = sigmoid(z3)

    cache = (z1, a1, W1, b1, z2, a2, W2, b2, z3, a3, W3, b3)
    return a3, cache


def backward_propagation(X, Y, cache):
    """The backward pass of init_utils and opt_utils (identical in both): the 1/m sits
    in ``dz3``; gradients keyed ``dz3, dW3, db3, da2, ...``. reg_utils' differs and
    lives in regularization.py."""
    m = X.shape[1]
    (z1, a1, W1, b1, z2, a2, W2, b2, z3, a3, W3, b3) = cache

    dz3 = 1. / m * (a3 - Y)
    dW3 = np.dot(dz3, a2.T)
    db3 = np.sum(dz3, axis=1, keepdims=True)

    da2 = np.dot(W3.T, dz3)
    dz2 = np.multiply(da2, np.int64(a2 > 0))
    dW2 = np.dot(dz2, a1.T)
    db2 = np.sum(dz2, axis=1, keepdims=True)

    da1 = np.dot(W2.T, dz2)
    dz1 = np.multiply(da1, np.int64(a1 > 0))
    dW1 = np.dot(dz1, X.T)
    db1 = np.sum(dz1, axis=1, keepdims=True)

    return {"dz3": dz3, "dW3": dW3, "db3": db3,
            "da2": da2, "dz2": dz2, "dW2": dW2, "db2": db2,
            "da1": da1, "dz1": dz1, "dW1": dW1, "db1": db1}


def cross_entropy(a3, Y):
    """Mean cross-entropy; ``nansum`` because a saturated 0 * log(0) is NaN.

    A saturated sigmoid (exactly 0 or 1 where the label disagrees) still gives
    ``inf``: that is the course's ``Cost after iteration 0: inf`` of the large
    random initialisation.
    """
    m = Y.shape[1]
    logprobs = np.multiply(-np.log(a3), Y) + np.multiply(-np.log(1 - a3), 1 - Y)
    return 1. / m * np.nansum(logprobs)


def update_parameters(parameters, grads, learning_rate):
    """One gradient-descent step on ``W1..W3, b1..b3`` (updates the dict in place)."""
    L = len(parameters) // 2
    for k in range(L):
        parameters["W" + str(k + 1)] = parameters["W" + str(k + 1)] - \
            learning_rate * grads["dW" + str(k + 1)]
        parameters["b" + str(k + 1)] = parameters["b" + str(k + 1)] - \
            learning_rate * grads["db" + str(k + 1)]
    return parameters


def predict(X, y, parameters):
    """0/1 predictions ``(1, m)``; prints ``Accuracy: <fraction>`` as the course does."""
    m = X.shape[1]
    p = np.zeros((1, m), dtype=int)
    a3, caches = forward_propagation(X, parameters)
    p[0, :] = a3[0, :] > 0.5
    print("Accuracy: " + str(np.mean((p[0, :] == y[0, :]))))
    return p


def predict_dec(parameters, X):
    """Boolean predictions ``(1, m)`` for points ``X`` (what the boundary plot colours)."""
    a3, cache = forward_propagation(X, parameters)
    predictions = (a3 > 0.5)
    return predictions


def probabilities(parameters, X):
    """P(class 1) for the columns of ``X``: what the live boundary shows."""
    return forward_propagation(X, parameters)[0]
