"""The Happy House model kept for the face-recognition door's smile check.

The Happy House page saves a trained model with ``save_door_model``: its weights
(Keras 3 ``save_weights``) as ``<user data>/weights/happy/happy_model.weights.h5``
and, beside it, ``happy_model.json`` naming the architecture and the run's
accuracies. ``load_door_model`` builds that architecture in code
(``engine.keras_models.happy.build_model``) and reads the arrays by layer name with
``h5_weights``: nothing from the file is deserialised as a model or as code, and a
file of another architecture is refused with one sentence.

The JSON is read without TensorFlow (``read_door_info``), so a page can say which
model it would use before loading anything heavy.
"""
from __future__ import annotations

import json
import os
import time
from pathlib import Path

from engine import limits
from engine.weights import WeightsError, weights_dir

FOLDER = "happy"
WEIGHTS_NAME = "happy_model.weights.h5"
INFO_NAME = "happy_model.json"
# metrics worth keeping with the weights (what the door's tooltip shows)
KEPT_METRICS = ("real_test_accuracy", "test_accuracy", "train_accuracy", "epochs")
# The JSON we write is ~300 bytes; anything over this is not ours.
MAX_INFO_BYTES = limits.MAX_DOOR_INFO_BYTES
# The Happy House model is built for the pictures it was trained on: 64x64x3 in the
# course. A JSON asking for 100000x100000 pictures would build a model of terabytes.
INPUT_SIDES = (16, 512)


def door_model_dir() -> Path:
    return weights_dir() / FOLDER


def door_model_path() -> Path:
    return door_model_dir() / WEIGHTS_NAME


def save_door_model(model, architecture: str, metrics: dict) -> Path:
    """Save ``model``'s weights and what it is; returns the weights file's path.

    Both files are written to temporary names and renamed into place, so a crash
    never leaves half a file where the door looks (the JSON goes last: a weights file
    without its JSON is refused, never half-read)."""
    from engine.keras_models.happy import ARCHITECTURES

    if architecture not in ARCHITECTURES:
        raise WeightsError(f"Unknown Happy House architecture '{architecture}'.")
    folder = door_model_dir()
    folder.mkdir(parents=True, exist_ok=True)
    target, info_target = folder / WEIGHTS_NAME, folder / INFO_NAME
    # Keras 3 insists on the ".weights.h5" ending, so the temporary name keeps it.
    temp = folder / f".saving-{os.getpid()}.weights.h5"
    info_temp = folder / f".saving-{os.getpid()}.json"
    info = {"architecture": architecture,
            "input_shape": [int(d) for d in model.input_shape[1:]],
            "saved": time.strftime("%Y-%m-%d %H:%M", time.localtime()),
            "metrics": {k: _plain(metrics[k]) for k in KEPT_METRICS
                        if metrics.get(k) is not None}}
    try:
        model.save_weights(str(temp))
        info_temp.write_text(json.dumps(info, indent=1), encoding="utf-8")
        if info_target.exists():       # the old JSON must not describe the new weights
            info_target.unlink()
        os.replace(temp, target)
        os.replace(info_temp, info_target)
    except OSError as exc:
        raise WeightsError(f"The Happy House model could not be saved in {folder} "
                           f"({exc.strerror or exc}).") from None
    finally:
        for leftover in (temp, info_temp):
            leftover.unlink(missing_ok=True)
    return target


def _plain(value):
    return int(value) if isinstance(value, int) else float(value)


def _weights_file(path) -> Path:
    path = Path(path)
    return path / WEIGHTS_NAME if path.is_dir() else path


def read_door_info(path=None) -> dict:
    """The JSON beside the weights (no TensorFlow); WeightsError if missing or bad."""
    weights = _weights_file(path if path is not None else door_model_path())
    info_path = weights.with_name(INFO_NAME)
    if not weights.is_file():
        raise WeightsError(f"No Happy House model at {weights}.")
    from engine.small_files import NotASmallFile, read_small_file
    damaged = (f"{INFO_NAME} beside {weights.name} is damaged; save the model again from "
               "the Happy House page.")
    try:
        info = json.loads(read_small_file(info_path, MAX_INFO_BYTES).decode("utf-8"))
    except FileNotFoundError:
        raise WeightsError(f"{weights.name} has no {INFO_NAME} beside it, so its "
                           "architecture is unknown; save the model again from the "
                           "Happy House page.") from None
    except (OSError, NotASmallFile, ValueError, RecursionError, OverflowError):
        # ValueError: bad JSON or UTF-8, or a number over Python's digit limit;
        # RecursionError: deep nesting.
        raise WeightsError(damaged) from None
    if not isinstance(info, dict) or not isinstance(info.get("architecture"), str):
        raise WeightsError(damaged)
    architecture = info["architecture"][:80]
    from engine.keras_models.happy import ARCHITECTURES
    if architecture not in ARCHITECTURES:
        raise WeightsError(f"{INFO_NAME} names an unknown architecture '{architecture}'.")
    shape = info.get("input_shape", [64, 64, 3])
    if not (isinstance(shape, list) and len(shape) == 3
            and all(isinstance(d, int) and not isinstance(d, bool) for d in shape)
            and all(INPUT_SIDES[0] <= d <= INPUT_SIDES[1] for d in shape[:2])
            and shape[2] in (1, 3)):
        raise WeightsError(f"{INFO_NAME} gives an input size the Happy House model cannot "
                           f"have; save the model again from the Happy House page.")
    metrics = info.get("metrics")
    # Only finite numbers are kept: the door's tooltip does arithmetic on them.
    info["metrics"] = {k: v for k, v in metrics.items()
                       if k in KEPT_METRICS and isinstance(v, (int, float))
                       and not isinstance(v, bool) and abs(v) < 1e9} \
        if isinstance(metrics, dict) else {}
    if not isinstance(info.get("saved"), str):
        info.pop("saved", None)
    info["path"] = str(weights)
    info["architecture"] = architecture
    info["input_shape"] = shape
    return info


def describe_door_model(info: dict) -> str:
    """"the 'course' HappyModel (real test photos 96.0% right), saved 2026-11-29 06:50"."""
    metrics = info.get("metrics") or {}
    accuracy = metrics.get("real_test_accuracy")
    which = "real test photos" if accuracy is not None else "test pictures"
    accuracy = accuracy if accuracy is not None else metrics.get("test_accuracy")
    score = f" ({which} {100 * accuracy:.1f}% right)" if accuracy is not None else ""
    saved = f", saved {info['saved']}" if info.get("saved") else ""
    return f"the '{info['architecture']}' HappyModel{score}{saved}"


def load_door_model(path):
    """Build the architecture the JSON names and read the weights into it by layer
    name. ``path``: the weights file or its folder. WeightsError (one sentence) for a
    missing, unreadable or mismatched file."""
    from engine.keras_models.h5_weights import apply_named_weights, read_h5_weights
    from engine.keras_models.happy import build_model

    info = read_door_info(path)
    weights_path = Path(info["path"])
    arrays = read_h5_weights(weights_path)
    shape = tuple(info.get("input_shape") or (64, 64, 3))
    try:
        model = build_model(info["architecture"], shape)
    except ValueError as exc:
        raise WeightsError(f"{INFO_NAME}: {exc}") from None
    names = [layer.name for layer in model.layers if layer.weights]
    apply_named_weights(model, arrays, names, weights_path.name,
                        f"the '{info['architecture']}' HappyModel")
    return model
