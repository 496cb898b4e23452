"""Reading the arrays of a Keras weights / model ``.h5`` file by layer name (h5py only).

Two layouts are understood:

- Keras 2 (``model.save`` / ``load_model`` files such as the course's ``ResNet50.h5``
  and ``FRmodel.h5``): ``[model_weights/]<layer>/<layer>/kernel:0`` ..., with the
  layer order in the ``layer_names`` attribute and each layer's array order in its
  ``weight_names`` attribute.
- Keras 3 ``save_weights`` (``.weights.h5``): ``layers/<group>/vars/0..n``, the group
  named after the layer's class, the layer's own name in the ``vars`` group's
  ``name`` attribute.

Only arrays are read, never a model config, so opening a file cannot run code. The
lesson modules check the arrays against their own model (``apply_named_weights``) and
refuse a file of another architecture with one sentence naming the layer.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from engine.weights import WeightsError


def _text(value) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _legacy_layer_arrays(group) -> dict[str, list[np.ndarray]]:
    """Keras 2 layout: one group per layer, ``weight_names`` giving the order."""
    import h5py

    out = {}
    names = group.attrs.get("layer_names")
    names = [_text(n) for n in names] if names is not None else list(group.keys())
    for layer in names:
        sub = group.get(layer)
        if not isinstance(sub, h5py.Group):   # absent, or a stray array at the top
            continue
        weight_names = sub.attrs.get("weight_names")
        if weight_names is not None:
            keys = [_text(w) for w in weight_names]
            out[layer] = [np.asarray(sub[k]) for k in keys]
        else:
            found = []
            sub.visititems(lambda key, obj: found.append(key)
                           if isinstance(obj, h5py.Dataset) else None)
            out[layer] = [np.asarray(sub[k]) for k in found]
    return out


def _keras3_layer_arrays(layers_group) -> dict[str, list[np.ndarray]]:
    """Keras 3 ``save_weights`` layout: ``layers/<group>/vars/0..n``; the layer's own
    name is the ``vars`` group's ``name`` attribute (the group is named by class)."""
    out = {}
    for key in layers_group:
        vars_group = layers_group[key].get("vars")
        if vars_group is None:
            continue
        name = _text(vars_group.attrs.get("name", key))
        indices = sorted(int(i) for i in vars_group.keys() if str(i).isdigit())
        if indices:
            out[name] = [np.asarray(vars_group[str(i)]) for i in indices]
    return out


def read_h5_weights(path) -> dict[str, list[np.ndarray]]:
    """{layer name: arrays} from a Keras weights/model .h5 (either layout)."""
    import h5py

    path = Path(path)
    try:
        with h5py.File(path, "r") as f:
            if "layers" in f and isinstance(f["layers"], h5py.Group) \
                    and "layer_names" not in f.attrs:
                return _keras3_layer_arrays(f["layers"])
            group = f["model_weights"] if "model_weights" in f else f
            return _legacy_layer_arrays(group)
    except OSError as exc:
        raise WeightsError(f"{path.name} is not a readable HDF5 weights file ({exc}).") \
            from None
    except (KeyError, ValueError, TypeError) as exc:  # HDF5, but not laid out as Keras writes
        raise WeightsError(f"{path.name} is an HDF5 file but not a Keras weights file "
                           f"({exc}).") from None


def apply_named_weights(model, weights: dict[str, list[np.ndarray]], layer_names,
                        source: str, architecture: str) -> None:
    """Check every layer in ``layer_names`` against ``weights`` first (so a wrong file
    changes nothing), then set them all. ``architecture`` words the refusal
    ("the course's ResNet50")."""
    for name in layer_names:
        expected = [tuple(w.shape) for w in model.get_layer(name).weights]
        arrays = weights.get(name)
        if arrays is None:
            raise WeightsError(f"{source} has no weights for layer '{name}': it is not "
                               f"{architecture}.")
        got = [tuple(np.shape(a)) for a in arrays]
        if got != expected:
            raise WeightsError(f"{source}: layer '{name}' has arrays of shape {got}, "
                               f"{architecture} needs {expected}.")
    for name in layer_names:
        model.get_layer(name).set_weights([np.asarray(a, dtype=np.float32)
                                           for a in weights[name]])
