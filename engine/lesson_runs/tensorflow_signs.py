"""Lesson 2.3: the TensorFlow tutorial, a three-layer Keras network on SIGNS.

The run is the course's ``model``: Glorot-initialised LINEAR -> RELU -> LINEAR ->
RELU -> LINEAR, Adam, the course's mini-batches and epoch cost, reported through
``JobCallback`` (progress every batch, the cost curve every epoch, snapshots with
the training and test accuracy). When the lesson trains on the drawn stand-in and
the real ``test_signs.h5`` is present, the model is also tested on those photos
and that accuracy is reported on its own (``real_test_accuracy``).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.data.images import load_image_for_model
from engine.lesson_runs.common import add_real_test, course_costs, sign_verdict
from engine.lesson_runs.data_choice import data_loader, run_with_data_choice, \
    with_data_choice
from engine.lessons import COURSE_2, Lesson
from engine.settings import setting

MINIBATCH_SIZES = ("8", "16", "32", "64", "128", "256", "1024")


@dataclass
class SignsSettings:
    learning_rate: float = setting(0.0001, "Learning rate", minimum=1e-6, maximum=0.1,
                                   scale="log",
                                   help="Adam's step size; the course uses 0.0001.")
    epochs: int = setting(1500, "Epochs", minimum=1, maximum=5000,
                          help="num_epochs: passes over the training set; the course "
                               "runs 1500.")
    minibatch_size: str = setting("32", "Mini-batch size", choices=MINIBATCH_SIZES,
                                  help="Pictures per Adam step; the course uses 32.")
    seed: int = setting(1, "Initialisation seed", minimum=0, maximum=9999,
                        help="Seed of the Glorot (Xavier) initialiser; the course's is 1.")


def course_data(settings=None):
    from engine.data.signs import load_signs_dataset
    return load_signs_dataset()


# the learner's own dataset when the 'data' setting names one
load_data = data_loader(course_data, "signs")


def _rows(images: np.ndarray) -> np.ndarray:
    """Pictures (m, 64, 64, 3) uint8 -> rows (m, 12288) float32 in 0..1: the course's
    flattened, /255 columns, transposed once for Keras."""
    return images.reshape(images.shape[0], -1).astype(np.float32) / np.float32(255)


def _one_hot_rows(labels: np.ndarray, classes: int) -> np.ndarray:
    return np.eye(classes, dtype=np.float32)[np.asarray(labels).reshape(-1)]


def _predictions(logits_fn, X_rows) -> tuple[np.ndarray, np.ndarray]:
    logits = np.asarray(logits_fn(X_rows), np.float64)
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    probabilities = (e / e.sum(axis=1, keepdims=True)).T          # (6, m)
    return np.argmax(probabilities, axis=0), probabilities


def _results(logits_fn, X_rows, labels) -> dict:
    predicted, probabilities = _predictions(logits_fn, X_rows)
    labels = np.asarray(labels).reshape(-1)
    return {"accuracy": float(np.mean(predicted == labels)),
            "test_predictions": predicted.reshape(1, -1),
            # probability the model gives its own answer, as the pictures' captions show
            "test_probabilities": probabilities.max(axis=0).reshape(1, -1),
            "test_class_probabilities": probabilities,
            "misclassified": [int(i) for i in np.flatnonzero(predicted != labels)]}


def run(hp: SignsSettings, on_event, control, dataset=None) -> dict:
    from engine.keras_models.job_callback import JobCallback, load_tensorflow
    from engine.keras_models.tensorflow_intro import (logits_function, parameters_of,
                                                      signs_model, train_signs_model)

    dataset = dataset or load_data(hp)
    classes = len(dataset.classes)
    X_train, X_test = _rows(dataset.X_train), _rows(dataset.X_test)
    Y_train = _one_hot_rows(dataset.Y_train, classes)
    keras_model = signs_model(X_train.shape[1], seed=hp.seed)
    logits_fn = logits_function(keras_model)

    tf, _ = load_tensorflow()
    # converted once: a snapshot then costs one forward pass of the test pictures
    X_test_tensor = tf.constant(X_test)
    test_labels = dataset.Y_test.reshape(-1)

    def evaluate() -> dict:  # between two batches, for the live accuracy curve
        predicted = np.argmax(np.asarray(logits_fn(X_test_tensor)), axis=1)
        return {"test_accuracy": float(np.mean(predicted == test_labels))}

    callback = JobCallback(on_event, control, hp.epochs, evaluate=evaluate)
    train_signs_model(keras_model, X_train, Y_train, hp.learning_rate, hp.epochs,
                      int(hp.minibatch_size), callbacks=[callback])
    # Stopped or not, the model as it is now is evaluated (the partial model).
    train = _results(logits_fn, X_train, dataset.Y_train)
    test = _results(logits_fn, X_test, dataset.Y_test)
    metrics = {"train_accuracy": train["accuracy"], "test_accuracy": test["accuracy"],
               "final_cost": on_event.curve[-1][1] if on_event.curve else None,
               "iterations": len(on_event.curve), "epochs": len(on_event.curve)}
    result = {"parameters": parameters_of(keras_model), "model": keras_model,
              "classes": list(dataset.classes),
              "costs": course_costs(on_event.curve, 100),
              "accuracy_curve": list(callback.accuracy_curve),
              **{k: v for k, v in test.items() if k != "accuracy"}}
    add_real_test(dataset, metrics, result, lambda X, Y: _results(logits_fn, _rows(X), Y))
    return {"metrics": metrics, "result": result}


def classify_image(result: dict, source) -> dict:
    """The trained network's digit for a picture of your own (any size, resized)."""
    from engine.keras_models.tensorflow_intro import forward_probabilities

    image = load_image_for_model(source, (64, 64))
    probabilities = forward_probabilities(image.reshape(1, -1).T / 255., result["parameters"])
    return sign_verdict(probabilities[:, 0], result.get("classes"), image)


LESSON = Lesson(
    id="tensorflow-signs",
    title="TensorFlow: hand signs",
    course=COURSE_2, section="2.3",
    settings=with_data_choice(SignsSettings), run=run_with_data_choice(run, load_data),
    load_data=load_data,
    summary="Tensors, eager functions and a three-layer Keras network that reads "
            "hand signs for 0 to 5.",
    kind="keras",
    classify_image=classify_image,
)
