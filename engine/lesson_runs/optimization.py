"""Lesson 2.2: mini-batch gradient descent, momentum and Adam on the moons, side by side.

The three optimizers train in ONE job, interleaved: each step of the loop is one
epoch of each (``control.checkpoint()`` once per step), so Pause/Step/Stop act on all
three and their curves grow together. Each variant runs exactly the course's
``model`` loop: the same initial parameters (``initialize_parameters``, seed 3), the
same mini-batches (seed 10 + epoch + 1; all three share them, as three separate
``model`` calls would draw them), the course's update functions, Adam's ``t`` counted
per mini-batch. A test proves the result equals ``model(...)``.

Extras for the page: ``mini_batch_view`` (the shuffle and partition of one epoch) and
``surface_paths`` (the three optimizers on a 2-D loss surface, same update functions).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from engine.global_random import GLOBAL_RANDOM_LOCK
from engine.jobs import StopRequested
from engine.lesson_runs.common import accuracy, boundary
from engine.lessons import COURSE_2, Lesson
from engine.numpy_nets.loss_surface import SURFACES, optimizer_paths
from engine.numpy_nets.optimization import (backward_propagation, compute_cost,
                                            forward_propagation, initialize_adam,
                                            initialize_parameters, initialize_velocity,
                                            random_mini_batches,
                                            update_parameters_with_adam,
                                            update_parameters_with_gd,
                                            update_parameters_with_momentum)
from engine.settings import setting

VARIANTS = (("gd", "Mini-batch gradient descent"), ("momentum", "Momentum"),
            ("adam", "Adam"))
LAYERS_DIMS = (2, 5, 2, 1)     # [train_X.shape[0], 5, 2, 1]
FIRST_SEED = 10                # model() starts at 10 and adds 1 before each epoch
BATCH_SIZES = ("16", "32", "64", "128")
SURFACE_STEPS = 400
# The course's boundary plots use these axis limits; the boundaries are computed on them.
VIEW_X, VIEW_Y = (-1.5, 2.5), (-1.0, 1.5)
# Three boundaries a frame: ten frames a second on 64x64 cells look live and cost a
# few per cent of the run (the same choice as the other comparison lessons).
SNAPSHOT_INTERVAL_S = 1 / 10
GRID_RESOLUTION = 64


@dataclass
class OptimizationSettings:
    learning_rate: float = setting(0.0007, "Learning rate", minimum=1e-5, maximum=0.1,
                                   scale="log", help="The course uses 0.0007 for all three.")
    mini_batch_size: str = setting("64", "Mini-batch size", choices=BATCH_SIZES,
                                   help="300 points in batches of 64: four of 64, one of 44.")
    beta: float = setting(0.9, "Momentum beta", minimum=0.0, maximum=0.999,
                          help="Weight of past gradients in momentum; 0 is plain descent.")
    beta1: float = setting(0.9, "Adam beta1", minimum=0.0, maximum=0.999,
                           help="Adam's average of gradients.")
    beta2: float = setting(0.999, "Adam beta2", minimum=0.0, maximum=0.9999,
                           help="Adam's average of squared gradients.")
    epsilon: float = setting(1e-8, "Adam epsilon", minimum=1e-12, maximum=1e-2, scale="log",
                             help="Keeps Adam from dividing by zero.")
    num_epochs: int = setting(10000, "Epochs", minimum=1, maximum=50000)
    surface: str = setting("ravine", "Loss surface", choices=tuple(SURFACES),
                           help="Loss surface (animation): the 2-D surface the "
                                "Loss-surface tab walks down.")
    surface_noise: float = setting(0.0, "Surface gradient noise", minimum=0.0, maximum=2.0,
                                   help="Noise added to the surface's gradients, as "
                                        "mini-batches add it; 0 is the exact gradient.")


def load_data(settings=None):
    from engine.data.moons import moons_dataset
    return moons_dataset()


def _initial_state(optimizer: str) -> dict:
    with GLOBAL_RANDOM_LOCK:
        state = np.random.get_state()
        try:
            parameters = initialize_parameters(list(LAYERS_DIMS))
        finally:
            np.random.set_state(state)
    variant = {"parameters": parameters, "t": 0, "status": "training", "message": "",
               "curve": [], "costs": [], "last_cost": None}
    if optimizer == "momentum":
        variant["v"] = initialize_velocity(parameters)
    elif optimizer == "adam":
        variant["v"], variant["s"] = initialize_adam(parameters)
    return variant


def epoch_mini_batches(X, Y, mini_batch_size: int, epoch: int):
    """The mini-batches ``model`` trains on in ``epoch`` (0-based): seed 11 + epoch."""
    with GLOBAL_RANDOM_LOCK:
        state = np.random.get_state()
        try:
            return random_mini_batches(X, Y, mini_batch_size, FIRST_SEED + epoch + 1)
        finally:
            np.random.set_state(state)


def _train_epoch(optimizer: str, variant: dict, minibatches, hp) -> float:
    """One epoch of ``model``'s inner loop; returns the last mini-batch's cost."""
    parameters = variant["parameters"]
    cost = float("nan")
    for minibatch_X, minibatch_Y in minibatches:
        a3, caches = forward_propagation(minibatch_X, parameters)
        cost = compute_cost(a3, minibatch_Y)
        grads = backward_propagation(minibatch_X, minibatch_Y, caches)
        if optimizer == "gd":
            parameters = update_parameters_with_gd(parameters, grads, hp.learning_rate)
        elif optimizer == "momentum":
            parameters, variant["v"] = update_parameters_with_momentum(
                parameters, grads, variant["v"], hp.beta, hp.learning_rate)
        else:
            variant["t"] += 1
            parameters, variant["v"], variant["s"] = update_parameters_with_adam(
                parameters, grads, variant["v"], variant["s"], variant["t"],
                hp.learning_rate, hp.beta1, hp.beta2, hp.epsilon)
    variant["parameters"] = parameters
    return float(cost)


def view_grid():
    """(xs, ys, points (2, n)) over the course's plot window."""
    xs = np.linspace(*VIEW_X, GRID_RESOLUTION)
    ys = np.linspace(*VIEW_Y, GRID_RESOLUTION)
    xx, yy = np.meshgrid(xs, ys)
    return xs, ys, np.vstack([xx.ravel(), yy.ravel()])


def _finite(parameters: dict) -> bool:
    return all(np.all(np.isfinite(p)) for p in parameters.values())


def _describe(variants: dict, X, Y, grid, with_boundary=True, with_parameters=False):
    """The contract's list of variant dicts, in display order."""
    xs, ys, points = grid
    out = []
    for name, label in VARIANTS:
        variant = variants[name]
        diverged = variant["status"] == "diverged"
        parameters = variant["parameters"]
        item = {"name": name, "label": label, "curve": list(variant["curve"]),
                "train_accuracy": None if diverged else
                accuracy(forward_propagation(X, parameters)[0] > 0.5, Y),
                "test_accuracy": None,
                "boundary": boundary(xs, ys, forward_propagation(points, parameters)[0])
                if with_boundary and not diverged else None,
                "status": variant["status"], "message": variant["message"]}
        if with_parameters:
            item["parameters"] = parameters
            item["costs"] = list(variant["costs"])
        out.append(item)
    return out


def curve_every(num_epochs: int) -> int:
    """Live-curve spacing: ~1000 points per variant, always hitting the course's
    every-100 records."""
    for step in (1, 2, 5, 10, 20, 50, 100):
        if num_epochs // step <= 1000:
            return step
    return 100


def run(hp: OptimizationSettings, on_event, control, dataset=None) -> dict:
    dataset = dataset or load_data(hp)
    X, Y = dataset.X_train, dataset.Y_train
    size = int(hp.mini_batch_size)
    on_event.total = hp.num_epochs
    on_event.snapshot_interval = SNAPSHOT_INTERVAL_S
    variants = {name: _initial_state(name) for name, _ in VARIANTS}
    grid = view_grid()
    every = curve_every(hp.num_epochs)
    epochs_done = 0
    try:
        for i in range(hp.num_epochs):
            control.checkpoint()
            minibatches = epoch_mini_batches(X, Y, size, i)
            costs = []
            for name, _ in VARIANTS:
                variant = variants[name]
                if variant["status"] != "training":
                    continue
                cost = _train_epoch(name, variant, minibatches, hp)
                if math.isnan(cost) or not _finite(variant["parameters"]):
                    variant["status"] = "diverged"
                    variant["message"] = (f"the cost became {cost} at epoch {i}; "
                                          "try a smaller learning rate")
                    continue
                variant["last_cost"] = cost
                if i % 100 == 0:
                    variant["costs"].append((i, cost))
                if math.isfinite(cost):
                    costs.append(cost)
                    if i % every == 0 or i + 1 == hp.num_epochs:
                        variant["curve"].append((i, cost))
            epochs_done = i + 1
            if all(v["status"] == "diverged" for v in variants.values()):
                break
            on_event.progress(i, float(np.mean(costs)) if costs else 0.0, record=False)
            if on_event.snapshot_due() or i + 1 == hp.num_epochs:
                on_event.snapshot(iteration=i, total=hp.num_epochs,
                                  variants=_describe(variants, X, Y, grid))
    except StopRequested:
        pass
    for variant in variants.values():
        if variant["status"] == "training":
            variant["status"] = "done"
            if epochs_done < hp.num_epochs:
                variant["message"] = f"stopped after {epochs_done} epochs"
    described = _describe(variants, X, Y, grid, with_parameters=True)
    metrics = {"iterations": epochs_done}
    for item in described:
        name = item["name"]
        metrics[f"{name}_train_accuracy"] = item["train_accuracy"]
        metrics[f"{name}_test_accuracy"] = None
        metrics[f"{name}_final_cost"] = variants[name]["last_cost"]
    return {"metrics": metrics, "result": {"variants": described}}


# --- extras for the page ---

def mini_batch_view(hp: OptimizationSettings, epoch: int = 0, dataset=None) -> dict:
    """How ``model`` cuts the data in ``epoch``: the permutation (seed 11 + epoch), the
    mini-batch of every original point, and the batch sizes."""
    dataset = dataset or load_data(hp)
    X, Y = dataset.X_train, dataset.Y_train
    size = int(hp.mini_batch_size)
    seed = FIRST_SEED + epoch + 1
    m = X.shape[1]
    with GLOBAL_RANDOM_LOCK:
        state = np.random.get_state()
        try:
            # random_mini_batches draws exactly this permutation after seeding.
            np.random.seed(seed)
            permutation = np.random.permutation(m)
            batches = random_mini_batches(X, Y, size, seed)
        finally:
            np.random.set_state(state)
    batch_of_point = np.empty(m, dtype=int)
    batch_of_point[permutation] = np.arange(m) // size
    return {"epoch": epoch, "seed": seed, "mini_batch_size": size,
            "permutation": permutation, "batch_of_point": batch_of_point,
            "sizes": [int(b[0].shape[1]) for b in batches],
            "X": X, "Y": Y}


def surface_paths(hp: OptimizationSettings) -> dict:
    """The three optimizers on the chosen 2-D surface with the lesson's settings."""
    return optimizer_paths(hp.surface, SURFACE_STEPS, hp.learning_rate, hp.beta, hp.beta1,
                           hp.beta2, hp.epsilon, noise=hp.surface_noise, seed=0)


def run_mini_batches(hp, on_event, control, dataset=None, epoch: int = 0) -> dict:
    view = mini_batch_view(hp, epoch, dataset)
    return {"metrics": {"batches": len(view["sizes"])}, "result": view}


def run_loss_surface(hp, on_event, control, dataset=None) -> dict:
    paths = surface_paths(hp)
    return {"metrics": {f"{name}_final_surface_cost": float(p["costs"][-1])
                        for name, p in paths["paths"].items()},
            "result": paths}


LESSON = Lesson(
    id="optimization",
    title="Optimization: mini-batches, momentum, Adam",
    course=COURSE_2, section="2.2",
    settings=OptimizationSettings, run=run, load_data=load_data,
    summary="Three optimizers train the same network on the moons, side by side.",
    actions={"mini_batches": run_mini_batches, "loss_surface": run_loss_surface},
)
