"""Lesson 1.5: the two-layer and L-layer cat classifiers, trained live.

Initialisation is the application's (``dnn_app_utils_v2``): ``initialize_parameters``
(seed 1, x0.01) for the two-layer model, ``initialize_parameters_deep_app`` (seed 1,
divided by sqrt of fan-in) for the L-layer one; that is what gives the course's
first cost 0.771749 for [12288, 20, 7, 5, 1].
"""
from __future__ import annotations

from dataclasses import dataclass

from engine.data.images import load_image_for_model
from engine.global_random import GLOBAL_RANDOM_LOCK
from engine.lesson_runs.common import image_results
from engine.lesson_runs.deep_training import predict_probability, train_deep
from engine.lesson_runs.data_choice import data_loader, run_with_data_choice, \
    with_data_choice
from engine.lessons import COURSE_1, Lesson
from engine.numpy_nets.deep import initialize_parameters, initialize_parameters_deep_app
from engine.settings import SettingsError, setting

HIDDEN_ACTIVATIONS = ("relu", "tanh", "sigmoid")


@dataclass
class DeepCatSettings:
    model: str = setting("L_layer_model", "Model",
                         choices=("L_layer_model", "two_layer_model"),
                         help="two_layer_model: one hidden layer of 7 units in the course.")
    hidden_layers: tuple = setting(((20, "relu"), (7, "relu"), (5, "relu")), "Hidden layers",
                                   "layers", minimum=1, maximum=256,
                                   activations=HIDDEN_ACTIVATIONS,
                                   help="The course's L-layer model is [12288, 20, 7, 5, 1].")
    learning_rate: float = setting(0.0075, "Learning rate", minimum=1e-5, maximum=5.0,
                                   scale="log", live=True)
    num_iterations: int = setting(2500, "Iterations", minimum=1, maximum=20000)


TWO_LAYER_DEFAULT = ((7, "relu"),)


def course_data(settings=None):
    from engine.data.course_files import load_cat_dataset
    return load_cat_dataset()


# the learner's own dataset when the 'data' setting names one
load_data = data_loader(course_data, "catvnoncat")


def initial_parameters(hp: DeepCatSettings, n_x: int) -> dict:
    sizes = [units for units, _ in hp.hidden_layers]
    if hp.model == "two_layer_model" and len(sizes) != 1:
        raise SettingsError("two_layer_model has exactly one hidden layer; "
                            f"the network has {len(sizes)}.")
    with GLOBAL_RANDOM_LOCK:
        if hp.model == "two_layer_model":
            return initialize_parameters(n_x, sizes[0], 1)
        return initialize_parameters_deep_app([n_x, *sizes, 1])


def run(hp: DeepCatSettings, on_event, control, dataset=None) -> dict:
    dataset = dataset or load_data(hp)
    X, X_test = dataset.flattened()
    parameters = initial_parameters(hp, X.shape[0])
    out = train_deep(parameters, [a for _, a in hp.hidden_layers], X, dataset.Y_train,
                     X_test, dataset.Y_test, hp.num_iterations, hp.learning_rate,
                     on_event, control)
    out["result"].update(image_results(dataset, out["result"]["test_probabilities"]))
    return out


def classify_image(result: dict, source, classes=("non-cat", "cat")) -> dict:
    image = load_image_for_model(source, (64, 64))
    probability = float(predict_probability(result, image.reshape(1, -1).T / 255.)[0, 0])
    return {"label": classes[int(probability > 0.5)], "probability": probability,
            "image": image}


LESSON = Lesson(
    id="deep-cat-classifier",
    title="Deep network: cat classifier",
    course=COURSE_1, section="1.5",
    settings=with_data_choice(DeepCatSettings), run=run_with_data_choice(run, load_data),
    load_data=load_data,
    summary="Two-layer and L-layer networks on the cat pictures; results analysis.",
    classify_image=classify_image,
)
