"""The course's ``yolo.h5`` (YOLOv2 converted by YAD2K) read into ``yolo_body``.

The course opens it with ``load_model("model_data/yolo.h5")``, which rebuilds the
network from the JSON config stored in the file, a config holding a Lambda layer
(YAD2K's ``space_to_depth_x2``) whose code Keras 3 will not run. We never
deserialize it: the network is built in code (``yolo_body`` with TensorFlow's
space_to_depth order, the one YAD2K converted with) and only arrays are read:

- Keras 2 ``model.save`` layout (the course's file): ``model_weights/<layer>/...``
  with ``layer_names`` / ``weight_names`` attributes; or a Keras 2 ``save_weights``
  file, the same groups at the top;
- Keras 3 ``save_weights`` of this app's ``yolo_body``
  (``layers/<name>/vars/0..n``).

Convolutions and batch normalisations are matched in creation order (the number in
``conv2d_7``), so a file saved in a session whose counters started elsewhere still
fits. The class count comes from the last kernel (425 = 5 x (5 + 80)); the input size
from the config's input shape when it states one (JSON only, no code). Every array's
shape and dtype is checked against the model BEFORE it is read, so a hostile file
declaring huge arrays costs nothing, and a file of another network is refused with one
sentence before any weight changes.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np

from engine.weights import WeightsError

NUM_ANCHORS = 5
DEFAULT_INPUT_SIDE = 608
ARCHITECTURE = "YOLOv2 (Darknet-19 with the passthrough, 23 convolutions)"


def _text(value) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _number(name: str, fallback: int) -> int:
    match = re.search(r"_(\d+)$", name)
    if match:
        return int(match.group(1))
    return 0 if name in ("conv2d", "batch_normalization") else fallback


def _keras2_layers(group):
    """[(layer name, [datasets])] in file order, arrays not read."""
    import h5py

    names = group.attrs.get("layer_names")
    out = []
    for layer in ([_text(n) for n in names] if names is not None else []):
        sub = group.get(layer)
        if not isinstance(sub, h5py.Group):
            continue
        weight_names = [_text(w) for w in sub.attrs.get("weight_names", [])]
        datasets = [sub.get(w) for w in weight_names]
        if datasets and all(isinstance(d, h5py.Dataset) for d in datasets):
            out.append((layer, datasets))
    return out


def _keras3_layers(layers_group):
    import h5py

    out = []
    for key in layers_group:
        vars_group = layers_group[key].get("vars") if isinstance(
            layers_group[key], h5py.Group) else None
        if vars_group is None:
            continue
        indices = sorted(int(i) for i in vars_group.keys() if str(i).isdigit())
        datasets = [vars_group[str(i)] for i in indices]
        if datasets and all(isinstance(d, h5py.Dataset) for d in datasets):
            out.append((_text(vars_group.attrs.get("name", key)), datasets))
    return out


def _input_side(f) -> int:
    """The input side the file's model config states (608 for the course's file)."""
    try:
        config = json.loads(_text(f.attrs["model_config"]))
        first = config["config"]["layers"][0]["config"]
        shape = first.get("batch_input_shape") or first.get("batch_shape")
        side = int(shape[1])
        if side % 32 == 0 and 32 <= side <= 2048 and int(shape[2]) == side:
            return side
    except (KeyError, IndexError, TypeError, ValueError):
        pass
    return DEFAULT_INPUT_SIDE


def _split(layers, source):
    """Convolutions (a 4-D kernel first) and batch norms (four 1-D arrays), each in
    creation order."""
    convs, norms = [], []
    for position, (name, datasets) in enumerate(layers):
        shapes = [tuple(d.shape) for d in datasets]
        if len(shapes[0]) == 4 and len(shapes) <= 2:
            convs.append((_number(name, position), name, datasets))
        elif len(shapes) == 4 and all(len(s) == 1 for s in shapes):
            norms.append((_number(name, position), name, datasets))
        else:
            raise WeightsError(f"{source} has a layer '{name}' with arrays {shapes}, which "
                               f"{ARCHITECTURE} does not have.")
    return sorted(convs, key=lambda t: t[0]), sorted(norms, key=lambda t: t[0])


def _check(datasets, expected, layer, source):
    got = [tuple(d.shape) for d in datasets]
    if got != expected:
        raise WeightsError(f"{source}: layer '{layer}' has arrays of shape {got}, "
                           f"{ARCHITECTURE} needs {expected}.")
    for d in datasets:
        if d.dtype.kind != "f":
            raise WeightsError(f"{source}: layer '{layer}' holds {d.dtype} numbers, not "
                               "floating-point weights.")


def load_yolo_h5(path):
    """A new ``yolo_body`` (TensorFlow reorg order) with the weights of the .h5 at
    ``path``. Returns (model, number of classes)."""
    import h5py

    from engine.keras_models.darknet_cfg import conv_plan
    from engine.keras_models.yolo_body import yolo_body, yolo_weight_shapes

    path = Path(path)
    source = path.name
    if not path.is_file():
        raise WeightsError(f"YOLOv2 weights not found at {path}.")
    try:
        f = h5py.File(path, "r")
    except OSError:
        raise WeightsError(f"{source} is not an HDF5 file, so not a Keras model or "
                           "weights file.") from None
    with f:
        try:
            if "layers" in f and isinstance(f["layers"], h5py.Group) \
                    and "layer_names" not in f.attrs:
                layers = _keras3_layers(f["layers"])
            else:
                group = f["model_weights"] if "model_weights" in f else f
                layers = _keras2_layers(group)
            convs, norms = _split(layers, source) if layers else ([], [])
            if len(convs) != 23 or len(norms) != 22:
                raise WeightsError(
                    f"{source} holds {len(convs)} convolutions and {len(norms)} batch "
                    f"normalisations; {ARCHITECTURE} has 23 and 22: it is another "
                    "network.")
            last_kernel = convs[-1][2][0].shape
            depth = int(last_kernel[-1])
            if depth % NUM_ANCHORS or depth // NUM_ANCHORS <= 5:
                raise WeightsError(f"{source}: the last convolution gives {depth} "
                                   f"channels, not {NUM_ANCHORS} anchors x (5 + classes).")
            num_classes = depth // NUM_ANCHORS - 5
            # the course's file is full width (32 filters first); a narrower YOLOv2
            # (the tests' small files) divides every filter count alike
            first = int(convs[0][2][0].shape[-1])
            divisor = 32 // first if first and 32 % first == 0 else 1
            conv_shapes, norm_channels = yolo_weight_shapes(NUM_ANCHORS, num_classes,
                                                            divisor)
            for (_, name, datasets), expected in zip(convs, conv_shapes):
                _check(datasets, expected, name, source)
            for (_, name, datasets), channels in zip(norms, norm_channels):
                _check(datasets, [(channels,)] * 4, name, source)
            # every array fits: build, then read layer by layer
            side = _input_side(f)
            model = yolo_body((side, side, 3), NUM_ANCHORS, num_classes,
                              reorg_order="tensorflow", kernel_initializer="zeros",
                              width_divisor=divisor)
            plan = conv_plan(model)
            our_convs = [conv for conv, _ in plan]
            our_norms = [norm for _, norm in plan if norm is not None]
            from engine.keras_models.h5_weights import numeric_weights
            for (_, name, datasets), layer in zip(convs + norms, our_convs + our_norms):
                # text, NaN or infinite weights: one sentence, not a model of NaNs
                layer.set_weights(numeric_weights([d[()] for d in datasets], name,
                                                  source))
        except (KeyError, ValueError, TypeError, OSError) as exc:
            raise WeightsError(f"{source} is an HDF5 file but not laid out as a Keras "
                               f"model or weights file ({exc}).") from None
    return model, num_classes
