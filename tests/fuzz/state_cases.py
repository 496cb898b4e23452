"""Hostile state files for the fuzz test of the app's own files (test_hostile_state.py):
the last-trained settings JSON, the run history's rows, every weights loader's files
and the door model's JSON. Each case is made in a folder at test time (nothing on
disk in the repository) and driven through the function the app uses.

``CASES`` maps an id to ``(kind, maker)``; ``run_case(id, folder)`` makes the case and
returns ``{"id", "refused": sentence or None, "unexpected": traceback or None,
"kept": whether the good data is still there}``. A case passes when it is refused with
one sentence (or, for history rows, skipped or repaired with a one-line note) and the
good data is untouched.
"""
from __future__ import annotations

import json
import os
import sqlite3
import traceback
from pathlib import Path

import numpy as np

LESSON = "planar-one-hidden-layer"


# ---------------------------------------------------------------- settings files
def _settings_text(settings: str) -> str:
    return '{"lesson": "%s", "settings": %s}' % (LESSON, settings)


SETTINGS = {
    "huge-int": _settings_text('{"num_iterations": 1' + "0" * 400 + "}"),
    "5000-digits": _settings_text('{"learning_rate": 1' + "0" * 5000 + "}"),
    "deep-value": _settings_text('{"n_h": ' + "[" * 100000 + "]" * 100000 + "}"),
    "deep-file": "[" * 200000 + "]" * 200000,
    "deep-lesson": '{"lesson": ' + "{\"a\": " * 5000 + "1" + "}" * 5000 + ', "settings": {}}',
    "nan": _settings_text('{"learning_rate": NaN}'),
    "infinity": _settings_text('{"learning_rate": Infinity}'),
    "1e999": _settings_text('{"learning_rate": 1e999}'),
    "list-value": _settings_text('{"learning_rate": [1.2]}'),
    "dict-value": _settings_text('{"n_h": {"a": 1}}'),
    "bool-7": _settings_text('{"n_h": true, "num_iterations": false, "seed": 7.5}'),
    "string-number": _settings_text('{"n_h": "four"}'),
    "negative": _settings_text('{"num_iterations": -5}'),
    "out-of-range": _settings_text('{"n_h": 100000000}'),
    "unknown-name": _settings_text('{"__class__": 1}'),
    "settings-list": '{"lesson": "%s", "settings": [1, 2]}' % LESSON,
    "other-lesson": '{"lesson": "deep-step-by-step", "settings": {}}',
    "lesson-list": '{"lesson": [1], "settings": {}}',
    "not-json": "this is not JSON at all {",
    "empty": "",
    "binary": b"\x00\xff\xfe\x80" * 100,
    "utf16": _settings_text("{}").encode("utf-16"),
    "over-256k": _settings_text("{}")[:-1] + ', "pad": "' + "x" * 300_000 + '"}',
    "fifo": None,
    "folder": None,
}


def settings_case(name: str, folder: Path) -> dict:
    from engine.lessons import get_lesson
    from engine.settings import SettingsError, load_settings
    path = folder / "settings.json"
    content = SETTINGS[name]
    if name == "fifo":
        os.mkfifo(path)
    elif name == "folder":
        path.mkdir()
    else:
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
    before = _fingerprint(path)
    lesson = get_lesson(LESSON)
    try:
        load_settings(lesson.settings, LESSON, path)
    except SettingsError as exc:
        return {"refused": str(exc), "kept": _fingerprint(path) == before}
    return {"refused": None, "kept": _fingerprint(path) == before}


def _fingerprint(path: Path):
    if path.is_file():
        return path.read_bytes()
    return path.exists()


# ---------------------------------------------------------------- run history rows
HISTORY = {  # column or table -> SQL assignment that damages the second run
    "started-text": ("runs", "started_at = 'yesterday'"),
    "started-1e300": ("runs", "started_at = 1e300"),
    "started-negative": ("runs", "started_at = -5"),
    "started-blob": ("runs", "started_at = x'00ff'"),
    "outcome-unknown": ("runs!", "outcome = 'exploded'"),
    "settings-list": ("runs", "settings = '[1, 2]'"),
    "settings-deep": ("runs", "settings = '%s'" % ("[" * 5000 + "]" * 5000)),
    "settings-deep-value": ("runs", "settings = '{\"n_h\": %s}'" % ("[" * 50 + "]" * 50)),
    "settings-huge": ("runs", "settings = '{\"a\": \"' || hex(zeroblob(600000)) || '\"}'"),
    "settings-5000-digits": ("runs", "settings = '{\"n_h\": 1%s}'" % ("0" * 5000)),
    "metrics-not-json": ("runs", "metrics = 'nope'"),
    "metrics-nested": ("runs", "metrics = '{\"train_accuracy\": {\"a\": [1]}}'"),
    "metrics-huge-int": ("runs", "metrics = '{\"final_cost\": 1%s}'" % ("0" * 400)),
    "duration-text": ("runs", "duration_s = 'long'"),
    "duration-negative": ("runs", "duration_s = -1e300"),
    "standin-text": ("runs", "standin = 'maybe'"),
    "message-bad-utf8": ("runs", "message = CAST(x'ff41fe' AS TEXT)"),
    "message-huge": ("runs", "message = hex(zeroblob(600000))"),
    "kind-blob": ("runs", "kind = x'0001'"),
    "curve-not-json": ("curves", "points = 'not json'"),
    "curve-deep": ("curves", "points = '%s'" % ("[" * 5000 + "]" * 5000)),
    "curve-triples": ("curves", "points = '[[1, 2, 3]]'"),
    "curve-strings": ("curves", "points = '[[\"a\", \"b\"]]'"),
    "curve-object": ("curves", "points = '{}'"),
    "curve-huge": ("curves", "points = '[' || hex(zeroblob(300000)) || ']'"),
    "curve-1e999": ("curves", "points = '[[0, 1e999]]'"),
    "curve-label-blob": ("curves", "label = x'00ff'"),
}


# Cases cut off inside SQLite without changing anything the page shows: no note needed.
HISTORY_SILENT = {"message-huge", "message-bad-utf8"}  # cut off / shown with U+FFFD


def history_case(name: str, folder: Path) -> dict:
    from engine.run_history import RunHistory
    path = folder / "runs.sqlite3"
    with RunHistory(path) as history:
        good = history.record(LESSON, settings={"n_h": 4}, outcome="finished",
                              started_at=1000.0, duration_s=1.0,
                              metrics={"train_accuracy": 0.9},
                              curves={"cost": [(0, 0.7), (1, 0.6)]})
        bad = history.record(LESSON, settings={"n_h": 5}, outcome="finished",
                             started_at=2000.0, duration_s=1.0, metrics={},
                             curves={"cost": [(0, 0.7)]})
    table, assignment = HISTORY[name]
    conn = sqlite3.connect(path)
    if table.endswith("!"):
        conn.execute("PRAGMA ignore_check_constraints = 1")
        table = table[:-1]
    key = "id" if table == "runs" else "run_id"
    conn.execute(f"UPDATE {table} SET {assignment} WHERE {key} = ?", (bad,))
    conn.commit()
    conn.close()
    with RunHistory(path) as history:
        runs = history.runs(LESSON)
        ids = [r.id for r in runs]
        note_runs = history.notice
        curves = history.curves(ids)
        note = history.notice or note_runs
        record = history.get(bad)
        for run in runs:   # what the Runs tab does with each row
            import time
            time.strftime("%Y-%m-%d", time.localtime(run.started_at))
            assert isinstance(run.settings, dict) and isinstance(run.metrics, dict)
            for points in curves.get(run.id, {}).values():
                [float(x) + float(y) for x, y in points]
        kept = good in ids and curves.get(good, {}).get("cost") == [[0, 0.7], [1, 0.6]] \
            and not any(p.name.startswith("runs.sqlite3.unreadable") for p in folder.iterdir())
    del record
    return {"refused": note or None, "kept": kept}


# ---------------------------------------------------------------- weights files
def _h5(path: Path, build) -> None:
    import h5py
    with h5py.File(path, "w") as f:
        build(f)


def _keras3(f, arrays=None, dtype=None):
    vars_group = f.create_group("layers/dense/vars")
    vars_group.attrs["name"] = "dense"
    for i, a in enumerate(arrays if arrays is not None else
                          [np.ones((4, 2), np.float32), np.zeros(2, np.float32)]):
        vars_group.create_dataset(str(i), data=a if dtype is None else a.astype(dtype))


def _legacy(f, layer_names=(b"dense",), build_layer=None):
    group = f.create_group("model_weights")
    group.attrs["layer_names"] = list(layer_names)
    if build_layer:
        build_layer(group)


def _legacy_layer(group, kernel=None):
    sub = group.create_group("dense")
    sub.attrs["weight_names"] = [b"dense/kernel:0", b"dense/bias:0"]
    sub.create_dataset("dense/kernel:0", data=np.ones((4, 2), np.float32)
                       if kernel is None else kernel)
    sub.create_dataset("dense/bias:0", data=np.zeros(2, np.float32))


def _bomb(f, shape, chunks):
    vars_group = f.create_group("layers/dense/vars")
    vars_group.attrs["name"] = "dense"
    vars_group.create_dataset("0", shape=shape, dtype=np.float32, chunks=chunks,
                              compression="gzip")


WEIGHTS = {
    "k3-layers-is-array": lambda f: f.create_dataset("layers", data=np.ones(3)),
    "k3-layer-is-array": lambda f: f.create_dataset("layers/dense", data=np.ones(3)),
    "k3-vars-is-array": lambda f: f.create_dataset("layers/dense/vars", data=np.ones(3)),
    "k3-weight-is-group": lambda f: f.create_group("layers/dense/vars/0/inner"),
    "legacy-layer-is-array": lambda f: _legacy(
        f, build_layer=lambda g: g.create_dataset("dense", data=np.ones(3))),
    "legacy-weight-is-group": lambda f: _legacy(f, build_layer=lambda g: (
        g.create_group("dense/dense/kernel:0"),
        g["dense"].attrs.__setitem__("weight_names", [b"dense/kernel:0"]))),
    "legacy-weight-missing": lambda f: _legacy(f, build_layer=lambda g: g.create_group(
        "dense").attrs.__setitem__("weight_names", [b"dense/kernel:0"])),
    "legacy-layer-names-numbers": lambda f: _legacy(f, layer_names=[1, 2, 3]),
    "legacy-layer-names-6000": lambda f: _legacy(
        f, layer_names=np.array([f"l{i}" for i in range(6000)], dtype="S5")),
    "strings": lambda f: _keras3(f, [np.array([[b"a", b"b"]] * 4), np.array([b"x", b"y"])]),
    "vlen-strings": lambda f: _vlen(f),
    "compound": lambda f: _keras3(f, [np.zeros((4, 2), dtype=[("a", "f4"), ("b", "i4")]),
                                      np.zeros(2, np.float32)]),
    "complex": lambda f: _keras3(f, [np.ones((4, 2), np.complex64), np.zeros(2)]),
    "bool": lambda f: _keras3(f, [np.ones((4, 2), bool), np.zeros(2, bool)]),
    "bomb-60000x100000": lambda f: _bomb(f, (60000, 100000), (1000, 1000)),
    "bomb-1e6x64x64x3": lambda f: _bomb(f, (1_000_000, 64, 64, 3), (16, 64, 64, 3)),
    "huge-chunk": lambda f: _bomb(f, (4000, 4000), (4000, 4000)),
    "7-dims": lambda f: _keras3(f, [np.ones((1, 1, 1, 1, 1, 1, 4)), np.zeros(2)]),
    "many-arrays": lambda f: _keras3(f, [np.zeros(1, np.float32)] * 100),
    "many-layers": lambda f: [f.create_group(f"layers/l{i}") for i in range(6000)],
    "nan": lambda f: _keras3(f, [np.full((4, 2), np.nan, np.float32), np.zeros(2)]),
    "inf": lambda f: _keras3(f, [np.ones((4, 2), np.float32), np.array([np.inf, 0])]),
    "float64-overflow": lambda f: _keras3(f, [np.full((4, 2), 1e300), np.zeros(2)]),
    "wrong-shape": lambda f: _keras3(f, [np.ones((5, 2), np.float32), np.zeros(2)]),
    "legacy-nan": lambda f: _legacy(f, build_layer=lambda g: _legacy_layer(
        g, np.full((4, 2), np.nan, np.float32))),
    "no-layers": lambda f: f.create_group("nothing"),
    "not-hdf5": b"not an HDF5 file at all" * 10,
    "empty": b"",
    "truncated": "truncated",
    "fifo": None,
    "folder": None,
}


def _vlen(f):
    import h5py
    vars_group = f.create_group("layers/dense/vars")
    vars_group.attrs["name"] = "dense"
    ds = vars_group.create_dataset("0", (4, 2), dtype=h5py.string_dtype())
    ds[...] = "x"


class _Layer:
    def __init__(self, shapes):
        self.weights = [np.zeros(s, np.float32) for s in shapes]
        self.set = None

    def set_weights(self, arrays):
        self.set = arrays


class _Model:
    """Stands in for a Keras model (get_layer / weights / set_weights) so the fuzz
    test needs no TensorFlow: one Dense layer of 4 -> 2."""

    def __init__(self):
        self.layer = _Layer([(4, 2), (2,)])

    def get_layer(self, name):
        return self.layer


def weights_case(name: str, folder: Path) -> dict:
    from engine.keras_models.h5_weights import apply_named_weights, read_h5_weights
    from engine.weights import WeightsError
    path = folder / "weights.h5"
    maker = WEIGHTS[name]
    if name == "fifo":
        os.mkfifo(path)
    elif name == "folder":
        path.mkdir()
    elif name == "truncated":
        _h5(path, lambda f: _keras3(f, [np.ones((400, 200), np.float32), np.zeros(2)]))
        path.write_bytes(path.read_bytes()[:3000])
    elif isinstance(maker, bytes):
        path.write_bytes(maker)
    else:
        _h5(path, maker)
    before = _fingerprint(path)
    model = _Model()
    try:
        weights = read_h5_weights(path)
        apply_named_weights(model, weights, ["dense"], path.name, "a 4 -> 2 Dense layer")
    except WeightsError as exc:
        return {"refused": str(exc), "kept": model.layer.set is None
                and _fingerprint(path) == before}
    return {"refused": None, "kept": _fingerprint(path) == before}


# ---------------------------------------------------------------- the door model's JSON
DOOR_JSON = {
    "deep": '{"architecture": "course", "input_shape": ' + "[" * 100000 + "]" * 100000 + "}",
    "huge-side": '{"architecture": "course", "input_shape": [100000, 100000, 3]}',
    "huge-int": '{"architecture": "course", "input_shape": [1%s, 64, 3]}' % ("0" * 5000),
    "float-side": '{"architecture": "course", "input_shape": [64.5, 64, 3]}',
    "architecture-list": '{"architecture": ["course"]}',
    "architecture-unknown": '{"architecture": "import os"}',
    "not-object": "[1, 2, 3]",
    "not-json": "{{{",
    "over-64k": '{"architecture": "course", "pad": "' + "x" * 70000 + '"}',
    "fifo": None,
}


def door_json_case(name: str, folder: Path) -> dict:
    from engine.keras_models.happy_door_weights import (INFO_NAME, WEIGHTS_NAME,
                                                        describe_door_model, read_door_info)
    from engine.weights import WeightsError
    _h5(folder / WEIGHTS_NAME, lambda f: _keras3(f))
    info = folder / INFO_NAME
    if name == "fifo":
        os.mkfifo(info)
    else:
        info.write_text(DOOR_JSON[name])
    before = _fingerprint(folder / WEIGHTS_NAME)
    try:
        describe_door_model(read_door_info(folder))
    except WeightsError as exc:
        return {"refused": str(exc), "kept": _fingerprint(folder / WEIGHTS_NAME) == before}
    return {"refused": None, "kept": True}


# a door JSON whose metrics are odd is not refused, but must describe without raising
DOOR_JSON_ACCEPTED = {"metrics-strings": '{"architecture": "course", "metrics": '
                                         '{"real_test_accuracy": "high", "epochs": [1]}}'}


KINDS = {"settings": (SETTINGS, settings_case), "history": (HISTORY, history_case),
         "weights": (WEIGHTS, weights_case), "door-json": (DOOR_JSON, door_json_case)}
CASES = [f"{kind}:{name}" for kind, (table, _) in KINDS.items() for name in table]


def run_case(case_id: str, folder: Path) -> dict:
    kind, _, name = case_id.partition(":")
    folder.mkdir(parents=True, exist_ok=True)
    try:
        out = KINDS[kind][1](name, folder)
        out["unexpected"] = None
    except BaseException as exc:  # noqa: BLE001 - the point: report anything that escaped
        out = {"refused": None, "kept": False,
               "unexpected": "".join(traceback.format_exception(exc))[-3000:]}
    out["id"] = case_id
    return out


if __name__ == "__main__":
    print(json.dumps(CASES))
