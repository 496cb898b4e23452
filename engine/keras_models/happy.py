"""The Happy House models (course 4, section 4.3), built with Keras layers.

``HappyModel(input_shape)`` is the course's function as it runs in the notebook.
Its blocks 2 and 3 pad ``X_input`` instead of the previous block's output, so
blocks 1 and 2 end up disconnected and Keras keeps only what leads to the output:
pad -> conv3 (32 3x3 filters) -> bn3 -> relu -> max_pool3 -> flatten -> fc, 33,793
parameters (33,729 trainable, 64 the moving statistics of bn3), the summary the
course prints. ``HappyModel(input_shape, chained=True)`` is the intended three-block
network, each block working on the previous block's output.

``model(input_shape)`` is the example architecture the notebook shows first.

TensorFlow is imported inside the functions only (through ``load_tensorflow``), so
importing this module stays cheap.
"""
from __future__ import annotations

import numpy as np

from engine.global_random import GLOBAL_RANDOM_LOCK
from engine.keras_models.job_callback import load_tensorflow
from engine.keras_models.model_build import serialised_build

ARCHITECTURES = ("course", "chained", "example")


@serialised_build
def model(input_shape):
    """The notebook's example: ZeroPadding 3 -> CONV 32 7x7 -> BN -> RELU -> MAXPOOL
    -> FLATTEN -> FC (sigmoid)."""
    _, keras = load_tensorflow()
    layers = keras.layers
    X_input = layers.Input(input_shape)
    X = layers.ZeroPadding2D((3, 3))(X_input)
    X = layers.Conv2D(32, (7, 7), strides=(1, 1), name="conv0")(X)
    X = layers.BatchNormalization(axis=3, name="bn0")(X)
    X = layers.Activation("relu")(X)
    X = layers.MaxPooling2D((2, 2), name="max_pool")(X)
    X = layers.Flatten()(X)
    X = layers.Dense(1, activation="sigmoid", name="fc")(X)
    return keras.Model(inputs=X_input, outputs=X, name="HappyModel")


@serialised_build
def HappyModel(input_shape, chained: bool = False):
    """The course's graded model: three ZeroPad(1) -> CONV 3x3 (8/16/32) -> BN -> RELU
    -> MAXPOOL(2) blocks, then FLATTEN -> FC (sigmoid), named 'HappyModel'.

    ``chained=False`` (the default) reproduces the course's code exactly, where
    blocks 2 and 3 start again from ``X_input``; ``chained=True`` links the blocks."""
    _, keras = load_tensorflow()
    layers = keras.layers
    X_input = layers.Input(input_shape)
    X = X_input
    for block, filters in ((1, 8), (2, 16), (3, 32)):
        # the course's code pads X_input in blocks 2 and 3: keep that unless chained
        start = X if (chained or block == 1) else X_input
        X = layers.ZeroPadding2D(padding=(1, 1))(start)
        X = layers.Conv2D(filters, kernel_size=(3, 3), strides=(1, 1), name=f"conv{block}")(X)
        X = layers.BatchNormalization(axis=3, name=f"bn{block}")(X)
        X = layers.Activation("relu")(X)
        X = layers.MaxPooling2D(pool_size=(2, 2), strides=(2, 2), name=f"max_pool{block}")(X)
    X = layers.Flatten()(X)
    X = layers.Dense(1, activation="sigmoid", name="fc")(X)
    return keras.Model(inputs=X_input, outputs=X, name="HappyModel")


def build_model(architecture: str, input_shape=(64, 64, 3), seed: int | None = None):
    """One of ``ARCHITECTURES``, its weights drawn from ``seed`` (Keras's own
    initialisers, seeded through ``keras.utils.set_random_seed``)."""
    _, keras = load_tensorflow()
    if architecture not in ARCHITECTURES:
        raise ValueError(f"Unknown architecture '{architecture}'; choose one of "
                         f"{', '.join(ARCHITECTURES)}.")
    # set_random_seed also seeds NumPy's global state: hold its lock meanwhile
    with GLOBAL_RANDOM_LOCK:
        if seed is not None:
            keras.utils.set_random_seed(int(seed))
        if architecture == "example":
            return model(input_shape)
        return HappyModel(input_shape, chained=architecture == "chained")


def compile_happy_model(happy_model, learning_rate: float = 0.001) -> None:
    """The course's compile step: Adam(lr, 0.9, 0.999, 1e-8), binary cross-entropy,
    accuracy."""
    _, keras = load_tensorflow()
    optimizer = keras.optimizers.Adam(learning_rate=learning_rate, beta_1=0.9, beta_2=0.999,
                                      epsilon=1e-08)
    happy_model.compile(optimizer=optimizer, loss="binary_crossentropy",
                        metrics=["accuracy"])


def to_model_input(images: np.ndarray) -> np.ndarray:
    """Pictures (m, 64, 64, 3) uint8 -> float32 in 0..1, the course's ``X_orig/255.``"""
    return np.asarray(images, np.float32) / np.float32(255)


def compiled_inference(happy_model):
    """``pictures (float32, 0..1) -> P(happy)`` as one traced TensorFlow function.

    The live test accuracy runs after every epoch; an eager model call costs more in
    Python than the arithmetic for 150 pictures (benchmarks/cnn_keras_overhead.py)."""
    tf, _ = load_tensorflow()
    spec = tf.TensorSpec([None, *happy_model.input_shape[1:]], tf.float32)
    return tf.function(lambda x: happy_model(x, training=False), input_signature=[spec])


def predict_probabilities(happy_model, images: np.ndarray, batch_size: int = 256,
                          infer=None) -> np.ndarray:
    """P(happy) for each picture, shape (m,). Calls the model directly (inference
    mode) rather than ``predict``, which is slow to start for a few pictures;
    ``infer``: a ``compiled_inference`` of the same model, for repeated calls."""
    x = to_model_input(images)
    call = infer or (lambda batch: happy_model(batch, training=False))
    out = [np.asarray(call(x[i:i + batch_size])).reshape(-1)
           for i in range(0, x.shape[0], batch_size)]
    return np.concatenate(out) if out else np.zeros(0, np.float32)


def happy_probability(happy_model, image_uint8: np.ndarray) -> float:
    """The probability that one face picture (h, w, 3) uint8, e.g. a camera's face
    crop, shows a smile. Resized to the model's input size first."""
    from engine.data.images import load_image_for_model

    height, width = (int(d) for d in happy_model.input_shape[1:3])
    image = load_image_for_model(np.asarray(image_uint8), (width, height))
    return float(predict_probabilities(happy_model, image[None])[0])


def jittered_batches(images: np.ndarray, labels: np.ndarray, batch_size: int, seed: int):
    """The training pictures for ``fit`` as a Keras ``PyDataset`` that draws a new,
    randomly altered copy of them every epoch (``engine.data.happy.jitter_pictures``:
    small shifts, mirroring, exposure, contrast and colour cast) and shuffles them.

    Deterministic for ``seed``. ``images`` (m, 64, 64, 3) uint8, ``labels`` (m, 1)."""
    from engine.data.happy import jitter_pictures

    _, keras = load_tensorflow()

    class JitteredBatches(keras.utils.PyDataset):
        def __init__(self):
            super().__init__()
            self.rng = np.random.default_rng([int(seed), 33])
            self.epoch_images = self.epoch_labels = None
            self.on_epoch_end()

        def __len__(self) -> int:
            return -(-len(images) // batch_size)

        def on_epoch_end(self) -> None:
            order = self.rng.permutation(len(images))
            self.epoch_images = to_model_input(jitter_pictures(images[order], self.rng))
            self.epoch_labels = np.asarray(labels, np.float32)[order]

        def __getitem__(self, index: int):
            batch = slice(index * batch_size, (index + 1) * batch_size)
            return self.epoch_images[batch], self.epoch_labels[batch]

    return JitteredBatches()
