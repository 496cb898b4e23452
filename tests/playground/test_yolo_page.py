"""Lesson 4.5's page: the YOLO viewer's sliders, class check boxes and step-through
re-filter the cached network output; bad pictures and weights give one sentence; a
video plays with detection beside it; the detector trains live."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

pytest.importorskip("tensorflow")


def open_page(qtbot, window):
    page = window.open_lesson("car-detection")
    qtbot.waitUntil(lambda: page.viewer.stages is not None, timeout=300000)
    return page


def _count_network_calls(page, monkeypatch):
    calls = []
    original = page.detector.raw_output
    monkeypatch.setattr(page.detector, "raw_output",
                        lambda image: calls.append(1) or original(image))
    return calls


def test_sliders_classes_and_step_through_refilter_without_the_network(qtbot, window,
                                                                       monkeypatch):
    page = open_page(qtbot, window)
    viewer = page.viewer
    status = page.detector_status.text()
    assert "Embedded detector" in status and "road scenes" in status and "AP@0.5" in status
    assert viewer.class_names == ["car", "bus/truck", "person", "traffic light"]
    calls = _count_network_calls(page, monkeypatch)
    strict = len(viewer.stages.after_filter)
    viewer.score_slider.setValue(5)                       # threshold 0.05
    assert len(viewer.stages.after_filter) > strict
    assert page.settings_panel.values().score_threshold == pytest.approx(0.05)
    viewer.max_slider.setValue(2)
    assert len(viewer.stages.kept) <= 2 and viewer.table.rowCount() == len(viewer.stages.kept)
    viewer.max_slider.setValue(30)
    kept = viewer.final_boxes()
    assert any(b["class"] == "car" for b in kept)
    assert [d.label for d in viewer.canvas.boxes] == \
        [f"{b['class']} {b['score']:.2f}" for b in kept]
    # the table shows predict's corners in the picture's pixels
    h, w = viewer.image.shape[:2]
    for b in kept:
        assert 0 <= b["left"] <= b["right"] <= w and 0 <= b["top"] <= b["bottom"] <= h
    first = kept[0]
    assert viewer.table.item(0, 2).text() == f"({first['left']}, {first['top']})"
    # unticking a class removes its boxes; ticking it again brings them back
    car_check = viewer.class_checks["car"]
    car_check.click()
    assert not car_check.isChecked()
    assert all(b["class"] != "car" for b in viewer.final_boxes())
    car_check.click()
    assert viewer.final_boxes() == kept
    # a stricter IoU threshold keeps no more boxes than a looser one
    viewer.iou_slider.setValue(10)
    strict_nms = len(viewer.stages.kept)
    viewer.iou_slider.setValue(90)
    assert len(viewer.stages.kept) >= strict_nms
    viewer.iou_slider.setValue(50)

    # the step-through, from the grid to the final boxes
    viewer.set_step("grid")
    rows, cols = viewer.stages.grid_shape
    assert viewer.canvas.grid == (rows, cols)
    assert f"{rows}&times;{cols}&times;5" in viewer.info.text() or "5 =" in viewer.info.text()
    qtbot.mouseClick(viewer.canvas, Qt.LeftButton,
                     pos=viewer.canvas.cell_center(rows // 2, cols // 2).toPoint())
    assert viewer.cell == (rows // 2, cols // 2) and viewer.cell_pinned
    assert "anchor 5" in viewer.info.text() and len(viewer.canvas.boxes) == 5
    qtbot.mouseClick(viewer.next_button, Qt.LeftButton)        # classes per cell
    assert viewer.step == "classes" and viewer.canvas.cell_colors.shape == (rows, cols, 3)
    qtbot.mouseClick(viewer.next_button, Qt.LeftButton)        # all boxes
    assert viewer.step == "all"
    assert len(viewer.canvas.boxes) == min(rows * cols * 5, 600)
    qtbot.mouseClick(viewer.next_button, Qt.LeftButton)        # after the score filter
    assert len(viewer.canvas.boxes) == len(viewer.stages.after_filter)
    qtbot.mouseClick(viewer.next_button, Qt.LeftButton)        # NMS, round 1
    assert viewer.step == "nms" and "Round 1 of" in viewer.info.text()
    kept_styles = [d for d in viewer.canvas.boxes if d.style == "kept"]
    assert len(kept_styles) == 1
    first_round = viewer.stages.nms_steps[0]
    assert len([d for d in viewer.canvas.boxes if d.style == "dashed"]) == \
        len(first_round.suppressed)
    rounds = len(viewer.stages.nms_steps)
    for _ in range(rounds):
        qtbot.mouseClick(viewer.next_button, Qt.LeftButton)
    assert viewer.step == "final" and not viewer.next_button.isEnabled()
    qtbot.mouseClick(viewer.back_button, Qt.LeftButton)         # back into NMS: last round
    assert viewer.step == "nms" and f"Round {rounds} of {rounds}" in viewer.info.text()
    assert calls == []                                          # never re-ran the network


def test_bad_picture_bad_weights_and_saving(qtbot, window, tmp_path, monkeypatch):
    from playground.lessons import yolo_page
    page = open_page(qtbot, window)
    corrupt = tmp_path / "broken.jpg"
    corrupt.write_bytes(b"\xff\xd8\xff\xe0 definitely not the rest of a JPEG")
    before = page.viewer.stages
    page.open_picture(str(corrupt))
    qtbot.waitUntil(lambda: "broken.jpg" in page.detect_status.text()
                    and "Detecting" not in page.detect_status.text(), timeout=60000)
    message = page.controls.status.text()
    assert message.startswith("broken.jpg ") and "\n" not in message
    assert page.viewer.stages is before                       # the last picture stays
    # a text file named .h5 offered as YOLOv2 weights
    fake = tmp_path / "yolo.h5"
    fake.write_text("this is a text file, not weights")
    monkeypatch.setattr(yolo_page.QFileDialog, "getOpenFileName",
                        staticmethod(lambda *a, **k: (str(fake), "")))
    qtbot.mouseClick(page.yolo_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: "Still active" in page.detector_status.text(), timeout=120000)
    message = page.controls.status.text()
    assert message and "\n" not in message and "Traceback" not in message
    assert page.detector.embedded
    # saving the annotated picture, and a folder that cannot be written
    out = tmp_path / "annotated.png"
    assert page.viewer.save_annotated(str(out)).startswith("Saved")
    from PIL import Image
    with Image.open(out) as saved:
        assert saved.size == (page.viewer.image.shape[1], page.viewer.image.shape[0])
    assert page.viewer.save_annotated(str(tmp_path / "missing" / "x.png")).startswith(
        "Could not save")


def test_a_folder_and_a_video_play_with_detection(qtbot, window, tmp_path):
    import cv2

    from engine.data.road_scenes import make_scene
    page = open_page(qtbot, window)
    for seed in (3, 4):
        cv2.imwrite(str(tmp_path / f"scene{seed}.png"), make_scene(seed, 180, 320).image[..., ::-1])
    page.open_folder(str(tmp_path))
    qtbot.waitUntil(lambda: page.viewer.picture_name == "scene3.png", timeout=60000)
    qtbot.mouseClick(page.next_picture_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: page.viewer.picture_name == "scene4.png", timeout=60000)
    video = tmp_path / "drive.avi"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"MJPG"), 15, (320, 180))
    for seed in range(90):
        writer.write(make_scene(seed % 5, 180, 320).image[..., ::-1])
    writer.release()
    page.open_video(str(video))
    qtbot.waitUntil(lambda: page.video is not None and page.video.frames_shown >= 8
                    and page.video.detections > 0, timeout=120000)
    assert page.viewer.image.shape == (180, 320, 3)
    assert page.viewer.stages is not None and page.stop_video_button.isEnabled()
    page.stop_video()
    assert page.video is None
    # a file that is no video: one sentence
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"no video here")
    page.open_video(str(junk))
    qtbot.waitUntil(lambda: "junk.mp4" in page.controls.status.text(), timeout=30000)
    assert "\n" not in page.controls.status.text()


def test_training_tab_plots_the_four_terms_and_redraws_the_validation_scene(qtbot, window):
    from engine.settings import replace_setting
    page = open_page(qtbot, window)
    s = page.settings_panel.values()
    for name, value in (("epochs", 1), ("scenes_per_epoch", 16), ("batch_size", "8")):
        s = replace_setting(s, name, value)
    page.settings_panel.set_values(s)
    recorded = []
    page.run_recorded.connect(recorded.append)
    qtbot.mouseClick(page.controls.train_button, Qt.LeftButton)
    assert page.tabs.tabText(page.tabs.currentIndex()) == "Train the detector"
    qtbot.waitUntil(lambda: not page.running and page.controls.state == "finished",
                    timeout=600000)
    for key, curve in page.term_curves.items():
        x, y = curve.getData()
        assert x is not None and len(x) == 2, key                  # 16 scenes / 8 = 2 batches
        assert np.all(np.isfinite(y))
    assert page.validation.has_picture() and "After epoch 1" in page.validation_caption.text()
    qtbot.waitUntil(lambda: len(recorded) > 0, timeout=30000)
    assert recorded[0] is not None
    assert "Your trained detector" in page.detector_status.text()


@pytest.mark.parametrize("size", [(1280, 720), (1366, 768)])
def test_box_table_titles_are_whole_on_a_laptop_screen(qtbot, window, size):
    # Issue 12: at 1280x720 the titles read "eft, top" and "nt, bott".
    window.resize(*size)
    page = open_page(qtbot, window)
    viewer = page.viewer
    qtbot.waitUntil(lambda: viewer.table.rowCount() > 0, timeout=30000)
    qtbot.wait(20)
    header = viewer.table.horizontalHeader()
    assert header.isVisible()
    for column in range(viewer.table.columnCount()):
        item = viewer.table.horizontalHeaderItem(column)
        need = header.sectionSizeFromContents(column).width()
        assert header.sectionSize(column) >= need, item.text()
        assert header.fontMetrics().horizontalAdvance(item.text()) < header.sectionSize(column)
    for column in range(viewer.table.columnCount()):
        assert viewer.table.horizontalHeaderItem(column).toolTip()  # spelt out on hover
    titles = [viewer.table.horizontalHeaderItem(c).text() for c in range(4)]
    assert titles[:2] == ["class", "score"]
    assert "left, top" in viewer.table.horizontalHeaderItem(2).toolTip()
    # everything fits: no sideways scrolling needed at this size
    assert viewer.table.horizontalScrollBar().maximum() == 0
