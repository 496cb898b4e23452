from __future__ import annotations

import json
from dataclasses import dataclass

import pytest

from engine.settings import (SettingsError, load_settings, make_settings, replace_setting,
                             save_settings, setting, settings_to_dict, specs)


@dataclass
class Demo:
    learning_rate: float = setting(0.01, "Learning rate", minimum=1e-5, maximum=10,
                                   scale="log", live=True)
    num_iterations: int = setting(100, "Iterations", minimum=1, maximum=1000)
    flag: bool = setting(False, "A flag")
    mode: str = setting("a", "Mode", choices=("a", "b"))
    layers: tuple = setting(((4, "relu"),), "Layers", "layers", minimum=1, maximum=64,
                            activations=("relu", "tanh"))


def test_defaults_and_table():
    s = make_settings(Demo)
    assert s.learning_rate == 0.01 and s.layers == ((4, "relu"),)
    names = [n for n, _, _ in specs(Demo)]
    assert names == ["learning_rate", "num_iterations", "flag", "mode", "layers"]


def test_strings_from_the_command_line_are_coerced():
    s = make_settings(Demo, {"learning_rate": "0.5", "num_iterations": "20", "flag": "yes",
                             "mode": "b", "layers": "8:tanh,3"})
    assert (s.learning_rate, s.num_iterations, s.flag, s.mode) == (0.5, 20, True, "b")
    assert s.layers == ((8, "tanh"), (3, "relu"))


@pytest.mark.parametrize("name,value,fragment", [
    ("learning_rate", "100", "between"),
    ("learning_rate", "abc", "must be a number"),
    ("learning_rate", "nan", "must be a number"),
    ("num_iterations", "2.5", "whole number"),
    ("num_iterations", "0", "between"),
    ("mode", "c", "one of a, b"),
    ("flag", "maybe", "true or false"),
    ("layers", "0", "between 1 and 64"),
    ("layers", "4:softmax", "activation 'softmax'"),
    ("nope", "1", "Unknown setting 'nope'"),
])
def test_bad_values_get_a_specific_message(name, value, fragment):
    with pytest.raises(SettingsError) as info:
        make_settings(Demo, {name: value})
    assert fragment in str(info.value)


def test_save_and_load_round_trip(tmp_path):
    s = replace_setting(make_settings(Demo), "layers", ((16, "tanh"), (2, "relu")))
    path = tmp_path / "s.json"
    save_settings(s, "demo", path)
    assert json.loads(path.read_text())["lesson"] == "demo"
    assert load_settings(Demo, "demo", path) == s
    assert settings_to_dict(s)["layers"] == [[16, "tanh"], [2, "relu"]]


def test_loading_bad_files_says_why(tmp_path):
    junk = tmp_path / "junk.json"
    junk.write_bytes(b"\x00\xff not json")
    with pytest.raises(SettingsError, match="not valid JSON"):
        load_settings(Demo, "demo", junk)
    other = tmp_path / "other.json"
    save_settings(make_settings(Demo), "other-lesson", other)
    with pytest.raises(SettingsError, match="other-lesson"):
        load_settings(Demo, "demo", other)
    with pytest.raises(SettingsError, match="Cannot read"):
        load_settings(Demo, "demo", tmp_path / "missing.json")


@pytest.mark.parametrize("text", [
    '{"lesson": "demo", "settings": {"num_iterations": 1' + "0" * 400 + '}}',
    '{"lesson": "demo", "settings": {"learning_rate": 1' + "0" * 5000 + '}}',
    '{"lesson": "demo", "settings": {"learning_rate": ' + "[" * 100000 + "]" * 100000 + '}}',
    "[" * 100000 + "]" * 100000,
    '{"lesson": "demo", "settings": {"learning_rate": 1e999}}',
    '{"lesson": "demo", "settings": {"learning_rate": NaN}}',
    '{"lesson": "demo", "settings": {"learning_rate": [0.1]}}',
    '{"lesson": "demo", "settings": {"flag": [1]}}',
    '{"lesson": "demo", "settings": {"flag": 7}}',
    '{"lesson": "demo", "settings": {"layers": 5}}',
    '{"lesson": "demo", "settings": {"layers": {"a": 1}}}',
    '{"lesson": "demo", "settings": {"layers": [[1e999, "relu"]]}}',
    '{"lesson": "demo", "settings": {"layers": [[4, "relu", 3]]}}',
    '{"lesson": "demo", "settings": {"layers": ' + str([4] * 5000) + '}}',
    '{"lesson": "demo", "settings": {"mode": ' + "[" * 5000 + "]" * 5000 + '}}',
    '{"lesson": ' + "[" * 3000 + "]" * 3000 + ', "settings": {}}',
    '{"lesson": "demo", "settings": []}',
    '"just a string"',
])
def test_any_damaged_settings_file_is_one_settings_error(tmp_path, text):
    path = tmp_path / "s.json"
    path.write_text(text)
    with pytest.raises(SettingsError) as info:
        load_settings(Demo, "demo", path)
    message = str(info.value)
    assert "\n" not in message and len(message) < 400


def test_an_oversized_settings_file_is_refused_without_reading_it(tmp_path):
    path = tmp_path / "s.json"
    path.write_text('{"lesson": "demo", "settings": {}, "pad": "' + "x" * 300_000 + '"}')
    with pytest.raises(SettingsError, match="larger than 256 KB"):
        load_settings(Demo, "demo", path)


def test_a_folder_or_fifo_is_not_a_settings_file(tmp_path):
    import os
    with pytest.raises(SettingsError):
        load_settings(Demo, "demo", tmp_path)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(SettingsError):
        # opened non-blocking so the test cannot hang if the check regresses
        load_settings(Demo, "demo", fifo)


def test_text_settings_take_one_line_of_text():
    from engine.settings import SettingSpec, coerce

    spec = SettingSpec("Picture", "text")
    assert coerce("image", spec, "  /tmp/a picture.png ") == "/tmp/a picture.png"
    assert coerce("image", spec, "") == ""
    for bad, fragment in ((7, "must be text"), ("a\nb", "one line"),
                          ("x" * 5000, "at most")):
        with pytest.raises(SettingsError, match=fragment):
            coerce("image", spec, bad)
