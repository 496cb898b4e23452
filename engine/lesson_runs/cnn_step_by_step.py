"""Lesson 4.1 (course 4): convolution step by step, then a small ConvNet trained with it.

The course stops at the building blocks (padding, one convolution step, the conv and
pool layers forward and backward). The run puts those blocks to work: a NumPy ConvNet
CONV -> RELU -> POOL -> FLATTEN -> SOFTMAX trained with the course's Adam on the SIGNS
pictures, every layer made of the vectorized twins in
``engine/numpy_nets/convolution_fast.py`` (equal to the loop versions and 50-200x
faster, see benchmarks/conv_vectorized.py).
Pictures are shrunk by block averages (64 -> 32 by default) and centred on 0, so an
epoch takes a second or two on one core and the network learns.

The finished result also carries the values the course's notebook prints for the
functions (``course_outputs``), computed here by the loop versions, and the learned
first-layer filters (``filters``, (f, f, 3, n_C)) for the page to draw.
"""
from __future__ import annotations

import contextlib
from dataclasses import dataclass

import numpy as np

from engine.data.images import load_image_for_model
from engine.jobs import CURVES_ONLY_SNAPSHOT_INTERVAL_S, StopRequested
from engine.lesson_runs.common import add_real_test, course_costs, sign_verdict
from engine.lesson_runs.data_choice import data_loader, run_with_data_choice, \
    with_data_choice
from engine.lessons import COURSE_4, Lesson
from engine.numpy_nets.convolution_fast import (conv_filter_gradients, conv_forward_fast,
                                                pool_backward_fast, pool_forward_fast)
from engine.numpy_nets.optimization import initialize_adam, update_parameters_with_adam
from engine.settings import SettingsError, setting

PICTURE_SIZES = ("16", "32", "64")
MINIBATCH_SIZES = ("16", "32", "64", "128", "256")
POOL = {"f": 4, "stride": 4}


@dataclass
class ConvNetSettings:
    learning_rate: float = setting(0.005, "Learning rate", minimum=1e-5, maximum=1.0,
                                   scale="log", live=True,
                                   help="Adam's step size; takes effect at the next "
                                        "mini-batch.")
    num_epochs: int = setting(10, "Epochs", minimum=1, maximum=500,
                              help="Passes over the training pictures.")
    filters: int = setting(8, "Filters", minimum=1, maximum=32,
                           help="n_C of the CONV layer: how many filters it learns.")
    filter_size: int = setting(5, "Filter size f", minimum=1, maximum=9,
                               help="Each filter is f x f x 3; the padding (f-1)//2 keeps "
                                    "the picture's size for odd f.")
    pooling: str = setting("max", "Pooling", choices=("max", "average"),
                           help="The 4x4, stride 4 pooling layer after the ReLU.")
    minibatch_size: str = setting("32", "Mini-batch size", choices=MINIBATCH_SIZES)
    picture_size: str = setting("32", "Picture size", choices=PICTURE_SIZES,
                                help="Pictures are shrunk from 64x64 by averaging blocks "
                                     "of pixels; smaller trains faster.")
    seed: int = setting(1, "Seed", minimum=0, maximum=9999,
                        help="Seed of the weight initialisation and of the shuffling.")


def course_data(settings=None):
    from engine.data.signs import load_signs_dataset
    return load_signs_dataset()


# the learner's own dataset when the 'data' setting names one
load_data = data_loader(course_data, "signs")


# --- the network -----------------------------------------------------------------

def network_input(images: np.ndarray, size: int) -> np.ndarray:
    """uint8 pictures (m, n, n, 3) -> float32 (m, size, size, 3): each pixel the mean
    of an (n/size)-square block (n must be a multiple of size), scaled by 1/255 as
    the course does, then centred on 0 (minus 0.5).

    Why centred: with inputs all positive, every filter's response carries one common
    offset, the ReLUs switch off together and Adam stalls at the cost of guessing
    (ln 6); centred, the same network learns (measured on the drawn signs). float32:
    the conv layer then moves half the bytes of float64, at no cost in accuracy.
    """
    m, n = images.shape[0], images.shape[1]
    if n % size:
        raise SettingsError(f"Pictures of {n}x{n} pixels cannot be shrunk to "
                            f"{size}x{size}; choose a size that divides {n}.")
    k = n // size
    X = np.asarray(images, dtype=np.float32) / np.float32(255)
    X = X.reshape(m, size, k, size, k, 3).mean(axis=(2, 4), dtype=np.float32)
    return X - np.float32(0.5)


def conv_hparameters(filter_size: int) -> dict:
    return {"stride": 1, "pad": (filter_size - 1) // 2}


def flat_size(picture_size: int, filter_size: int, filters: int) -> int:
    """Length of the flattened POOL output, from the course's two size formulas."""
    hp = conv_hparameters(filter_size)
    n_conv = int((picture_size - filter_size + 2 * hp["pad"]) / hp["stride"]) + 1
    n_pool = int(1 + (n_conv - POOL["f"]) / POOL["stride"])
    if n_pool < 1:
        raise SettingsError(f"A {filter_size}x{filter_size} filter on {picture_size}x"
                            f"{picture_size} pictures leaves too little for the 4x4 "
                            "pooling; choose a smaller filter or larger pictures.")
    return n_pool * n_pool * filters


def initialize_convnet(picture_size: int, filter_size: int, filters: int, classes: int,
                       seed: int) -> dict:
    """He-scaled filters, Xavier-scaled softmax weights, zero biases; keys W1 b1 W2 b2
    so the course's ``update_parameters_with_adam`` steps them. A private RandomState
    keeps a job off NumPy's global one."""
    rng = np.random.RandomState(seed)
    n_flat = flat_size(picture_size, filter_size, filters)
    return {"W1": rng.randn(filter_size, filter_size, 3, filters)
                  * np.sqrt(2. / (filter_size * filter_size * 3)),
            "b1": np.zeros((1, 1, 1, filters)),
            "W2": rng.randn(classes, n_flat) * np.sqrt(1. / n_flat),
            "b2": np.zeros((classes, 1))}


def convnet_forward(X, parameters, filter_size: int, pooling: str):
    """CONV -> RELU -> POOL -> FLATTEN -> LINEAR -> SOFTMAX. Returns the class
    probabilities (classes, m), course layout, and the caches for the backward pass."""
    # The conv layer computes in the pictures' precision (float32 in training: half
    # the memory traffic); the parameters Adam updates stay float64.
    W1 = parameters["W1"].astype(X.dtype, copy=False)
    b1 = parameters["b1"].astype(X.dtype, copy=False)
    Z1, conv_cache = conv_forward_fast(X, W1, b1, conv_hparameters(filter_size))
    A1 = np.maximum(Z1, 0)
    P1, pool_cache = pool_forward_fast(A1, POOL, mode=pooling)
    F = P1.reshape(P1.shape[0], -1).T                   # (n_flat, m): one column each
    Z2 = parameters["W2"] @ F + parameters["b2"]
    Z2 = Z2 - Z2.max(axis=0, keepdims=True)             # softmax without overflow
    E = np.exp(Z2)
    probabilities = E / E.sum(axis=0, keepdims=True)
    return probabilities, (Z1, conv_cache, pool_cache, P1.shape, F)


def cross_entropy(probabilities, Y_one_hot) -> float:
    m = Y_one_hot.shape[1]
    return float(-np.sum(Y_one_hot * np.log(probabilities + 1e-12)) / m)


def convnet_backward(probabilities, Y_one_hot, parameters, caches, pooling: str) -> dict:
    """Gradients dW1 db1 dW2 db2 of the mean cross-entropy, layer by layer back."""
    Z1, conv_cache, pool_cache, pool_shape, F = caches
    m = Y_one_hot.shape[1]
    dZ2 = (probabilities - Y_one_hot) / m               # softmax + cross-entropy
    dW2 = dZ2 @ F.T
    db2 = dZ2.sum(axis=1, keepdims=True)
    dP1 = (parameters["W2"].T @ dZ2).T.reshape(pool_shape)
    dA1 = pool_backward_fast(dP1, pool_cache, mode=pooling)
    dZ1 = dA1 * (Z1 > 0)                                # ReLU passes only positives
    # The pixels need no gradient: only the filters' and biases' (dW, db).
    dW1, db1 = conv_filter_gradients(dZ1, conv_cache)
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}


def predict_probabilities(X, parameters, filter_size, pooling, batch: int = 256):
    """Class probabilities (classes, m), in batches so memory stays small."""
    parts = [convnet_forward(X[k:k + batch], parameters, filter_size, pooling)[0]
             for k in range(0, X.shape[0], batch)]
    return np.concatenate(parts, axis=1)


def _evaluate(X, labels, parameters, hp) -> dict:
    probabilities = predict_probabilities(X, parameters, hp.filter_size, hp.pooling)
    predicted = np.argmax(probabilities, axis=0)
    labels = np.asarray(labels).reshape(-1)
    return {"accuracy": float(np.mean(predicted == labels)),
            "test_predictions": predicted.reshape(1, -1),
            "test_probabilities": probabilities.max(axis=0).reshape(1, -1),
            "test_class_probabilities": probabilities,
            "misclassified": [int(i) for i in np.flatnonzero(predicted != labels)]}


# --- what the notebook prints ----------------------------------------------------

def course_outputs() -> dict:
    """The values the course prints for its functions, computed by the loop versions
    with the notebook's inputs (``np.random.seed(1)``), on a private RandomState."""
    from engine.numpy_nets.convolution import (create_mask_from_window,
                                               distribute_value, zero_pad)
    rng = np.random.RandomState(1)
    x = rng.randn(4, 3, 3, 2)
    x_pad = zero_pad(x, 2)
    window = np.random.RandomState(1).randn(2, 3)
    return {"zero_pad": {"x_shape": x.shape, "x_pad_shape": x_pad.shape,
                         "x[1,1]": x[1, 1], "x_pad[1,1]": x_pad[1, 1]},
            "create_mask_from_window": {"x": window,
                                        "mask": create_mask_from_window(window)},
            "distribute_value": {"dz": 2, "shape": (2, 2),
                                 "a": distribute_value(2, (2, 2))}}


# --- the run -----------------------------------------------------------------------

def one_blas_thread():
    """Run the conv layer's matrix products on one BLAS thread.

    Its products are thin (n_C = 8 columns): a second thread gains little, and on a
    busy machine (the UI thread, other programs) two threads waiting on each other are
    several times slower (benchmarks/conv_vectorized.py: conv forward + backward 340 ms
    on two threads, 80 ms on one; a 10-epoch run on 240 pictures 16.9 s vs 8.1 s).
    threadpoolctl comes with scikit-learn; without it the run keeps NumPy's default.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def _snapshot(on_event, epoch, total, train_acc, test_acc, accuracy_curve, parameters):
    accuracy_curve.append((epoch, train_acc, test_acc))
    on_event.snapshot(iteration=epoch, total=total, train_accuracy=train_acc,
                      test_accuracy=test_acc, accuracy_curve=list(accuracy_curve),
                      filters=parameters["W1"].copy())


def run(hp: ConvNetSettings, on_event, control, dataset=None) -> dict:
    with one_blas_thread():
        return _train(hp, on_event, control, dataset or load_data(hp))


def _train(hp: ConvNetSettings, on_event, control, dataset) -> dict:
    size = int(hp.picture_size)
    classes = len(dataset.classes)
    X = network_input(dataset.X_train, size)
    labels = np.asarray(dataset.Y_train).reshape(-1)
    Y = np.eye(classes)[labels].T                       # one-hot columns (classes, m)
    X_test = None if dataset.X_test is None else network_input(dataset.X_test, size)
    parameters = initialize_convnet(size, hp.filter_size, hp.filters, classes, hp.seed)
    v, s = initialize_adam(parameters)
    t = 0
    m, batch = X.shape[0], int(hp.minibatch_size)
    batches = -(-m // batch)
    rng = np.random.RandomState(hp.seed)
    on_event.total = hp.num_epochs
    on_event.snapshot_interval = CURVES_ONLY_SNAPSHOT_INTERVAL_S
    accuracy_curve: list = []

    def test_accuracy():
        if X_test is None:
            return None
        return _evaluate(X_test, dataset.Y_test, parameters, hp)["accuracy"]

    try:
        for epoch in range(hp.num_epochs):
            order = rng.permutation(m)
            cost_sum, correct, seen = 0.0, 0, 0
            for k in range(batches):
                control.checkpoint()
                idx = order[k * batch:(k + 1) * batch]
                probabilities, caches = convnet_forward(X[idx], parameters,
                                                        hp.filter_size, hp.pooling)
                cost = cross_entropy(probabilities, Y[:, idx])
                grads = convnet_backward(probabilities, Y[:, idx], parameters, caches,
                                         hp.pooling)
                t += 1
                rate = control.live("learning_rate", hp.learning_rate)
                parameters, v, s = update_parameters_with_adam(parameters, grads, v, s, t,
                                                               learning_rate=rate)
                cost_sum += cost * len(idx)
                seen += len(idx)
                correct += int(np.sum(np.argmax(probabilities, axis=0) == labels[idx]))
                # the running cost of this epoch; the curve gets the epoch's mean cost
                on_event.progress(epoch, cost_sum / seen, record=False, epoch=epoch,
                                  batch=k + 1, batches=batches)
                if k + 1 < batches and on_event.snapshot_due():
                    # mid-epoch (a paused step, a slow epoch): filters and running
                    # accuracy, without a fresh test evaluation each time
                    on_event.snapshot(iteration=epoch, total=hp.num_epochs,
                                      train_accuracy=correct / seen,
                                      accuracy_curve=list(accuracy_curve),
                                      filters=parameters["W1"].copy())
            on_event.progress(epoch, cost_sum / seen)
            _snapshot(on_event, epoch, hp.num_epochs, correct / seen, test_accuracy(),
                      accuracy_curve, parameters)
    except StopRequested:
        pass   # evaluate the partial model below

    train = _evaluate(X, labels, parameters, hp)
    metrics = {"train_accuracy": train["accuracy"], "test_accuracy": None,
               "final_cost": on_event.curve[-1][1] if on_event.curve else None,
               "iterations": len(on_event.curve), "epochs": len(on_event.curve)}
    result = {"parameters": parameters, "filters": parameters["W1"].copy(),
              "classes": list(dataset.classes), "costs": course_costs(on_event.curve, 1),
              "accuracy_curve": list(accuracy_curve), "course_outputs": course_outputs(),
              "network": {"picture_size": size, "filter_size": hp.filter_size,
                          "filters": hp.filters, "pooling": hp.pooling,
                          "conv": conv_hparameters(hp.filter_size), "pool": dict(POOL)}}
    if X_test is not None:
        test = _evaluate(X_test, dataset.Y_test, parameters, hp)
        metrics["test_accuracy"] = test["accuracy"]
        result.update({key: value for key, value in test.items() if key != "accuracy"})
    add_real_test(dataset, metrics, result,
                  lambda X, Y: _evaluate(network_input(X, size), Y, parameters, hp))
    return {"metrics": metrics, "result": result}


def classify_image(result: dict, source) -> dict:
    """The trained ConvNet's digit for a picture of your own (any size, resized)."""
    network = result["network"]
    image = load_image_for_model(source, (64, 64))
    X = network_input(image[None], network["picture_size"])
    probabilities = convnet_forward(X, result["parameters"], network["filter_size"],
                                    network["pooling"])[0][:, 0]
    return sign_verdict(probabilities, result.get("classes"), image)


LESSON = Lesson(
    id="cnn-step-by-step",
    title="Convolution step by step",
    course=COURSE_4, section="4.1",
    settings=with_data_choice(ConvNetSettings), run=run_with_data_choice(run, load_data),
    load_data=load_data,
    summary="Padding, one convolution step, conv and pool layers forward and backward; "
            "then a small NumPy ConvNet built from them reads hand signs.",
    kind="numpy",
    classify_image=classify_image,
)
