"""Small pieces the NumPy lessons share: plot grids, accuracy, result packing."""
from __future__ import annotations

import numpy as np

# A live decision boundary needs to be recomputed ~30 times a second; 100x100
# cells look smooth and cost one forward pass of 10,000 points.
BOUNDARY_RESOLUTION = 100


def grid_for(X: np.ndarray, resolution: int = BOUNDARY_RESOLUTION, pad: float = 1.0):
    """Grid over the data range padded by ``pad``, as the course's plot helper does.

    Returns (xs, ys, points) with points of shape (2, resolution**2), row-major
    over (y, x) so ``probability.reshape(len(ys), len(xs))`` lines up.
    """
    x_min, x_max = X[0].min() - pad, X[0].max() + pad
    y_min, y_max = X[1].min() - pad, X[1].max() + pad
    xs = np.linspace(x_min, x_max, resolution)
    ys = np.linspace(y_min, y_max, resolution)
    xx, yy = np.meshgrid(xs, ys)
    return xs, ys, np.vstack([xx.ravel(), yy.ravel()])


def boundary(xs, ys, probability_flat: np.ndarray) -> dict:
    return {"x": xs, "y": ys,
            "probability": np.asarray(probability_flat).reshape(len(ys), len(xs))}


def accuracy(predictions: np.ndarray, Y: np.ndarray) -> float:
    return float(np.mean(predictions.reshape(Y.shape) == Y))


def course_costs(curve: list[tuple[int, float]], every: int = 100) -> list[list]:
    """The costs the course prints: one per ``every`` iterations, starting at 0."""
    return [[i, c] for i, c in curve if i % every == 0]


def image_results(dataset, test_probabilities: np.ndarray) -> dict:
    """What the results analysis shows: predictions and the misclassified pictures."""
    predictions = (test_probabilities > 0.5).astype(int)
    wrong = np.flatnonzero(predictions[0] != dataset.Y_test[0])
    return {"test_probabilities": test_probabilities,
            "test_predictions": predictions,
            "misclassified": [int(i) for i in wrong]}


def sign_verdict(probabilities, classes, image: np.ndarray) -> dict:
    """What "try your own image" shows for a multi-class network: the most likely
    class, its probability, all of them, and the picture as the network saw it."""
    probabilities = np.asarray(probabilities).reshape(-1)
    k = int(np.argmax(probabilities))
    names = classes or [str(i) for i in range(len(probabilities))]
    return {"label": names[k], "probability": float(probabilities[k]),
            "probabilities": probabilities, "image": image}


def add_real_test(dataset, metrics: dict, result: dict, evaluate, loss_key=None) -> None:
    """When the lesson trained on a stand-in and the real test file came along
    (``dataset.extra["real_test"]``), test the model on it too: ``evaluate(X, Y)``
    returns the lesson's results dict ("accuracy", and "loss" when ``loss_key`` names
    the metric to report it under)."""
    real = dataset.extra.get("real_test")
    if real is None or not dataset.is_standin:
        return
    real_results = evaluate(real["X"], real["Y"])
    metrics["real_test_accuracy"] = real_results["accuracy"]
    if loss_key:
        metrics[loss_key] = real_results["loss"]
    result["real_test"] = {"provenance": real["provenance"], **real_results}
