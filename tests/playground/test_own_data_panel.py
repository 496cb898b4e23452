"""The "Your data" tab: record from a video standing in for the camera, delete, split,
save, train on the saved file, classify live; and a sentence for each bad input."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from engine.data.own_datasets import load_own_dataset


def _video(path, frames=40, size=(160, 120)):
    """A small MJPG video whose colour changes from frame to frame."""
    import cv2

    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 20, size)
    for i in range(frames):
        frame = np.zeros((size[1], size[0], 3), np.uint8)
        frame[..., i % 3] = 40 + 5 * i
        frame[30:90, 40 + i:80 + i] = 255
        writer.write(frame)
    writer.release()
    return path


def _open(qtbot, window):
    page = window.open_lesson("happy-house")
    qtbot.waitUntil(lambda: page.tensorflow_ready and page.dataset is not None,
                    timeout=120000)
    panel = page.own_data
    page.tabs.setCurrentWidget(panel)
    return page, panel


def _hold(qtbot, panel, row, pictures):
    button = panel.findChild(type(panel.save_button), f"ownRecord_{row}")
    name = panel.draft.classes[row]
    before = panel.draft.counts()[name]
    qtbot.mousePress(button, Qt.LeftButton)
    qtbot.waitUntil(lambda: panel.draft.counts()[name] >= before + pictures, timeout=20000)
    qtbot.mouseRelease(button, Qt.LeftButton)
    assert not panel.record_timer.isActive()


def test_record_delete_split_save_and_train_on_it(qtbot, window, tmp_path):
    page, panel = _open(qtbot, window)
    assert [page.tabs.tabText(i) for i in range(page.tabs.count())][-2:] == \
        ["Your data", "Runs"]
    assert panel.start_source(str(_video(tmp_path / "door.avi")), fps=20, loop=True)
    qtbot.waitUntil(lambda: panel.view.has_frame(), timeout=10000)
    _hold(qtbot, panel, 0, 5)
    _hold(qtbot, panel, 1, 5)
    counts = panel.draft.counts()
    assert panel.count_labels["happy"].text() == str(counts["happy"])
    assert panel.thumbs.count() == sum(counts.values())
    panel.thumbs.item(0).setSelected(True)
    qtbot.mouseClick(panel.delete_button, Qt.LeftButton)
    assert panel.draft.counts()["not happy"] == counts["not happy"] - 1
    assert panel.thumbs.count() == sum(counts.values()) - 1
    panel.split_slider.setValue(40)
    assert panel.split_label.text() == "40% test"
    panel.name_edit.setText("door test")
    qtbot.mouseClick(panel.save_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: panel.message.text().startswith("Saved"), timeout=20000)
    path = page.settings_panel.values().data
    assert path.endswith("happy-door-test.h5")
    dataset = load_own_dataset(path, "happy")     # the lesson's own loader reads it
    assert dataset.m_train + dataset.m_test == sum(panel.draft.counts().values())
    assert dataset.m_test >= 2
    qtbot.waitUntil(lambda: page.dataset is not None and
                    "Your dataset happy-door-test.h5" in page.dataset.provenance,
                    timeout=30000)
    assert "Your dataset" in page.provenance.text()
    values = page.settings_panel.values()
    page.settings_panel.set_values(type(values)(**{**values.__dict__, "epochs": 2}))
    from PySide6.QtWidgets import QPushButton
    qtbot.mouseClick(page.findChild(QPushButton, "trainButton"), Qt.LeftButton)
    qtbot.waitUntil(lambda: page.running, timeout=5000)
    qtbot.waitUntil(lambda: not page.running and page.last_result is not None,
                    timeout=300000)
    assert "Finished" in page.controls.status.text(), page.controls.status.text()
    # live: every frame classified off the UI thread, bars over the picture
    panel.live_check.setChecked(True)
    qtbot.waitUntil(lambda: panel.view.bars() is not None, timeout=60000)
    classes, probabilities = panel.view.bars()
    assert classes == ["not happy", "happy"]
    assert probabilities.sum() == pytest.approx(1.0)
    assert "answers/s" in panel.rate_label.text()
    panel.stop_source()
    assert panel.live is None and panel.grabber is None


def test_bad_inputs_get_one_sentence_and_keep_the_pictures(qtbot, window, tmp_path):
    _page, panel = _open(qtbot, window)
    assert not panel.start_source(str(tmp_path / "no-such-video.avi"))
    assert "No camera, video or folder" in panel.message.text()
    _hold_without_camera = panel.record_buttons["happy"]
    qtbot.mousePress(_hold_without_camera, Qt.LeftButton)
    qtbot.mouseRelease(_hold_without_camera, Qt.LeftButton)
    assert "Start the camera" in panel.message.text()
    (tmp_path / "pics" / "happy").mkdir(parents=True)
    from PIL import Image
    Image.fromarray(np.full((70, 90, 3), 200, np.uint8)).save(tmp_path / "pics" / "happy" /
                                                              "a.png")
    panel.import_folder(tmp_path / "pics")
    qtbot.waitUntil(lambda: panel.message.text().startswith("Added 1"), timeout=10000)
    qtbot.mouseClick(panel.save_button, Qt.LeftButton)      # 'not happy' is empty
    qtbot.waitUntil(lambda: "has no pictures" in panel.message.text(), timeout=10000)
    assert "'not happy'" in panel.message.text()
    (tmp_path / "pics" / "grumpy").mkdir()
    panel.import_folder(tmp_path / "pics")
    qtbot.waitUntil(lambda: "grumpy" in panel.message.text(), timeout=10000)
    assert panel.draft.counts() == {"not happy": 0, "happy": 1}     # nothing lost
    panel.live_check.setChecked(True)                  # nothing trained yet
    assert not panel.live_check.isChecked()
    assert "Train the lesson first" in panel.message.text()
