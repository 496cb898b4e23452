"""Lesson 4.3: the Keras tutorial, the Happy House.

The run is the course's four Keras steps: build ``HappyModel((64, 64, 3))``,
compile it (Adam 0.001, binary cross-entropy, accuracy), ``fit`` it for 20 epochs in
mini-batches of 16, and evaluate it on the test pictures. ``fit`` reports through
``JobCallback`` (progress every batch, the cost every epoch, snapshots with the
training and live test accuracy), and Stop evaluates the partial model. When the
lesson trains on the drawn stand-in and the real ``test_happy.h5`` is present, the
model is also tested on those photographs (``real_test_accuracy``). The setting
``vary_pictures`` (ours, off by default) feeds ``fit`` a newly jittered copy of the
training pictures every epoch instead (``jittered_batches``).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.data.images import load_image_for_model
from engine.lesson_runs.common import add_real_test
from engine.lesson_runs.data_choice import data_loader, run_with_data_choice, \
    with_data_choice
from engine.lessons import COURSE_4, Lesson
from engine.settings import setting

ARCHITECTURE_CHOICES = ("course", "chained", "example")


@dataclass
class HappySettings:
    architecture: str = setting(
        "course", "Model", choices=ARCHITECTURE_CHOICES,
        help="course: HappyModel exactly as the course's code builds it (only its third "
             "block is connected: 33,793 parameters); chained: the three CONV blocks "
             "linked as intended; example: the notebook's first model (one 7x7 CONV).")
    learning_rate: float = setting(0.001, "Learning rate", minimum=1e-5, maximum=0.1,
                                   scale="log", help="Adam's step size; the course uses "
                                                     "0.001.")
    epochs: int = setting(20, "Epochs", minimum=1, maximum=200,
                          help="Passes over the training set; the course fits 20.")
    batch_size: int = setting(16, "Batch size", minimum=1, maximum=600,
                              help="Pictures per Adam step; the course uses 16.")
    seed: int = setting(1, "Initialisation seed", minimum=0, maximum=9999,
                        help="Seeds Keras's weight initialisers, the shuffling of the "
                             "mini-batches and the variations of the pictures.")
    vary_pictures: bool = setting(
        False, "Vary pictures",
        help="Not in the course: every epoch, train on a new copy of the pictures, each "
             "moved a few pixels, mirrored half of the time and given another exposure, "
             "contrast and colour cast, so that overall colour cannot be the cue. Try it "
             "and compare the accuracy on the real photos.")


def course_data(settings=None):
    from engine.data.happy import load_happy_dataset
    return load_happy_dataset()


# the learner's own dataset when the 'data' setting names one
load_data = data_loader(course_data, "happy")


def _evaluate(happy_model, images, labels, infer=None) -> dict:
    """Accuracy, mean binary cross-entropy and the per-picture answers."""
    from engine.keras_models.happy import predict_probabilities

    p = predict_probabilities(happy_model, images, infer=infer).astype(np.float64)
    y = np.asarray(labels).reshape(-1)
    predicted = (p > 0.5).astype(np.int64)
    clipped = np.clip(p, 1e-7, 1 - 1e-7)
    loss = -np.mean(y * np.log(clipped) + (1 - y) * np.log(1 - clipped)) if y.size else 0.0
    return {"accuracy": float(np.mean(predicted == y)) if y.size else 0.0,
            "loss": float(loss),
            "test_predictions": predicted.reshape(1, -1),
            # P(happy) of each picture, as the misclassified pictures' captions show
            "test_probabilities": p.reshape(1, -1),
            "misclassified": [int(i) for i in np.flatnonzero(predicted != y)]}


def run(hp: HappySettings, on_event, control, dataset=None) -> dict:
    from engine.keras_models.happy import build_model, compile_happy_model, \
        compiled_inference, jittered_batches, to_model_input
    from engine.keras_models.job_callback import JobCallback
    from engine.keras_models.summary import layer_table, parameter_totals

    dataset = dataset or load_data(hp)
    X_train = to_model_input(dataset.X_train)
    Y_train = dataset.Y_train.reshape(-1, 1).astype(np.float32)      # the course's Y.T
    # 1. create, 2. compile
    happy_model = build_model(hp.architecture, X_train.shape[1:], seed=hp.seed)
    compile_happy_model(happy_model, hp.learning_rate)

    infer = compiled_inference(happy_model)

    def evaluate() -> dict:  # between two epochs, for the live accuracy curve
        return {"test_accuracy": _evaluate(happy_model, dataset.X_test, dataset.Y_test,
                                           infer)["accuracy"]}

    # 3. fit
    callback = JobCallback(on_event, control, hp.epochs, evaluate=evaluate)
    if hp.vary_pictures:
        batches = jittered_batches(dataset.X_train, Y_train, int(hp.batch_size), hp.seed)
        happy_model.fit(batches, epochs=hp.epochs, callbacks=[callback], verbose=0)
    else:  # the course's call
        happy_model.fit(x=X_train, y=Y_train, epochs=hp.epochs,
                        batch_size=int(hp.batch_size), callbacks=[callback], verbose=0)
    # 4. evaluate: stopped or not, the model as it is now (the partial model)
    train = _evaluate(happy_model, dataset.X_train, dataset.Y_train, infer)
    test = _evaluate(happy_model, dataset.X_test, dataset.Y_test, infer)
    metrics = {"train_accuracy": train["accuracy"], "test_accuracy": test["accuracy"],
               "test_loss": test["loss"],
               "final_cost": on_event.curve[-1][1] if on_event.curve else None,
               "epochs": len(on_event.curve), "iterations": len(on_event.curve)}
    result = {"model": happy_model, "architecture": hp.architecture,
              "classes": list(dataset.classes),
              "costs": [[int(i), float(c)] for i, c in on_event.curve],
              "accuracy_curve": list(callback.accuracy_curve),
              "layers": layer_table(happy_model), "parameter_totals":
                  parameter_totals(happy_model),
              **{k: v for k, v in test.items() if k not in ("accuracy", "loss")}}
    add_real_test(dataset, metrics, result,
                  lambda X, Y: _evaluate(happy_model, X, Y, infer), loss_key="real_test_loss")
    return {"metrics": metrics, "result": result}


def classify_image(result: dict, source) -> dict:
    """"Is this face happy?" for a picture of your own (any size, resized to 64x64)."""
    from engine.keras_models.happy import predict_probabilities

    image = load_image_for_model(source, (64, 64))
    p = float(predict_probabilities(result["model"], image[None])[0])
    classes = result.get("classes") or ["not happy", "happy"]
    happy = p > 0.5
    return {"label": classes[1] if happy else classes[0], "probability": p,
            "happy": happy, "image": image}


LESSON = Lesson(
    id="happy-house",
    title="Keras: the Happy House",
    course=COURSE_4, section="4.3",
    settings=with_data_choice(HappySettings), run=run_with_data_choice(run, load_data),
    load_data=load_data,
    summary="Build, compile, fit and evaluate a small Keras CNN that opens the door "
            "only to smiling faces.",
    kind="keras",
    classify_image=classify_image,
)
