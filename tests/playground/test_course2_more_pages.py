"""The gradient-checking and optimization pages driven as a user drives them."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QLineEdit, QPushButton, QSpinBox

from page_support import open_page
from playground.panels.comparison import ComparisonView
from playground.panels.gradient_errors import GREEN, RED

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


def type_value(qtbot, page, name, text) -> None:
    """Type an exact value into a setting's box and press Enter, as a user does."""
    box = page.settings_panel.findChild(QLineEdit, f"{name}_value")
    box.clear()
    qtbot.keyClicks(box, text)
    qtbot.keyClick(box, Qt.Key_Return)


# --- gradient checking ---

def test_bug_toggles_flip_the_verdict(qtbot, window):
    page = open_page(qtbot, window, "gradient-checking")
    view = page.errors
    qtbot.waitUntil(lambda: view.draw_count >= 1, timeout=10000)
    # the course's hand-out: both bugs planted, red, and the two blocks named
    assert view.verdict_color == RED
    assert "0.2850931568" in view.verdict.text() and "b1, W2" in view.verdict.text()
    assert view.block_colors()["W2"] == RED and view.block_colors()["b1"] == RED
    assert "The gradient is correct!" in page.one_d.text()

    dW2 = page.settings_panel.findChild(QCheckBox, "plant_dW2_bug")
    db1 = page.settings_panel.findChild(QCheckBox, "plant_db1_bug")
    drawn = view.draw_count
    qtbot.mouseClick(dW2, Qt.LeftButton)
    qtbot.waitUntil(lambda: view.draw_count > drawn, timeout=10000)
    qtbot.waitUntil(lambda: view.block_colors().get("W2") != RED, timeout=10000)
    assert view.verdict_color == RED and view.block_colors()["b1"] == RED

    qtbot.mouseClick(db1, Qt.LeftButton)
    qtbot.waitUntil(lambda: view.verdict_color == GREEN, timeout=10000)
    assert "works perfectly fine" in view.verdict.text()
    assert all(c != RED for c in view.block_colors().values())
    assert view.report["planted_bugs"] == []

    qtbot.mouseClick(dW2, Qt.LeftButton)       # plant one again: red again
    qtbot.waitUntil(lambda: view.verdict_color == RED, timeout=10000)
    assert view.block_colors()["W2"] == RED and view.block_colors()["b1"] != RED


def test_one_d_inputs_and_train_button(qtbot, window):
    page = open_page(qtbot, window, "gradient-checking")
    qtbot.waitUntil(lambda: page.errors.draw_count >= 1, timeout=10000)
    type_value(qtbot, page, "x", "0")
    qtbot.waitUntil(lambda: "0/0" in page.one_d.text(), timeout=10000)
    type_value(qtbot, page, "x", "3")
    qtbot.waitUntil(lambda: "x = 3" in page.one_d.text(), timeout=10000)
    # the check runs by itself: the one run button says so, and nothing to pause is shown
    button = page.findChild(QPushButton, "trainButton")
    assert button.text() == "Check again" and button.isVisibleTo(page)
    assert not page.controls.progress.isVisibleTo(page)
    assert not page.findChild(QPushButton, "pauseButton").isVisibleTo(page)
    qtbot.mouseClick(button, Qt.LeftButton)
    qtbot.waitUntil(lambda: not page.running and page.last_result is not None, timeout=10000)
    assert page.last_result["one_d"]["grad"] == 3.0
    assert page.errors.verdict_color == RED


# --- optimization ---

def test_optimization_page_trains_three_curves_and_boundaries(qtbot, window):
    page = open_page(qtbot, window, "optimization", num_epochs=40)
    view = page.findChild(ComparisonView, "comparisonView")
    assert page.tabs.currentWidget() is view
    qtbot.mouseClick(page.findChild(QPushButton, "trainButton"), Qt.LeftButton)
    qtbot.waitUntil(lambda: view.update_count >= 1, timeout=20000)
    qtbot.waitUntil(lambda: not page.running, timeout=60000)
    qtbot.waitUntil(lambda: "Finished" in page.controls.status.text(), timeout=5000)
    for name in ("gd", "momentum", "adam"):
        assert view.curve_length(name) == 40, name
        assert view.boundaries[name].redraw_count >= 1, name
        assert view.caption_text(name).startswith("train ")
    assert [v["name"] for v in page.last_result["variants"]] == ["gd", "momentum", "adam"]


def test_mini_batch_view_follows_size_and_epoch(qtbot, window):
    page = open_page(qtbot, window, "optimization")
    view = page.mini_batches
    qtbot.waitUntil(lambda: view.view is not None, timeout=10000)
    assert view.view["sizes"] == [64, 64, 64, 64, 44] and view.view["seed"] == 11
    page.settings_panel.findChild(QComboBox, "mini_batch_size").setCurrentText("128")
    qtbot.waitUntil(lambda: view.view["mini_batch_size"] == 128, timeout=10000)
    assert view.view["sizes"] == [128, 128, 44]
    assert "128, 128, 44" in view.summary.text()
    first = view.view["permutation"].copy()
    view.findChild(QSpinBox, "miniBatchEpoch").setValue(5)
    qtbot.waitUntil(lambda: view.view["seed"] == 16, timeout=10000)
    assert (view.view["permutation"] != first).any()


def test_loss_surface_animation_advances_and_follows_the_sliders(qtbot, window):
    page = open_page(qtbot, window, "optimization")
    surface = page.surface
    page.tabs.setCurrentWidget(surface)
    qtbot.waitUntil(lambda: surface.paths is not None, timeout=10000)
    qtbot.waitUntil(lambda: surface.frame >= 10, timeout=10000)
    assert surface.timer.isActive() or surface.frame == surface.frames - 1
    x, _ = surface.trails["adam"].getData()
    assert len(x) == surface.frame + 1
    qtbot.mouseClick(surface.play_button, Qt.LeftButton)          # pause
    frozen = surface.frame
    qtbot.wait(200)
    assert surface.frame == frozen
    # a larger learning rate: plain gradient descent leaves the ravine
    old = surface.paths
    type_value(qtbot, page, "learning_rate", "0.003")
    qtbot.waitUntil(lambda: surface.paths is not old, timeout=10000)
    assert surface.paths["learning_rate"] == pytest.approx(0.003)
    assert surface.paths["paths"]["gd"]["diverged"] is not None
    assert surface.frame < 5 or surface.timer.isActive()            # replays from the start
    qtbot.waitUntil(lambda: "diverged" in surface.status.text(), timeout=10000)
