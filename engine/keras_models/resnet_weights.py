"""Reading the course's pretrained ``ResNet50.h5`` into our own ``ResNet50``.

The course loads it with ``load_model('ResNet50.h5')``, which rebuilds the model from
the config stored in the file. We never do that (a config can name code to run):
the network is built by ``engine.keras_models.resnet.ResNet50`` and only the arrays
are read, by layer name (``res2a_branch2a``, ``bn_conv1``, ``fc6`` ...), from a
Keras 2 model file (``model_weights/<layer>/<layer>/kernel:0``) or a Keras 3
``.weights.h5``. A file of another network is refused with one sentence naming the
first layer that does not fit, before any weight is changed.
"""
from __future__ import annotations

from pathlib import Path

from engine.keras_models.h5_weights import apply_named_weights, read_h5_weights
from engine.weights import WeightsError, get_entry

ARCHITECTURE = "the course's ResNet50 (64x64x3 pictures, 6 classes)"


def weight_layer_names(model) -> list[str]:
    """The layers that hold arrays (every Conv2D, BatchNormalization and the Dense)."""
    return [layer.name for layer in model.layers if layer.weights]


def _read(path) -> dict:
    path = Path(path)
    if not path.is_file():
        raise WeightsError(f"ResNet50 weights not found at {path}.")
    weights = read_h5_weights(path)
    if not weights:
        raise WeightsError(f"{path.name} holds no layer weights: it is not a Keras model "
                           "or weights file.")
    return weights


def load_resnet50_weights(model, path) -> None:
    """Set ``model``'s weights from the file at ``path``; WeightsError if it does not fit
    (then no weight is changed)."""
    apply_named_weights(model, _read(path), weight_layer_names(model), Path(path).name,
                        ARCHITECTURE)


def load_resnet50_model(path):
    """A new course ResNet50 with the weights at ``path`` (the registry's loader)."""
    from engine.keras_models.resnet import ResNet50

    weights = _read(path)     # a wrong file fails here, before the slow build
    model = ResNet50(input_shape=(64, 64, 3), classes=6)
    apply_named_weights(model, weights, weight_layer_names(model), Path(path).name,
                        ARCHITECTURE)
    return model


def find_resnet50_weights() -> Path | None:
    return get_entry("resnet50").find()


def install_resnet50_weights(source) -> Path:
    """Check that ``source`` holds the course's ResNet50 (by loading it), then copy it
    to where the registry looks (``<weights>/resnet50/ResNet50.h5``) unless it is
    already there. Returns the path the lesson will use. Runs on a worker thread: the
    check builds the network and reads ~95 MB."""
    import os
    import shutil

    from engine.weights import weights_dir

    source = Path(source)
    load_resnet50_model(source)   # WeightsError with one sentence if it does not fit
    target = weights_dir() / "resnet50" / "ResNet50.h5"
    try:
        if target.exists() and target.resolve() == source.resolve():
            return target
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".h5.partial")
        shutil.copyfile(source, partial)
        os.replace(partial, target)   # never a half-copied ResNet50.h5
    except OSError as exc:
        raise WeightsError(f"Could not copy {source.name} to {target.parent}: "
                           f"{exc.strerror or exc}.") from None
    return target
