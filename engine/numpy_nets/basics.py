"""Course 1.1, Python basics with NumPy: elementwise functions, reshaping, broadcasting.

Names and signatures follow the course so its checks can be run against them.
"""
from __future__ import annotations

import math

import numpy as np


def basic_sigmoid(x):
    """Logistic function of one real number, with ``math.exp``.

    Deliberately scalar-only: the lesson uses it to show why ``math`` fails on arrays.
    """
    s = 1 / (1 + math.exp(-x))
    return s


def sigmoid(x):
    """Logistic function applied to every element of ``x`` (scalar or array)."""
    s = 1 / (1 + np.exp(-x))
    return s


def sigmoid_derivative(x):
    """Slope of the logistic function at ``x``: ``s * (1 - s)`` with ``s = sigmoid(x)``."""
    s = sigmoid(x)
    ds = s * (1 - s)
    return ds


def image2vector(image):
    """Unroll an array of shape ``(length, height, depth)`` into a ``(l*h*d, 1)`` column."""
    v = image.reshape((image.shape[0] * image.shape[1] * image.shape[2], 1))
    return v


def normalizeRows(x):
    """Scale every row of the matrix ``x`` to unit Euclidean length."""
    x_norm = np.linalg.norm(x, axis=1, keepdims=True)
    x = x / x_norm
    return x


def softmax(x):
    """Row-wise softmax of a ``(n, m)`` matrix: each row becomes positive and sums to 1."""
    x_exp = np.exp(x)
    x_sum = np.sum(x_exp, axis=1, keepdims=True)
    s = x_exp / x_sum
    return s


def L1(yhat, y):
    """Sum of absolute differences between predictions ``yhat`` and labels ``y``."""
    loss = np.sum(np.abs(y - yhat))
    return loss


def L2(yhat, y):
    """Sum of squared differences between predictions ``yhat`` and labels ``y``."""
    diff = y - yhat
    loss = np.dot(diff, diff)
    return loss
