"""Lesson 4.2, Convolutional Neural Networks: Application, in TensorFlow 2 / Keras 3.

The course's network reads a 64x64 SIGNS picture with two small convolutions:

    CONV2D (W1 4x4x3x8, stride 1, SAME) -> RELU -> MAXPOOL 8x8 stride 8 (SAME)
    -> CONV2D (W2 2x2x8x16, stride 1, SAME) -> RELU -> MAXPOOL 4x4 stride 4 (SAME)
    -> FLATTEN -> FULLY CONNECTED 6 (no activation: the softmax is in the cost)

The graded functions keep the course's names and do its maths with ``tf.nn``
operations, eagerly. The lesson trains the same network as a Keras model
(``signs_cnn_model``) whose layers carry the course's names and shapes, so its
layer list and its parameter count (1,286) are the course's, and the feature-map
viewer can look inside it. ``parameters_of`` turns the model's weights back into
the course's dictionary, which ``forward_propagation`` accepts.

Seeds: ``tf.set_random_seed(1)`` in the course (here: the fully connected layer's
initialiser seed), Xavier seed 0 for W1 and W2, mini-batch seed 3.

TensorFlow is imported through ``load_tensorflow()`` inside the functions.
"""
from __future__ import annotations

import numpy as np

from engine.keras_models.course_loop import train_course_loop
from engine.keras_models.job_callback import load_tensorflow
from engine.keras_models.model_build import serialised_build

IMAGE_SHAPE = (64, 64, 3)
N_CLASSES = 6
W1_SHAPE = (4, 4, 3, 8)
W2_SHAPE = (2, 2, 8, 16)
POOL1, POOL2 = 8, 4          # window = stride of the two max-pools
XAVIER_SEED = 0              # tf.contrib.layers.xavier_initializer(seed = 0)
GRAPH_SEED = 1               # tf.set_random_seed(1): the fully connected layer's start
MINIBATCH_SEED = 3


def create_placeholders(n_H0, n_W0, n_C0, n_y):
    """The specs of the course's two placeholders: X (None, n_H0, n_W0, n_C0) and
    Y (None, n_y), float32.

    TensorFlow 2 has no placeholders: values are passed to functions directly. What
    a placeholder promised (dtype and shape, with any number of examples) is a
    ``tf.TensorSpec``, the ``input_signature`` of a ``tf.function``.
    """
    tf, _ = load_tensorflow()
    X = tf.TensorSpec(shape=(None, n_H0, n_W0, n_C0), dtype=tf.float32, name="X")
    Y = tf.TensorSpec(shape=(None, n_y), dtype=tf.float32, name="Y")
    return X, Y


def initialize_parameters():
    """W1 (4, 4, 3, 8) and W2 (2, 2, 8, 16) as ``tf.Variable``s, Glorot uniform with
    seed 0 (the course's Xavier initialiser). No biases: the convolutions have none
    and the fully connected layer makes its own weights."""
    tf, keras = load_tensorflow()
    parameters = {}
    for name, shape in (("W1", W1_SHAPE), ("W2", W2_SHAPE)):
        initializer = keras.initializers.GlorotUniform(seed=XAVIER_SEED)
        parameters[name] = tf.Variable(initializer(shape, dtype="float32"), name=name)
    return parameters


def _fully_connected_weights(n_in: int) -> dict:
    """A new fully connected layer's W3 (n_in, 6) and b3 (6,): Glorot uniform and
    zeros, what ``tf.contrib.layers.fully_connected`` creates."""
    tf, keras = load_tensorflow()
    initializer = keras.initializers.GlorotUniform(seed=GRAPH_SEED)
    return {"W3": tf.Variable(initializer((n_in, N_CLASSES), dtype="float32"), name="W3"),
            "b3": tf.Variable(tf.zeros((N_CLASSES,)), name="b3")}


def forward_propagation(X, parameters):
    """Z3 (m, 6), the logits of the course's network for pictures X (m, 64, 64, 3).

    ``parameters`` holds W1 and W2. The course's ``fully_connected`` made its own
    weights inside the graph; here they are ``parameters["W3"]`` and
    ``parameters["b3"]`` when present (e.g. from ``parameters_of(model)``), and are
    otherwise created once (Glorot uniform, zero bias) and added to the dictionary so
    that a second call uses the same layer, as a second run of the graph did.
    """
    tf, _ = load_tensorflow()
    X = tf.convert_to_tensor(X, dtype=tf.float32)
    Z1 = tf.nn.conv2d(X, parameters["W1"], strides=[1, 1, 1, 1], padding="SAME")
    A1 = tf.nn.relu(Z1)
    P1 = tf.nn.max_pool(A1, ksize=[1, POOL1, POOL1, 1], strides=[1, POOL1, POOL1, 1],
                        padding="SAME")
    Z2 = tf.nn.conv2d(P1, parameters["W2"], strides=[1, 1, 1, 1], padding="SAME")
    A2 = tf.nn.relu(Z2)
    P2 = tf.nn.max_pool(A2, ksize=[1, POOL2, POOL2, 1], strides=[1, POOL2, POOL2, 1],
                        padding="SAME")
    F = tf.reshape(P2, (tf.shape(P2)[0], -1))
    if "W3" not in parameters:
        parameters.update(_fully_connected_weights(int(np.prod(P2.shape[1:]))))
    Z3 = tf.matmul(F, tf.cast(parameters["W3"], tf.float32)) \
        + tf.cast(parameters["b3"], tf.float32)
    return Z3


def compute_cost(Z3, Y):
    """Mean softmax cross-entropy of logits Z3 (m, 6) against one-hot Y (m, 6)."""
    tf, _ = load_tensorflow()
    return tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(
        logits=tf.cast(Z3, tf.float32), labels=tf.cast(Y, tf.float32)))


# --- the same network as a Keras model (what the lesson trains) ---

@serialised_build
def signs_cnn_model(seed: int = GRAPH_SEED):
    """The course's network as a Keras model: layers W1, A1, P1, W2, A2, P2, F, Z3.

    The convolutions are named after their weights and have no bias, as the course's
    ``tf.nn.conv2d`` with W1 and W2; the ReLUs are layers of their own so that the
    feature-map viewer can show the activations. ``seed`` starts the fully connected
    layer (the course's graph seed 1); W1 and W2 always use Xavier seed 0.
    """
    _, keras = load_tensorflow()
    L = keras.layers
    glorot = keras.initializers.GlorotUniform
    return keras.Sequential([
        keras.Input(shape=IMAGE_SHAPE, name="X"),
        L.Conv2D(W1_SHAPE[3], W1_SHAPE[:2], strides=1, padding="same", use_bias=False,
                 kernel_initializer=glorot(seed=XAVIER_SEED), name="W1"),
        L.ReLU(name="A1"),
        L.MaxPooling2D(POOL1, strides=POOL1, padding="same", name="P1"),
        L.Conv2D(W2_SHAPE[3], W2_SHAPE[:2], strides=1, padding="same", use_bias=False,
                 kernel_initializer=glorot(seed=XAVIER_SEED), name="W2"),
        L.ReLU(name="A2"),
        L.MaxPooling2D(POOL2, strides=POOL2, padding="same", name="P2"),
        L.Flatten(name="F"),
        L.Dense(N_CLASSES, activation=None, kernel_initializer=glorot(seed=seed),
                bias_initializer="zeros", name="Z3"),
    ], name="signs_cnn")


def parameters_of(keras_model) -> dict:
    """The model's weights as the course's dictionary (NumPy): W1, W2 and the fully
    connected layer's W3 (64, 6) and b3 (6,)."""
    W3, b3 = (np.asarray(v).copy() for v in keras_model.get_layer("Z3").get_weights())
    return {"W1": np.asarray(keras_model.get_layer("W1").get_weights()[0]).copy(),
            "W2": np.asarray(keras_model.get_layer("W2").get_weights()[0]).copy(),
            "W3": W3, "b3": b3}


def model_summary_rows(keras_model) -> dict:
    """The architecture view's content: ``layer_table`` rows, the parameter totals and
    each layer's weight shape (the course's W1 / W2 names)."""
    from engine.keras_models.summary import layer_table, parameter_totals

    rows = layer_table(keras_model)
    for row in rows:
        layer = keras_model.get_layer(row["name"])
        row["weights"] = [tuple(int(d) for d in w.shape) for w in layer.weights]
    return {"rows": rows, **parameter_totals(keras_model)}


def course_architecture() -> dict:
    """``model_summary_rows`` of a freshly built course network (the page's
    Architecture view, shown before anything has been trained)."""
    return model_summary_rows(signs_cnn_model())


def to_model_input(images) -> np.ndarray:
    """Pictures (m, 64, 64, 3) uint8 -> float32 in 0..1, the course's ``X_orig / 255.``"""
    return np.asarray(images, np.float32) / np.float32(255)


def logits_function(keras_model):
    """A compiled ``pictures -> logits`` for evaluation (faster than an eager call)."""
    tf, _ = load_tensorflow()
    spec = tf.TensorSpec((None, *keras_model.input_shape[1:]), tf.float32)
    return tf.function(lambda x: keras_model(x, training=False), input_signature=[spec])


def accuracy(logits_fn, X, Y_one_hot) -> float:
    """The course's accuracy: mean of argmax(Z3, 1) == argmax(Y, 1)."""
    logits = np.asarray(logits_fn(np.asarray(X, np.float32)))
    return float(np.mean(np.argmax(logits, 1) == np.argmax(np.asarray(Y_one_hot), 1)))


def train(keras_model, X_train, Y_train, learning_rate=0.009, num_epochs=100,
          minibatch_size=64, callbacks=(), seed=MINIBATCH_SEED) -> list[float]:
    """The course's loop for this network: X (m, 64, 64, 3) in 0..1, Y one-hot (m, 6)."""
    return train_course_loop(keras_model, X_train, Y_train, compute_cost, learning_rate,
                             num_epochs, minibatch_size, callbacks, seed)


def model(X_train, Y_train, X_test, Y_test, learning_rate=0.009, num_epochs=100,
          minibatch_size=64, print_cost=True):
    """The course's ``model``: X (m, 64, 64, 3) scaled to 0..1, Y one-hot (m, 6).

    Prints the cost every 5 epochs and the two accuracies as the course does;
    returns ``train_accuracy, test_accuracy, parameters`` (``parameters_of``).
    """
    _, keras = load_tensorflow()
    network = signs_cnn_model()
    callbacks = []
    if print_cost:
        callbacks.append(keras.callbacks.LambdaCallback(
            on_epoch_end=lambda epoch, logs: print("Cost after epoch %i: %f"
                                                   % (epoch, logs["loss"]))
            if epoch % 5 == 0 else None))
    train(network, X_train, Y_train, learning_rate, num_epochs, minibatch_size, callbacks)
    logits_fn = logits_function(network)
    train_accuracy = accuracy(logits_fn, X_train, Y_train)
    test_accuracy = accuracy(logits_fn, X_test, Y_test)
    print("Train Accuracy:", train_accuracy)
    print("Test Accuracy:", test_accuracy)
    return train_accuracy, test_accuracy, parameters_of(network)
