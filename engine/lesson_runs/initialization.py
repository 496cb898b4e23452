"""Lesson 2.1.1: zeros, large random and He initialisation trained side by side.

Each variant runs the course's ``model`` loop (forward_propagation, compute_loss,
backward_propagation, update_parameters) on the circles, one iteration of each per
step; the initial weights are the course initialisers' own draws (seed 3), taken
under the global-random lock. tests/engine/test_initialization.py checks that the
parameters equal ``model(...)``'s.
"""
from __future__ import annotations

from dataclasses import dataclass

from engine.global_random import GLOBAL_RANDOM_LOCK
from engine.lesson_runs.variant_runs import Variant, run_variants
from engine.lessons import COURSE_2, Lesson
from engine.numpy_nets.initialization import (INITIALIZERS, backward_propagation,
                                              compute_loss, forward_propagation,
                                              update_parameters)
from engine.settings import SettingsError, setting

LABELS = {"zeros": "Zeros initialization", "random": "Large random initialization",
          "he": "He initialization"}
HIDDEN = [10, 5]   # the course's layers_dims = [n_x, 10, 5, 1]


@dataclass
class InitializationSettings:
    learning_rate: float = setting(0.01, "Learning rate", minimum=1e-4, maximum=1.0,
                                   scale="log", live=True,
                                   help="The course uses 0.01 for all three.")
    num_iterations: int = setting(15000, "Iterations", minimum=1, maximum=50000,
                                  help="The course trains 15,000 iterations.")
    # short labels: the settings panel is narrow; the full wording is the tooltip
    train_zeros: bool = setting(True, "Train zeros",
                                help="Train the network with all weights initialised to zero.")
    train_random: bool = setting(True, "Train random x10",
                                 help="Train with large random initialization: weights "
                                      "drawn from a normal distribution times 10.")
    train_he: bool = setting(True, "Train He",
                             help="Train with He initialization: weights scaled by "
                                  "sqrt(2 / size of the previous layer).")


def load_data(settings=None):
    from engine.data.two_d import circles_dataset
    return circles_dataset()


def chosen(hp: InitializationSettings) -> list[str]:
    return [name for name in ("zeros", "random", "he") if getattr(hp, f"train_{name}")]


def course_step(parameters, learning_rate, i, X, Y):
    """One iteration of the course's ``model`` loop."""
    a3, cache = forward_propagation(X, parameters)
    cost = compute_loss(a3, Y)
    grads = backward_propagation(X, Y, cache)
    parameters = update_parameters(parameters, grads, learning_rate)
    return cost, parameters, cache


def make_variant(name: str, X, Y) -> Variant:
    with GLOBAL_RANDOM_LOCK:
        parameters = INITIALIZERS[name]([X.shape[0], *HIDDEN, 1])
    return Variant(name, LABELS[name], parameters,
                   lambda p, rate, i: course_step(p, rate, i, X, Y))


def run(hp: InitializationSettings, on_event, control, dataset=None) -> dict:
    names = chosen(hp)
    if not names:
        raise SettingsError("Choose at least one initialization to train.")
    dataset = dataset or load_data(hp)
    X, Y = dataset.X_train, dataset.Y_train
    variants = [make_variant(name, X, Y) for name in names]
    view = dataset.extra.get("view", ((-1.5, 1.5), (-1.5, 1.5)))
    return run_variants(variants, dataset, hp.num_iterations, hp.learning_rate,
                        on_event, control, view)


LESSON = Lesson(
    id="initialization",
    title="Initialization",
    course=COURSE_2, section="2.1.1",
    settings=InitializationSettings, run=run, load_data=load_data,
    summary="Zeros, large random and He weights: the same network learns "
            "nothing, slowly, or well.",
)
