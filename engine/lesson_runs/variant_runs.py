"""Training several variants of one model side by side, inside one job.

The initialization and regularization lessons compare three ways of training the
same network. Each step of the loop advances every variant by one iteration
(round-robin) and calls ``control.checkpoint()`` once, so Pause / Step / Stop act on
all of them together and their curves grow together (see briefs: variants
contract, documented in engine/snapshots.md).

A variant whose cost becomes NaN is marked diverged and left behind; the others
carry on. An infinite cost is not a divergence: the course's large random
initialisation starts at ``inf`` (a saturated sigmoid) and recovers.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from engine.jobs import StopRequested
from engine.lesson_runs.common import accuracy, boundary
from engine.numpy_nets.three_layer import probabilities

# The live curve gets at most this many points per variant (the course's own
# records, every 1000 iterations, are always among them).
CURVE_POINTS = 500
RECORD_STEPS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)
# Three boundaries per frame: ten frames a second look live, and 64x64 cells per
# boundary keep a frame's three extra forward passes to a few percent of the run.
SNAPSHOT_INTERVAL_S = 1 / 10
GRID_RESOLUTION = 64


def record_every(total: int) -> int:
    """The finest step from RECORD_STEPS that keeps the curve under CURVE_POINTS."""
    for step in RECORD_STEPS:
        if total / step <= CURVE_POINTS:
            return step
    return RECORD_STEPS[-1]


@dataclass
class Variant:
    """One contender. ``step(parameters, learning_rate, iteration)`` runs one course
    iteration (forward, cost, backward, update) and returns ``(cost, parameters, cache)``."""

    name: str
    label: str
    parameters: dict
    step: Callable
    status: str = "training"
    message: str = ""
    curve: list = field(default_factory=list)
    last_cost: float | None = None
    cache: tuple | None = None


def view_grid(view, resolution: int = GRID_RESOLUTION):
    """(xs, ys, points (2, n)) over the course's plot window ``((x0, x1), (y0, y1))``."""
    (x0, x1), (y0, y1) = view
    xs = np.linspace(x0, x1, resolution)
    ys = np.linspace(y0, y1, resolution)
    xx, yy = np.meshgrid(xs, ys)
    return xs, ys, np.vstack([xx.ravel(), yy.ravel()])


def describe(variant: Variant, dataset, grid, with_parameters: bool = False) -> dict:
    """The per-variant dict of the snapshot / result (see the variants contract)."""
    out = {"name": variant.name, "label": variant.label, "curve": list(variant.curve),
           "train_accuracy": None, "test_accuracy": None, "boundary": None,
           "status": variant.status, "message": variant.message}
    if variant.status != "diverged":
        params = variant.parameters
        out["train_accuracy"] = accuracy(probabilities(params, dataset.X_train) > 0.5,
                                         dataset.Y_train)
        if dataset.X_test is not None:
            out["test_accuracy"] = accuracy(probabilities(params, dataset.X_test) > 0.5,
                                            dataset.Y_test)
        xs, ys, points = grid
        out["boundary"] = boundary(xs, ys, probabilities(params, points))
    if with_parameters:
        out["parameters"] = {k: v.copy() for k, v in variant.parameters.items()}
    return out


def _advance(variant: Variant, rate: float, i: int, every: int, last: int) -> None:
    cost, variant.parameters, variant.cache = variant.step(variant.parameters, rate, i)
    cost = float(cost)
    variant.last_cost = cost
    if math.isnan(cost):
        variant.status = "diverged"
        variant.message = (f"the cost became NaN at iteration {i}; "
                           "try a smaller learning rate")
        return
    if math.isfinite(cost) and (i % every == 0 or i == last):
        variant.curve.append((i, cost))


def run_variants(variants: list[Variant], dataset, num_iterations: int, learning_rate: float,
                 on_event, control, view, extras: Callable | None = None) -> dict:
    """Train ``variants`` round-robin for ``num_iterations`` steps; returns the job's
    ``{"metrics", "result"}``. ``extras(variants, iteration)`` adds lesson-specific
    snapshot keys. The learning rate is read live each step."""
    on_event.total = num_iterations
    on_event.snapshot_interval = max(on_event.snapshot_interval, SNAPSHOT_INTERVAL_S)
    every = record_every(num_iterations)
    grid = view_grid(view)
    last = num_iterations - 1
    done = 0
    try:
        for i in range(num_iterations):
            control.checkpoint()
            rate = control.live("learning_rate", learning_rate)
            active = [v for v in variants if v.status == "training"]
            if not active:
                break
            for variant in active:
                _advance(variant, rate, i, every, last)
            done = i + 1
            finite = [v.last_cost for v in reversed(active)
                      if v.last_cost is not None and math.isfinite(v.last_cost)]
            # The status bar shows one number: the last variant's (He / dropout), or
            # any finite one while that is inf.
            on_event.progress(i, finite[0] if finite else 0.0, record=False)
            if on_event.snapshot_due() or i == last:
                snap = {"iteration": i, "total": num_iterations,
                        "variants": [describe(v, dataset, grid) for v in variants]}
                if extras is not None:
                    snap.update(extras(variants, i))
                on_event.snapshot(**snap)
    except StopRequested:
        pass  # the job knows it was stopped; report the partial models
    for v in variants:
        if v.status == "training":
            v.status = "done"
    described = [describe(v, dataset, grid, with_parameters=True) for v in variants]
    metrics: dict = {"iterations": done}
    for d, v in zip(described, variants):
        metrics[f"{v.name}_train_accuracy"] = d["train_accuracy"]
        metrics[f"{v.name}_test_accuracy"] = d["test_accuracy"]
        metrics[f"{v.name}_final_cost"] = (v.last_cost if v.last_cost is not None
                                           and not math.isnan(v.last_cost) else None)
        d["course_costs"] = [(i, c) for i, c in v.curve if i % 1000 == 0]
    result: dict = {"variants": described}
    if extras is not None:
        result.update(extras(variants, max(done - 1, 0)))
    return {"metrics": metrics, "result": result}
