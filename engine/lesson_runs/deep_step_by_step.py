"""Lesson 1.4: the L-layer building blocks, assembled by the learner.

The course has no dataset here; the page trains whatever network the learner
builds on a 2-D set so the effect of depth, width and activations is visible as
a decision boundary. Initialisation is the step-by-step ``initialize_parameters_deep``
(seed 3, x0.01) or, to show why the application changed it, the application's
(seed 1, divided by sqrt of fan-in).
"""
from __future__ import annotations

from dataclasses import dataclass

from engine.global_random import GLOBAL_RANDOM_LOCK
from engine.lesson_runs.deep_training import train_deep
from engine.lessons import COURSE_1, Lesson
from engine.numpy_nets.deep import initialize_parameters_deep, initialize_parameters_deep_app
from engine.settings import setting

INITIALISATIONS = ("scaled by 1/sqrt(fan-in)", "x0.01")


@dataclass
class StepByStepSettings:
    dataset: str = setting("flower", "Dataset",
                           choices=("flower", "noisy_circles", "noisy_moons", "blobs",
                                    "gaussian_quantiles"))
    hidden_layers: tuple = setting(((8, "tanh"), (4, "relu")), "Hidden layers", "layers",
                                   minimum=1, maximum=256,
                                   activations=("relu", "tanh", "sigmoid"))
    initialization: str = setting(INITIALISATIONS[0], "Initialisation",
                                  choices=INITIALISATIONS,
                                  help="x0.01 is initialize_parameters_deep (seed 3); "
                                       "the other is the application's (seed 1).")
    learning_rate: float = setting(0.3, "Learning rate", minimum=1e-4, maximum=10.0,
                                   scale="log", live=True)
    num_iterations: int = setting(5000, "Iterations", minimum=1, maximum=50000)
    hold_out: int = setting(0, "Held out for test (%)", minimum=0, maximum=50,
                            help="Hold some points out to see test accuracy.")


def load_data(settings=None):
    from engine.data.planar import hold_out, planar_dataset
    settings = settings or StepByStepSettings()
    return hold_out(planar_dataset(settings.dataset), settings.hold_out)


def run(hp: StepByStepSettings, on_event, control, dataset=None) -> dict:
    dataset = dataset or load_data(hp)
    X, Y = dataset.X_train, dataset.Y_train
    dims = [X.shape[0], *[u for u, _ in hp.hidden_layers], 1]
    init = initialize_parameters_deep if hp.initialization == "x0.01" \
        else initialize_parameters_deep_app
    with GLOBAL_RANDOM_LOCK:
        parameters = init(dims)
    return train_deep(parameters, [a for _, a in hp.hidden_layers], X, Y,
                      dataset.X_test, dataset.Y_test,
                      hp.num_iterations, hp.learning_rate, on_event, control, points=True)


LESSON = Lesson(
    id="deep-step-by-step",
    title="Deep network, step by step",
    course=COURSE_1, section="1.4",
    settings=StepByStepSettings, run=run, load_data=load_data,
    summary="Initialise, forward, cost, backward, update: build an L-layer network.",
)
