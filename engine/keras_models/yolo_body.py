"""YOLOv2 built in code, as YAD2K builds it (and as the course's ``yolo.h5`` holds it).

Darknet-19's 18 convolutions (3x3 / 1x1 bottlenecks, five 2x2 max-pools), two more
3x3x1024 convolutions, the passthrough (a 1x1x64 convolution of the 38x38 map of the
13th convolution, reorganised to 19x19x256 and concatenated in front of the 19x19x1024
map), a last 3x3x1024 convolution and the 1x1 output convolution with A*(5+C)
filters. Every convolution but the last has no bias and is followed by batch
normalisation and a leaky ReLU of slope 0.1. At 608x608 with 5 anchors and 80 classes
the summary gives the course's 50,983,561 parameters (20,672 of them the batch-norm
moving means and variances).

Layers are named as the course's summary names them (``conv2d_1`` ...
``conv2d_23``, ``batch_normalization_1`` ..., ``leaky_re_lu_1`` ...), so a summary
reads like the course's. The passthrough is a real ``Reorg`` layer (no Lambda): with
``order="tensorflow"`` it is ``tf.nn.space_to_depth``, the order YAD2K converted
``yolo.h5`` with; with ``order="darknet"`` it moves values exactly as Darknet's
``reorg_cpu`` does, the order Darknet's own ``.weights`` were trained with. The
weights are the same shapes either way: only the order of the 256 passthrough
channels that the next convolution reads differs, so each file needs its own.
"""
from __future__ import annotations

import numpy as np

from engine.keras_models.model_build import serialised_build
from engine.keras_models.job_callback import load_tensorflow

TOTAL_PARAMS = 50_983_561
TRAINABLE_PARAMS = 50_962_889
NON_TRAINABLE_PARAMS = 20_672

REORG_ORDERS = ("tensorflow", "darknet")


def darknet_reorg_permutation(height: int, width: int, channels: int,
                              stride: int = 2) -> np.ndarray:
    """For Darknet's reorg of a (channels, height, width) map (its CHW memory), the
    flat source index of every flat output index: a port of ``reorg_cpu(x, w, h, c,
    batch, stride, forward=0, out)``, which reads the input as if it were
    (c / stride^2, h * stride, w * stride) and writes ``out[in_index] =
    x[out_index]``. The output is then read as (c * stride^2, h / stride,
    w / stride)."""
    out_c = channels // (stride * stride)
    k, j, i = np.meshgrid(np.arange(channels), np.arange(height), np.arange(width),
                          indexing="ij")
    in_index = i + width * (j + height * k)
    c2 = k % out_c
    offset = k // out_c
    w2 = i * stride + offset % stride
    h2 = j * stride + offset // stride
    out_index = w2 + width * stride * (h2 + height * stride * c2)
    permutation = np.empty(height * width * channels, dtype=np.int64)
    permutation[in_index.ravel()] = out_index.ravel()
    return permutation


def _reorg_class():
    keras = load_tensorflow()[1]
    import tensorflow as tf

    class Reorg(keras.layers.Layer):
        """The passthrough's reorganisation: (h, w, c) -> (h/s, w/s, c*s*s), in
        TensorFlow's space_to_depth order or Darknet's reorg order."""

        def __init__(self, stride=2, order="tensorflow", **kwargs):
            super().__init__(**kwargs)
            if order not in REORG_ORDERS:
                raise ValueError(f"reorg order must be one of {REORG_ORDERS}")
            self.stride = int(stride)
            self.order = order

        def compute_output_shape(self, input_shape):
            batch, h, w, c = input_shape
            s = self.stride
            return (batch, None if h is None else h // s, None if w is None else w // s,
                    c * s * s)

        def build(self, input_shape):
            _, h, w, c = input_shape
            if self.order == "darknet":
                self._permutation = tf.constant(darknet_reorg_permutation(h, w, c,
                                                                          self.stride))
            self._dims = (int(h), int(w), int(c))
            super().build(input_shape)

        def call(self, x):
            if self.order == "tensorflow":
                return tf.nn.space_to_depth(x, self.stride)
            h, w, c = self._dims
            s = self.stride
            chw = tf.reshape(tf.transpose(x, [0, 3, 1, 2]), [-1, h * w * c])
            moved = tf.gather(chw, self._permutation, axis=1)
            moved = tf.reshape(moved, [-1, c * s * s, h // s, w // s])
            return tf.transpose(moved, [0, 2, 3, 1])

        def get_config(self):
            return {**super().get_config(), "stride": self.stride, "order": self.order}

    return Reorg


_REORG = None


def Reorg(*args, **kwargs):
    """The ``Reorg`` Keras layer (its class is made once TensorFlow is loaded)."""
    global _REORG
    if _REORG is None:
        _REORG = _reorg_class()
    return _REORG(*args, **kwargs)


class _Namer:
    """Keras 2 style names, counting from 1 per layer kind, as in the course's summary."""

    def __init__(self):
        self.counts = {}

    def __call__(self, kind: str) -> str:
        self.counts[kind] = self.counts.get(kind, 0) + 1
        return f"{kind}_{self.counts[kind]}"


def conv_bn_leaky(keras, x, filters, size, name, kernel_initializer="glorot_uniform"):
    x = keras.layers.Conv2D(filters, size, padding="same", use_bias=False,
                            kernel_initializer=kernel_initializer,
                            name=name("conv2d"))(x)
    x = keras.layers.BatchNormalization(name=name("batch_normalization"))(x)
    return keras.layers.LeakyReLU(negative_slope=0.1, name=name("leaky_re_lu"))(x)


def _backbone_plan():
    """(filters, size, source) of YOLOv2's 23 convolutions in creation order, full
    width; source is the index of the convolution feeding it (-1: the previous one,
    'input', or 'concat' for the passthrough join)."""
    plan = [(32, 3), (64, 3)]
    for outer, bottleneck, repeats in ((128, 64, 1), (256, 128, 1), (512, 256, 2),
                                       (1024, 512, 2)):
        plan.append((outer, 3))
        for _ in range(repeats):
            plan += [(bottleneck, 1), (outer, 3)]
    plan += [(1024, 3), (1024, 3), (64, 1), (1024, 3)]
    return plan


def yolo_weight_shapes(num_anchors=5, num_classes=80, width_divisor=1):
    """The arrays yolo_body holds, without building it: ([kernel shapes of the 23
    convolutions (+ the last one's bias)], [channels of the 22 batch norms]), in
    creation order. Loaders check a file against these before reading anything."""
    convs, norms = [], []
    channels = 3
    plan = _backbone_plan()
    outs = []
    for index, (filters, size) in enumerate(plan):
        filters //= width_divisor
        if index == 20:          # the passthrough's 1x1 conv reads conv 13's output
            channels = outs[12]
        elif index == 21:        # after the join: reorg (x4 channels) + conv 20
            channels = outs[20] * 4 + outs[19]
        convs.append([(size, size, channels, filters)])
        norms.append(filters)
        outs.append(filters)
        channels = filters
    depth = num_anchors * (num_classes + 5)
    convs.append([(1, 1, channels, depth), (depth,)])
    return convs, norms


@serialised_build
def yolo_body(input_shape=(608, 608, 3), num_anchors=5, num_classes=80,
              reorg_order="tensorflow", name="yolov2", kernel_initializer="glorot_uniform",
              width_divisor=1):
    """YOLOv2 (Darknet-19 + passthrough) as a functional Keras model whose output is
    the (S, S, num_anchors * (5 + num_classes)) map, S = input side / 32.

    ``kernel_initializer="zeros"`` saves drawing 50 million random numbers when the
    weights are about to be read from a file. ``width_divisor`` divides every filter
    count but the output's (tests use a narrow YOLOv2 to write small files)."""
    keras = load_tensorflow()[1]
    if input_shape[0] % 32 or input_shape[1] % 32:
        raise ValueError("YOLOv2's input sides must be multiples of 32")
    layer_name = _Namer()
    inputs = keras.Input(input_shape, name="input_1")
    plan = iter(_backbone_plan())

    def conv(x):
        filters, size = next(plan)
        return conv_bn_leaky(keras, x, filters // width_divisor, size, layer_name,
                             kernel_initializer)

    def pool(x):
        return keras.layers.MaxPooling2D(2, 2, padding="same",
                                         name=layer_name("max_pooling2d"))(x)

    x = pool(conv(inputs))
    x = pool(conv(x))
    for repeats in (1, 1, 2, 2):          # the 128, 256, 512 and 1024 blocks
        x = conv(x)
        for _ in range(repeats):
            x = conv(conv(x))             # 1x1 bottleneck, then 3x3
        if repeats == 2 and x.shape[1] == input_shape[0] // 16:
            conv13 = x                    # the 512 block's output, the passthrough's source
        if x.shape[1] != input_shape[0] // 32:
            x = pool(x)
    conv20 = conv(conv(x))
    conv21 = conv(conv13)
    passthrough = Reorg(2, reorg_order, name="reorg")(conv21)
    x = keras.layers.Concatenate(name="concatenate_1")([passthrough, conv20])
    x = conv(x)
    outputs = keras.layers.Conv2D(num_anchors * (num_classes + 5), 1, padding="same",
                                  kernel_initializer=kernel_initializer,
                                  name=layer_name("conv2d"))(x)
    return keras.Model(inputs, outputs, name=name)
