"""A Keras model's layer table, as plain data for a page to display.

``layer_table(model)`` lists each layer with its type, output shape and parameter
counts, the rows of ``model.summary()``, so a panel can show a network's
architecture without computing anything itself. ``parameter_totals(model)`` gives
the three totals printed under that table.

Works on any built Keras 3 model (Sequential or functional); nested models appear as
one row each, as ``model.summary()`` shows them by default. Nothing here imports
TensorFlow: the model object already carries everything read.
"""
from __future__ import annotations

import numpy as np


def _count(variables) -> int:
    return int(sum(int(np.prod(v.shape)) for v in variables))


def _shape(value):
    """A tensor's shape as a tuple (None for the batch axis), or a list of tuples."""
    if isinstance(value, (list, tuple)):
        shapes = [_shape(v) for v in value]
        return shapes[0] if len(shapes) == 1 else shapes
    if isinstance(value, dict):
        return [_shape(v) for v in value.values()]
    shape = getattr(value, "shape", None)
    return None if shape is None else tuple(None if d is None else int(d) for d in shape)


def _output_shape(layer):
    try:
        return _shape(layer.output)
    except (AttributeError, ValueError, RuntimeError):
        # a layer never called on a symbolic input (subclassed models) has no output
        return None


def format_shape(shape) -> str:
    """``(None, 64, 64, 8)`` as printed by ``model.summary()``; '?' when unknown."""
    if shape is None:
        return "?"
    if isinstance(shape, list):
        return ", ".join(format_shape(s) for s in shape)
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ")"


def layer_table(model) -> list[dict]:
    """One dict per layer, in order: ``name``, ``type`` (class name),
    ``output_shape`` (tuple, batch axis None; a list of tuples for several outputs;
    None when unknown), ``params`` (all weights), ``trainable`` (trainable weights;
    BatchNorm's moving mean and variance count in ``params`` only)."""
    rows = []
    # model.layers is what model.summary() lists: a functional model's InputLayer is
    # in it (output shape, no parameters), a Sequential model's is not.
    for layer in model.layers:
        rows.append({"name": layer.name, "type": type(layer).__name__,
                     "output_shape": _output_shape(layer),
                     "params": _count(layer.weights),
                     "trainable": _count(layer.trainable_weights)})
    return rows


def parameter_totals(model) -> dict:
    """``{"total", "trainable", "non_trainable"}`` parameter counts of the model."""
    trainable = _count(model.trainable_weights)
    non_trainable = _count(model.non_trainable_weights)
    return {"total": trainable + non_trainable, "trainable": trainable,
            "non_trainable": non_trainable}
