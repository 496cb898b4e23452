"""Lesson 4.4's residual network: the course's ``identity_block``,
``convolutional_block`` and ``ResNet50``, with its layer names and initialisers.

Names follow the course (``res2a_branch2a``, ``bn2a_branch2a``, ``res2a_branch1``,
``conv1``, ``bn_conv1``, ``avg_pool``, ``fc6``) because the pretrained
``ResNet50.h5`` is read by layer name. Every Conv2D / Dense kernel starts from
``glorot_uniform(seed=0)`` as in the course: each layer gets its own seeded
initialiser, so two layers of the same shape start from the same numbers, exactly
like the notebook.

``stage_plan()`` describes the same network as plain data (no TensorFlow) for the
lesson's block diagram; ``tests/engine/test_resnet.py`` checks the two agree.

TensorFlow is imported inside the functions only (engine modules must not import
it when they are imported; see ``engine/keras_models/job_callback.py``).
"""
from __future__ import annotations

from engine.keras_models.job_callback import load_tensorflow
from engine.keras_models.model_build import serialised_build

# The course's printed model.summary() totals.
TOTAL_PARAMS = 23_600_006
TRAINABLE_PARAMS = 23_546_886
NON_TRAINABLE_PARAMS = 53_120

# (stage, convolutional block's stride s, filters [F1, F2, F3], identity block letters)
STAGES = (
    (2, 1, (64, 64, 256), "bc"),
    (3, 2, (128, 128, 512), "bcd"),
    (4, 2, (256, 256, 1024), "bcdef"),
    (5, 2, (512, 512, 2048), "bc"),
)


def _keras():
    return load_tensorflow()[1]


def _glorot():
    # a new seeded initialiser per layer, as the course writes glorot_uniform(seed=0)
    return _keras().initializers.GlorotUniform(seed=0)


def identity_block(X, f, filters, stage, block):
    """The course's identity block: three conv layers on the main path, the input
    added back unchanged before the last ReLU. The output has the input's shape
    (``F3`` must equal the input's channels)."""
    layers = _keras().layers
    conv_name_base = 'res' + str(stage) + block + '_branch'
    bn_name_base = 'bn' + str(stage) + block + '_branch'
    F1, F2, F3 = filters
    X_shortcut = X

    X = layers.Conv2D(F1, (1, 1), strides=(1, 1), padding='valid', name=conv_name_base + '2a',
                      kernel_initializer=_glorot())(X)
    X = layers.BatchNormalization(axis=3, name=bn_name_base + '2a')(X)
    X = layers.Activation('relu')(X)

    X = layers.Conv2D(F2, (f, f), strides=(1, 1), padding='same', name=conv_name_base + '2b',
                      kernel_initializer=_glorot())(X)
    X = layers.BatchNormalization(axis=3, name=bn_name_base + '2b')(X)
    X = layers.Activation('relu')(X)

    X = layers.Conv2D(F3, (1, 1), strides=(1, 1), padding='valid', name=conv_name_base + '2c',
                      kernel_initializer=_glorot())(X)
    X = layers.BatchNormalization(axis=3, name=bn_name_base + '2c')(X)

    X = layers.Add()([X, X_shortcut])
    X = layers.Activation('relu')(X)
    return X


def convolutional_block(X, f, filters, stage, block, s=2):
    """The course's convolutional block: like the identity block, but the first conv
    strides by ``s`` and the shortcut is a strided 1x1 conv + batch norm, so the
    output has ``F3`` channels and height/width divided by ``s``."""
    layers = _keras().layers
    conv_name_base = 'res' + str(stage) + block + '_branch'
    bn_name_base = 'bn' + str(stage) + block + '_branch'
    F1, F2, F3 = filters
    X_shortcut = X

    X = layers.Conv2D(F1, (1, 1), strides=(s, s), padding='valid', name=conv_name_base + '2a',
                      kernel_initializer=_glorot())(X)
    X = layers.BatchNormalization(axis=3, name=bn_name_base + '2a')(X)
    X = layers.Activation('relu')(X)

    X = layers.Conv2D(F2, (f, f), strides=(1, 1), padding='same', name=conv_name_base + '2b',
                      kernel_initializer=_glorot())(X)
    X = layers.BatchNormalization(axis=3, name=bn_name_base + '2b')(X)
    X = layers.Activation('relu')(X)

    X = layers.Conv2D(F3, (1, 1), strides=(1, 1), padding='valid', name=conv_name_base + '2c',
                      kernel_initializer=_glorot())(X)
    X = layers.BatchNormalization(axis=3, name=bn_name_base + '2c')(X)

    X_shortcut = layers.Conv2D(F3, (1, 1), strides=(s, s), padding='valid',
                               name=conv_name_base + '1',
                               kernel_initializer=_glorot())(X_shortcut)
    X_shortcut = layers.BatchNormalization(axis=3, name=bn_name_base + '1')(X_shortcut)

    X = layers.Add()([X, X_shortcut])
    X = layers.Activation('relu')(X)
    return X


@serialised_build
def ResNet50(input_shape=(64, 64, 3), classes=6):
    """The course's ResNet50: CONV2D -> BATCHNORM -> RELU -> MAXPOOL -> CONVBLOCK ->
    IDBLOCK*2 -> CONVBLOCK -> IDBLOCK*3 -> CONVBLOCK -> IDBLOCK*5 -> CONVBLOCK ->
    IDBLOCK*2 -> AVGPOOL -> FLATTEN -> DENSE (softmax)."""
    keras = _keras()
    layers = keras.layers
    X_input = layers.Input(input_shape)

    # Stage 0-1
    X = layers.ZeroPadding2D((3, 3))(X_input)
    X = layers.Conv2D(64, (7, 7), strides=(2, 2), name='conv1',
                      kernel_initializer=_glorot())(X)
    X = layers.BatchNormalization(axis=3, name='bn_conv1')(X)
    X = layers.Activation('relu')(X)
    X = layers.MaxPooling2D((3, 3), strides=(2, 2))(X)

    # Stages 2-5: one convolutional block, then identity blocks
    for stage, s, filters, identity_letters in STAGES:
        X = convolutional_block(X, f=3, filters=list(filters), stage=stage, block='a', s=s)
        for block in identity_letters:
            X = identity_block(X, 3, list(filters), stage=stage, block=block)

    X = layers.AveragePooling2D(pool_size=(2, 2), name="avg_pool")(X)
    X = layers.Flatten()(X)
    X = layers.Dense(classes, activation='softmax', name='fc' + str(classes),
                     kernel_initializer=_glorot())(X)
    return keras.Model(inputs=X_input, outputs=X, name='ResNet50')


# --- the same network as data, for the diagram (no TensorFlow) ---

def _conv_out(size: int, window: int, stride: int) -> int:
    return (size - window) // stride + 1  # 'valid' padding


def stage_plan(input_shape=(64, 64, 3), classes=6) -> list[dict]:
    """ResNet50 as a list of stages, in order, each
    ``{"name", "kind": "input"|"stem"|"residual"|"head", "label", "output_shape",
    "blocks": [...]}`` (input, stem and head also have a "short" label for a box);
    a residual stage's blocks are
    ``{"name": "res3a", "kind": "conv"|"identity", "filters": (F1, F2, F3), "f": 3,
    "stride", "input_shape", "output_shape", "shortcut": "conv 1x1 + BN"|"identity"}``.
    Shapes are (height, width, channels), computed the way the layers compute them."""
    h, w, c = input_shape
    plan = [{"name": "input", "kind": "input", "label": "Input", "short": "Input",
             "output_shape": (h, w, c), "blocks": []}]
    h, w = h + 6, w + 6                              # ZeroPadding2D((3, 3))
    h, w = _conv_out(h, 7, 2), _conv_out(w, 7, 2)    # conv1 7x7 stride 2, valid
    conv1_shape = (h, w, 64)
    h, w = _conv_out(h, 3, 2), _conv_out(w, 3, 2)    # MaxPooling2D 3x3 stride 2
    c = 64
    plan.append({"name": "stage1", "kind": "stem",
                 "label": "Stage 1: zero-pad 3, conv 7x7/2 (64), BN, ReLU, max-pool 3x3/2",
                 "short": "pad 3 · conv1 7x7/2 · BN · ReLU · max-pool 3x3/2",
                 "conv1_shape": conv1_shape, "output_shape": (h, w, c), "blocks": []})
    for stage, s, filters, identity_letters in STAGES:
        blocks = []
        for i, letter in enumerate("a" + identity_letters):
            stride = s if i == 0 else 1
            before = (h, w, c)
            # the 1x1 strided conv: (n - 1) // s + 1, the same as 'valid' with window 1
            h, w, c = _conv_out(h, 1, stride), _conv_out(w, 1, stride), filters[2]
            blocks.append({"name": f"res{stage}{letter}",
                           "kind": "conv" if i == 0 else "identity",
                           "filters": tuple(filters), "f": 3, "stride": stride,
                           "input_shape": before, "output_shape": (h, w, c),
                           "shortcut": "conv 1x1 + BN" if i == 0 else "identity"})
        plan.append({"name": f"stage{stage}", "kind": "residual",
                     "label": f"Stage {stage}: conv block (s={s}) + "
                              f"{len(identity_letters)} identity blocks",
                     "filters": tuple(filters), "output_shape": (h, w, c), "blocks": blocks})
    h, w = _conv_out(h, 2, 2), _conv_out(w, 2, 2)    # AveragePooling2D((2, 2))
    plan.append({"name": "head", "kind": "head",
                 "label": f"avg-pool 2x2, flatten, dense {classes} (softmax)",
                 "short": f"avg_pool 2x2 · flatten · fc{classes} softmax",
                 "pool_shape": (h, w, c), "flatten": h * w * c,
                 "output_shape": (classes,), "blocks": []})
    return plan
