"""The lesson pages driven as a user drives them: click Train, watch, pause, stop,
drag a slider, edit the network, feed bad files. Offscreen Qt, real widgets."""
from __future__ import annotations

import math

import h5py
import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLineEdit, QPushButton, QSlider, QTableWidget

from engine.settings import replace_setting
from page_support import click_plot, open_page
from playground.main_window import MainWindow

LESSONS = ["logistic-regression", "planar-one-hidden-layer", "deep-step-by-step",
           "deep-cat-classifier"]


def button(page, name) -> QPushButton:
    return page.findChild(QPushButton, name)


def test_navigator_lists_every_course_1_lesson(window):
    nav = window.navigator
    course = nav.topLevelItem(0)
    ids = [course.child(i).data(0, Qt.UserRole) for i in range(course.childCount())]
    assert ids == ["numpy-basics", *LESSONS[:2], "deep-step-by-step", "deep-cat-classifier"]
    nav.setCurrentItem(course.child(2))
    assert window.stack.currentWidget().lesson.id == "planar-one-hidden-layer"


@pytest.mark.parametrize("lesson_id", LESSONS)
def test_train_shows_live_cost_then_finishes(qtbot, window, lesson_id):
    page = open_page(qtbot, window, lesson_id, num_iterations=300)
    assert page.provenance.text().startswith("Data:")
    qtbot.mouseClick(button(page, "trainButton"), Qt.LeftButton)
    qtbot.waitUntil(lambda: page.cost_plot.point_count() >= 3, timeout=30000)
    if hasattr(page, "boundary_plot"):
        qtbot.waitUntil(lambda: page.boundary_plot.redraw_count >= 1, timeout=30000)
    qtbot.waitUntil(lambda: not page.running, timeout=60000)
    qtbot.waitUntil(lambda: "Finished" in page.controls.status.text(), timeout=5000)
    assert page.last_result is not None and "parameters" in page.last_result
    assert page.cost_plot.point_count() == 300


def test_pause_resume_stop_and_live_boundary(qtbot, window):
    page = open_page(qtbot, window, "planar-one-hidden-layer", num_iterations=50000)
    qtbot.mouseClick(button(page, "trainButton"), Qt.LeftButton)
    qtbot.waitUntil(lambda: page.boundary_plot.redraw_count >= 3, timeout=20000)
    pause = button(page, "pauseButton")
    qtbot.mouseClick(pause, Qt.LeftButton)
    qtbot.waitUntil(lambda: page.job.control.paused, timeout=2000)
    qtbot.wait(200)
    frozen = len(page.job.reporter.curve)
    qtbot.wait(300)
    assert len(page.job.reporter.curve) == frozen
    qtbot.mouseClick(button(page, "stepButton"), Qt.LeftButton)
    qtbot.waitUntil(lambda: len(page.job.reporter.curve) == frozen + 1, timeout=2000)
    qtbot.mouseClick(pause, Qt.LeftButton)  # now "Resume"
    qtbot.waitUntil(lambda: len(page.job.reporter.curve) > frozen + 50, timeout=5000)
    redraws = page.boundary_plot.redraw_count
    qtbot.waitUntil(lambda: page.boundary_plot.redraw_count > redraws, timeout=5000)
    qtbot.mouseClick(button(page, "stopButton"), Qt.LeftButton)
    qtbot.waitUntil(lambda: not page.running, timeout=5000)
    qtbot.waitUntil(lambda: "Stopped" in page.controls.status.text(), timeout=5000)
    assert len(page.job.reporter.curve) < 50000


def test_slider_change_is_used_by_the_next_run(qtbot, window):
    page = open_page(qtbot, window, "planar-one-hidden-layer", num_iterations=20)
    slider = page.settings_panel.findChild(QSlider, "n_h")
    slider.setValue(slider.minimum() + 6)  # as a drag would
    wanted = page.settings_panel.values().n_h
    assert wanted != 4
    qtbot.mouseClick(button(page, "trainButton"), Qt.LeftButton)
    qtbot.waitUntil(lambda: not page.running and page.last_result is not None, timeout=20000)
    assert page.job.settings.n_h == wanted
    assert page.last_result["parameters"]["W1"].shape == (wanted, 2)


def test_learning_rate_change_during_a_run_takes_effect(qtbot, window):
    page = open_page(qtbot, window, "planar-one-hidden-layer", num_iterations=50000)
    qtbot.mouseClick(button(page, "trainButton"), Qt.LeftButton)
    qtbot.waitUntil(lambda: len(page.job.reporter.curve) > 10, timeout=10000)
    slider = page.settings_panel.findChild(QSlider, "learning_rate")
    assert slider.isEnabled(), "a live setting stays editable while training"
    slider.setValue(slider.minimum())
    qtbot.waitUntil(lambda: page.job.control.live("learning_rate", None) is not None,
                    timeout=2000)
    assert page.job.control.live("learning_rate", None) < 0.01
    assert page.job.running, "changing the learning rate must not restart the run"
    assert not page.settings_panel.findChild(QSlider, "n_h").isEnabled()
    qtbot.mouseClick(button(page, "stopButton"), Qt.LeftButton)
    qtbot.waitUntil(lambda: not page.running, timeout=5000)


def test_network_builder_edit_updates_shapes_and_next_run(qtbot, window):
    page = open_page(qtbot, window, "deep-cat-classifier", num_iterations=5)
    builder = page.builder
    units = builder.findChild(QLineEdit, "units1")
    units.selectAll()
    qtbot.keyClicks(units, "12")
    qtbot.keyClick(units, Qt.Key_Return)
    table = builder.findChild(QTableWidget, "shapeTable")
    cells = [table.item(r, c).text() for r in range(table.rowCount())
             for c in range(table.columnCount()) if table.item(r, c)]
    assert "W1: (12, 12288)" in cells and "W2: (7, 12)" in cells
    assert page.settings_panel.values().hidden_layers[0][0] == 12
    # 12288*12+12 + 12*7+7 + 7*5+5 + 5*1+1 = 147,468 + 91 + 40 + 6
    assert "147,605" in builder.findChild(type(page.provenance), "paramCount").text()
    units.selectAll()
    qtbot.keyClicks(units, "abc")
    qtbot.keyClick(units, Qt.Key_Return)
    assert builder.findChild(type(page.provenance), "builderError").text()
    assert page.settings_panel.values().hidden_layers[0][0] == 12
    qtbot.mouseClick(button(page, "trainButton"), Qt.LeftButton)
    qtbot.waitUntil(lambda: not page.running and page.last_result is not None, timeout=30000)
    assert page.last_result["parameters"]["W1"].shape == (12, 12288)


def test_diverging_learning_rate_gives_a_message(qtbot, window):
    page = open_page(qtbot, window, "logistic-regression", num_iterations=500,
                     learning_rate=10.0)
    qtbot.mouseClick(button(page, "trainButton"), Qt.LeftButton)
    qtbot.waitUntil(lambda: not page.running, timeout=30000)
    qtbot.waitUntil(lambda: "smaller" in page.controls.status.text(), timeout=5000)
    assert "learning rate" in page.controls.status.text()
    # the app keeps working: a sane rate trains again
    page.settings_panel.set_values(replace_setting(page.settings_panel.values(),
                                                   "learning_rate", 0.005))
    qtbot.mouseClick(button(page, "trainButton"), Qt.LeftButton)
    qtbot.waitUntil(lambda: "Finished" in page.controls.status.text(), timeout=30000)


def _write_cats(folder, train_x=None, train_keys=("train_set_x", "train_set_y"),
                truncate=False):
    train_x = np.zeros((10, 64, 64, 3), np.uint8) if train_x is None else train_x
    with h5py.File(folder / "train_catvnoncat.h5", "w") as f:
        f[train_keys[0]] = train_x
        f[train_keys[1]] = np.zeros(len(train_x), np.int64)
        f["list_classes"] = np.array([b"non-cat", b"cat"])
    with h5py.File(folder / "test_catvnoncat.h5", "w") as f:
        f["test_set_x"] = np.zeros((4, 64, 64, 3), np.uint8)
        f["test_set_y"] = np.zeros(4, np.int64)
        f["list_classes"] = np.array([b"non-cat", b"cat"])
    if truncate:
        path = folder / "train_catvnoncat.h5"
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 3])


@pytest.mark.parametrize("kind,fragment", [
    ("truncated", "train_catvnoncat.h5"),
    ("wrong keys", "train_set_x"),
    ("wrong shape", "shape"),
])
def test_corrupt_course_file_gives_a_clear_message(qtbot, window, tmp_path, monkeypatch,
                                                   kind, fragment):
    if kind == "truncated":
        _write_cats(tmp_path, truncate=True)
    elif kind == "wrong keys":
        _write_cats(tmp_path, train_keys=("images", "labels"))
    else:
        _write_cats(tmp_path, train_x=np.zeros((10, 64, 64), np.uint8))
    monkeypatch.setenv("DL_PLAYGROUND_DATA", str(tmp_path))
    page = window.open_lesson("logistic-regression")
    qtbot.waitUntil(lambda: "c62828" in page.provenance.text(), timeout=20000)
    assert fragment in page.controls.status.text()
    assert "Traceback" not in page.controls.status.text()
    qtbot.mouseClick(button(page, "trainButton"), Qt.LeftButton)
    assert not page.running
    assert "not loaded" in page.controls.status.text()
    # the rest of the app still works
    other = open_page(qtbot, window, "planar-one-hidden-layer")
    assert other.dataset is not None


def test_own_image_that_is_not_an_image(qtbot, window, tmp_path):
    page = open_page(qtbot, window, "logistic-regression", num_iterations=50)
    qtbot.mouseClick(button(page, "trainButton"), Qt.LeftButton)
    qtbot.waitUntil(lambda: not page.running and page.last_result is not None, timeout=30000)
    bogus = tmp_path / "holiday.jpg"
    bogus.write_text("this is a text file, not a picture")
    page.own_image.classify(str(bogus))
    verdict = page.findChild(type(page.provenance), "ownImageVerdict")
    qtbot.waitUntil(lambda: "not an image" in verdict.text(), timeout=5000)
    picture = tmp_path / "cat.png"
    from PIL import Image
    Image.fromarray(page.dataset.X_test[0]).resize((200, 150)).save(picture)
    page.own_image.classify(str(picture))
    qtbot.waitUntil(lambda: "The model says" in verdict.text(), timeout=5000)
    assert "probability" in verdict.text()


def test_results_analysis_shows_misclassified_pictures(qtbot, window):
    page = open_page(qtbot, window, "logistic-regression", num_iterations=100)
    qtbot.mouseClick(button(page, "trainButton"), Qt.LeftButton)
    qtbot.waitUntil(lambda: not page.running and page.last_result is not None, timeout=30000)
    wrong = page.last_result["misclassified"]
    qtbot.waitUntil(lambda: len(page.misclassified.captions) == len(wrong), timeout=5000)
    test_acc = page.job.metrics["test_accuracy"]
    assert math.isclose(1 - len(wrong) / page.dataset.m_test, test_acc)


def test_click_adds_points_used_by_next_run(qtbot, window):
    page = open_page(qtbot, window, "planar-one-hidden-layer", num_iterations=10)
    qtbot.mouseClick(button(page, "trainButton"), Qt.LeftButton)  # draws the boundary
    qtbot.waitUntil(lambda: not page.running and page.boundary_plot.redraw_count > 0,
                    timeout=20000)
    click_plot(qtbot, page.boundary_plot, 0.5, 0.5, shift=True)
    click_plot(qtbot, page.boundary_plot, -0.5, 0.2)
    assert "2 points added" in page.findChild(type(page.provenance), "pointsNote").text()
    data = page.training_data()
    assert data.m_train == 402 and sorted(data.Y_train[0, -2:].tolist()) == [0, 1]
    added = data.X_train[:, -2:][:, np.argsort(data.Y_train[0, -2:])]
    assert added[:, 0] == pytest.approx([-0.5, 0.2], abs=0.1)  # class 0 point
    assert added[:, 1] == pytest.approx([0.5, 0.5], abs=0.1)   # class 1 point
    qtbot.mouseClick(button(page, "trainButton"), Qt.LeftButton)
    qtbot.waitUntil(lambda: not page.running, timeout=20000)
    assert page.job.dataset.m_train == 402
    # another dataset: the hand-made points belonged to the flower and are dropped
    page.settings_panel.findChild(QComboBox, "dataset").setCurrentText("noisy_moons")
    qtbot.waitUntil(lambda: page.dataset.name == "noisy_moons", timeout=20000)
    assert page.training_data().m_train == 200


def test_hidden_layer_sweep_fills_the_grid(qtbot, window, monkeypatch):
    import engine.lesson_runs.planar as planar
    monkeypatch.setattr(planar, "SWEEP_SIZES", (1, 4))
    page = open_page(qtbot, window, "planar-one-hidden-layer")
    qtbot.mouseClick(button(page, "sweepButton"), Qt.LeftButton)
    qtbot.waitUntil(lambda: not page.running and len(page.sweep_grid.tiles) == 3,
                    timeout=60000)


def test_held_out_points_show_test_accuracy(qtbot, window):
    page = open_page(qtbot, window, "planar-one-hidden-layer", num_iterations=200)
    page.settings_panel.set_values(replace_setting(page.settings_panel.values(),
                                                   "hold_out", 25))
    page._on_setting_changed("hold_out", 25)  # what the slider's signal does
    qtbot.waitUntil(lambda: page.dataset is not None and page.dataset.m_test == 100,
                    timeout=10000)
    assert page.boundary_plot.show_test.isEnabled()
    qtbot.mouseClick(button(page, "trainButton"), Qt.LeftButton)
    qtbot.waitUntil(lambda: not page.running and page.last_result is not None, timeout=20000)
    assert page.job.metrics["test_accuracy"] is not None
    assert "test accuracy" in page.controls.status.text()
    # the small logistic-regression tile follows the big plot's check boxes
    qtbot.mouseClick(page.boundary_plot.show_test, Qt.LeftButton)
    qtbot.mouseClick(page.boundary_plot.discretize, Qt.LeftButton)
    assert page.boundary_plot.show_test.isChecked()
    assert page.baseline_plot.show_test.isChecked() and page.baseline_plot.discretize.isChecked()
    assert not page.baseline_plot.show_test.isVisible()     # one pair of boxes for both
    assert not page.baseline_plot.legend.isVisible()        # the label above names it


def test_reset_to_defaults_resets_the_network_builder(qtbot, window):
    page = open_page(qtbot, window, "deep-step-by-step")
    qtbot.mouseClick(page.builder.findChild(QPushButton, "addLayer"), Qt.LeftButton)
    assert len(page.settings_panel.values().hidden_layers) == 3
    qtbot.mouseClick(page.settings_panel.findChild(QPushButton, "resetSettings"),
                     Qt.LeftButton)
    assert page.settings_panel.values().hidden_layers == ((8, "tanh"), (4, "relu"))
    assert page.builder.layers() == ((8, "tanh"), (4, "relu"))


def test_import_course_files_from_the_menu(qtbot, window, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QMessageBox
    shown = []
    monkeypatch.setattr(QMessageBox, "information",
                        lambda parent, title, text: shown.append(text))
    good = tmp_path / "pick"
    good.mkdir()
    _write_cats(good)
    (good / "test_signs.h5").write_bytes(b"garbage, not hdf5")
    window.import_from(str(good))
    qtbot.waitUntil(lambda: bool(shown), timeout=10000)
    text = shown[0]
    assert "Imported train_catvnoncat.h5" in text and "test_signs.h5" in text
    import os
    user = os.environ["DL_PLAYGROUND_USER_DIR"]
    assert os.path.exists(os.path.join(user, "datasets", "train_catvnoncat.h5"))
    assert not os.path.exists(os.path.join(user, "datasets", "test_signs.h5"))


def test_settings_of_the_last_run_come_back_after_a_restart(qtbot, tmp_path):
    first = MainWindow()
    qtbot.addWidget(first)
    page = open_page(qtbot, first, "planar-one-hidden-layer", num_iterations=30, n_h=7)
    qtbot.mouseClick(button(page, "trainButton"), Qt.LeftButton)
    qtbot.waitUntil(lambda: not page.running and page.last_result is not None, timeout=20000)
    first.close()
    second = MainWindow()
    qtbot.addWidget(second)
    again = open_page(qtbot, second, "planar-one-hidden-layer")
    assert (again.settings_panel.values().n_h,
            again.settings_panel.values().num_iterations) == (7, 30)
    second.close()


def test_unreadable_remembered_settings_fall_back_to_defaults(qtbot):
    from engine.user_data import last_settings_file
    path = last_settings_file("planar-one-hidden-layer")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{ this is not json")
    win = MainWindow()
    qtbot.addWidget(win)
    page = open_page(qtbot, win, "planar-one-hidden-layer")
    assert page.settings_panel.values().n_h == 4
    assert "could not be read" in page.controls.status.text()
    win.close()


def test_numpy_basics_page_from_the_navigator(qtbot, window):
    from PySide6.QtWidgets import QComboBox, QPlainTextEdit
    course = window.navigator.topLevelItem(0)
    window.navigator.setCurrentItem(course.child(0))
    page = window.stack.currentWidget()
    assert page.lesson.id == "numpy-basics"
    box = page.findChild(QLineEdit, "numpyInput")
    box.clear()
    qtbot.keyClicks(box, "0 3 4; 1 6 4")
    page.findChild(QComboBox, "numpyFunction").setCurrentText("normalizeRows")
    qtbot.mouseClick(page.findChild(QPushButton, "numpyRun"), Qt.LeftButton)
    result = page.findChild(QPlainTextEdit, "numpyResult").toPlainText()
    assert "0.6" in result and "0.82416338" in result


def test_opening_a_page_does_not_wait_for_its_equations(qtbot, window, tmp_path, monkeypatch):
    import playground.panels.lesson_text as lesson_text
    monkeypatch.setenv("DL_PLAYGROUND_MATH_CACHE", str(tmp_path / "math"))
    monkeypatch.setattr(lesson_text, "_memory", {})  # nothing drawn yet, as on a new machine
    page = window.open_lesson("deep-step-by-step")
    text = page.text
    assert text.pending_equations > 10, "a cold cache must not be drawn on the UI thread"
    assert text.render_seconds < 0.3
    assert "$$" not in text.document().toPlainText()
    qtbot.waitUntil(lambda: text.pending_equations == 0, timeout=30000)
    assert text.equation_count > 10 and not text.failed_equations
