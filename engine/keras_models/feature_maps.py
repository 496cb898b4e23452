"""What a trained Keras model's layers compute for one picture: the feature-map viewer.

Every Keras lesson (the SIGNS networks, the Happy House model, ResNet-50) hands its
trained model to the viewer. This module answers the viewer's questions:

* ``viewable_layers``: the layers whose output can be drawn (a spatial map
  ``(h, w, c)`` or a vector ``(units,)``), with their type and output shape;
* ``model_input``: the lesson's uint8 pictures turned into what the model takes
  (/255 float32, flattened to rows for the fully connected SIGNS network, resized
  when the model wants another size);
* ``activations``: one layer's output for one picture, through a sub-model
  ``keras.Model(model.inputs, layer.output)`` built once per layer and cached;
* ``activation_grid``: one 2-D image that tiles every channel, each scaled to 0..1
  on its own (a channel with large values must not hide the others), with what the
  panel needs to name the tile under the mouse;
* ``first_layer_filters``: the first layer's weights drawn as pictures: the first
  Conv2D's kernels, or the first Dense layer's weight vectors when it reads the
  flattened 64x64x3 picture (the tensorflow-signs network).

TensorFlow is imported only through ``load_tensorflow()`` inside the functions.
"""
from __future__ import annotations

import math
import threading

import numpy as np

from engine.jobs import LessonError
from engine.keras_models.job_callback import load_tensorflow
from engine.keras_models.model_build import MODEL_BUILD_LOCK

# Sub-models are kept on the model object itself (not in a module-level cache: a
# WeakKeyDictionary whose values hold the model's layers kept every retrained model
# alive), so a discarded model (a new run) takes its sub-models with it.
_EXTRACTORS_ATTRIBUTE = "_feature_map_extractors"
_extractors_lock = threading.Lock()


def _extractors_of(model) -> dict:
    found = getattr(model, "__dict__", {}).get(_EXTRACTORS_ATTRIBUTE)
    if found is None:
        found = {}
        # object.__setattr__: Keras would otherwise track the sub-models as layers.
        object.__setattr__(model, _EXTRACTORS_ATTRIBUTE, found)
    return found


# --- the model's layers -------------------------------------------------------

def _inputs(model) -> list:
    """The model's symbolic inputs; a model that never saw its input shape has none."""
    try:
        inputs = model.inputs
    except (AttributeError, ValueError):
        inputs = None
    if not inputs:
        raise LessonError(f"The model {model.name!r} is not built yet (it has not seen "
                          "its input shape), so its layers cannot be shown.")
    return list(inputs)


def _output_shape(layer) -> tuple | None:
    """A layer's output shape without the batch axis, or None if it has several."""
    try:
        output = layer.output
    except (AttributeError, ValueError):
        return None
    if isinstance(output, (list, tuple, dict)):
        return None
    return tuple(None if d is None else int(d) for d in output.shape[1:])


def viewable_layers(model) -> list[dict]:
    """Layers whose output is a spatial map (h, w, c) or a vector (units,).

    Each is ``{"name", "type", "output_shape"}`` in the model's order; the Input
    layer is left out (the picture itself is shown beside the maps).
    """
    _inputs(model)
    layers = []
    for layer in model.layers:
        if type(layer).__name__ == "InputLayer":
            continue
        shape = _output_shape(layer)
        if shape is None or len(shape) not in (1, 3) or None in shape:
            continue
        layers.append({"name": layer.name, "type": type(layer).__name__,
                       "output_shape": shape})
    return layers


def _layer(model, layer_name: str):
    for layer in model.layers:
        if layer.name == layer_name:
            return layer
    raise LessonError(f"The model has no layer named {layer_name!r}.")


def _extractor(model, layer_name: str):
    """``keras.Model(model.inputs, layer.output)``, built once per layer and model."""
    with _extractors_lock:
        per_model = _extractors_of(model)
        extractor = per_model.get(layer_name)
        if extractor is None:
            layer = _layer(model, layer_name)
            shape = _output_shape(layer)
            if shape is None or len(shape) not in (1, 3):
                raise LessonError(f"Layer {layer_name!r} has no output that can be drawn "
                                  "as a feature map.")
            _, keras = load_tensorflow()
            inputs = _inputs(model)
            # one input: pass the tensor itself, so a call with one array matches it
            with MODEL_BUILD_LOCK:
                extractor = keras.Model(inputs[0] if len(inputs) == 1 else inputs,
                                        layer.output, name=f"feature_maps_{layer_name}")
            per_model[layer_name] = extractor
    return extractor


def cached_layers(model) -> list[str]:
    """Names of the layers whose sub-model is already built (tests check reuse)."""
    with _extractors_lock:
        return list(_extractors_of(model))


# --- pictures in ----------------------------------------------------------------

def input_shape(model) -> tuple:
    """The model's input shape without the batch axis, e.g. (64, 64, 3) or (12288,)."""
    return tuple(None if d is None else int(d) for d in _inputs(model)[0].shape[1:])


def _resize(images: np.ndarray, height: int, width: int) -> np.ndarray:
    tf, _ = load_tensorflow()
    return np.asarray(tf.image.resize(images, (height, width), method="bilinear"),
                      dtype=np.float32)


def model_input(model, images_uint8) -> np.ndarray:
    """uint8 pictures (m, h, w, 3) (or one picture (h, w, 3)) -> float32 batch the
    model takes: /255, resized to the model's size, flattened when it takes rows."""
    images = np.asarray(images_uint8)
    if images.ndim == 3:
        images = images[None]
    if images.ndim != 4 or images.shape[-1] not in (1, 3, 4):
        raise LessonError(f"Pictures need shape (m, height, width, 3); got {images.shape}.")
    x = images[..., :3].astype(np.float32) / np.float32(255)
    if x.shape[-1] == 1:
        x = np.repeat(x, 3, axis=-1)
    shape = input_shape(model)
    if len(shape) == 3:
        height, width, channels = shape
        if height and width and (x.shape[1], x.shape[2]) != (height, width):
            x = _resize(x, height, width)
        if channels == 1:
            x = x.mean(axis=-1, keepdims=True)
        elif channels != 3:
            raise LessonError(f"The model takes pictures with {channels} channels; only "
                              "RGB and grey models can be shown.")
        return x
    if len(shape) == 1:
        features = shape[0]
        if x[0].size != features:  # rows of a square RGB picture of another size
            side = math.isqrt(features // 3)
            if side * side * 3 != features:
                raise LessonError(f"The model takes {features} numbers per example, "
                                  "which is not a flattened RGB picture.")
            x = _resize(x, side, side)
        return x.reshape(x.shape[0], -1)
    raise LessonError(f"The model takes inputs of shape {shape}, not pictures.")


# --- what a layer computes --------------------------------------------------------

def activations(model, layer_name: str, image) -> np.ndarray:
    """The layer's output for one uint8 picture: (h, w, c) or (units,)."""
    extractor = _extractor(model, layer_name)
    x = model_input(model, image)[:1]
    output = extractor(x, training=False)
    return np.asarray(output, dtype=np.float32)[0]


def activation_grid(act, columns: int | None = None, pad: int = 1) -> dict:
    """Tile every channel of ``act`` into one 2-D image, each scaled to 0..1.

    A map (h, w, c) gives c tiles of h x w, ``pad`` pixels apart; a vector
    (units,) gives one 1x1 cell per unit, scaled together over the layer (one
    number alone has no range); so does a 1x1 map (ResNet's pooled features).
    Cells outside any tile are NaN. Returns ``{"image", "tiles", "columns", "rows",
    "tile_shape", "pad", "channels", "per_channel"}``, ``channels`` being
    ``(index, min, max)`` of each tile in tile order (a unit's own value twice when
    the cells share one scale).
    """
    act = np.asarray(act, dtype=np.float32)
    if act.ndim == 3 and act.shape[:2] == (1, 1):
        act = act.reshape(-1)
    if act.ndim == 1:
        values = act.reshape(1, 1, -1)
        pad = 0
        low, high = float(np.min(act)), float(np.max(act))
        spans = [(low, high)] * act.size
    elif act.ndim == 3:
        values = act
        spans = [(float(values[..., k].min()), float(values[..., k].max()))
                 for k in range(values.shape[-1])]
    else:
        raise LessonError(f"A feature map needs shape (h, w, c) or (units,); got {act.shape}.")
    h, w, count = values.shape
    if count == 0:
        raise LessonError("The layer has no channels to show.")
    columns = max(1, min(count, columns or math.ceil(math.sqrt(count))))
    rows = math.ceil(count / columns)
    image = np.full((rows * (h + pad) - pad, columns * (w + pad) - pad), np.nan, np.float32)
    channels = []
    for k in range(count):
        low, high = spans[k]
        tile = values[..., k]
        scaled = (tile - low) / (high - low) if high > low else np.zeros_like(tile)
        r, c = divmod(k, columns)
        image[r * (h + pad):r * (h + pad) + h, c * (w + pad):c * (w + pad) + w] = scaled
        if act.ndim == 1:  # a unit's own value, not the layer's range
            low = high = float(act[k])
        channels.append((k, low, high))
    return {"image": image, "tiles": count, "columns": columns, "rows": rows,
            "tile_shape": (h, w), "pad": pad, "channels": channels,
            "per_channel": act.ndim == 3}


def tile_at(grid: dict, row: float, column: float) -> int | None:
    """The tile index under pixel (row, column) of ``grid["image"]``, or None."""
    h, w = grid["tile_shape"]
    pad = grid["pad"]
    if row < 0 or column < 0:
        return None
    r, in_r = divmod(int(row), h + pad)
    c, in_c = divmod(int(column), w + pad)
    if in_r >= h or in_c >= w or c >= grid["columns"]:
        return None
    k = r * grid["columns"] + c
    return k if k < grid["tiles"] else None


def layer_view(model, layer_name: str, image) -> dict:
    """What the viewer draws for a layer and a picture (run on a worker thread)."""
    act = activations(model, layer_name, image)
    grid = activation_grid(act)
    grid["layer"] = layer_name
    grid["activation_shape"] = tuple(act.shape)
    return grid


# --- the first layer's weights as pictures ----------------------------------------

def _scaled_to_bytes(array: np.ndarray) -> np.ndarray:
    low, high = float(array.min()), float(array.max())
    scaled = (array - low) / (high - low) if high > low else np.zeros_like(array)
    return np.round(scaled * 255).astype(np.uint8)


def first_filter_layer(model):
    """The first Conv2D, or the first Dense if it comes before any Conv2D; or None."""
    for layer in model.layers:
        kind = type(layer).__name__
        if kind in ("Conv2D", "Dense"):
            return layer
    return None


def first_layer_filters(model) -> list[np.ndarray]:
    """The first layer's filters as RGB uint8 pictures, each scaled to 0..255.

    Conv2D kernels (f, f, c_in, n) give n pictures (f, f, 3) (grey input channels
    are repeated; with another channel count their mean is shown). A Dense first
    layer that reads flattened RGB pictures (12288 = 64x64x3 inputs) gives one
    64x64x3 picture per unit. Anything else has no picture form: [].
    """
    layer = first_filter_layer(model)
    if layer is None:
        return []
    kernel = np.asarray(layer.get_weights()[0], dtype=np.float32)
    if kernel.ndim == 4:
        if kernel.shape[2] == 3:
            kernels = kernel
        else:
            kernels = np.repeat(kernel.mean(axis=2, keepdims=True), 3, axis=2)
        return [_scaled_to_bytes(kernels[..., k]) for k in range(kernels.shape[-1])]
    if kernel.ndim == 2:
        side = math.isqrt(kernel.shape[0] // 3)
        if side * side * 3 != kernel.shape[0]:
            return []
        return [_scaled_to_bytes(kernel[:, k].reshape(side, side, 3))
                for k in range(kernel.shape[1])]
    return []


def tile_pictures(pictures: list[np.ndarray], columns: int | None = None,
                  pad: int = 1, background: int = 255) -> dict:
    """Lay RGB pictures of one size side by side: ``{"image" (H, W, 3) uint8, "tiles",
    "columns", "rows", "tile_shape", "pad"}`` (the same layout keys as a grid)."""
    if not pictures:
        return {"image": np.full((1, 1, 3), background, np.uint8), "tiles": 0,
                "columns": 1, "rows": 0, "tile_shape": (1, 1), "pad": pad}
    h, w = pictures[0].shape[:2]
    count = len(pictures)
    columns = max(1, min(count, columns or math.ceil(math.sqrt(count))))
    rows = math.ceil(count / columns)
    image = np.full((rows * (h + pad) - pad, columns * (w + pad) - pad, 3), background,
                    np.uint8)
    for k, picture in enumerate(pictures):
        r, c = divmod(k, columns)
        image[r * (h + pad):r * (h + pad) + h, c * (w + pad):c * (w + pad) + w] = picture
    return {"image": image, "tiles": count, "columns": columns, "rows": rows,
            "tile_shape": (h, w), "pad": pad}


def describe_model(model) -> dict:
    """The viewer's first look at a model (worker thread): its drawable layers and
    its first layer's filters, tiled."""
    layers = viewable_layers(model)
    filters = first_layer_filters(model)
    source = first_filter_layer(model)
    grid = tile_pictures(filters, pad=1 if filters and filters[0].shape[0] < 16 else 2)
    return {"layers": layers, "filters": filters, "filter_grid": grid,
            "filter_layer": None if source is None else
            f"{source.name} ({type(source).__name__})",
            "input_shape": input_shape(model)}
