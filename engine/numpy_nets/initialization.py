"""Course 2.1.1 Initialization: zeros, large random and He weights on one 3-layer net.

The three graded initialisers and the provided ``model`` keep the course's names,
seeds and defaults; the helpers below are the course's init_utils pieces (its
backward pass folds ``1/m`` into ``dz3`` and names its gradients in lower case).
"""
from __future__ import annotations

import numpy as np

from engine.numpy_nets.three_layer import (backward_propagation,  # noqa: F401
                                           cross_entropy, forward_propagation,
                                           predict, predict_dec, relu, sigmoid,
                                           update_parameters)

INITIALIZATIONS = ("zeros", "random", "he")

# The course's names: the graded initialisers, model, and what it imports from init_utils.
__all__ = ["initialize_parameters_zeros", "initialize_parameters_random",
           "initialize_parameters_he", "model", "sigmoid", "relu", "forward_propagation",
           "backward_propagation", "compute_loss", "update_parameters", "predict",
           "predict_dec", "INITIALIZATIONS", "INITIALIZERS"]


def compute_loss(a3, Y):
    """The cross-entropy loss of init_utils (``nansum`` over the examples, / m)."""
    return cross_entropy(a3, Y)


def initialize_parameters_zeros(layers_dims):
    """Every weight and bias zero: every unit of a layer stays the same unit."""
    parameters = {}
    L = len(layers_dims)
    for l in range(1, L):
        parameters["W" + str(l)] = np.zeros((layers_dims[l], layers_dims[l - 1]))
        parameters["b" + str(l)] = np.zeros((layers_dims[l], 1))
    return parameters


def initialize_parameters_random(layers_dims):
    """Weights ``randn * 10`` (seed 3), zero biases: breaks symmetry but saturates."""
    np.random.seed(3)
    parameters = {}
    L = len(layers_dims)
    for l in range(1, L):
        parameters["W" + str(l)] = np.random.randn(layers_dims[l], layers_dims[l - 1]) * 10
        parameters["b" + str(l)] = np.zeros((layers_dims[l], 1))
    return parameters


def initialize_parameters_he(layers_dims):
    """He et al. 2015: ``randn * sqrt(2 / n[l-1])`` (seed 3), zero biases."""
    np.random.seed(3)
    parameters = {}
    L = len(layers_dims) - 1
    for l in range(1, L + 1):
        parameters["W" + str(l)] = np.random.randn(layers_dims[l], layers_dims[l - 1]) * \
            np.sqrt(2. / layers_dims[l - 1])
        parameters["b" + str(l)] = np.zeros((layers_dims[l], 1))
    return parameters


INITIALIZERS = {"zeros": initialize_parameters_zeros,
                "random": initialize_parameters_random,
                "he": initialize_parameters_he}


def model(X, Y, learning_rate=0.01, num_iterations=15000, print_cost=True,
          initialization="he"):
    """The course's 3-layer model ``[n_x, 10, 5, 1]``; returns the learnt parameters.

    Prints and records the cost every 1000 iterations, as the course does (the
    course also plots the recorded costs; the app draws them live instead).
    """
    costs = []
    layers_dims = [X.shape[0], 10, 5, 1]
    if initialization not in INITIALIZERS:
        raise ValueError(f"initialization must be one of {', '.join(INITIALIZATIONS)}; "
                         f"got {initialization!r}")
    parameters = INITIALIZERS[initialization](layers_dims)

    for i in range(0, num_iterations):
        a3, cache = forward_propagation(X, parameters)
        cost = compute_loss(a3, Y)
        grads = backward_propagation(X, Y, cache)
        parameters = update_parameters(parameters, grads, learning_rate)
        if print_cost and i % 1000 == 0:
            print("Cost after iteration {}: {}".format(i, cost))
            costs.append(cost)
    return parameters
