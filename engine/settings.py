"""A lesson's hyperparameters: one dataclass, each field declared with ``setting``.

The metadata on each field (label, range, scale, whether it may change during a
run) is the single table that the sliders, the headless runner's ``--set``, the
save/load file and the validation all read.
"""
from __future__ import annotations

import dataclasses
import json
import math
import os
import stat
from dataclasses import dataclass, field
from typing import Any, Sequence

from engine import limits
from engine.small_files import write_atomically


class SettingsError(ValueError):
    """A setting name or value the user gave is not acceptable; the text says why."""


# A settings file holds a handful of numbers: anything bigger is not one of ours, and
# reading it whole could cost memory. A network of more layers than this is not a lesson.
MAX_SETTINGS_FILE_BYTES = limits.MAX_SETTINGS_FILE_BYTES
MAX_HIDDEN_LAYERS = limits.MAX_HIDDEN_LAYERS
# A "text" setting holds a file path or a short name, never a document.
MAX_TEXT_SETTING_CHARS = 4096


@dataclass(frozen=True)
class SettingSpec:
    label: str
    kind: str                       # "float", "int", "bool", "choice", "layers", "text"
    minimum: float | None = None
    maximum: float | None = None
    scale: str = "linear"           # "log" for learning rates
    choices: tuple = ()
    live: bool = False              # may change while a run is going
    help: str = ""
    activations: tuple = ("relu",)  # for "layers": activations a hidden layer may use


def setting(default: Any, label: str, kind: str | None = None, *, minimum=None, maximum=None,
            scale: str = "linear", choices: Sequence = (), live: bool = False,
            help: str = "", activations: Sequence = ("relu",)):
    """Declare one hyperparameter field of a lesson's settings dataclass."""
    if kind is None:
        kind = {bool: "bool", int: "int", float: "float", str: "choice"}[type(default)]
    # "text": free text such as a file path (set by the runner's --set or a page's own
    # file picker; the settings panel shows no editor for it)
    spec = SettingSpec(label, kind, minimum, maximum, scale, tuple(choices), live, help,
                       tuple(activations))
    if kind == "layers":
        return field(default_factory=lambda: tuple(tuple(x) for x in default),
                     metadata={"spec": spec})
    return field(default=default, metadata={"spec": spec})


def specs(settings_cls) -> list[tuple[str, SettingSpec, Any]]:
    """(name, spec, default) for every field, in declaration order."""
    out = []
    for f in dataclasses.fields(settings_cls):
        default = f.default if f.default is not dataclasses.MISSING else f.default_factory()
        out.append((f.name, f.metadata["spec"], default))
    return out


def spec_of(settings_cls, name: str) -> SettingSpec:
    for n, spec, _ in specs(settings_cls):
        if n == name:
            return spec
    known = ", ".join(n for n, _, _ in specs(settings_cls))
    raise SettingsError(f"Unknown setting '{name}'. Known settings: {known}.")


def _parse_layers(text: str, spec: SettingSpec) -> tuple:
    """'20,7,5' or '20:relu,7:tanh' -> ((20, 'relu'), (7, 'tanh'))."""
    layers = []
    for part in str(text).replace(" ", "").split(","):
        if not part:
            continue
        units, _, act = part.partition(":")
        layers.append((units, act or spec.activations[0]))
    return tuple(layers)


def coerce(name: str, spec: SettingSpec, value: Any) -> Any:
    """Turn ``value`` (a string from the command line, or a JSON value) into the
    setting's type and check its range. Raises SettingsError with a clear message."""
    label = f"'{name}' ({spec.label})"
    try:
        if spec.kind == "bool":
            if isinstance(value, str):
                low = value.strip().lower()
                if low not in ("1", "0", "true", "false", "yes", "no", "on", "off"):
                    raise ValueError
                value = low in ("1", "true", "yes", "on")
            elif isinstance(value, (list, tuple, dict, str)) or value not in (0, 1):
                raise TypeError  # a JSON list or 7 is not a yes/no
            else:
                value = bool(value)
        elif spec.kind == "int":
            as_float = float(value)
            if not as_float.is_integer():
                raise ValueError
            value = int(as_float)
        elif spec.kind == "float":
            value = float(value)
            if not math.isfinite(value):
                raise ValueError
        elif spec.kind == "choice":
            value = str(value)
            if value not in spec.choices:
                raise SettingsError(f"{label} must be one of {', '.join(spec.choices)}; "
                                    f"got '{value}'.")
            return value
        elif spec.kind == "text":
            if not isinstance(value, str):
                raise TypeError
            value = value.strip()
            if len(value) > MAX_TEXT_SETTING_CHARS:
                raise SettingsError(f"{label} is {len(value):,} characters long; at most "
                                    f"{MAX_TEXT_SETTING_CHARS:,} are accepted.")
            if any(ord(ch) < 32 for ch in value):
                raise SettingsError(f"{label} must be one line of text (no control "
                                    f"characters).")
            return value
        elif spec.kind == "layers":
            raw = _parse_layers(value, spec) if isinstance(value, str) else value
            if not isinstance(raw, (list, tuple)):
                raise TypeError
            if len(raw) > MAX_HIDDEN_LAYERS:
                raise SettingsError(f"{label}: at most {MAX_HIDDEN_LAYERS} hidden layers; "
                                    f"got {len(raw)}.")
            layers = []
            for item in raw:
                units, act = (item, spec.activations[0]) if isinstance(item, (int, str)) \
                    and not (isinstance(item, str) and ":" in item) else tuple(item)
                units = int(units)
                if act not in spec.activations:
                    raise SettingsError(f"{label}: activation '{act}' is not available here; "
                                        f"use {', '.join(spec.activations)}.")
                if not (spec.minimum or 1) <= units <= (spec.maximum or 4096):
                    raise SettingsError(f"{label}: a layer needs between "
                                        f"{int(spec.minimum or 1)} and "
                                        f"{int(spec.maximum or 4096)} units; got {units}.")
                layers.append((units, act))
            return tuple(layers)
    except SettingsError:
        raise
    except (TypeError, ValueError, OverflowError, RecursionError):
        # OverflowError: float() of a 400-digit integer; RecursionError: printing a
        # deeply nested list. Neither may escape as anything but a sentence.
        kind = {"int": "a whole number", "float": "a number", "bool": "true or false",
                "layers": "a list of layer sizes such as 20,7,5",
                "text": "text (a file path or a name)"}.get(spec.kind, spec.kind)
        raise SettingsError(f"{label} must be {kind}; got {_short(value)}.") from None
    if spec.minimum is not None and value < spec.minimum or \
            spec.maximum is not None and value > spec.maximum:
        raise SettingsError(f"{label} must be between {spec.minimum:g} and "
                            f"{spec.maximum:g}; got {value:g}.")
    return value


def _short(value: Any) -> str:
    """The value as the user would recognise it, cut to one short line."""
    if isinstance(value, (list, tuple, dict)):
        return f"a {type(value).__name__}"
    try:
        text = str(value)
    except (ValueError, RecursionError):  # str() of an int with more than 4300 digits
        return "an unreadable value"
    return f"'{text[:40]}…'" if len(text) > 40 else f"'{text}'"


def make_settings(settings_cls, overrides: dict[str, Any] | None = None):
    """Defaults with ``overrides`` applied, every value checked."""
    values = {}
    for name, value in (overrides or {}).items():
        values[name] = coerce(name, spec_of(settings_cls, name), value)
    return settings_cls(**values)


def replace_setting(settings, name: str, value: Any):
    return dataclasses.replace(settings, **{name: coerce(name, spec_of(type(settings), name),
                                                         value)})


def settings_to_dict(settings) -> dict[str, Any]:
    out = {}
    for f in dataclasses.fields(settings):
        value = getattr(settings, f.name)
        if isinstance(value, tuple):
            value = [list(v) if isinstance(v, tuple) else v for v in value]
        out[f.name] = value
    return out


def save_settings(settings, lesson_id: str, path: str | os.PathLike) -> None:
    """Write a small JSON file atomically (temp file, fsync, rename)."""
    payload = {"lesson": lesson_id, "settings": settings_to_dict(settings)}
    text = json.dumps(payload, indent=2)
    write_atomically(path, lambda handle: handle.write(text.encode("utf-8")))


def load_settings(settings_cls, lesson_id: str, path: str | os.PathLike):
    """The settings saved in ``path``. Whatever the file holds, the only exception is a
    SettingsError whose text says why (callers fall back to the defaults on it)."""
    try:
        # Non-blocking open: a FIFO planted under the settings name must not hang the page.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as fh:
            if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
                raise SettingsError(f"{path} is not a settings file (not a regular file).")
            raw = fh.read(MAX_SETTINGS_FILE_BYTES + 1)
    except OSError as exc:
        raise SettingsError(f"Cannot read settings file {path}: "
                            f"{exc.strerror or exc}.") from None
    if len(raw) > MAX_SETTINGS_FILE_BYTES:
        raise SettingsError(f"{path} is not a settings file (larger than "
                            f"{MAX_SETTINGS_FILE_BYTES // 1024} KB).")
    try:
        payload = json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError, OverflowError):
        # ValueError covers bad JSON, bad UTF-8 and integers over Python's digit limit;
        # RecursionError is deep nesting.
        raise SettingsError(f"{path} is not a settings file (not valid JSON).") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("settings"), dict):
        raise SettingsError(f"{path} is not a DL Playground settings file.")
    if payload.get("lesson") != lesson_id:
        raise SettingsError(f"{path} holds settings for lesson "
                            f"{_short(payload.get('lesson'))}, not '{lesson_id}'.")
    try:
        return make_settings(settings_cls, payload["settings"])
    except SettingsError as exc:
        raise SettingsError(f"{path}: {exc}") from None
    except Exception:  # noqa: BLE001 - a lesson's own checks on an odd combination
        raise SettingsError(f"{path} holds settings this lesson cannot use.") from None
