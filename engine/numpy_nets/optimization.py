"""Course 2.2: mini-batches, momentum and Adam, and the 3-layer model they train.

The six graded functions and ``model`` keep the course's names, signatures and
defaults; the helpers the notebook imports from ``opt_utils`` (``initialize_parameters``,
``forward_propagation``, ``backward_propagation``, ``compute_cost``, ``predict``,
``predict_dec``) are here too, with the numbers that reproduce every cost the course
printed. Two details of those helpers matter for the numbers:

* ``backward_propagation`` folds the 1/m into ``dz3`` (so no later ``1./m``);
* ``compute_cost`` is the mean over the mini-batch it is given, and ``model`` prints
  the cost of the LAST mini-batch of the epoch (44 examples with m = 300, size 64).

``random_mini_batches`` and ``initialize_parameters`` seed NumPy's global RNG as the
course does; code on a job thread holds ``engine.global_random.GLOBAL_RANDOM_LOCK``
around them.
"""
from __future__ import annotations

import math

import numpy as np

# opt_utils' sigmoid, relu, forward and backward passes and predictions are the same
# as init_utils'.
from engine.numpy_nets.three_layer import (backward_propagation,  # noqa: F401
                                           forward_propagation, predict, predict_dec,
                                           relu, sigmoid)

# --- opt_utils ---

def initialize_parameters(layer_dims):
    """He-scaled weights (randn * sqrt(2 / fan-in)) after ``np.random.seed(3)``, zero biases."""
    np.random.seed(3)
    parameters = {}
    L = len(layer_dims)
    for l in range(1, L):
        parameters['W' + str(l)] = np.random.randn(layer_dims[l], layer_dims[l - 1]) * \
            np.sqrt(2 / layer_dims[l - 1])
        parameters['b' + str(l)] = np.zeros((layer_dims[l], 1))
    return parameters


def compute_cost(a3, Y):
    """Mean cross-entropy over the examples given."""
    m = Y.shape[1]
    logprobs = np.multiply(-np.log(a3), Y) + np.multiply(-np.log(1 - a3), 1 - Y)
    cost = 1. / m * np.sum(logprobs)
    return cost


# --- the graded functions ---

def update_parameters_with_gd(parameters, grads, learning_rate):
    """One plain gradient step on every W<l>, b<l>."""
    L = len(parameters) // 2
    for l in range(L):
        parameters["W" + str(l + 1)] = parameters["W" + str(l + 1)] - \
            learning_rate * grads['dW' + str(l + 1)]
        parameters["b" + str(l + 1)] = parameters["b" + str(l + 1)] - \
            learning_rate * grads['db' + str(l + 1)]
    return parameters


def random_mini_batches(X, Y, mini_batch_size=64, seed=0):
    """Shuffle X and Y together (after ``np.random.seed(seed)``), then cut consecutive
    mini-batches; the last one holds the remainder when m is not a multiple."""
    np.random.seed(seed)
    m = X.shape[1]
    mini_batches = []

    permutation = list(np.random.permutation(m))
    shuffled_X = X[:, permutation]
    shuffled_Y = Y[:, permutation].reshape((1, m))

    num_complete_minibatches = math.floor(m / mini_batch_size)
    for k in range(0, num_complete_minibatches):
        mini_batch_X = shuffled_X[:, mini_batch_size * k: mini_batch_size * (k + 1)]
        mini_batch_Y = shuffled_Y[:, mini_batch_size * k: mini_batch_size * (k + 1)]
        mini_batches.append((mini_batch_X, mini_batch_Y))

    if m % mini_batch_size != 0:
        mini_batch_X = shuffled_X[:, num_complete_minibatches * mini_batch_size: m]
        mini_batch_Y = shuffled_Y[:, num_complete_minibatches * mini_batch_size: m]
        mini_batches.append((mini_batch_X, mini_batch_Y))

    return mini_batches


def initialize_velocity(parameters):
    """v["dW<l>"], v["db<l>"]: zeros shaped like the parameters."""
    L = len(parameters) // 2
    v = {}
    for l in range(L):
        v["dW" + str(l + 1)] = np.zeros(parameters['W' + str(l + 1)].shape)
        v["db" + str(l + 1)] = np.zeros(parameters['b' + str(l + 1)].shape)
    return v


def update_parameters_with_momentum(parameters, grads, v, beta, learning_rate):
    """v = beta v + (1 - beta) grad, then a step along v."""
    L = len(parameters) // 2
    for l in range(L):
        v["dW" + str(l + 1)] = beta * v["dW" + str(l + 1)] + (1 - beta) * grads['dW' + str(l + 1)]
        v["db" + str(l + 1)] = beta * v["db" + str(l + 1)] + (1 - beta) * grads['db' + str(l + 1)]
        parameters["W" + str(l + 1)] = parameters["W" + str(l + 1)] - \
            learning_rate * v["dW" + str(l + 1)]
        parameters["b" + str(l + 1)] = parameters["b" + str(l + 1)] - \
            learning_rate * v["db" + str(l + 1)]
    return parameters, v


def initialize_adam(parameters):
    """v and s for Adam: zeros shaped like the parameters, keys dW<l>, db<l>."""
    L = len(parameters) // 2
    v = {}
    s = {}
    for l in range(L):
        v["dW" + str(l + 1)] = np.zeros(parameters["W" + str(l + 1)].shape)
        v["db" + str(l + 1)] = np.zeros(parameters["b" + str(l + 1)].shape)
        s["dW" + str(l + 1)] = np.zeros(parameters["W" + str(l + 1)].shape)
        s["db" + str(l + 1)] = np.zeros(parameters["b" + str(l + 1)].shape)
    return v, s


def update_parameters_with_adam(parameters, grads, v, s, t, learning_rate=0.01,
                                beta1=0.9, beta2=0.999, epsilon=1e-8):
    """One Adam step (t counts steps from 1). As in the course's code, epsilon is added
    after the square root (its displayed formula puts it inside)."""
    L = len(parameters) // 2
    v_corrected = {}
    s_corrected = {}
    for l in range(L):
        for p in ("W", "b"):
            key = "d" + p + str(l + 1)
            v[key] = beta1 * v[key] + (1 - beta1) * grads[key]
            v_corrected[key] = v[key] / (1 - math.pow(beta1, t))
            s[key] = beta2 * s[key] + (1 - beta2) * (grads[key] ** 2)
            s_corrected[key] = s[key] / (1 - math.pow(beta2, t))
            parameters[p + str(l + 1)] = parameters[p + str(l + 1)] - learning_rate * \
                v_corrected[key] / (np.sqrt(s_corrected[key]) + epsilon)
    return parameters, v, s


def model(X, Y, layers_dims, optimizer, learning_rate=0.0007, mini_batch_size=64, beta=0.9,
          beta1=0.9, beta2=0.999, epsilon=1e-8, num_epochs=10000, print_cost=True):
    """The course's 3-layer model trained with "gd", "momentum" or "adam" mini-batches.

    Prints the last mini-batch's cost every 1000 epochs; returns the parameters. (The
    course also plots the costs it records every 100 epochs; that plot is the app's.)
    """
    costs = []
    t = 0
    seed = 10
    parameters = initialize_parameters(layers_dims)
    if optimizer == "gd":
        pass
    elif optimizer == "momentum":
        v = initialize_velocity(parameters)
    elif optimizer == "adam":
        v, s = initialize_adam(parameters)

    for i in range(num_epochs):
        # a new seed each epoch reshuffles the data differently
        seed = seed + 1
        minibatches = random_mini_batches(X, Y, mini_batch_size, seed)
        for minibatch in minibatches:
            (minibatch_X, minibatch_Y) = minibatch
            a3, caches = forward_propagation(minibatch_X, parameters)
            cost = compute_cost(a3, minibatch_Y)
            grads = backward_propagation(minibatch_X, minibatch_Y, caches)
            if optimizer == "gd":
                parameters = update_parameters_with_gd(parameters, grads, learning_rate)
            elif optimizer == "momentum":
                parameters, v = update_parameters_with_momentum(parameters, grads, v, beta,
                                                                learning_rate)
            elif optimizer == "adam":
                t = t + 1
                parameters, v, s = update_parameters_with_adam(parameters, grads, v, s, t,
                                                               learning_rate, beta1, beta2,
                                                               epsilon)
        if print_cost and i % 1000 == 0:
            print("Cost after epoch %i: %f" % (i, cost))
        if print_cost and i % 100 == 0:
            costs.append(cost)
    return parameters
