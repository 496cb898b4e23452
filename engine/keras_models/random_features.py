"""The embedded feature network: random convolutional filters at several scales.

Painting with Gram-matrix style costs does not need a network trained on ImageNet:
random filters already capture texture well when they look at the picture at several
scales (Ustyuzhaninov, Brendel, Gatys and Bethge, "What does it take to generate
natural textures?", ICLR 2017, whose best random network is one layer of filters of
many sizes; He, Wang and Hopcroft, "A powerful generative model using random weights
for the deep image representation", NIPS 2016). So the app paints without any
download with this network, and with VGG-19 when the learner supplies its weights.

Layout: five stages, one per VGG-19 block, each looking at the picture at half the
previous resolution (a blurred-downsampling pyramid, as VGG's blocks halve it), so the
same filter sizes see ever larger parts of the picture (receptive fields of about 7,
14, 28, 56 and 112 pixels of the painting). Stage ``k``'s layer ``conv{k}_1`` is a bank
of random filters of sizes 3, 5 and 7 (3 and 5 at full size) on the picture at that
scale, together with 3x3 random filters on the downsampled features of the stage
before (so deeper layers also combine finer patterns), then ReLU. Stage 4 also has ``conv4_2``, one more random 3x3
layer on ``conv4_1``: the course's content layer, which at 1/8 of the resolution keeps
the layout and lets the style repaint the detail. Any other VGG-19 layer name maps to
its block's layer (``resolve_layer``), so the course's choices apply unchanged.

The filters are drawn once from a fixed seed (``SEED``), so every run, test and
benchmark sees the same network. Each filter is normalised to unit length, which
keeps every layer's activations on a similar scale, so the course's layer
coefficients (0.2 each) weigh the scales evenly.
"""
from __future__ import annotations

import re

import numpy as np

SEED = 2017
# Input gain. With zero biases the network is positively homogeneous: scaling the input
# by s scales the content cost by s^2 and the style cost by s^4. This gain puts the two
# costs in the ratio the course's VGG-19 gives them on its pictures (style about 10^4
# times the content cost at the start), so the course's alpha = 10, beta = 40 strike
# the same balance here (measured on the shipped pictures: 1.4e4 at gain 3).
INPUT_SCALE = 3.0

# (stage, filter sizes on the picture, filters per size, 3x3 filters on the pooled
# features of the stage before). Large filters see only the 3 colour channels (cheap);
# the features of the stage before are combined by 3x3 filters. Stage 1 works at full
# resolution, where a Gram matrix costs n_C^2 per pixel: it stays small.
STAGES = (
    (1, (3, 5), 32, 0),
    (2, (3, 5, 7), 32, 32),
    (3, (3, 5, 7), 32, 64),
    (4, (3, 5, 7), 32, 96),
    (5, (3, 5, 7), 32, 96),
)
CONTENT_EXTRA_FILTERS = 128     # conv4_2
NETWORK_NAME = "embedded random multi-scale network"
# Halve the resolution with a binomial blur rather than 2x2 averaging (see _downsample).
BLUR_POOL = True


def _unit_filters(rng, size: int, channels_in: int, count: int) -> np.ndarray:
    """``count`` random filters (size, size, channels_in), each of unit length."""
    w = rng.standard_normal((size, size, channels_in, count))
    w /= np.sqrt(np.sum(w ** 2, axis=(0, 1, 2), keepdims=True))
    return w.astype(np.float32)


def build_filters(seed: int = SEED) -> dict:
    """{layer: [(kernel, bias), ...]} for every layer (one pair per filter size)."""
    rng = np.random.RandomState(seed)
    filters: dict = {}
    previous = 0
    for stage, sizes, count, combining in STAGES:
        bank = [(_unit_filters(rng, size, 3, count), np.zeros(count, np.float32))
                for size in sizes]
        if combining:
            bank.append((_unit_filters(rng, 3, previous, combining),
                         np.zeros(combining, np.float32)))
        filters[f"conv{stage}_1"] = bank
        previous = count * len(sizes) + combining
        if stage == 4:
            kernel = _unit_filters(rng, 3, previous, CONTENT_EXTRA_FILTERS)
            filters["conv4_2"] = [(kernel, np.zeros(CONTENT_EXTRA_FILTERS, np.float32))]
    return filters


def resolve_layer(name: str, layer_names) -> str:
    """The layer of this network that stands for a VGG-19 layer name: the name itself
    when the network has it, else the same block's ``_1`` layer (or ``conv4_2`` for any
    later conv of block 4)."""
    if name in layer_names:
        return name
    match = re.fullmatch(r"conv([1-5])_([1-4])", str(name))
    if not match:
        raise ValueError(f"Unknown layer '{name}': use conv1_1 ... conv5_4.")
    block, index = match.groups()
    if block == "4" and int(index) >= 2 and "conv4_2" in layer_names:
        return "conv4_2"
    return f"conv{block}_1"


class RandomFeatureNetwork:
    """``network(image, names) -> {name: activation}`` for normalised pictures
    ``(1, H, W, 3)`` (the course's RGB minus the mean pixel)."""

    name = NETWORK_NAME

    def __init__(self, seed: int = SEED) -> None:
        import tensorflow as tf
        self.seed = seed
        self._filters = {layer: [(tf.constant(k), tf.constant(b)) for k, b in bank]
                         for layer, bank in build_filters(seed).items()}
        taps = np.array([1.0, 3.0, 3.0, 1.0]) / 8.0
        self._blur = tf.constant(np.outer(taps, taps)[:, :, None, None], tf.float32)
        self.layer_names = [f"conv{s[0]}_1" for s in STAGES[:4]] + ["conv4_2", "conv5_1"]

    def resolve(self, name: str) -> str:
        return resolve_layer(name, self.layer_names)

    def count_params(self) -> int:
        return int(sum(int(np.prod(k.shape)) + int(np.prod(b.shape))
                       for bank in self._filters.values() for k, b in bank))

    def _bank(self, layer: str, picture, previous=None):
        """ReLU of the layer's filters: the picture-sized ones on ``picture``, the last
        (combining) one on ``previous`` when given."""
        import tensorflow as tf
        bank = self._filters[layer]
        if previous is not None:
            bank, (k_prev, b_prev) = bank[:-1], bank[-1]
        maps = [tf.nn.conv2d(picture, k, 1, "SAME") + b for k, b in bank]
        if previous is not None:
            maps.append(tf.nn.conv2d(previous, k_prev, 1, "SAME") + b_prev)
        return tf.nn.relu(maps[0] if len(maps) == 1 else tf.concat(maps, axis=-1))

    def _downsample(self, x):
        """Half the resolution with a 4x4 binomial blur ([1, 3, 3, 1] / 8 each way):
        plain 2x2 average pooling passes its gradient back in 2x2 blocks, which shows
        as a grid in the painting; the blur spreads it smoothly."""
        import tensorflow as tf
        if not BLUR_POOL:
            return tf.nn.avg_pool2d(x, 2, 2, "SAME")
        channels = x.shape[-1]
        kernel = tf.tile(self._blur, [1, 1, channels, 1])
        return tf.nn.depthwise_conv2d(x, kernel, [1, 2, 2, 1], "SAME")

    def __call__(self, image, names):
        import tensorflow as tf
        names = [self.resolve(n) for n in names]
        deepest = max(int(n[4]) for n in names)
        x = tf.cast(image, tf.float32) * INPUT_SCALE
        out = {}
        previous = None
        for stage, *_ in STAGES[:deepest]:
            if stage > 1:
                x = self._downsample(x)
                previous = self._downsample(previous)
            previous = self._bank(f"conv{stage}_1", x, previous)
            out[f"conv{stage}_1"] = previous
            if stage == 4 and "conv4_2" in names:
                out["conv4_2"] = self._bank("conv4_2", previous)
        return {n: out[n] for n in names}
