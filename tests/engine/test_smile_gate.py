"""The Happy House door's smile check: the saved model (round trip, refusals), the face
crop, the SmileMeter thread and the door gated on its answer.

The models are real HappyModels; "smiling" / "not smiling" ones get their fc layer's
kernel set to zero and its bias to +4 / -4, so every face gets sigmoid(+-4)."""
from __future__ import annotations

import json
import math

import numpy as np
import pytest

from engine.faces.door import Door
from engine.faces.encoder import FaceBox
from engine.faces.recognition import Detection
from engine.faces.smile import SmileMeter, face_crop, load_smile_model, smile_probability
from engine.keras_models.happy_door_weights import (INFO_NAME, door_model_path,
                                                    load_door_model, read_door_info,
                                                    save_door_model)
from engine.weights import WeightsError, get_entry

SMILING, NOT_SMILING = 1 / (1 + math.exp(-4)), 1 / (1 + math.exp(4))


def happy_model(architecture="course", bias=None, seed=3):
    from engine.keras_models.happy import build_model
    model = build_model(architecture, seed=seed)
    if bias is not None:
        kernel, _ = model.get_layer("fc").get_weights()
        model.get_layer("fc").set_weights([np.zeros_like(kernel),
                                           np.array([bias], np.float32)])
    return model


def frame_with_face():
    rng = np.random.default_rng(0)
    frame = rng.integers(0, 256, (240, 320, 3), dtype=np.uint8)
    return frame, FaceBox(top=60, right=200, bottom=160, left=100)


def seen(name, box):
    return Detection(box, name, 0.4, np.zeros(128), nearest=name)


def test_save_and_load_round_trip():
    model = happy_model("chained", seed=7)
    path = save_door_model(model, "chained", {"real_test_accuracy": 0.9133,
                                              "test_accuracy": 0.95, "final_cost": 0.1})
    assert path == door_model_path() and path.name == "happy_model.weights.h5"
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".saving")]
    info = json.loads(path.with_name(INFO_NAME).read_text())
    assert info["architecture"] == "chained" and info["metrics"]["real_test_accuracy"] == 0.9133
    assert "final_cost" not in info["metrics"] and info["saved"]
    entry = get_entry("happy-house")
    assert entry.find() == path
    loaded = entry.load()
    assert [layer.name for layer in loaded.layers if layer.weights] == \
        [layer.name for layer in model.layers if layer.weights]
    for saved, read in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_array_equal(saved, read)
    frame, box = frame_with_face()
    assert smile_probability(loaded, frame, box) == pytest.approx(
        smile_probability(model, frame, box), abs=1e-6)


def test_wrong_or_missing_files_are_refused_with_a_sentence():
    entry = get_entry("happy-house")
    assert entry.find() is None
    missing = entry.missing_message()
    assert "Use this model at the door" in missing and "happy_model.weights.h5" in missing
    assert load_smile_model() == {"status": "missing"}
    path = save_door_model(happy_model("course"), "course", {})
    # the JSON says "chained" but the arrays are the course model's
    info_path = path.with_name(INFO_NAME)
    info = json.loads(info_path.read_text())
    info_path.write_text(json.dumps({**info, "architecture": "chained"}))
    with pytest.raises(WeightsError) as wrong:
        load_door_model(path)
    assert "'chained' HappyModel" in str(wrong.value) and "\n" not in str(wrong.value)
    # not an HDF5 file at all
    path.write_bytes(b"this is not a weights file")
    info_path.write_text(json.dumps(info))
    with pytest.raises(WeightsError) as garbage:
        load_door_model(path.parent)
    assert "not a readable HDF5" in str(garbage.value)
    with pytest.raises(WeightsError):
        load_smile_model()
    # weights without their JSON: the architecture is unknown, nothing is guessed
    info_path.unlink()
    with pytest.raises(WeightsError, match="architecture is unknown"):
        read_door_info(path)


def test_face_crop_frames_the_face_like_the_course_pictures():
    frame, box = frame_with_face()
    crop = face_crop(frame, box)
    # framed like the course's pictures: 2.9 box sides, wider than this frame is high
    assert crop.shape == (290, 290, 3) and crop.dtype == np.uint8
    # centred on the box, 3 px (0.03 box sides) above its centre
    np.testing.assert_array_equal(crop[145, 145], frame[107, 150])
    np.testing.assert_array_equal(crop[0, 145], frame[0, 150])      # the edge repeated
    edge = face_crop(frame, FaceBox(top=0, right=60, bottom=50, left=0))
    assert edge.shape == (174, 174, 3)
    np.testing.assert_array_equal(edge[0, 0], frame[0, 0])
    assert face_crop(frame, box, margin=0.0).shape == (100, 100, 3)


def test_smile_meter_gives_the_models_probability_off_thread():
    model = happy_model("course", seed=11)          # trained-looking, not forced
    frame, box = frame_with_face()
    meter = SmileMeter(model)
    try:
        assert meter.probability("tian") is None
        meter.submit(frame, box, "tian")
        assert meter.wait_idle(30)
        assert meter.error is None
        assert meter.probability("tian") == pytest.approx(
            smile_probability(model, frame, box), abs=1e-6)
        assert meter.probability("kian") is None            # asked about someone else
        # the newest request wins: whatever ran, the last name asked is answered
        meter.submit(frame, box, "kian")
        meter.submit(frame, box, "benoit")
        assert meter.wait_idle(30) and meter.probability("benoit") is not None
        assert 0 < meter.latency_s < 5
    finally:
        meter.stop()


def test_a_stale_answer_counts_as_none():
    now = [100.0]
    meter = SmileMeter(happy_model(bias=4.0), stale_s=1.0, clock=lambda: now[0])
    try:
        frame, box = frame_with_face()
        meter.submit(frame, box, "tian")
        assert meter.wait_idle(30)
        assert meter.probability("tian") == pytest.approx(SMILING, abs=1e-5)
        now[0] += 1.5
        assert meter.probability("tian") is None
    finally:
        meter.stop()


@pytest.mark.parametrize("bias, opens", [(-4.0, False), (4.0, True)])
def test_door_opens_only_for_a_smile(bias, opens):
    meter = SmileMeter(happy_model(bias=bias))
    door = Door(frames_required=2, smile_required=True, smile_available=True)
    frame, box = frame_with_face()
    try:
        status = None
        for step in range(4):
            meter.submit(frame, box, "tian")
            assert meter.wait_idle(30)
            status = door.update([seen("tian", box)], now=step,
                                 smile=meter.probability("tian"))
            if status.state == "open":
                break
        if opens:
            assert status.state == "open" and status.message == "Welcome home, tian!"
            assert status.smile == pytest.approx(SMILING, abs=1e-5)
        else:
            assert (status.state, status.message) == ("opening", "tian, smile to come in!")
            assert status.smile == pytest.approx(NOT_SMILING, abs=1e-5)
    finally:
        meter.stop()


def test_load_smile_model_knows_an_unchanged_file():
    save_door_model(happy_model(bias=4.0), "course", {"real_test_accuracy": 0.96})
    loaded = load_smile_model()
    assert loaded["status"] == "loaded"
    assert "'course' HappyModel (real test photos 96.0% right)" in loaded["description"]
    frame, box = frame_with_face()
    assert smile_probability(loaded["model"], frame, box) == pytest.approx(SMILING, abs=1e-5)
    assert load_smile_model(loaded["stamp"]) == {"status": "unchanged"}
