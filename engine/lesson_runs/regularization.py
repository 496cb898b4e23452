"""Lesson 2.1.2: no regularization, L2 and dropout trained side by side on the field.

Each variant runs the course's ``model`` loop with its own cost and backward pass,
one iteration of each per step. The course reseeds NumPy with 1 inside
``forward_propagation_with_dropout``, so its masks repeat every iteration; the
lesson draws the very same masks from a private ``RandomState`` reseeded with 1 each
iteration
(tests prove the parameters equal ``model(...)``'s), and with ``fresh_masks`` one
generator keeps drawing new masks, as dropout is meant to.

Snapshot extra ``dropout`` (when the dropout variant is shown):
``{"layer_sizes": [20, 3], "keep_prob": float, "iteration": int,
"kept_fraction": [(20,), (3,)] share of training examples for which each hidden
unit was kept this iteration, "example_index": int,
"example_mask": [(20,) bool, (3,) bool] the masks of that example}``.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.global_random import GLOBAL_RANDOM_LOCK
from engine.lesson_runs.variant_runs import Variant, run_variants
from engine.lessons import COURSE_2, Lesson
from engine.numpy_nets.regularization import (backward_propagation,
                                              backward_propagation_with_dropout,
                                              backward_propagation_with_regularization,
                                              compute_cost, compute_cost_with_regularization,
                                              dropout_forward, forward_propagation,
                                              initialize_parameters, update_parameters)
from engine.settings import setting

HIDDEN = [20, 3]   # the course's layers_dims = [n_x, 20, 3, 1]


@dataclass
class RegularizationSettings:
    lambd: float = setting(0.7, "L2 strength λ (lambd)", minimum=0.0, maximum=3.0,
                           help="Weight of the L2 penalty in the L2 variant; the course "
                                "uses 0.7. Large values over-smooth the boundary.")
    keep_prob: float = setting(0.86, "Dropout keep_prob", minimum=0.3, maximum=1.0,
                               help="Chance that a hidden unit is kept in the dropout "
                                    "variant; the course uses 0.86.")
    learning_rate: float = setting(0.3, "Learning rate", minimum=1e-3, maximum=3.0,
                                   scale="log", live=True)
    num_iterations: int = setting(30000, "Iterations", minimum=1, maximum=60000,
                                  help="The course trains 30,000 iterations.")
    fresh_masks: bool = setting(False, "Fresh dropout masks",
                                help="The course reseeds before every forward pass, so "
                                     "its masks repeat; tick for new masks each time.")


def load_data(settings=None):
    from engine.data.two_d import field_dataset
    return field_dataset()


def labels(hp: RegularizationSettings) -> dict:
    return {"none": "No regularization",
            "l2": f"L2 (λ = {hp.lambd:g})",
            "dropout": f"Dropout (keep {hp.keep_prob:g})"}


def make_step(name: str, X, Y, lambd: float, keep_prob: float, fresh_masks: bool):
    """One iteration of the course's ``model`` loop for variant ``name``."""
    rng = np.random.RandomState(1)   # draws what np.random.seed(1) would, privately

    def step(parameters, rate, i):
        if name == "dropout" and keep_prob < 1:
            if not fresh_masks:
                rng.seed(1)   # the course reseeds on every call (a new RandomState is 100x slower)
            a3, cache = dropout_forward(X, parameters, keep_prob, rng)
            cost = compute_cost(a3, Y)
            grads = backward_propagation_with_dropout(X, Y, cache, keep_prob)
        else:
            a3, cache = forward_propagation(X, parameters)
            if name == "l2" and lambd != 0:
                cost = compute_cost_with_regularization(a3, Y, parameters, lambd)
                grads = backward_propagation_with_regularization(X, Y, cache, lambd)
            else:
                cost = compute_cost(a3, Y)
                grads = backward_propagation(X, Y, cache)
        parameters = update_parameters(parameters, grads, rate)
        return cost, parameters, cache
    return step


def dropout_extra(variants, iteration: int, keep_prob: float) -> dict:
    """Which hidden units the dropout variant's masks switched off this iteration."""
    variant = next((v for v in variants if v.name == "dropout"), None)
    if variant is None or variant.cache is None:
        return {}
    if len(variant.cache) == 14:    # the dropout cache carries D1 and D2
        D1, D2 = variant.cache[1], variant.cache[6]
    else:                           # keep_prob = 1: every unit kept
        D1 = np.ones_like(variant.cache[1], dtype=bool)
        D2 = np.ones_like(variant.cache[5], dtype=bool)
    m = D1.shape[1]
    # Walk through the examples so the picture shows how masks differ between them.
    j = iteration % m
    return {"dropout": {"layer_sizes": [D1.shape[0], D2.shape[0]],
                        "keep_prob": keep_prob, "iteration": iteration,
                        "kept_fraction": [D1.mean(axis=1), D2.mean(axis=1)],
                        "example_index": j,
                        "example_mask": [D1[:, j].astype(bool), D2[:, j].astype(bool)]}}


def run(hp: RegularizationSettings, on_event, control, dataset=None) -> dict:
    dataset = dataset or load_data(hp)
    X, Y = dataset.X_train, dataset.Y_train
    names = labels(hp)
    variants = []
    for name in ("none", "l2", "dropout"):
        with GLOBAL_RANDOM_LOCK:
            parameters = initialize_parameters([X.shape[0], *HIDDEN, 1])
        variant = Variant(name, names[name], parameters,
                          make_step(name, X, Y, hp.lambd, hp.keep_prob, hp.fresh_masks))
        variants.append(variant)
    view = dataset.extra.get("view", ((-0.75, 0.40), (-0.75, 0.65)))
    return run_variants(variants, dataset, hp.num_iterations, hp.learning_rate,
                        on_event, control, view,
                        extras=lambda vs, i: dropout_extra(vs, i, hp.keep_prob))


LESSON = Lesson(
    id="regularization",
    title="Regularization",
    course=COURSE_2, section="2.1.2",
    settings=RegularizationSettings, run=run, load_data=load_data,
    summary="L2 and dropout against an overfitting net on the French goalkeeper's "
            "football field.",
)
