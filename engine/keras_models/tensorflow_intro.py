"""Lesson 2.3, the TensorFlow tutorial, in TensorFlow 2 / Keras 3.

The course wrote TensorFlow 1: build a graph of placeholders and operations, then
run it in a session with a feed dictionary. TensorFlow 2 runs operations eagerly,
so each exercise below is the course's function with the session removed: it
returns the NumPy value the session used to return. The three-layer SIGNS network
is a Keras model and ``model(...)`` trains it with the course's loop: Adam, the
course's mini-batches (``random_mini_batches`` with seed 3 incremented each epoch)
and its epoch cost (the sum of the mini-batch costs divided by ``int(m / 32)``).
The loop itself is ``course_loop.train_course_loop``, shared with lesson 4.2.

TensorFlow is imported through ``load_tensorflow()`` inside the functions.
"""
from __future__ import annotations

import math

import numpy as np

from engine.global_random import GLOBAL_RANDOM_LOCK
# mini_batch_indices is part of this lesson's API (tests, benchmarks): re-exported
from engine.keras_models.course_loop import mini_batch_indices, train_course_loop  # noqa: F401
from engine.keras_models.job_callback import load_tensorflow
from engine.keras_models.model_build import serialised_build

N_X, N_CLASSES = 12288, 6
LAYER_UNITS = (25, 12, 6)


# --- the small exercises (graded functions of the course) ---

def linear_function():
    """Y = WX + b with X (3,1), W (4,3), b (4,1) drawn after ``np.random.seed(1)``."""
    tf, _ = load_tensorflow()
    with GLOBAL_RANDOM_LOCK:
        np.random.seed(1)
        X = tf.constant(np.random.randn(3, 1), name="X")
        W = tf.constant(np.random.randn(4, 3), name="W")
        b = tf.constant(np.random.randn(4, 1), name="b")
    Y = tf.add(tf.matmul(W, X), b)
    return Y.numpy()


def sigmoid(z):
    """Sigmoid of a scalar or vector, computed in float32 as the course's placeholder."""
    tf, _ = load_tensorflow()
    return tf.sigmoid(tf.constant(z, dtype=tf.float32)).numpy()


def cost(logits, labels):
    """Sigmoid cross-entropy of each entry (no mean is taken, as in the course)."""
    tf, _ = load_tensorflow()
    z = tf.constant(logits, dtype=tf.float32)
    y = tf.constant(labels, dtype=tf.float32)
    return tf.nn.sigmoid_cross_entropy_with_logits(logits=z, labels=y).numpy()


def one_hot_matrix(labels, C):
    """(C, len(labels)) matrix: entry (i, j) is 1 when example j has label i."""
    tf, _ = load_tensorflow()
    C = tf.constant(C, name="C")
    return tf.one_hot(labels, C, axis=0).numpy()


def ones(shape):
    """An array of ones of the given shape."""
    tf, _ = load_tensorflow()
    return tf.ones(shape).numpy()


def warm_up_examples() -> dict:
    """The course's opening examples, eager: no initializer, no session, no feed_dict."""
    tf, _ = load_tensorflow()
    y_hat = tf.constant(36, name="y_hat")
    y = tf.constant(39, name="y")
    loss = tf.Variable((y - y_hat) ** 2, name="loss")
    c = tf.multiply(tf.constant(2), tf.constant(10))

    @tf.function  # what a placeholder and feed_dict did: a function of its input
    def twice(x):
        return 2 * x

    return {"loss": int(loss.numpy()), "c": int(c.numpy()),
            "twice_3": int(twice(tf.constant(3, tf.int64)).numpy())}


def exercise_results() -> list[dict]:
    """Every small exercise run once, for the lesson page: name, call, value."""
    warm = warm_up_examples()
    logits = sigmoid(np.array([0.2, 0.4, 0.7, 0.9]))
    rows = [
        ("Loss (y - ŷ)²", "y_hat = tf.constant(36); y = tf.constant(39); "
                          "loss = tf.Variable((y - y_hat)**2)", warm["loss"]),
        ("Multiply", "c = tf.multiply(tf.constant(2), tf.constant(10))", warm["c"]),
        ("Placeholder → function", "tf.function(lambda x: 2 * x)(3)", warm["twice_3"]),
        ("linear_function()", "Y = tf.add(tf.matmul(W, X), b) after np.random.seed(1)",
         linear_function()),
        ("sigmoid(0)", "tf.sigmoid(0.0)", sigmoid(0)),
        ("sigmoid(12)", "tf.sigmoid(12.0)", sigmoid(12)),
        ("cost(logits, labels)", "logits = sigmoid([0.2, 0.4, 0.7, 0.9]); "
                                 "labels = [0, 0, 1, 1]", cost(logits, np.array([0, 0, 1, 1]))),
        ("one_hot_matrix(labels, C=4)", "labels = [1, 2, 3, 0, 2, 1]",
         one_hot_matrix(np.array([1, 2, 3, 0, 2, 1]), 4)),
        ("ones([3])", "tf.ones([3])", ones([3])),
    ]
    return [{"name": name, "call": call, "value": np.asarray(value)}
            for name, call, value in rows]


# --- data helpers of the course's tf_utils ---

def convert_to_one_hot(Y, C):
    """Labels (1, m) -> one-hot (C, m)."""
    return np.eye(C)[np.asarray(Y).reshape(-1)].T


def random_mini_batches(X, Y, mini_batch_size=64, seed=0):
    """The course's shuffled mini-batches of columns of X (n_x, m) and Y (n_y, m)."""
    m = X.shape[1]
    with GLOBAL_RANDOM_LOCK:
        np.random.seed(seed)
        permutation = list(np.random.permutation(m))
    shuffled_X = X[:, permutation]
    shuffled_Y = Y[:, permutation].reshape((Y.shape[0], m))
    mini_batches = []
    num_complete_minibatches = math.floor(m / mini_batch_size)
    for k in range(num_complete_minibatches):
        mini_batches.append((shuffled_X[:, k * mini_batch_size:(k + 1) * mini_batch_size],
                             shuffled_Y[:, k * mini_batch_size:(k + 1) * mini_batch_size]))
    if m % mini_batch_size != 0:
        mini_batches.append((shuffled_X[:, num_complete_minibatches * mini_batch_size:],
                             shuffled_Y[:, num_complete_minibatches * mini_batch_size:]))
    return mini_batches


# --- the three-layer network ---

def compute_cost(Z3, Y):
    """Mean softmax cross-entropy; Z3 and Y are (6, m) as in the course."""
    tf, _ = load_tensorflow()
    logits = tf.transpose(Z3)
    labels = tf.transpose(Y)
    return tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(logits=logits,
                                                                  labels=labels))


@serialised_build
def signs_model(n_x: int = N_X, seed: int = 1):
    """LINEAR -> RELU -> LINEAR -> RELU -> LINEAR (25, 12, 6 units) as a Keras model.

    Weights use Glorot (Xavier) uniform with the same seed for each layer and biases
    start at zero, as the course's ``initialize_parameters``. The softmax is folded
    into the cost, so the model outputs the logits Z3 (one row per example).
    """
    _, keras = load_tensorflow()
    layers = [keras.Input(shape=(n_x,), name="X")]
    for k, units in enumerate(LAYER_UNITS, start=1):
        layers.append(keras.layers.Dense(
            units, activation="relu" if k < len(LAYER_UNITS) else None, name=f"linear_{k}",
            kernel_initializer=keras.initializers.GlorotUniform(seed=seed),
            bias_initializer="zeros"))
    return keras.Sequential(layers, name="signs_three_layer")


def parameters_of(keras_model) -> dict:
    """The model's weights in the course's layout: W1 (25, 12288), b1 (25, 1), ..."""
    parameters = {}
    for k, layer in enumerate(keras_model.layers, start=1):
        kernel, bias = (np.asarray(v) for v in layer.get_weights())
        parameters[f"W{k}"] = kernel.T.copy()
        parameters[f"b{k}"] = bias.reshape(-1, 1).copy()
    return parameters


def forward_probabilities(X, parameters) -> np.ndarray:
    """Softmax output (6, m) of trained parameters for X (12288, m), in NumPy."""
    A = X
    for k in range(1, 4):
        Z = parameters[f"W{k}"] @ A + parameters[f"b{k}"]
        A = np.maximum(Z, 0) if k < 3 else Z
    A = A - A.max(axis=0, keepdims=True)
    e = np.exp(A)
    return e / e.sum(axis=0, keepdims=True)


def predict(X, parameters):
    """The class index (0..5) of each column of X (12288, m), as tf_utils.predict."""
    return np.argmax(forward_probabilities(X, parameters), axis=0)


def logits_function(keras_model):
    """A compiled ``rows -> logits`` for evaluation between batches (the eager call
    of a Keras model costs more than the maths for 120 pictures)."""
    tf, _ = load_tensorflow()
    spec = tf.TensorSpec([None, keras_model.input_shape[-1]], tf.float32)
    return tf.function(lambda x: keras_model(x, training=False), input_signature=[spec])


def accuracy(logits_fn, X_rows, labels) -> float:
    """Fraction of rows whose largest logit is the label; labels are class indices."""
    logits = np.asarray(logits_fn(np.asarray(X_rows, np.float32)))
    return float(np.mean(np.argmax(logits, axis=1) == np.asarray(labels).reshape(-1)))


def train_signs_model(keras_model, X_rows, Y_rows, learning_rate=0.0001, num_epochs=1500,
                      minibatch_size=32, callbacks=(), seed=3) -> list[float]:
    """The course's training loop on examples as rows (X_rows (m, n_x), Y_rows (m, 6)).

    ``course_loop.train_course_loop`` with this lesson's cost (Z3 and Y as columns,
    as the course's ``compute_cost`` takes them). Calls the Keras callback hooks, so
    ``JobCallback`` reports it and can stop it (``model.stop_training``) between two
    mini-batches. Returns the epoch costs of the epochs that completed.
    """
    tf, _ = load_tensorflow()

    def loss(logits, y):
        return compute_cost(tf.transpose(logits), tf.transpose(y))

    return train_course_loop(keras_model, X_rows, Y_rows, loss, learning_rate, num_epochs,
                             minibatch_size, callbacks, seed)


def model(X_train, Y_train, X_test, Y_test, learning_rate=0.0001, num_epochs=1500,
          minibatch_size=32, print_cost=True):
    """The course's ``model``: X (12288, m) scaled to 0..1, Y one-hot (6, m).

    Prints the cost every 100 epochs and the accuracies as the course does and
    returns the trained parameters in the course's layout.
    """
    _, keras = load_tensorflow()
    signs = signs_model(X_train.shape[0], seed=1)
    callbacks = []
    if print_cost:
        callbacks.append(keras.callbacks.LambdaCallback(
            on_epoch_end=lambda epoch, logs: print("Cost after epoch %i: %f"
                                                   % (epoch, logs["loss"]))
            if epoch % 100 == 0 else None))
    train_signs_model(signs, X_train.T, Y_train.T, learning_rate, num_epochs,
                      minibatch_size, callbacks)
    parameters = parameters_of(signs)
    print("Parameters have been trained!")
    logits_fn = logits_function(signs)
    print("Train Accuracy:", accuracy(logits_fn, X_train.T, np.argmax(Y_train, axis=0)))
    print("Test Accuracy:", accuracy(logits_fn, X_test.T, np.argmax(Y_test, axis=0)))
    return parameters
