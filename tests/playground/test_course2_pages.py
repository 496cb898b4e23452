"""The initialization and regularization pages driven as a user drives them: train
the three variants together, watch three curves and boundaries, move the sliders."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QPushButton, QSlider

from page_support import open_page
from playground.panels.comparison import ComparisonView

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


def train(qtbot, page) -> None:
    qtbot.mouseClick(page.findChild(QPushButton, "trainButton"), Qt.LeftButton)


@pytest.mark.parametrize("lesson_id, names", [
    ("initialization", ["zeros", "random", "he"]),
    ("regularization", ["none", "l2", "dropout"]),
])
def test_comparison_run_draws_three_curves_and_boundaries(qtbot, window, lesson_id, names):
    page = open_page(qtbot, window, lesson_id, num_iterations=400)
    view = page.findChild(ComparisonView, "comparisonView")
    assert view is not None and page.tabs.currentWidget() is view
    assert all(view.caption_text(n) == "not trained yet" for n in names)
    train(qtbot, page)
    qtbot.waitUntil(lambda: view.update_count >= 1, timeout=20000)
    qtbot.waitUntil(lambda: not page.running, timeout=60000)
    qtbot.waitUntil(lambda: "Finished" in page.controls.status.text(), timeout=5000)
    for name in names:
        assert view.curve_length(name) >= 3, name
        assert view.boundaries[name].redraw_count >= 1, name
        assert "train" in view.caption_text(name) and "test" in view.caption_text(name)
    assert [v["name"] for v in page.last_result["variants"]] == names
    if lesson_id == "initialization":
        # The zero network predicts class 0 everywhere: half of the circles.
        assert view.caption_text("zeros").startswith("train 50.0%")
        assert not view.log_cost.isChecked()
        assert view.cost_plot.viewRange()[1] == pytest.approx([0, 1.2])
    else:
        assert page.dropout_view.update_count >= 1
        assert page.dropout_view.switched_off()[0] > 0


def test_lambd_and_keep_prob_sliders_change_the_next_run(qtbot, window):
    page = open_page(qtbot, window, "regularization", num_iterations=30)
    panel = page.settings_panel
    lambd = panel.findChild(QSlider, "lambd")
    keep = panel.findChild(QSlider, "keep_prob")
    lambd.setValue(lambd.maximum())       # as a drag would
    keep.setValue(keep.minimum())
    values = panel.values()
    assert values.lambd == 3.0 and values.keep_prob == 0.3
    train(qtbot, page)
    qtbot.waitUntil(lambda: not page.running and page.last_result is not None, timeout=30000)
    assert page.job.settings.lambd == 3.0 and page.job.settings.keep_prob == 0.3
    labels = [v["label"] for v in page.last_result["variants"]]
    assert labels[1] == "L2 (λ = 3)" and labels[2] == "Dropout (keep 0.3)"
    assert page.last_result["dropout"]["keep_prob"] == 0.3
    # With keep_prob 0.3 most units of the shown example are switched off.
    assert page.dropout_view.switched_off()[0] >= 6
    assert page.comparison.title_text("l2") == "L2 (λ = 3)"


def test_stop_pauses_all_three_together(qtbot, window):
    page = open_page(qtbot, window, "initialization", num_iterations=50000)
    train(qtbot, page)
    qtbot.waitUntil(lambda: page.comparison.update_count >= 2, timeout=20000)
    qtbot.mouseClick(page.findChild(QPushButton, "pauseButton"), Qt.LeftButton)
    qtbot.waitUntil(lambda: page.job.control.paused, timeout=2000)
    qtbot.wait(300)
    lengths = [page.comparison.curve_length(n) for n in ("zeros", "random", "he")]
    qtbot.mouseClick(page.findChild(QPushButton, "stopButton"), Qt.LeftButton)
    qtbot.waitUntil(lambda: not page.running, timeout=5000)
    qtbot.waitUntil(lambda: "Stopped" in page.controls.status.text(), timeout=5000)
    # Round-robin: the curves grew together (the random one lacks its inf start).
    assert abs(lengths[0] - lengths[2]) <= 1 and lengths[0] - lengths[1] <= 2
    assert page.last_result["variants"][2]["train_accuracy"] is not None


def test_unticking_every_variant_is_a_clear_message(qtbot, window):
    page = open_page(qtbot, window, "initialization", num_iterations=10)
    for name in ("train_zeros", "train_random", "train_he"):
        box = page.settings_panel.findChild(QCheckBox, name)
        box.setChecked(False)
    train(qtbot, page)
    qtbot.waitUntil(lambda: "at least one" in page.controls.status.text(), timeout=10000)
    assert not page.running


def test_comparison_view_shows_divergence_and_clears(qtbot):
    view = ComparisonView([("a", "A"), ("b", "B")])
    qtbot.addWidget(view)
    xs = np.linspace(-1, 1, 4)
    view.set_points(np.zeros((2, 3)), np.array([[0, 1, 0]]))
    view.set_view((-1, 1), (-1, 1))
    view.update_variants([
        {"name": "a", "label": "A", "curve": [(0, 1.0), (1, 0.5)], "train_accuracy": 0.75,
         "test_accuracy": None, "status": "done", "message": "",
         "boundary": {"x": xs, "y": xs, "probability": np.full((4, 4), 0.3)}},
        {"name": "b", "label": "B", "curve": [(0, 1.0)], "train_accuracy": None,
         "test_accuracy": None, "status": "diverged", "boundary": None,
         "message": "the cost became NaN at iteration 1"}])
    assert view.caption_text("a") == "train 75.0%"
    assert view.caption_text("b").startswith("diverged: the cost became NaN")
    assert view.curve_length("a") == 2 and view.boundaries["a"].redraw_count == 1
    view.clear()
    assert view.curve_length("a") == 0 and view.caption_text("b") == "not trained yet"
