"""Lesson 4.2: Convolutional Neural Networks: Application, a small ConvNet on SIGNS.

The run is the course's ``model``: CONV (W1) -> RELU -> MAXPOOL -> CONV (W2) -> RELU
-> MAXPOOL -> FLATTEN -> FULLY CONNECTED, trained with Adam and the course's
mini-batches and epoch cost (``engine/keras_models/course_loop.py``), reported
through ``JobCallback``: progress every mini-batch, the cost every epoch, snapshots
with the training and test accuracy. When it trains on the drawn stand-in and the
real ``test_signs.h5`` is present, the network is also tested on those photos
(``real_test_accuracy``). The result keeps the trained Keras model itself, for the
feature-map viewer and "try your own picture".
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.data.images import load_image_for_model
from engine.lesson_runs.common import add_real_test, course_costs, sign_verdict
from engine.lesson_runs.data_choice import data_loader, run_with_data_choice, \
    with_data_choice
from engine.lessons import COURSE_4, Lesson
from engine.settings import setting

MINIBATCH_SIZES = ("8", "16", "32", "64", "128", "256", "1024")
PRINT_EVERY = 5   # the course prints the cost every 5 epochs


@dataclass
class CnnSignsSettings:
    learning_rate: float = setting(0.009, "Learning rate", minimum=1e-5, maximum=0.5,
                                   scale="log",
                                   help="Adam's step size; the course uses 0.009.")
    num_epochs: int = setting(100, "Epochs", minimum=1, maximum=2000,
                              help="num_epochs: passes over the training set; the course "
                                   "runs 100.")
    minibatch_size: str = setting("64", "Mini-batch size", choices=MINIBATCH_SIZES,
                                  help="Pictures per Adam step; the course uses 64.")
    # Keras's seed 1 does not draw TF1's numbers, so the course's value has no special
    # meaning here; with seed 1 (and 0) the drawn stand-in stalls at cost ln 6 in the
    # first Adam steps at lr 0.009, while 2 learns (see the lesson text).
    seed: int = setting(2, "Initialisation seed", minimum=0, maximum=9999,
                        help="Seed of the fully connected layer's Glorot initialiser (the "
                             "course sets tf.set_random_seed(1), which Keras cannot "
                             "reproduce; 1 stalls on the stand-in). W1 and W2 keep Xavier "
                             "seed 0 as in the course.")


def course_data(settings=None):
    from engine.data.signs import load_signs_dataset
    return load_signs_dataset()


# the learner's own dataset when the 'data' setting names one
load_data = data_loader(course_data, "signs")


def _one_hot(labels: np.ndarray, classes: int) -> np.ndarray:
    """Labels (1, m) -> one-hot rows (m, classes): ``convert_to_one_hot(Y, 6).T``."""
    return np.eye(classes, dtype=np.float32)[np.asarray(labels).reshape(-1)]


def _results(logits_fn, X, labels) -> dict:
    """Accuracy, predictions and misclassified indices of pictures X (float, 0..1)."""
    logits = np.asarray(logits_fn(X), np.float64)
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    probabilities = (e / e.sum(axis=1, keepdims=True)).T          # (6, m)
    predicted = np.argmax(probabilities, axis=0)
    labels = np.asarray(labels).reshape(-1)
    return {"accuracy": float(np.mean(predicted == labels)),
            "test_predictions": predicted.reshape(1, -1),
            # probability of the model's own answer, as the pictures' captions show
            "test_probabilities": probabilities.max(axis=0).reshape(1, -1),
            "test_class_probabilities": probabilities,
            "misclassified": [int(i) for i in np.flatnonzero(predicted != labels)]}


def run(hp: CnnSignsSettings, on_event, control, dataset=None) -> dict:
    from engine.keras_models.job_callback import JobCallback, load_tensorflow
    from engine.keras_models.signs_cnn import (logits_function, parameters_of,
                                               signs_cnn_model, to_model_input, train)

    dataset = dataset or load_data(hp)
    classes = len(dataset.classes)
    X_train, X_test = to_model_input(dataset.X_train), to_model_input(dataset.X_test)
    Y_train = _one_hot(dataset.Y_train, classes)
    keras_model = signs_cnn_model(seed=hp.seed)
    logits_fn = logits_function(keras_model)

    tf, _ = load_tensorflow()
    # converted once: a snapshot then costs one forward pass of the test pictures
    X_test_tensor = tf.constant(X_test)
    test_labels = dataset.Y_test.reshape(-1)

    def evaluate() -> dict:  # between two mini-batches, for the live accuracy curve
        predicted = np.argmax(np.asarray(logits_fn(X_test_tensor)), axis=1)
        return {"test_accuracy": float(np.mean(predicted == test_labels))}

    callback = JobCallback(on_event, control, hp.num_epochs, evaluate=evaluate)
    train(keras_model, X_train, Y_train, hp.learning_rate, hp.num_epochs,
          int(hp.minibatch_size), callbacks=[callback])
    # Stopped or not, the model as it is now is evaluated (the partial model).
    train_results = _results(logits_fn, X_train, dataset.Y_train)
    test = _results(logits_fn, X_test, dataset.Y_test)
    metrics = {"train_accuracy": train_results["accuracy"], "test_accuracy": test["accuracy"],
               "final_cost": on_event.curve[-1][1] if on_event.curve else None,
               "iterations": len(on_event.curve), "epochs": len(on_event.curve)}
    result = {"model": keras_model, "parameters": parameters_of(keras_model),
              "classes": list(dataset.classes),
              "costs": course_costs(on_event.curve, PRINT_EVERY),
              "accuracy_curve": list(callback.accuracy_curve),
              **{k: v for k, v in test.items() if k != "accuracy"}}
    add_real_test(dataset, metrics, result,
                  lambda X, Y: _results(logits_fn, to_model_input(X), Y))
    return {"metrics": metrics, "result": result}


def classify_image(result: dict, source) -> dict:
    """The trained network's digit for a picture of your own (any size, resized)."""
    image = load_image_for_model(source, (64, 64))
    logits = np.asarray(result["model"](image[None].astype(np.float32) / np.float32(255),
                                        training=False), np.float64)[0]
    e = np.exp(logits - logits.max())
    probabilities = e / e.sum()
    return sign_verdict(probabilities, result.get("classes"), image)


LESSON = Lesson(
    id="cnn-signs",
    title="ConvNet application: hand signs",
    course=COURSE_4, section="4.2",
    settings=with_data_choice(CnnSignsSettings), run=run_with_data_choice(run, load_data),
    load_data=load_data,
    summary="A two-convolution network in Keras reads the SIGNS hand signs 0 to 5: "
            "1,286 parameters where the fully connected network needed 300,000.",
    kind="keras",
    classify_image=classify_image,
)
