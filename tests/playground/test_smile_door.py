"""The smile gate on the face-recognition page, driven as a user drives it: a Happy
House model saved for the door (a real HappyModel whose fc layer is set so that it
always / never sees a smile), the "Smile required" box ticked, a video of a resident.
And the Happy House page's "Use this model at the door" button.

Videos are made from the course's photos (../shared/datasets/faces) like
test_face_page.py does; those tests skip when the photos are absent.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QPushButton

from engine.keras_models.happy_door_weights import door_model_path, save_door_model
from engine.lessons import get_lesson
from engine.settings import replace_setting

FACES = __import__("course_paths").faces_folder()   # DL_PLAYGROUND_DATA/faces or ../shared
needs_faces = pytest.mark.skipif(not (FACES / "younes.jpg").is_file(),
                                 reason="the course's face photos are not in ../shared")


def click_box(qtbot, box) -> None:
    """Click a check box on its indicator: a QCheckBox ignores clicks on the empty part
    of its row, and the door panel's grid can make it wider than its label."""
    qtbot.mouseClick(box, Qt.LeftButton, pos=QPoint(8, box.height() // 2))


def save_forced_model(bias: float, real_accuracy: float = 0.96) -> None:
    """A real course HappyModel whose fc kernel is zero: P(smile) = sigmoid(bias)."""
    from engine.keras_models.happy import build_model
    model = build_model("course", seed=2)
    kernel, _ = model.get_layer("fc").get_weights()
    model.get_layer("fc").set_weights([np.zeros_like(kernel), np.array([bias], np.float32)])
    save_door_model(model, "course", {"real_test_accuracy": real_accuracy})


def write_video(photo: Path, out: Path, frames: int = 60, fps: float = 30.0) -> Path:
    import cv2
    face = cv2.resize(cv2.imread(str(photo), cv2.IMREAD_COLOR), (240, 240),
                      interpolation=cv2.INTER_CUBIC)
    writer = cv2.VideoWriter(str(out), cv2.VideoWriter_fourcc(*"MJPG"), fps, (640, 480))
    for i in range(frames):
        frame = np.full((480, 640, 3), (205, 190, 170), np.uint8)
        x = 160 + int(60 * i / frames)
        frame[110:350, x:x + 240] = face
        writer.write(frame)
    writer.release()
    return out


def door_page_with_residents(qtbot, window, tmp_path):
    page = window.open_lesson("face-recognition")
    qtbot.waitUntil(lambda: page.encoder is not None and page.store is not None,
                    timeout=60000)
    folder = tmp_path / "residents"
    folder.mkdir()
    for name in ("younes", "kian", "tian"):
        src = next(FACES.glob(f"{name}.*"))
        shutil.copy(src, folder / src.name)
    assert page.import_folder(folder)
    qtbot.waitUntil(lambda: not page.residents.busy, timeout=120000)
    assert sorted(page.residents.names()) == ["kian", "tian", "younes"]
    return page


def play(qtbot, page, video: Path, results: int = 6) -> None:
    qtbot.waitUntil(lambda: page.recognition_ready, timeout=60000)
    page.recognised_names.clear()
    page.play(str(video))
    qtbot.waitUntil(lambda: len(page.recognised_names) >= results, timeout=120000)


@needs_faces
def test_a_smiling_resident_gets_in(qtbot, window, tmp_path):
    save_forced_model(+4.0)
    page = door_page_with_residents(qtbot, window, tmp_path)
    qtbot.waitUntil(lambda: page.smile_box.isEnabled(), timeout=60000)
    tip = page.smile_box.toolTip()
    assert "'course' HappyModel" in tip and "real test photos 96.0% right" in tip
    assert not page.smile_note.isVisible()
    click_box(qtbot, page.smile_box)
    assert page.smile_box.isChecked() and page.door.smile_gate_active
    assert page.door_panel.smile_level.isVisible()
    play(qtbot, page, write_video(FACES / "younes.jpg", tmp_path / "younes.avi"))
    qtbot.waitUntil(lambda: page.door_view.is_open, timeout=30000)
    assert page.door_view.message == "Welcome home, younes!"
    assert "0.98" in page.door_panel.smile_level.text()
    assert page.smile_meter.predictions >= 1 and page.smile_meter.error is None
    # unticking turns the gate off (and hides the measurement)
    click_box(qtbot, page.smile_box)
    assert not page.door.smile_gate_active and not page.door_panel.smile_level.isVisible()


@needs_faces
def test_a_resident_who_does_not_smile_waits(qtbot, window, tmp_path):
    page = door_page_with_residents(qtbot, window, tmp_path)
    # no saved model: the box is off and says how to make one
    qtbot.waitUntil(lambda: page._smile_task is None, timeout=30000)
    assert not page.smile_box.isEnabled()
    assert "Use this model at the door" in page.smile_note.text()
    # saved while the page is hidden: found when it is shown again
    window.open_lesson("numpy-basics")
    save_forced_model(-4.0)
    window.open_lesson("face-recognition")
    qtbot.waitUntil(lambda: page.smile_box.isEnabled(), timeout=60000)
    page.smile_box.setChecked(True)
    play(qtbot, page, write_video(FACES / "younes.jpg", tmp_path / "younes.avi"))
    qtbot.waitUntil(lambda: page.door_view.message == "younes, smile to come in!",
                    timeout=30000)
    qtbot.waitUntil(lambda: "0.02" in page.door_panel.smile_level.text(), timeout=10000)
    count = len(page.recognised_names)
    qtbot.waitUntil(lambda: len(page.recognised_names) >= count + 4, timeout=60000)
    assert not page.door_view.is_open and page.arrival_view.names() == []


def test_a_damaged_model_turns_the_gate_off_with_a_sentence(qtbot, window):
    path = door_model_path()
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not weights")
    path.with_name("happy_model.json").write_text('{"architecture": "course"}')
    page = window.open_lesson("face-recognition")
    qtbot.waitUntil(lambda: "smile check is off" in page.smile_note.text(), timeout=60000)
    assert not page.smile_box.isEnabled()
    assert "happy_model.weights.h5" in page.smile_note.text()
    assert "\n" not in page.smile_note.text()


def test_happy_page_saves_its_model_for_the_door(qtbot, window, monkeypatch):
    from engine.data.happy import happy_standin

    monkeypatch.setattr(get_lesson("happy-house"), "load_data",
                        lambda settings=None: happy_standin(seed=5, train_size=32,
                                                            test_size=16))
    page = window.open_lesson("happy-house")
    qtbot.waitUntil(lambda: page.tensorflow_ready and page.dataset is not None,
                    timeout=120000)
    button = page.door_model.button
    assert not button.isEnabled() and "Train the model first" in button.toolTip()
    values = replace_setting(page.settings_panel.values(), "epochs", 1)
    page.settings_panel.set_values(replace_setting(values, "architecture", "chained"))
    qtbot.mouseClick(page.findChild(QPushButton, "trainButton"), Qt.LeftButton)
    qtbot.waitUntil(lambda: not page.running and page.last_result is not None,
                    timeout=120000)
    qtbot.waitUntil(button.isEnabled, timeout=5000)
    qtbot.mouseClick(button, Qt.LeftButton)
    qtbot.waitUntil(lambda: "Saved to" in page.door_model.message.text(), timeout=30000)
    assert door_model_path().is_file()
    from engine.keras_models.happy_door_weights import load_door_model, read_door_info
    assert read_door_info()["architecture"] == "chained"
    loaded = load_door_model(door_model_path())
    for ours, read in zip(page.last_result["model"].get_weights(), loaded.get_weights()):
        np.testing.assert_array_equal(ours, read)
