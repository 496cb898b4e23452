"""The course's FaceNet Inception network (``inception_blocks_v2.py``), in Keras 3.

Layer for layer the network of the course's ``faceRecoModel``, with the same layer
names (``conv1``, ``bn1``, ..., ``inception_5b_1x1_bn``, ``dense_layer``) so the
course's weights load by name, and the same 3,743,280 parameters. Two changes, both
invisible to the weights:

- channels-last. The course ran Keras with ``channels_first``; Keras stores conv
  kernels as (kh, kw, in, out) in both layouts and every feature map is 1x1 before
  ``Flatten``, so the same arrays work. ``input_shape=(3, 96, 96)`` (the course's
  call) is still accepted: a ``Permute`` layer turns it into (96, 96, 3).
- the final L2 normalisation is a small named layer instead of a ``Lambda``, so no
  model file ever needs to deserialize code.

TensorFlow / Keras are imported inside the functions (through job_callback's
``load_tensorflow``): importing this module is cheap.
"""
from __future__ import annotations

from engine.keras_models.model_build import serialised_build

# Names of the layers that hold weights, in the course's order (fr_utils.WEIGHTS).
WEIGHTS = [
    "conv1", "bn1", "conv2", "bn2", "conv3", "bn3",
    "inception_3a_1x1_conv", "inception_3a_1x1_bn",
    "inception_3a_pool_conv", "inception_3a_pool_bn",
    "inception_3a_5x5_conv1", "inception_3a_5x5_conv2",
    "inception_3a_5x5_bn1", "inception_3a_5x5_bn2",
    "inception_3a_3x3_conv1", "inception_3a_3x3_conv2",
    "inception_3a_3x3_bn1", "inception_3a_3x3_bn2",
    "inception_3b_3x3_conv1", "inception_3b_3x3_conv2",
    "inception_3b_3x3_bn1", "inception_3b_3x3_bn2",
    "inception_3b_5x5_conv1", "inception_3b_5x5_conv2",
    "inception_3b_5x5_bn1", "inception_3b_5x5_bn2",
    "inception_3b_pool_conv", "inception_3b_pool_bn",
    "inception_3b_1x1_conv", "inception_3b_1x1_bn",
    "inception_3c_3x3_conv1", "inception_3c_3x3_conv2",
    "inception_3c_3x3_bn1", "inception_3c_3x3_bn2",
    "inception_3c_5x5_conv1", "inception_3c_5x5_conv2",
    "inception_3c_5x5_bn1", "inception_3c_5x5_bn2",
    "inception_4a_3x3_conv1", "inception_4a_3x3_conv2",
    "inception_4a_3x3_bn1", "inception_4a_3x3_bn2",
    "inception_4a_5x5_conv1", "inception_4a_5x5_conv2",
    "inception_4a_5x5_bn1", "inception_4a_5x5_bn2",
    "inception_4a_pool_conv", "inception_4a_pool_bn",
    "inception_4a_1x1_conv", "inception_4a_1x1_bn",
    "inception_4e_3x3_conv1", "inception_4e_3x3_conv2",
    "inception_4e_3x3_bn1", "inception_4e_3x3_bn2",
    "inception_4e_5x5_conv1", "inception_4e_5x5_conv2",
    "inception_4e_5x5_bn1", "inception_4e_5x5_bn2",
    "inception_5a_3x3_conv1", "inception_5a_3x3_conv2",
    "inception_5a_3x3_bn1", "inception_5a_3x3_bn2",
    "inception_5a_pool_conv", "inception_5a_pool_bn",
    "inception_5a_1x1_conv", "inception_5a_1x1_bn",
    "inception_5b_3x3_conv1", "inception_5b_3x3_conv2",
    "inception_5b_3x3_bn1", "inception_5b_3x3_bn2",
    "inception_5b_pool_conv", "inception_5b_pool_bn",
    "inception_5b_1x1_conv", "inception_5b_1x1_bn",
    "dense_layer",
]

INPUT_SIZE = 96          # the network sees 96x96 RGB faces
TOTAL_PARAMS = 3743280   # FRmodel.count_params() in the course

# The course's batch-norm epsilon (its bn1 keeps Keras's default, 1e-3).
_EPSILON = 0.00001

_l2_class = None


def l2_normalize_layer_class():
    """``L2Normalize``: x / ||x||, as ``K.l2_normalize(x, axis=1)``, as a plain layer."""
    global _l2_class
    if _l2_class is None:
        import keras

        class L2Normalize(keras.layers.Layer):
            """Scales each row to unit length (tf.math.l2_normalize's 1e-12 floor)."""

            def call(self, inputs):
                ops = keras.ops
                squares = ops.sum(ops.square(inputs), axis=-1, keepdims=True)
                return inputs * ops.rsqrt(ops.maximum(squares, 1e-12))

            def compute_output_shape(self, input_shape):
                return input_shape

        _l2_class = L2Normalize
    return _l2_class


def conv2d_bn(x, layer=None, cv1_out=None, cv1_filter=(1, 1), cv1_strides=(1, 1),
              cv2_out=None, cv2_filter=(3, 3), cv2_strides=(1, 1), padding=None):
    """The course's fr_utils.conv2d_bn: conv -> BN -> ReLU [-> pad [-> conv -> BN -> ReLU]]."""
    from keras import layers

    num = "" if cv2_out is None else "1"
    tensor = layers.Conv2D(cv1_out, cv1_filter, strides=cv1_strides,
                           name=layer + "_conv" + num)(x)
    tensor = layers.BatchNormalization(axis=-1, epsilon=_EPSILON,
                                       name=layer + "_bn" + num)(tensor)
    tensor = layers.Activation("relu")(tensor)
    if padding is None:
        return tensor
    tensor = layers.ZeroPadding2D(padding=padding)(tensor)
    if cv2_out is None:
        return tensor
    tensor = layers.Conv2D(cv2_out, cv2_filter, strides=cv2_strides,
                           name=layer + "_conv2")(tensor)
    tensor = layers.BatchNormalization(axis=-1, epsilon=_EPSILON,
                                       name=layer + "_bn2")(tensor)
    return layers.Activation("relu")(tensor)


def inception_block_1a(X):
    from keras import layers

    X_3x3 = conv2d_bn(X, "inception_3a_3x3", cv1_out=96, cv2_out=128, padding=(1, 1))
    X_5x5 = conv2d_bn(X, "inception_3a_5x5", cv1_out=16, cv2_out=32, cv2_filter=(5, 5),
                      padding=(2, 2))
    X_pool = layers.MaxPooling2D(pool_size=3, strides=2)(X)
    X_pool = conv2d_bn(X_pool, "inception_3a_pool", cv1_out=32,
                       padding=((3, 4), (3, 4)))
    X_1x1 = conv2d_bn(X, "inception_3a_1x1", cv1_out=64)
    return layers.concatenate([X_3x3, X_5x5, X_pool, X_1x1], axis=-1)


def _wide_block(X, stage, c3, c5, pool_out, pool_padding, c1):
    """Blocks 3b and 4a of the course: 3x3 and 5x5 branches, a 3x3/3 average pool with
    a 1x1 conv, and a 1x1 branch; ``c3`` / ``c5`` are (reduce, out) filter counts."""
    from keras import layers

    X_3x3 = conv2d_bn(X, f"inception_{stage}_3x3", cv1_out=c3[0], cv2_out=c3[1],
                      padding=(1, 1))
    X_5x5 = conv2d_bn(X, f"inception_{stage}_5x5", cv1_out=c5[0], cv2_out=c5[1],
                      cv2_filter=(5, 5), padding=(2, 2))
    X_pool = layers.AveragePooling2D(pool_size=(3, 3), strides=(3, 3))(X)
    X_pool = conv2d_bn(X_pool, f"inception_{stage}_pool", cv1_out=pool_out,
                       padding=pool_padding)
    X_1x1 = conv2d_bn(X, f"inception_{stage}_1x1", cv1_out=c1)
    return layers.concatenate([X_3x3, X_5x5, X_pool, X_1x1], axis=-1)


def _reduction_block(X, stage, c3, c5):
    """Blocks 3c and 4e of the course: strided 3x3 and 5x5 branches and a padded 3x3/2
    max pool, halving the grid."""
    from keras import layers

    X_3x3 = conv2d_bn(X, f"inception_{stage}_3x3", cv1_out=c3[0], cv2_out=c3[1],
                      cv2_strides=(2, 2), padding=(1, 1))
    X_5x5 = conv2d_bn(X, f"inception_{stage}_5x5", cv1_out=c5[0], cv2_out=c5[1],
                      cv2_filter=(5, 5), cv2_strides=(2, 2), padding=(2, 2))
    X_pool = layers.MaxPooling2D(pool_size=3, strides=2)(X)
    X_pool = layers.ZeroPadding2D(padding=((0, 1), (0, 1)))(X_pool)
    return layers.concatenate([X_3x3, X_5x5, X_pool], axis=-1)


def inception_block_1b(X):
    return _wide_block(X, "3b", c3=(96, 128), c5=(32, 64), pool_out=64,
                       pool_padding=(4, 4), c1=64)


def inception_block_1c(X):
    return _reduction_block(X, "3c", c3=(128, 256), c5=(32, 64))


def inception_block_2a(X):
    return _wide_block(X, "4a", c3=(96, 192), c5=(32, 64), pool_out=128,
                       pool_padding=(2, 2), c1=256)


def inception_block_2b(X):
    return _reduction_block(X, "4e", c3=(160, 256), c5=(64, 128))


def inception_block_3a(X):
    from keras import layers

    X_3x3 = conv2d_bn(X, "inception_5a_3x3", cv1_out=96, cv2_out=384, padding=(1, 1))
    X_pool = layers.AveragePooling2D(pool_size=(3, 3), strides=(3, 3))(X)
    X_pool = conv2d_bn(X_pool, "inception_5a_pool", cv1_out=96, padding=(1, 1))
    X_1x1 = conv2d_bn(X, "inception_5a_1x1", cv1_out=256)
    return layers.concatenate([X_3x3, X_pool, X_1x1], axis=-1)


def inception_block_3b(X):
    from keras import layers

    X_3x3 = conv2d_bn(X, "inception_5b_3x3", cv1_out=96, cv2_out=384, padding=(1, 1))
    X_pool = layers.MaxPooling2D(pool_size=3, strides=2)(X)
    X_pool = conv2d_bn(X_pool, "inception_5b_pool", cv1_out=96)
    X_pool = layers.ZeroPadding2D(padding=(1, 1))(X_pool)
    X_1x1 = conv2d_bn(X, "inception_5b_1x1", cv1_out=256)
    return layers.concatenate([X_3x3, X_pool, X_1x1], axis=-1)


@serialised_build
def faceRecoModel(input_shape=(INPUT_SIZE, INPUT_SIZE, 3)):
    """The course's FaceNet model: (m, 96, 96, 3) RGB in [0, 1] -> (m, 128), unit length.

    ``input_shape`` may also be the course's channels-first ``(3, 96, 96)``.
    """
    from engine.keras_models.job_callback import load_tensorflow

    _, keras = load_tensorflow()
    from keras import layers

    input_shape = tuple(int(d) for d in input_shape)
    if len(input_shape) != 3 or 3 not in (input_shape[0], input_shape[-1]):
        raise ValueError(f"faceRecoModel needs an input shape like (96, 96, 3); "
                         f"got {input_shape}.")
    X_input = keras.Input(input_shape, name="input_image")
    X = X_input
    if input_shape[0] == 3 and input_shape[-1] != 3:
        # The course's (channels, height, width) batches, turned channels-last.
        X = layers.Permute((2, 3, 1), name="channels_first_to_last")(X)

    X = layers.ZeroPadding2D((3, 3))(X)
    X = layers.Conv2D(64, (7, 7), strides=(2, 2), name="conv1")(X)
    X = layers.BatchNormalization(axis=-1, epsilon=0.001, name="bn1")(X)
    X = layers.Activation("relu")(X)
    X = layers.ZeroPadding2D((1, 1))(X)
    X = layers.MaxPooling2D((3, 3), strides=2)(X)

    X = layers.Conv2D(64, (1, 1), strides=(1, 1), name="conv2")(X)
    X = layers.BatchNormalization(axis=-1, epsilon=_EPSILON, name="bn2")(X)
    X = layers.Activation("relu")(X)
    X = layers.ZeroPadding2D((1, 1))(X)

    X = layers.Conv2D(192, (3, 3), strides=(1, 1), name="conv3")(X)
    X = layers.BatchNormalization(axis=-1, epsilon=_EPSILON, name="bn3")(X)
    X = layers.Activation("relu")(X)
    X = layers.ZeroPadding2D((1, 1))(X)
    X = layers.MaxPooling2D(pool_size=3, strides=2)(X)

    X = inception_block_1a(X)
    X = inception_block_1b(X)
    X = inception_block_1c(X)
    X = inception_block_2a(X)
    X = inception_block_2b(X)
    X = inception_block_3a(X)
    X = inception_block_3b(X)

    X = layers.AveragePooling2D(pool_size=(3, 3), strides=(1, 1))(X)
    X = layers.Flatten()(X)
    X = layers.Dense(128, name="dense_layer")(X)
    X = l2_normalize_layer_class()(name="l2_normalize")(X)
    return keras.Model(inputs=X_input, outputs=X, name="FaceRecoModel")
