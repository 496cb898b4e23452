"""Course 1.2, logistic regression seen as a one-neuron network (cat / non-cat).

Examples are columns: ``X`` is ``(n_x, m)``, labels ``Y`` are ``(1, m)`` of 0/1.
Names and signatures follow the course.
"""
from __future__ import annotations

import numpy as np


def sigmoid(z):
    """Logistic function, elementwise."""
    s = 1 / (1 + np.exp(-z))
    return s


def initialize_with_zeros(dim):
    """Zero weights ``(dim, 1)`` and a zero bias.

    Zeros are fine here (unlike in deeper nets) because a single unit has no
    symmetry to break.
    """
    w = np.zeros((dim, 1))
    b = 0
    return w, b


def propagate(w, b, X, Y):
    """One forward and backward pass: returns ``({"dw", "db"}, cost)``."""
    m = X.shape[1]
    A = sigmoid(np.dot(w.T, X) + b)
    cost = -(np.dot(Y, np.log(A.T)) + np.dot(np.log(1 - A), (1 - Y).T)) / m
    dZ = A - Y
    dw = np.dot(X, dZ.T) / m
    db = np.sum(dZ) / m
    cost = np.squeeze(cost)
    grads = {"dw": dw, "db": db}
    return grads, cost


def optimize(w, b, X, Y, num_iterations, learning_rate, print_cost=False):
    """Batch gradient descent on ``w, b``.

    Returns ``(params, grads, costs)``; ``grads`` are those of the last step and
    ``costs`` holds the cost every 100 iterations.
    """
    costs = []
    for i in range(num_iterations):
        grads, cost = propagate(w, b, X, Y)
        dw = grads["dw"]
        db = grads["db"]
        w = w - learning_rate * dw
        b = b - learning_rate * db
        if i % 100 == 0:
            costs.append(cost)
            if print_cost:
                print("Cost after iteration %i: %f" % (i, cost))
    params = {"w": w, "b": b}
    grads = {"dw": dw, "db": db}
    return params, grads, costs


def predict(w, b, X):
    """Labels 0./1. ``(1, m)``: 1 where the predicted probability is above 0.5."""
    w = w.reshape(X.shape[0], 1)
    A = sigmoid(np.dot(w.T, X) + b)
    Y_prediction = (A > 0.5).astype(float)
    return Y_prediction


def model(X_train, Y_train, X_test, Y_test, num_iterations=2000, learning_rate=0.5,
          print_cost=False):
    """Train from zeros, predict both sets, print both accuracies (in %) as the course does.

    Returns the dict ``d`` with ``costs``, ``Y_prediction_test``, ``Y_prediction_train``,
    ``w``, ``b``, ``learning_rate`` and ``num_iterations``.
    """
    w, b = initialize_with_zeros(X_train.shape[0])
    parameters, grads, costs = optimize(w, b, X_train, Y_train, num_iterations,
                                        learning_rate, print_cost)
    w = parameters["w"]
    b = parameters["b"]
    Y_prediction_test = predict(w, b, X_test)
    Y_prediction_train = predict(w, b, X_train)
    print("train accuracy: {} %".format(
        100 - np.mean(np.abs(Y_prediction_train - Y_train)) * 100))
    print("test accuracy: {} %".format(
        100 - np.mean(np.abs(Y_prediction_test - Y_test)) * 100))
    d = {"costs": costs,
         "Y_prediction_test": Y_prediction_test,
         "Y_prediction_train": Y_prediction_train,
         "w": w,
         "b": b,
         "learning_rate": learning_rate,
         "num_iterations": num_iterations}
    return d
