"""The course's TensorFlow training loop, for any Keras model (lessons 2.3 and 4.2).

The course trains its TensorFlow networks with a hand-written loop rather than
``model.fit``, and its figures depend on that loop's details:

* mini-batches from ``random_mini_batches(X, Y, minibatch_size, seed)`` with the seed
  incremented *before* each epoch (3 -> 4 for the first one);
* the epoch cost is the sum of the mini-batch costs divided by
  ``int(m / minibatch_size)``, the number of full mini-batches, not their mean;
* ``tf.train.AdamOptimizer`` with its defaults, epsilon 1e-8 (Keras's own is 1e-7).

``train_course_loop`` reproduces it in TF2: the mini-batch is gathered by index from
the whole training set held once as a tensor, and one ``tf.function`` does the
forward pass, the cost, the gradients and the Adam update (about a millisecond for a
small network). It calls the Keras callback hooks, so ``JobCallback`` reports it
and stops it between two mini-batches exactly as with ``model.fit``.

TensorFlow is imported through ``load_tensorflow()`` inside the functions.
"""
from __future__ import annotations

import math

import numpy as np

from engine.keras_models.job_callback import load_tensorflow


def mini_batch_indices(m: int, mini_batch_size: int, seed: int) -> list[np.ndarray]:
    """The example indices of the course's ``random_mini_batches`` batches, same order.

    ``np.random.seed(s); np.random.permutation(m)`` is ``RandomState(s).permutation(m)``;
    gathering rows by index avoids copying the whole training set every epoch.
    """
    permutation = np.random.RandomState(seed).permutation(m).astype(np.int32)
    return [permutation[k:k + mini_batch_size] for k in range(0, m, mini_batch_size)]


def course_adam(learning_rate: float):
    """Keras Adam with ``tf.train.AdamOptimizer``'s defaults."""
    _, keras = load_tensorflow()
    return keras.optimizers.Adam(learning_rate=learning_rate, beta_1=0.9, beta_2=0.999,
                                 epsilon=1e-8)


def _train_step(tf, keras_model, optimizer, loss_fn, X_all, Y_all):
    variables = keras_model.trainable_variables
    # The mini-batch is an argument, not gathered inside: a traced function that
    # captured the whole training set kept it (53 MB for cnn-signs) alive after the run,
    # because TensorFlow holds on to every traced function (benchmarks/README.md,
    # "Keras memory"), so each retraining grew the process by that much.
    signature = [tf.TensorSpec([None, *X_all.shape[1:]], tf.float32),
                 tf.TensorSpec([None, *Y_all.shape[1:]], tf.float32)]

    @tf.function(input_signature=signature)
    def step(x, y):
        with tf.GradientTape() as tape:
            logits = keras_model(x, training=True)
            minibatch_cost = loss_fn(logits, y)
        grads = tape.gradient(minibatch_cost, variables)
        optimizer.apply_gradients(zip(grads, variables))
        right = tf.reduce_sum(tf.cast(tf.equal(tf.argmax(logits, 1), tf.argmax(y, 1)),
                                      tf.int32))
        return minibatch_cost, right

    return step


def train_course_loop(keras_model, X, Y, loss_fn, learning_rate: float, num_epochs: int,
                      minibatch_size: int, callbacks=(), seed: int = 3) -> list[float]:
    """Train ``keras_model`` with the course's loop; returns the completed epochs' costs.

    ``X``: examples along the first axis, any rank ((m, n_x) rows or (m, 64, 64, 3)
    pictures), float. ``Y``: one-hot labels (m, classes). ``loss_fn(logits, y)``:
    the mini-batch cost from the model's output and the labels, both with examples as
    rows. ``seed`` is the mini-batch seed before the first increment (the course's 3).

    The hooks get ``loss`` (running epoch cost) and ``accuracy`` per batch and the
    epoch's course cost per epoch. A callback that sets ``model.stop_training`` stops
    it after the current mini-batch; a stopped epoch's cost is left out of the list,
    since it would be a sum over only part of the mini-batches.
    """
    tf, keras = load_tensorflow()
    m = int(X.shape[0])
    X_all = tf.constant(np.asarray(X, np.float32))
    Y_all = tf.constant(np.asarray(Y, np.float32))
    optimizer = course_adam(learning_rate)
    optimizer.build(keras_model.trainable_variables)
    step = _train_step(tf, keras_model, optimizer, loss_fn, X_all, Y_all)
    # the course divides by the number of full mini-batches (33 for 1080 / 32); a
    # set smaller than one mini-batch would divide by zero there
    num_minibatches = max(int(m / minibatch_size), 1)
    steps = math.ceil(m / minibatch_size)
    hooks = keras.callbacks.CallbackList(list(callbacks), model=keras_model,
                                         epochs=num_epochs, steps=steps, verbose=0)
    keras_model.stop_training = False
    costs: list[float] = []
    hooks.on_train_begin()
    for epoch in range(num_epochs):
        seed = seed + 1
        hooks.on_epoch_begin(epoch)
        total, right, seen, complete = 0.0, 0, 0, True
        for k, indices in enumerate(mini_batch_indices(m, minibatch_size, seed)):
            minibatch_cost, minibatch_right = step(tf.gather(X_all, indices),
                                                   tf.gather(Y_all, indices))
            total += float(minibatch_cost)
            right += int(minibatch_right)
            seen += len(indices)
            hooks.on_train_batch_end(k, {"loss": total / (k + 1), "accuracy": right / seen})
            if keras_model.stop_training:
                complete = k + 1 == steps
                break
        if not complete:
            break
        costs.append(total / num_minibatches)
        hooks.on_epoch_end(epoch, {"loss": costs[-1], "accuracy": right / seen})
        if keras_model.stop_training:
            break
    hooks.on_train_end()
    return costs
