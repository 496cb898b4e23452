"""Reading the course's FaceNet weights into ``faceRecoModel``, by layer name.

Two formats:

- the course's folder of per-layer CSV files (fr_utils ``load_weights``):
  ``<conv>_w.csv`` / ``<conv>_b.csv``, ``<bn>_w/_b/_m/_v.csv`` (gamma, beta, moving
  mean, moving variance) and ``dense_w.csv`` / ``dense_b.csv``. Conv kernels are stored
  Torch-style as (out, in, kh, kw) and the dense matrix as (128, 736); both are
  transposed exactly as fr_utils does into Keras's (kh, kw, in, out) and (736, 128),
  which channels-last Keras uses as is.
- a Keras weights ``.h5``: Keras 3's ``save_weights`` layout
  (``layers/<group>/vars/<i>`` with the layer name in the ``vars`` group's ``name``
  attribute) and Keras 2's (``[model_weights/]<layer>/<layer>/kernel:0`` with
  ``layer_names`` / ``weight_names`` attributes), as in the course's ``FRmodel.h5``.

Only arrays are read (h5py, NumPy), never a model config, so a file cannot run code.
A file of another architecture (a layer missing, an array of another shape) is
refused with one sentence naming the layer.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from engine import limits
from engine.keras_models.facenet_model import WEIGHTS
# The generic .h5 reading lives in h5_weights (ResNet50 uses it too).
from engine.keras_models.h5_weights import apply_named_weights, read_h5_weights
from engine.weights import WeightsError, get_entry

BN_SUFFIXES = ("_w", "_b", "_m", "_v")
# The largest course CSV (dense_w.csv, 94,208 numbers) is ~2 MB; a number in text
# takes at most ~25 characters, so a CSV over this cannot be a layer's weights.
MAX_CSV_BYTES = limits.MAX_WEIGHTS_CSV_BYTES


def _csv_name(layer: str, suffix: str) -> str:
    # fr_utils reads the dense layer from dense_w.csv / dense_b.csv, not dense_layer_*.
    return ("dense" if layer == "dense_layer" else layer) + suffix + ".csv"


def _read_csv_numbers(path: Path, layer: str) -> np.ndarray:
    """All numbers of a CSV file, in reading order (rows are not meaningful: fr_utils
    reshapes whatever it reads)."""
    from engine.small_files import NotASmallFile, read_small_file
    try:
        raw = read_small_file(path, MAX_CSV_BYTES)
    except OSError as exc:
        raise WeightsError(f"Cannot read {path.name} (layer '{layer}'): "
                           f"{exc.strerror or exc}.") from None
    except NotASmallFile as exc:
        raise WeightsError(f"{path.name} (layer '{layer}') is not a weights CSV: "
                           f"{exc}.") from None
    tokens = [t for t in raw.replace(b"\r", b"").replace(b"\n", b",").split(b",")
              if t.strip()]
    # NumPy pads every token to the longest: one 10 MB "number" among a million would
    # ask for terabytes. No written float needs 64 characters.
    if any(len(t) > 64 for t in tokens):
        raise WeightsError(f"{path.name} (layer '{layer}') holds something other than "
                           "comma-separated numbers.")
    try:
        return np.array(tokens).astype(np.float32)
    except (ValueError, OverflowError):
        raise WeightsError(f"{path.name} (layer '{layer}') holds something other than "
                           "comma-separated numbers.") from None


def _reshaped(values: np.ndarray, shape: tuple, file: str, layer: str) -> np.ndarray:
    if values.size != int(np.prod(shape)):
        raise WeightsError(f"{file} has {values.size} numbers but layer '{layer}' of the "
                           f"course's FaceNet needs {int(np.prod(shape))} "
                           f"(shape {tuple(shape)}): these are not its weights.")
    return values.reshape(shape)


def _expected_shapes(model) -> dict[str, list[tuple]]:
    return {name: [tuple(w.shape) for w in model.get_layer(name).weights] for name in WEIGHTS}


def load_weights(weights_path="weights", model=None) -> dict[str, list[np.ndarray]]:
    """The course's ``load_weights``: {layer name: [arrays in Keras order]} from a folder
    of CSV files. Shapes come from ``model`` (a fresh faceRecoModel when None)."""
    folder = Path(weights_path)
    if not folder.is_dir():
        raise WeightsError(f"{folder} is not a folder of FaceNet weight CSV files.")
    if not (folder / "conv1_w.csv").is_file():
        raise WeightsError(f"{folder} has no conv1_w.csv: it should hold the course's "
                           "FaceNet weights folder (conv1_w.csv, bn1_w.csv, ... dense_b.csv).")
    if model is None:
        from engine.keras_models.facenet_model import faceRecoModel
        model = faceRecoModel()
    shapes = _expected_shapes(model)
    weights = {}
    for name in WEIGHTS:
        files = [_csv_name(name, s) for s in (BN_SUFFIXES if "bn" in name else ("_w", "_b"))]
        missing = [f for f in files if not (folder / f).is_file()]
        if missing:
            raise WeightsError(f"{folder} has no {missing[0]}: layer '{name}' of the course's "
                               "FaceNet is missing, so this is not its weights folder.")
        arrays = [_read_csv_numbers(folder / f, name) for f in files]
        if "conv" in name:
            kh, kw, cin, cout = shapes[name][0]
            kernel = _reshaped(arrays[0], (cout, cin, kh, kw), files[0], name)
            arrays = [np.transpose(kernel, (2, 3, 1, 0)),
                      _reshaped(arrays[1], (cout,), files[1], name)]
        elif name == "dense_layer":
            n_in, n_out = shapes[name][0]
            dense = _reshaped(arrays[0], (n_out, n_in), files[0], name)
            arrays = [dense.T, _reshaped(arrays[1], (n_out,), files[1], name)]
        else:
            arrays = [_reshaped(a, shape, f, name)
                      for a, shape, f in zip(arrays, shapes[name], files)]
        weights[name] = arrays
    return weights


def apply_weights(model, weights: dict[str, list[np.ndarray]], source: str) -> None:
    """Check every course layer against ``weights`` first, then set them all."""
    apply_named_weights(model, weights, WEIGHTS, source, "the course's FaceNet")


def load_weights_from_FaceNet(FRmodel, weights_path="weights"):
    """The course's loader: set FRmodel's weights from a CSV folder or a Keras .h5."""
    path = Path(weights_path)
    if path.is_dir():
        weights = load_weights(path, FRmodel)
    elif path.is_file():
        weights = read_h5_weights(path)
    else:
        raise WeightsError(f"FaceNet weights not found at {path}.")
    apply_weights(FRmodel, weights, path.name)
    return FRmodel


def load_facenet_model(path):
    """A new faceRecoModel with the weights at ``path`` (the registry's loader)."""
    from engine.keras_models.facenet_model import faceRecoModel

    return load_weights_from_FaceNet(faceRecoModel(), path)


def find_facenet_weights() -> Path | None:
    return get_entry("facenet").find()
