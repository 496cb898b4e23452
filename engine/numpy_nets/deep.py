"""Courses 1.4 and 1.5: an L-layer network built from small forward/backward pieces.

Course names and signatures are kept, so the course's own test cases run against
them. Examples are columns; ``parameters`` holds ``W1, b1, ..., WL, bL``.

Two initialisers share a purpose but not their numbers:

* ``initialize_parameters_deep`` is the step-by-step lesson's version (seed 3,
  weights x 0.01).
* ``initialize_parameters_deep_app`` is the one the application lesson's helper
  module really used (seed 1, weights / sqrt(fan-in)). Its larger weights are what
  give that lesson's first cost of 0.771749 (with x 0.01 it would start at about
  0.693, the cost of predicting 0.5 everywhere). ``L_layer_model`` uses it.

Beyond the course, a ``"tanh"`` activation is accepted everywhere an activation name
is, and ``L_model_forward_with`` / ``L_model_backward_with`` let each hidden layer
pick its own activation (the network builder needs that).
"""
from __future__ import annotations

from typing import Sequence

import numpy as np


# --- activations: each returns (A, cache) with cache = Z, as the course helpers do ---

def sigmoid(Z):
    """Logistic function; returns ``(A, Z)``."""
    A = 1 / (1 + np.exp(-Z))
    cache = Z
    return A, cache


def relu(Z):
    """max(0, Z); returns ``(A, Z)``."""
    A = np.maximum(0, Z)
    cache = Z
    return A, cache


def tanh(Z):
    """Hyperbolic tangent; returns ``(A, Z)`` (our addition, same cache layout)."""
    A = np.tanh(Z)
    cache = Z
    return A, cache


def sigmoid_backward(dA, cache):
    """dZ for a sigmoid unit, given dA and the cached Z."""
    Z = cache
    s = 1 / (1 + np.exp(-Z))
    dZ = dA * s * (1 - s)
    return dZ


def relu_backward(dA, cache):
    """dZ for a ReLU unit: dA where Z > 0, else 0 (Z == 0 counts as inactive)."""
    Z = cache
    dZ = np.array(dA, copy=True)
    dZ[Z <= 0] = 0
    return dZ


def tanh_backward(dA, cache):
    """dZ for a tanh unit: dA * (1 - tanh(Z)**2)."""
    t = np.tanh(cache)
    dZ = dA * (1 - t * t)
    return dZ


_FORWARD = {"sigmoid": sigmoid, "relu": relu, "tanh": tanh}
_BACKWARD = {"sigmoid": sigmoid_backward, "relu": relu_backward, "tanh": tanh_backward}
ACTIVATIONS = tuple(_FORWARD)


def _check_activation(activation):
    if activation not in _FORWARD:
        raise ValueError(f"Unknown activation {activation!r}; "
                         f"use one of {', '.join(ACTIVATIONS)}.")


# --- initialisation ---

def initialize_parameters(n_x, n_h, n_y):
    """Two-layer parameters: seed 1, weights x 0.01 (W1 drawn before W2), zero biases."""
    np.random.seed(1)
    W1 = np.random.randn(n_h, n_x) * 0.01
    b1 = np.zeros((n_h, 1))
    W2 = np.random.randn(n_y, n_h) * 0.01
    b2 = np.zeros((n_y, 1))
    parameters = {"W1": W1, "b1": b1, "W2": W2, "b2": b2}
    return parameters


def initialize_parameters_deep(layer_dims):
    """Parameters for ``layer_dims = [n_x, n_1, ..., n_L]``: seed 3, weights x 0.01."""
    np.random.seed(3)
    parameters = {}
    L = len(layer_dims)
    for l in range(1, L):
        parameters["W" + str(l)] = np.random.randn(layer_dims[l], layer_dims[l - 1]) * 0.01
        parameters["b" + str(l)] = np.zeros((layer_dims[l], 1))
    return parameters


def initialize_parameters_deep_app(layer_dims):
    """The application lesson's initialiser: seed 1, weights / sqrt(fan-in).

    Scaling by the fan-in keeps each layer's output variance near that of its input,
    so a four-layer ReLU net starts learning at once (see the module docstring).
    """
    np.random.seed(1)
    parameters = {}
    L = len(layer_dims)
    for l in range(1, L):
        parameters["W" + str(l)] = (np.random.randn(layer_dims[l], layer_dims[l - 1])
                                    / np.sqrt(layer_dims[l - 1]))
        parameters["b" + str(l)] = np.zeros((layer_dims[l], 1))
    return parameters


# --- forward ---

def linear_forward(A, W, b):
    """``Z = W A + b``; the cache ``(A, W, b)`` is what the backward step needs."""
    Z = np.dot(W, A) + b
    cache = (A, W, b)
    return Z, cache


def linear_activation_forward(A_prev, W, b, activation):
    """One layer: linear step, then ``activation`` ("sigmoid", "relu" or "tanh").

    Returns ``(A, (linear_cache, activation_cache))``.
    """
    _check_activation(activation)
    Z, linear_cache = linear_forward(A_prev, W, b)
    A, activation_cache = _FORWARD[activation](Z)
    cache = (linear_cache, activation_cache)
    return A, cache


def L_model_forward(X, parameters):
    """ReLU hidden layers, sigmoid output. Returns ``AL`` (1, m) and one cache per layer."""
    caches = []
    A = X
    L = len(parameters) // 2
    for l in range(1, L):
        A_prev = A
        A, cache = linear_activation_forward(A_prev, parameters["W" + str(l)],
                                             parameters["b" + str(l)], activation="relu")
        caches.append(cache)
    AL, cache = linear_activation_forward(A, parameters["W" + str(L)],
                                          parameters["b" + str(L)], activation="sigmoid")
    caches.append(cache)
    return AL, caches


def compute_cost(AL, Y):
    """Mean cross-entropy of ``AL`` against ``Y``, as a 0-d value."""
    m = Y.shape[1]
    cost = -(np.dot(Y, np.log(AL.T)) + np.dot(1 - Y, np.log(1 - AL).T)) / m
    cost = np.squeeze(cost)
    return cost


# --- backward ---

def linear_backward(dZ, cache):
    """From dZ of a layer to ``(dA_prev, dW, db)``; dW and db are averaged over examples."""
    A_prev, W, b = cache
    m = A_prev.shape[1]
    dW = np.dot(dZ, A_prev.T) / m
    db = np.sum(dZ, axis=1, keepdims=True) / m
    dA_prev = np.dot(W.T, dZ)
    return dA_prev, dW, db


def linear_activation_backward(dA, cache, activation):
    """Backward through one layer's activation, then its linear step."""
    return _layer_backward(dA, cache, activation, True)


def _layer_backward(dA, cache, activation, need_dA_prev):
    """``linear_activation_backward`` that can leave out ``dA_prev`` (returned as None).

    The first layer's ``dA_prev`` is the gradient with respect to the input, which
    training never uses; on 12288-pixel images it is a third of the work of an
    iteration. The other numbers are computed exactly as with it.
    """
    _check_activation(activation)
    linear_cache, activation_cache = cache
    dZ = _BACKWARD[activation](dA, activation_cache)
    if need_dA_prev:
        return linear_backward(dZ, linear_cache)
    A_prev, W, b = linear_cache
    m = A_prev.shape[1]
    dW = np.dot(dZ, A_prev.T) / m
    db = np.sum(dZ, axis=1, keepdims=True) / m
    return None, dW, db


def L_model_backward(AL, Y, caches):
    """Gradients of the cost for the ReLU... -> sigmoid network.

    Key convention kept from the course text: ``grads["dA" + str(k)]`` is the
    gradient with respect to the *input* of layer ``k`` (so ``"dA1"`` is w.r.t. X),
    while ``"dW<k>"``/``"db<k>"`` belong to layer ``k``.
    """
    grads = {}
    L = len(caches)
    Y = Y.reshape(AL.shape)
    dAL = - (np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))
    current_cache = caches[L - 1]
    grads["dA" + str(L)], grads["dW" + str(L)], grads["db" + str(L)] = \
        linear_activation_backward(dAL, current_cache, "sigmoid")
    for l in reversed(range(L - 1)):
        current_cache = caches[l]
        dA_prev_temp, dW_temp, db_temp = linear_activation_backward(
            grads["dA" + str(l + 2)], current_cache, "relu")
        grads["dA" + str(l + 1)] = dA_prev_temp
        grads["dW" + str(l + 1)] = dW_temp
        grads["db" + str(l + 1)] = db_temp
    return grads


def update_parameters(parameters, grads, learning_rate):
    """One gradient-descent step on every ``W<l>``, ``b<l>``.

    Each entry is replaced by a new array rather than changed in place, so arrays
    already handed to a plot stay as they were.
    """
    L = len(parameters) // 2
    for l in range(L):
        parameters["W" + str(l + 1)] = (parameters["W" + str(l + 1)]
                                        - learning_rate * grads["dW" + str(l + 1)])
        parameters["b" + str(l + 1)] = (parameters["b" + str(l + 1)]
                                        - learning_rate * grads["db" + str(l + 1)])
    return parameters


# --- 1.5: the two models and the helper module's predict ---

def two_layer_model(X, Y, layers_dims, learning_rate=0.0075, num_iterations=3000,
                    print_cost=False):
    """LINEAR->RELU->LINEAR->SIGMOID trained by gradient descent; returns parameters.

    With ``print_cost`` the cost is printed every 100 iterations in the course's format.
    """
    np.random.seed(1)
    grads = {}
    (n_x, n_h, n_y) = layers_dims
    parameters = initialize_parameters(n_x, n_h, n_y)
    W1 = parameters["W1"]
    b1 = parameters["b1"]
    W2 = parameters["W2"]
    b2 = parameters["b2"]
    for i in range(0, num_iterations):
        A1, cache1 = linear_activation_forward(X, W1, b1, "relu")
        A2, cache2 = linear_activation_forward(A1, W2, b2, "sigmoid")
        cost = compute_cost(A2, Y)
        dA2 = - (np.divide(Y, A2) - np.divide(1 - Y, 1 - A2))
        dA1, dW2, db2 = linear_activation_backward(dA2, cache2, "sigmoid")
        # dA0 (w.r.t. the pixels) is not needed, so it is not computed
        _, dW1, db1 = _layer_backward(dA1, cache1, "relu", False)
        grads["dW1"] = dW1
        grads["db1"] = db1
        grads["dW2"] = dW2
        grads["db2"] = db2
        parameters = update_parameters(parameters, grads, learning_rate)
        W1 = parameters["W1"]
        b1 = parameters["b1"]
        W2 = parameters["W2"]
        b2 = parameters["b2"]
        if print_cost and i % 100 == 0:
            print("Cost after iteration {}: {}".format(i, np.squeeze(cost)))
    return parameters


def L_layer_model(X, Y, layers_dims, learning_rate=0.0075, num_iterations=3000,
                  print_cost=False):
    """[LINEAR->RELU] x (L-1) -> LINEAR->SIGMOID, started from the /sqrt(fan-in) weights."""
    np.random.seed(1)
    parameters = initialize_parameters_deep_app(layers_dims)
    for i in range(0, num_iterations):
        AL, caches = L_model_forward(X, parameters)
        cost = compute_cost(AL, Y)
        # L_model_backward without the unused gradient w.r.t. X (same other numbers)
        grads = L_model_backward_with(AL, Y, caches, ("relu",) * (len(caches) - 1),
                                      input_grad=False)
        parameters = update_parameters(parameters, grads, learning_rate)
        if print_cost and i % 100 == 0:
            print("Cost after iteration %i: %f" % (i, cost))
    return parameters


def predict(X, y, parameters):
    """Predict 0./1. labels ``(1, m)`` with ``L_model_forward`` and print the accuracy."""
    m = X.shape[1]
    probas, caches = L_model_forward(X, parameters)
    p = (probas > 0.5).astype(float)
    print("Accuracy: " + str(np.sum((p == y) / m)))
    return p


# --- generalised forms for the network builder (not course functions) ---

def _check_hidden(activations, L):
    if len(activations) != L - 1:
        raise ValueError(f"Expected {L - 1} hidden activations for {L} layers, "
                         f"got {len(activations)}.")
    for activation in activations:
        _check_activation(activation)


def L_model_forward_with(X, parameters, activations: Sequence[str]):
    """Like ``L_model_forward`` but hidden layer ``l`` uses ``activations[l-1]``.

    The output layer stays sigmoid. With every activation "relu" the numbers are
    those of ``L_model_forward``.
    """
    L = len(parameters) // 2
    _check_hidden(activations, L)
    caches = []
    A = X
    for l in range(1, L):
        A, cache = linear_activation_forward(A, parameters["W" + str(l)],
                                             parameters["b" + str(l)], activations[l - 1])
        caches.append(cache)
    AL, cache = linear_activation_forward(A, parameters["W" + str(L)],
                                          parameters["b" + str(L)], "sigmoid")
    caches.append(cache)
    return AL, caches


def L_model_backward_with(AL, Y, caches, activations: Sequence[str],
                          input_grad: bool = True):
    """Backward pass matching ``L_model_forward_with``; same gradient keys as
    ``L_model_backward`` (``"dA<k>"`` is w.r.t. the input of layer ``k``).

    ``input_grad=False`` skips ``"dA1"``, the gradient with respect to X, which
    training does not need and which costs most on wide inputs such as images.
    """
    L = len(caches)
    _check_hidden(activations, L)
    grads = {}
    Y = Y.reshape(AL.shape)
    dAL = - (np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))
    dA, grads["dW" + str(L)], grads["db" + str(L)] = _layer_backward(
        dAL, caches[L - 1], "sigmoid", input_grad or L > 1)
    if dA is not None:
        grads["dA" + str(L)] = dA
    for l in reversed(range(L - 1)):
        dA, dW, db = _layer_backward(dA, caches[l], activations[l], input_grad or l > 0)
        if dA is not None:
            grads["dA" + str(l + 1)] = dA
        grads["dW" + str(l + 1)] = dW
        grads["db" + str(l + 1)] = db
    return grads
