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

Every file may be hostile, so each array's declared shape, dtype, chunk size and byte
size is checked before it is read (a 3 KB file can declare gigabytes), a group where an
array belongs (or the reverse) is named, and text, NaN or infinite weights are refused:
always a WeightsError with one sentence, never a stray h5py or NumPy exception.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from engine.limits import (MAX_ARRAYS_PER_LAYER, MAX_WEIGHT_ARRAY_BYTES,
                           MAX_WEIGHT_ARRAY_DIMS, MAX_WEIGHT_CHUNK_BYTES, MAX_WEIGHT_LAYERS,
                           MAX_WEIGHTS_TOTAL_BYTES, MIB)
from engine.weights import WeightsError


def _text(value) -> str:
    try:
        return value.decode() if isinstance(value, bytes) else str(value)
    except (UnicodeDecodeError, ValueError):
        return repr(value)[:80]


class _Reader:
    """Reads arrays from one open file, checking each before it is read and keeping a
    running total against MAX_WEIGHTS_TOTAL_BYTES."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.total = 0

    def refuse(self, what: str) -> WeightsError:
        return WeightsError(f"{self.source}: {what}")

    def group(self, obj, where: str):
        import h5py
        if not isinstance(obj, h5py.Group):
            raise self.refuse(f"'{where}' is an array where a layer's group belongs, so "
                              "this is not a Keras weights file.")
        return obj

    def names_attr(self, obj, name: str, where: str) -> list[str] | None:
        """A list-of-names attribute (``layer_names``, ``weight_names``), its size
        checked before it is read."""
        import h5py
        if name not in obj.attrs:
            return None
        attr = h5py.h5a.open(obj.id, name.encode())
        shape, dtype = attr.shape or (), attr.dtype
        if shape == (0,):   # Keras writes a layer without weights as an empty list
            return []
        if len(shape) > 1 or (shape and shape[0] > MAX_WEIGHT_LAYERS) \
                or dtype.kind not in "SUO":
            raise self.refuse(f"the '{name}' list of '{where}' is not a list of names.")
        value = obj.attrs[name]
        values = value.tolist() if hasattr(value, "tolist") else value
        return [_text(v) for v in (values if isinstance(values, list) else [values])]

    def array(self, obj, where: str) -> np.ndarray:
        import h5py
        if not isinstance(obj, h5py.Dataset):
            raise self.refuse(f"'{where}' is a group where an array of weights belongs, "
                              "so this is not a Keras weights file.")
        dtype, shape = obj.dtype, obj.shape
        if shape is None or dtype.fields is not None or dtype.kind not in "fiu" \
                or dtype.itemsize > 8:
            kind = "text" if dtype.kind in "SUO" else f"values of type {dtype}"
            raise self.refuse(f"'{where}' holds {kind}, not numbers: these are not "
                              "weights.")
        if len(shape) > MAX_WEIGHT_ARRAY_DIMS:
            raise self.refuse(f"'{where}' has {len(shape)} dimensions; a weight array has "
                              f"at most {MAX_WEIGHT_ARRAY_DIMS}.")
        nbytes = int(np.prod(shape, dtype=np.float64)) * max(dtype.itemsize, 4)
        if nbytes > MAX_WEIGHT_ARRAY_BYTES:
            raise self.refuse(f"'{where}' declares an array of shape {tuple(shape)} "
                              f"({nbytes / MIB:,.0f} MB), over the "
                              f"{MAX_WEIGHT_ARRAY_BYTES // MIB} MB a weight array may hold.")
        if obj.chunks is not None:
            chunk = int(np.prod(obj.chunks, dtype=np.float64)) * dtype.itemsize
            if chunk > MAX_WEIGHT_CHUNK_BYTES:
                raise self.refuse(f"'{where}' is stored in chunks of {chunk / MIB:,.0f} MB, "
                                  f"over the {MAX_WEIGHT_CHUNK_BYTES // MIB} MB allowed.")
        self.total += nbytes
        if self.total > MAX_WEIGHTS_TOTAL_BYTES:
            raise self.refuse(f"its arrays add up to more than "
                              f"{MAX_WEIGHTS_TOTAL_BYTES // MIB} MB: not a weights file "
                              "of a course model.")
        return np.asarray(obj[()])

    def legacy(self, group) -> dict[str, list[np.ndarray]]:
        """Keras 2 layout: one group per layer, ``weight_names`` giving the order."""
        import h5py

        out = {}
        names = self.names_attr(group, "layer_names", group.name)
        named = names is not None
        if names is None:
            names = list(group.keys())[:MAX_WEIGHT_LAYERS + 1]
        if len(names) > MAX_WEIGHT_LAYERS:
            raise self.refuse(f"it names more than {MAX_WEIGHT_LAYERS} layers.")
        for layer in names:
            sub = group.get(layer)
            if sub is None or (not named and not isinstance(sub, h5py.Group)):
                continue   # absent (a layer without weights), or a stray array on top
            sub = self.group(sub, layer)
            keys = self.names_attr(sub, "weight_names", layer)
            if keys is None:
                keys = []

                def found(key, obj, keys=keys):
                    if isinstance(obj, h5py.Dataset):
                        keys.append(key)
                    return None if len(keys) <= MAX_ARRAYS_PER_LAYER else True
                sub.visititems(found)
            if len(keys) > MAX_ARRAYS_PER_LAYER:
                raise self.refuse(f"layer '{layer}' holds more than "
                                  f"{MAX_ARRAYS_PER_LAYER} arrays; no layer has that many.")
            arrays = []
            for key in keys:
                if key not in sub:
                    raise self.refuse(f"layer '{layer}' lists a weight '{key}' the file "
                                      "does not hold.")
                arrays.append(self.array(sub[key], f"{layer}/{key}"))
            out[layer] = arrays
        return out

    def keras3(self, layers_group) -> dict[str, list[np.ndarray]]:
        """Keras 3 ``save_weights`` layout: ``layers/<group>/vars/0..n``; the layer's
        own name is the ``vars`` group's ``name`` attribute (the group is named by
        class)."""
        out = {}
        keys = list(layers_group.keys())
        if len(keys) > MAX_WEIGHT_LAYERS:
            raise self.refuse(f"it holds more than {MAX_WEIGHT_LAYERS} layers.")
        for key in keys:
            layer = self.group(layers_group[key], f"layers/{key}")
            if "vars" not in layer:
                continue
            vars_group = self.group(layer["vars"], f"layers/{key}/vars")
            name = _text(vars_group.attrs.get("name", key)) \
                if "name" in vars_group.attrs else key
            indices = sorted(int(i) for i in vars_group.keys()
                             if str(i).isdigit() and len(str(i)) < 6)
            if len(indices) > MAX_ARRAYS_PER_LAYER:
                raise self.refuse(f"layer '{name}' holds more than "
                                  f"{MAX_ARRAYS_PER_LAYER} arrays; no layer has that many.")
            if indices:
                out[name] = [self.array(vars_group[str(i)], f"layers/{key}/vars/{i}")
                             for i in indices]
        return out


def read_h5_weights(path) -> dict[str, list[np.ndarray]]:
    """{layer name: arrays} from a Keras weights/model .h5 (either layout). Any
    problem is a WeightsError with one sentence."""
    import h5py

    path = Path(path)
    if not path.is_file():  # a FIFO or device would block or stream for ever
        raise WeightsError(f"{path.name} is not a file.")
    reader = _Reader(path.name)
    try:
        with h5py.File(path, "r") as f:
            if "layers" in f and "layer_names" not in f.attrs:
                return reader.keras3(reader.group(f["layers"], "layers"))
            group = reader.group(f["model_weights"], "model_weights") \
                if "model_weights" in f else f
            return reader.legacy(group)
    except WeightsError:
        raise
    except MemoryError:
        raise WeightsError(f"{path.name} is too large to read into memory.") from None
    except OSError as exc:
        raise WeightsError(f"{path.name} is not a readable HDF5 weights file "
                           f"({_first_line(exc)}).") from None
    except Exception as exc:  # noqa: BLE001 - HDF5, but not laid out as Keras writes
        raise WeightsError(f"{path.name} is an HDF5 file but not a Keras weights file "
                           f"({type(exc).__name__}: {_first_line(exc)}).") from None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:160]


def numeric_weights(arrays, layer: str, source: str) -> list[np.ndarray]:
    """``arrays`` as float32, or a WeightsError: text is not weights, and a NaN or
    infinite weight (also a float64 too large for float32) makes every answer NaN."""
    out = []
    for array in arrays:
        array = np.asarray(array)
        if array.dtype.kind not in "fiu":
            raise WeightsError(f"{source}: layer '{layer}' holds "
                               f"{'text' if array.dtype.kind in 'SUO' else array.dtype}"
                               ", not numbers: these are not weights.")
        array = array.astype(np.float32)
        if not np.isfinite(array).all():
            raise WeightsError(f"{source}: layer '{layer}' holds NaN or infinite "
                               "weights (or numbers too large for float32), so every "
                               "answer would be NaN; these weights are damaged.")
        out.append(array)
    return out


def apply_named_weights(model, weights: dict[str, list[np.ndarray]], layer_names,
                        source: str, architecture: str) -> None:
    """Check every layer in ``layer_names`` against ``weights`` first (so a wrong file
    changes nothing), then set them all. ``architecture`` words the refusal
    ("the course's ResNet50"). Text and NaN or infinite weights are refused: a model
    with them answers NaN for every picture."""
    ready = {}
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
        ready[name] = numeric_weights(arrays, name, source)
    for name in layer_names:
        model.get_layer(name).set_weights(ready[name])
