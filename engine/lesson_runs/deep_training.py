"""The L-layer training loop both deep lessons run, with live reporting.

It is ``L_layer_model``'s loop (forward, cost, backward, update, cost recorded
every 100 iterations). With all hidden layers ReLU the forward pass is the
course's own ``L_model_forward``; other activations chosen in the network builder
go through the same building blocks with a per-layer activation list. The
backward pass is ``L_model_backward``'s, minus the gradient with respect to the
input pixels, which training never uses and which is a third of the work on
12,288-pixel images (same numbers, checked by the tests).
"""
from __future__ import annotations

import numpy as np

from engine.jobs import CURVES_ONLY_SNAPSHOT_INTERVAL_S, StopRequested
from engine.lesson_runs.common import accuracy, boundary, course_costs, grid_for
from engine.numpy_nets.deep import (L_model_backward_with, L_model_forward,
                                    L_model_forward_with, compute_cost, update_parameters)


def forward_fn(activations):
    """(forward, backward) for a network whose hidden layers use ``activations``."""
    activations = list(activations)

    def backward(AL, Y, caches):
        return L_model_backward_with(AL, Y, caches, activations, input_grad=False)

    if all(a == "relu" for a in activations):
        return L_model_forward, backward
    return (lambda X, p: L_model_forward_with(X, p, activations)), backward


def train_deep(parameters: dict, activations, X, Y, X_test, Y_test, num_iterations: int,
               learning_rate: float, on_event, control, points: bool = False) -> dict:
    """Train in place of the course loop; returns metrics and the final parameters.

    ``points`` adds a live decision boundary (2-D data)."""
    forward, backward = forward_fn(activations)
    on_event.total = num_iterations
    if not points:
        on_event.snapshot_interval = CURVES_ONLY_SNAPSHOT_INTERVAL_S
    accuracy_curve = []
    if points:
        xs, ys, grid = grid_for(X)
    try:
        for i in range(num_iterations):
            control.checkpoint()
            AL, caches = forward(X, parameters)
            cost = compute_cost(AL, Y)
            grads = backward(AL, Y, caches)
            rate = control.live("learning_rate", learning_rate)
            parameters = update_parameters(parameters, grads, rate)
            on_event.progress(i, cost)
            if on_event.snapshot_due() or i + 1 == num_iterations:
                # AL is from before this update; close enough for a live plot and free.
                train_acc = accuracy(AL > 0.5, Y)
                test_acc = None if X_test is None else \
                    accuracy(forward(X_test, parameters)[0] > 0.5, Y_test)
                accuracy_curve.append((i, train_acc, test_acc))
                extra = {}
                if points:
                    extra["boundary"] = boundary(xs, ys, forward(grid, parameters)[0])
                on_event.snapshot(iteration=i, total=num_iterations,
                                  train_accuracy=train_acc, test_accuracy=test_acc,
                                  accuracy_curve=list(accuracy_curve), **extra)
    except StopRequested:
        pass
    train_probabilities = forward(X, parameters)[0]
    metrics = {"train_accuracy": accuracy(train_probabilities > 0.5, Y),
               "test_accuracy": None,
               "final_cost": on_event.curve[-1][1] if on_event.curve else None,
               "iterations": len(on_event.curve)}
    result = {"parameters": parameters, "activations": list(activations),
              "costs": course_costs(on_event.curve)}
    if X_test is not None:
        test_probabilities = forward(X_test, parameters)[0]
        metrics["test_accuracy"] = accuracy(test_probabilities > 0.5, Y_test)
        result["test_probabilities"] = test_probabilities
    if points:
        result["boundary"] = boundary(xs, ys, forward(grid, parameters)[0])
    return {"metrics": metrics, "result": result}


def predict_probability(result: dict, X: np.ndarray) -> np.ndarray:
    forward, _ = forward_fn(result["activations"])
    return forward(X, result["parameters"])[0]
