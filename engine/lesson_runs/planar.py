"""Lesson 1.3: a one-hidden-layer tanh network on the planar "flower", live.

The training loop is ``nn_model``'s: forward_propagation, compute_cost,
backward_propagation, update_parameters. Initialisation draws exactly what the
course's ``initialize_parameters`` draws (seed 2, x0.01) but from a private
RandomState so a seed slider works and a job never touches NumPy's global state.
"""
from __future__ import annotations

from dataclasses import dataclass
import numpy as np

from engine.jobs import StopRequested
from engine.lesson_runs.common import accuracy, boundary, course_costs, grid_for
from engine.lessons import COURSE_1, Lesson
from engine.numpy_nets.shallow import (backward_propagation, compute_cost,
                                       forward_propagation, update_parameters)
from engine.settings import setting

DATASETS = ("flower", "noisy_circles", "noisy_moons", "blobs", "gaussian_quantiles")
SWEEP_SIZES = (1, 2, 3, 4, 5, 20, 50)
HIDDEN_GRID = 32  # the per-unit heat maps are small tiles; 32x32 is plenty


@dataclass
class PlanarSettings:
    dataset: str = setting("flower", "Dataset", choices=DATASETS,
                           help="The course's flower, or one of its optional 2-D sets.")
    n_h: int = setting(4, "Hidden units", minimum=1, maximum=50,
                       help="Size of the tanh hidden layer; the course uses 4.")
    learning_rate: float = setting(1.2, "Learning rate", minimum=1e-3, maximum=20.0,
                                   scale="log", live=True)
    num_iterations: int = setting(10000, "Iterations", minimum=1, maximum=50000)
    seed: int = setting(2, "Initialisation seed", minimum=0, maximum=9999,
                        help="Seed of the weight initialisation; the course's is 2.")
    hold_out: int = setting(0, "Held out for test (%)", minimum=0, maximum=50,
                            help="The course trains on every point (0). Hold some out to "
                                 "see test accuracy and overfitting.")


def load_data(settings=None):
    from engine.data.planar import hold_out, planar_dataset
    settings = settings or PlanarSettings()
    return hold_out(planar_dataset(settings.dataset), settings.hold_out)


def initial_parameters(n_x: int, n_h: int, n_y: int, seed: int) -> dict:
    rng = np.random.RandomState(seed)
    W1 = rng.randn(n_h, n_x) * 0.01
    W2 = rng.randn(n_y, n_h) * 0.01
    return {"W1": W1, "b1": np.zeros((n_h, 1)), "W2": W2, "b2": np.zeros((n_y, 1))}


def _predict_proba(parameters, points):
    return forward_propagation(points, parameters)[0]


def train(X, Y, n_h, num_iterations, learning_rate, seed, on_event, control,
          live_snapshots=True, iteration_offset=0, X_test=None, Y_test=None):
    """nn_model's loop with reporting; returns the (possibly partial) parameters.

    The sweep trains several models under one progress bar: it passes an
    ``iteration_offset`` and turns off the live snapshots and the cost curve."""
    parameters = initial_parameters(X.shape[0], n_h, Y.shape[0], seed)
    xs, ys, grid = grid_for(X)
    hx, hy, hidden_grid = grid_for(X, HIDDEN_GRID)
    accuracy_curve = []
    try:
        for i in range(num_iterations):
            control.checkpoint()
            A2, cache = forward_propagation(X, parameters)
            cost = compute_cost(A2, Y, parameters)
            grads = backward_propagation(parameters, cache, X, Y)
            rate = control.live("learning_rate", learning_rate)
            parameters = update_parameters(parameters, grads, learning_rate=rate)
            on_event.progress(iteration_offset + i, cost, record=live_snapshots)
            if live_snapshots and (on_event.snapshot_due() or i + 1 == num_iterations):
                train_acc = accuracy(A2 > 0.5, Y)
                test_acc = None if X_test is None else \
                    accuracy(_predict_proba(parameters, X_test) > 0.5, Y_test)
                accuracy_curve.append((i, train_acc, test_acc))
                A1_grid = forward_propagation(hidden_grid, parameters)[1]["A1"]
                on_event.snapshot(
                    iteration=i, total=num_iterations, train_accuracy=train_acc,
                    test_accuracy=test_acc, accuracy_curve=list(accuracy_curve),
                    boundary=boundary(xs, ys, _predict_proba(parameters, grid)),
                    hidden={"x": hx, "y": hy,
                            "activations": A1_grid.reshape(n_h, len(hy), len(hx))},
                    weights={"W1": parameters["W1"].copy(), "W2": parameters["W2"].copy()})
    except StopRequested:
        pass
    return parameters


def logistic_baseline(dataset) -> dict:
    """The course's scikit-learn LogisticRegressionCV baseline and its boundary."""
    import warnings

    from sklearn.linear_model import LogisticRegressionCV
    X, Y = dataset.X_train, dataset.Y_train
    clf = LogisticRegressionCV()
    with warnings.catch_warnings():
        # scikit-learn announces future default changes; the course's defaults are wanted.
        warnings.simplefilter("ignore", FutureWarning)
        clf.fit(X.T, Y.ravel())
    xs, ys, grid = grid_for(X)
    predictions = clf.predict(X.T)
    return {"accuracy": accuracy(predictions, Y),
            "boundary": boundary(xs, ys, clf.predict_proba(grid.T)[:, 1])}


def run(hp: PlanarSettings, on_event, control, dataset=None) -> dict:
    dataset = dataset or load_data(hp)
    X, Y = dataset.X_train, dataset.Y_train
    on_event.total = hp.num_iterations
    X_test, Y_test = dataset.X_test, dataset.Y_test
    parameters = train(X, Y, hp.n_h, hp.num_iterations, hp.learning_rate, hp.seed,
                       on_event, control, X_test=X_test, Y_test=Y_test)
    A2 = _predict_proba(parameters, X)
    xs, ys, grid = grid_for(X)
    test_acc = None if X_test is None else \
        accuracy(_predict_proba(parameters, X_test) > 0.5, Y_test)
    return {
        "metrics": {"train_accuracy": accuracy(A2 > 0.5, Y), "test_accuracy": test_acc,
                    "final_cost": on_event.curve[-1][1] if on_event.curve else None,
                    "iterations": len(on_event.curve)},
        "result": {"parameters": parameters, "costs": course_costs(on_event.curve, 1000),
                   "boundary": boundary(xs, ys, _predict_proba(parameters, grid))},
    }


def run_sweep(hp: PlanarSettings, on_event, control, dataset=None) -> dict:
    """The course's hidden-layer-size experiment (5000 iterations each) and the
    logistic-regression baseline, one finished tile at a time."""
    dataset = dataset or load_data(hp)
    X, Y = dataset.X_train, dataset.Y_train
    iterations = 5000
    on_event.total = iterations * len(SWEEP_SIZES)
    baseline = logistic_baseline(dataset)
    tiles = [{"title": "Logistic regression", "accuracy": baseline["accuracy"],
              "boundary": baseline["boundary"]}]
    on_event.snapshot(iteration=0, total=on_event.total, sweep=list(tiles))
    xs, ys, grid = grid_for(X)
    for k, n_h in enumerate(SWEEP_SIZES):
        offset = k * iterations
        # nn_model seeds 3 then initialize_parameters seeds 2: the draws are seed 2's.
        parameters = train(X, Y, n_h, iterations, 1.2, 2, on_event, control,
                           live_snapshots=False, iteration_offset=offset)
        if control.stop_requested:
            break
        tiles.append({"title": f"{n_h} hidden unit{'s' if n_h > 1 else ''}",
                      "accuracy": accuracy(_predict_proba(parameters, X) > 0.5, Y),
                      "boundary": boundary(xs, ys, _predict_proba(parameters, grid))})
        on_event.snapshot(iteration=offset + iterations - 1, total=on_event.total,
                          sweep=list(tiles))
    return {"metrics": {f"accuracy_{t['title']}": t["accuracy"] for t in tiles},
            "result": {"sweep": tiles}}


def run_baseline(hp: PlanarSettings, on_event, control, dataset=None) -> dict:
    baseline = logistic_baseline(dataset or load_data(hp))
    return {"metrics": {"train_accuracy": baseline["accuracy"]}, "result": baseline}


LESSON = Lesson(
    id="planar-one-hidden-layer",
    title="Planar data: one hidden layer",
    course=COURSE_1, section="1.3",
    settings=PlanarSettings, run=run, load_data=load_data,
    summary="A tanh hidden layer bends the decision boundary around the petals.",
    actions={"sweep": run_sweep, "baseline": run_baseline},
)
