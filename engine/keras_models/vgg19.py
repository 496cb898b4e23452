"""VGG-19's convolutional part, built in code with the course's layer names.

The course's ``load_vgg_model`` builds the 16 convolutions of VGG-19 (``conv1_1`` ...
``conv5_4``, 3x3, stride 1, SAME padding, ReLU) with *average* pooling between the
blocks (2x2, stride 2, SAME), which Gatys et al. found gives smoother pictures than the
max pooling VGG was trained with. The fully connected layers are not needed. Weights
come from a file the learner supplies (``engine.keras_models.vgg19_weights``); with
random weights (``glorot_uniform``) the network is only useful for timing.

The network takes the course's normalised pictures: RGB minus the ImageNet mean pixel.
"""
from __future__ import annotations

import numpy as np

from engine.keras_models.model_build import serialised_build

# (block, convolutions, filters) of VGG-19.
BLOCKS = ((1, 2, 64), (2, 2, 128), (3, 4, 256), (4, 4, 512), (5, 4, 512))
CONV_LAYERS = [f"conv{block}_{i}" for block, count, _ in BLOCKS for i in range(1, count + 1)]
NETWORK_NAME = "VGG-19"
# 16 kernels + 16 biases
CONV_PARAMETERS = 20_024_384


def conv_shapes(width_divisor: int = 1) -> dict[str, tuple[tuple, tuple]]:
    """{layer: (kernel shape, bias shape)}; ``width_divisor`` > 1 gives the same network
    with fewer filters per layer (the tests write small files of that shape)."""
    shapes = {}
    channels = 3
    for block, count, filters in BLOCKS:
        filters = max(1, filters // width_divisor)
        for i in range(1, count + 1):
            shapes[f"conv{block}_{i}"] = ((3, 3, channels, filters), (filters,))
            channels = filters
    return shapes


@serialised_build
def VGG19(width_divisor: int = 1, seed: int = 0):
    """The Keras model: input (None, None, 3), one output per conv layer (after ReLU),
    named as the course names them, average pooling ``avgpool1`` ... ``avgpool4``
    between the blocks."""
    from tensorflow import keras
    from tensorflow.keras import layers

    inputs = keras.Input(shape=(None, None, 3), name="input")
    x = inputs
    outputs = {}
    for block, count, filters in BLOCKS:
        if block > 1:
            x = layers.AveragePooling2D(2, 2, padding="same", name=f"avgpool{block - 1}")(x)
        for i in range(1, count + 1):
            name = f"conv{block}_{i}"
            x = layers.Conv2D(max(1, filters // width_divisor), 3, padding="same",
                              activation="relu", name=name,
                              kernel_initializer=keras.initializers.GlorotUniform(seed))(x)
            outputs[name] = x
    return keras.Model(inputs, outputs, name="vgg19_conv")


class VGG19Network:
    """``network(image, names) -> {name: activation}`` over a VGG-19 Keras model, for
    the painter and the course's ``CourseModel``. Only the blocks up to the deepest
    layer asked for are run (one sub-model per set of names, kept)."""

    name = NETWORK_NAME

    def __init__(self, model, source: str = "random weights") -> None:
        self.model = model
        self.source = source
        self.layer_names = list(CONV_LAYERS)
        self._submodels: dict = {}

    def resolve(self, name: str) -> str:
        if name not in self.layer_names:
            raise ValueError(f"Unknown layer '{name}': VGG-19's are "
                             f"{', '.join(self.layer_names)}.")
        return name

    def count_params(self) -> int:
        return int(self.model.count_params())

    def _submodel(self, names: tuple):
        if names not in self._submodels:
            from tensorflow import keras
            from engine.keras_models.model_build import MODEL_BUILD_LOCK
            with MODEL_BUILD_LOCK:   # one model built at a time (model_build.py)
                self._submodels[names] = keras.Model(
                    self.model.input, {n: self.model.get_layer(n).output for n in names})
        return self._submodels[names]

    def __call__(self, image, names):
        names = tuple(sorted({self.resolve(n) for n in names}))
        return dict(self._submodel(names)(image))


def random_vgg19_network(width_divisor: int = 1) -> VGG19Network:
    return VGG19Network(VGG19(width_divisor), "random weights")


def parameter_count(width_divisor: int = 1) -> int:
    return int(sum(np.prod(k) + np.prod(b) for k, b in conv_shapes(width_divisor).values()))
