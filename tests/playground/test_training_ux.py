"""Watching training (issue 12, points 1-5): speed and Animate, a Step that shows its
step, Stop that says what it does, Reset to "not started", the time left. Offscreen
Qt; every action is a click or a key on the real widget."""
from __future__ import annotations

import re
import time

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QPushButton, QSlider

from engine.settings import replace_setting
from page_support import click_plot, open_page
from playground.panels import controls as controls_module
from playground.panels.controls import FULL_SPEED, SPEEDS, RunControls, format_duration


def button(page, name) -> QPushButton:
    return page.findChild(QPushButton, name)


def click(qtbot, widget) -> None:
    qtbot.mouseClick(widget, Qt.LeftButton)


def click_box(qtbot, box: QCheckBox) -> None:
    # on the indicator: a click elsewhere in a grid row can miss it
    qtbot.mouseClick(box, Qt.LeftButton, pos=box.rect().topLeft() + box.rect().center() / 4)


# --- 1. speed ------------------------------------------------------------------------

def test_animate_paces_a_quick_run_and_the_slider_sets_the_speed_live(qtbot, window,
                                                                        monkeypatch):
    monkeypatch.setattr(controls_module, "ANIMATE_SECONDS", 1.5)
    page = open_page(qtbot, window, "planar-one-hidden-layer", num_iterations=150)
    animate = page.findChild(QCheckBox, "animateBox")
    slider = page.findChild(QSlider, "speedSlider")
    assert not animate.isChecked() and slider.value() == FULL_SPEED   # the tests' default
    click_box(qtbot, animate)
    assert animate.isChecked() and "Animated" in page.controls.speed_label.text()
    t0 = time.perf_counter()
    click(qtbot, button(page, "trainButton"))
    assert page.job.control.pace == pytest.approx(1.5 / 150)
    qtbot.waitUntil(lambda: not page.running, timeout=60000)
    assert time.perf_counter() - t0 >= 1.5 * 0.9, "150 animated iterations last ~1.5 s"
    qtbot.waitUntil(lambda: "Finished" in page.controls.status.text(), timeout=5000)

    # by hand: Home is one iteration a second, live, and it turns Animate off
    page.settings_panel.set_values(replace_setting(page.settings_panel.values(),
                                                   "num_iterations", 50000))
    click(qtbot, button(page, "trainButton"))
    slider.setFocus()
    qtbot.keyClick(slider, Qt.Key_Home)
    assert slider.value() == 0 and not animate.isChecked()
    assert page.job.control.pace == pytest.approx(1.0 / SPEEDS[0])
    assert "1 iteration a second" in page.controls.speed_label.text()
    qtbot.wait(300)
    before = len(page.job.reporter.curve)
    qtbot.wait(1200)
    assert len(page.job.reporter.curve) - before <= 3, "about one iteration a second"
    qtbot.keyClick(slider, Qt.Key_End)
    assert page.job.control.pace == 0 and page.controls.speed_label.text() == "Full speed."
    qtbot.waitUntil(lambda: len(page.job.reporter.curve) > before + 200, timeout=20000)
    click(qtbot, button(page, "stopButton"))
    qtbot.waitUntil(lambda: not page.running, timeout=20000)


# --- 2. a Step shows its step ------------------------------------------------------

def _shown_iteration(page) -> int | None:
    match = re.search(r"Paused at iteration ([\d,]+) of", page.controls.status.text())
    return int(match.group(1).replace(",", "")) if match else None


def test_each_step_moves_bar_status_curve_and_boundary_together(qtbot, window):
    page = open_page(qtbot, window, "planar-one-hidden-layer", num_iterations=50000)
    click(qtbot, button(page, "trainButton"))
    qtbot.waitUntil(lambda: page.boundary_plot.redraw_count >= 2, timeout=20000)
    click(qtbot, button(page, "pauseButton"))
    qtbot.waitUntil(lambda: _shown_iteration(page) is not None, timeout=5000)
    for _ in range(6):
        position = page.job.reporter.curve[-1][0] + 1
        qtbot.waitUntil(lambda: _shown_iteration(page) == position, timeout=5000)
        assert page.controls.progress.value() == position
        redraws, points = page.boundary_plot.redraw_count, page.cost_plot.point_count()
        click(qtbot, button(page, "stepButton"))
        qtbot.waitUntil(lambda: _shown_iteration(page) == position + 1, timeout=5000)
        assert page.controls.progress.value() == position + 1
        assert page.controls.state == "paused" and len(page.job.reporter.curve) == position + 1
        qtbot.waitUntil(lambda: page.boundary_plot.redraw_count > redraws, timeout=5000)
        qtbot.waitUntil(lambda: page.cost_plot.point_count() == position + 1, timeout=5000)
        assert page.cost_plot.point_count() > points
    click(qtbot, button(page, "stopButton"))
    qtbot.waitUntil(lambda: not page.running, timeout=20000)


# --- 3. Stop says what it is doing ---------------------------------------------------

def test_stop_says_it_is_evaluating_with_every_button_disabled(qtbot, window, monkeypatch):
    from engine.lesson_runs import planar
    page = open_page(qtbot, window, "planar-one-hidden-layer", num_iterations=50000)
    real_accuracy = planar.accuracy
    slow = []

    def slow_accuracy(*args):   # the final evaluation of a big model takes seconds
        if page.job is not None and page.job.control.stop_requested:
            slow.append(1)
            time.sleep(0.4)
        return real_accuracy(*args)

    monkeypatch.setattr(planar, "accuracy", slow_accuracy)
    click(qtbot, button(page, "trainButton"))
    qtbot.waitUntil(lambda: page.cost_plot.point_count() > 3, timeout=20000)
    click(qtbot, button(page, "pauseButton"))
    click(qtbot, button(page, "stopButton"))
    assert page.controls.status.text() == "Stopping — evaluating the model…"
    names = ("trainButton", "pauseButton", "stopButton", "stepButton", "resetButton")
    assert not any(button(page, name).isEnabled() for name in names)
    assert page.controls.progress.maximum() == 0, "a busy bar while it evaluates"
    qtbot.waitUntil(lambda: not page.running, timeout=30000)
    qtbot.waitUntil(lambda: page.controls.status.text().startswith("Stopped"), timeout=5000)
    assert slow, "the stopped run did evaluate its model"
    assert button(page, "trainButton").isEnabled() and button(page, "resetButton").isEnabled()
    assert page.controls.progress.maximum() == 50000


# --- 5. time left --------------------------------------------------------------------

def test_time_left_in_the_bar_on_a_long_run_and_none_on_a_short_one(qtbot):
    controls = RunControls()
    qtbot.addWidget(controls)
    controls.show()
    clock = [100.0]
    real = time.perf_counter
    try:
        controls_module.time.perf_counter = lambda: clock[0]
        click(qtbot, controls.train_button)
        clock[0] += 4.0
        controls.set_progress(10, 100)      # 10% in 4 s: 36 s left
        assert controls.time_left == "about 36 s left"
        assert controls.progress.format() == "10 / 100 — about 36 s left"
        clock[0] += 1.0
        click(qtbot, controls.pause_button)
        assert controls.time_left == "paused"
        assert controls.progress.format() == "10 / 100 — paused"
        clock[0] += 60.0                    # paused time does not count
        click(qtbot, controls.pause_button)
        clock[0] += 5.0
        controls.set_progress(25, 100, fraction=0.25)   # 10 s running for 25%: 30 s left
        assert controls.time_left == "about 30 s left"
        controls.set_state("finished")
        assert controls.time_left == ""
        click(qtbot, controls.train_button)   # a quick run (5 s in all): no estimate
        clock[0] += 2.5
        controls.set_progress(50, 100)
        assert controls.time_left == ""
    finally:
        controls_module.time.perf_counter = real
    assert format_duration(80) == "1 min 20 s" and format_duration(7300) == "2 h 01 min"


def test_deep_cat_shows_the_time_left_while_it_trains(qtbot, window, monkeypatch):
    monkeypatch.setattr(controls_module, "ESTIMATE_AFTER_S", 0.5)
    monkeypatch.setattr(controls_module, "ESTIMATE_ABOVE_S", 1.0)
    page = open_page(qtbot, window, "deep-cat-classifier", num_iterations=3000)
    click(qtbot, button(page, "trainButton"))
    qtbot.waitUntil(lambda: page.controls.progress.format().endswith(" left"),
                    timeout=30000)
    assert page.controls.progress.isVisible() and page.controls.time_left.startswith("about")
    click(qtbot, button(page, "stopButton"))
    qtbot.waitUntil(lambda: not page.running, timeout=30000)
    assert page.controls.time_left == ""


# --- 4. Reset means "not started" ------------------------------------------------

def test_reset_clears_curves_boundary_units_and_status_on_planar(qtbot, window):
    page = open_page(qtbot, window, "planar-one-hidden-layer", num_iterations=200)
    click(qtbot, button(page, "trainButton"))
    qtbot.waitUntil(lambda: not page.running, timeout=30000)
    qtbot.waitUntil(lambda: "Finished" in page.controls.status.text(), timeout=5000)
    assert page.cost_plot.point_count() == 200 and page.boundary_plot.image.image is not None
    assert len(page.hidden_view.hidden) == 4
    click(qtbot, button(page, "resetButton"))
    assert page.cost_plot.point_count() == 0
    assert page.boundary_plot.image.image is None, "the old boundary goes"
    assert len(page.hidden_view.hidden) == 0 and page.last_result is None
    assert page.controls.progress.format() == "not started"
    assert page.controls.progress.value() == 0
    assert page.controls.status.text() == "Not started. Press Train."
    assert page.controls.time_left == ""
    assert button(page, "trainButton").isEnabled()


def test_added_points_can_be_undone_and_cleared(qtbot, window):
    page = open_page(qtbot, window, "planar-one-hidden-layer", num_iterations=10)
    click(qtbot, button(page, "trainButton"))   # draws the boundary, frames the plot
    qtbot.waitUntil(lambda: not page.running and page.boundary_plot.redraw_count > 0,
                    timeout=20000)
    undo, clear = button(page, "undoPointButton"), button(page, "clearPointsButton")
    assert not undo.isVisible() and not clear.isVisible()
    plot = page.boundary_plot
    click_plot(qtbot, plot, 0.5, 0.5, shift=True)
    click_plot(qtbot, plot, -0.5, 0.2)
    click_plot(qtbot, plot, 1.0, -1.0)
    assert page.training_data().m_train == 403 and undo.isVisible()
    click(qtbot, undo)
    assert page.training_data().m_train == 402
    assert "2 points added" in page.points_note.text()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)
    plot.plot_widget.setFocus()
    qtbot.keyClick(plot.plot_widget, Qt.Key_Z, Qt.KeyboardModifier.ControlModifier)
    points = plot.user_points()
    assert not points[0][0] and len(points[1][0]) == 1, "Ctrl+Z took back the last one"
    click_plot(qtbot, plot, -0.5, 0.2)
    click(qtbot, clear)
    assert page.training_data().m_train == 400 and page.points_note.text() == ""
    assert not clear.isVisible()
    click(qtbot, button(page, "resetButton"))   # reset keeps the data as it is
    assert page.training_data().m_train == 400


def test_reset_clears_the_mistakes_on_an_image_page(qtbot, window):
    page = open_page(qtbot, window, "logistic-regression", num_iterations=50)
    click(qtbot, button(page, "trainButton"))
    qtbot.waitUntil(lambda: not page.running and page.last_result is not None, timeout=30000)
    qtbot.waitUntil(lambda: len(page.misclassified.captions) > 0, timeout=5000)
    click(qtbot, button(page, "resetButton"))
    assert len(page.misclassified.captions) == 0 and page.cost_plot.point_count() == 0
    assert page.controls.progress.format() == "not started"


# --- 11. a stand-in run's headline is its real-photo score ------------------------

COURSE_DATA = __import__("course_paths").course_folder()   # DL_PLAYGROUND_DATA or ../shared


@pytest.mark.skipif(not (COURSE_DATA / "test_signs.h5").is_file(),
                    reason="needs the course's test_signs.h5 (the real SIGNS test photos)")
def test_signs_stand_in_run_headlines_the_real_photo_score(qtbot, window, monkeypatch):
    monkeypatch.setenv("DL_PLAYGROUND_DATA", str(COURSE_DATA))
    page = window.open_lesson("tensorflow-signs")
    qtbot.waitUntil(lambda: page.tensorflow_ready and page.dataset is not None,
                    timeout=120000)
    assert page.dataset.is_standin
    assert "stand-in" in page.cost_plot.plot.titleLabel.text
    assert "stand-in" in page.accuracy_plot.plot.titleLabel.text
    values = page.settings_panel.values()
    for name, value in (("epochs", 2), ("minibatch_size", "128")):
        values = replace_setting(values, name, value)
    page.settings_panel.set_values(values)
    assert page.real_accuracy.isHidden()
    click(qtbot, button(page, "trainButton"))
    qtbot.waitUntil(lambda: not page.running and page.last_result is not None, timeout=120000)
    qtbot.waitUntil(lambda: not page.real_accuracy.isHidden(), timeout=5000)
    text = page.real_accuracy.text()
    real = page.job.metrics["real_test_accuracy"]
    assert "Real photos (test_signs.h5)" in text and f"{100 * real:.1f}%" in text
    assert "stand-in test pictures" in text and "commonest class" in text
    assert "random guess among 6 classes 17%" in text
    page.tabs.setCurrentWidget(page.runs_panel)
    qtbot.waitUntil(lambda: page.runs_panel.model.rowCount() == 1, timeout=10000)
    assert page.runs_panel.cell(0, "Result").startswith("stand-in data")
    click(qtbot, button(page, "resetButton"))
    assert page.real_accuracy.isHidden()


# --- smaller faults: ResNet50's page -------------------------------------------------

def test_resnet_layer_table_error_reaches_the_page_and_accuracies_are_explained(
        qtbot, window, monkeypatch):
    from playground.lessons import resnet_page

    def broken_build():   # what the race did on a worker thread
        raise ValueError("Only input tensors may be passed as positional arguments.")

    monkeypatch.setattr(resnet_page, "summary_of_resnet50", broken_build)
    page = window.open_lesson("resnet50")
    qtbot.waitUntil(lambda: page.tensorflow_ready and page.dataset is not None,
                    timeout=120000)
    qtbot.waitUntil(lambda: "Only input tensors" in page.summary_table.totals_label.text(),
                    timeout=30000)
    assert "Building" not in page.summary_table.totals_label.text()
    # the live (training-mode) and final (inference-mode) train accuracies differ
    page._last_snapshot_accuracy = [(30, 0.38, None)]
    page.explain_train_accuracy({"train_accuracy": 1 / 6})
    note = page.accuracy_note.text()
    assert not page.accuracy_note.isHidden()
    assert "38.0%" in note and "16.7%" in note and "BatchNorm" in note
    assert "inference mode" in note and "moving" in note
    click(qtbot, button(page, "resetButton"))
    assert page.accuracy_note.isHidden()


def _paused_batch(page) -> tuple[int, int] | None:
    match = re.search(r"Paused at epoch ([\d,]+) of [\d,]+, batch (\d+) of \d+",
                      page.controls.status.text())
    return (int(match.group(1)), int(match.group(2))) if match else None


def test_a_step_on_a_batched_lesson_moves_the_batch_and_the_bar(qtbot, window):
    """Mini-batch lessons (the ConvNet here, the Keras lessons alike) step one batch:
    the status names the epoch and batch the run is really at, the bar follows."""
    page = window.open_lesson("cnn-step-by-step")
    qtbot.waitUntil(lambda: page.dataset is not None, timeout=120000)
    values = page.settings_panel.values()
    for name, value in (("num_epochs", 3), ("minibatch_size", "16"), ("picture_size", "16")):
        values = replace_setting(values, name, value)
    page.settings_panel.set_values(values)
    click(qtbot, button(page, "trainButton"))
    qtbot.waitUntil(lambda: "batch" in page.controls.status.text(), timeout=60000)
    click(qtbot, button(page, "pauseButton"))
    qtbot.waitUntil(lambda: _paused_batch(page) is not None, timeout=20000)
    for _ in range(3):
        epoch, batch = _paused_batch(page)
        batches = page._batches
        click(qtbot, button(page, "stepButton"))
        after = (epoch, batch + 1) if batch < batches else (epoch + 1, 1)
        qtbot.waitUntil(lambda: _paused_batch(page) == after, timeout=20000)
        assert page.controls.state == "paused"
        assert page.controls.progress.value() == after[0]   # the bar counts epochs
    click(qtbot, button(page, "stopButton"))
    qtbot.waitUntil(lambda: not page.running, timeout=60000)
