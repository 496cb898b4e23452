"""The conv stepper page driven as a learner drives it: Step, spin boxes, Play, clicks."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QFileDialog, QPushButton, QWidget

from engine.numpy_nets.conv_steps import make_filter, random_volume
from engine.numpy_nets.convolution import conv_backward, conv_forward, pool_forward
from page_support import open_page
from playground.panels.conv_stepper import INPUTS, SPEEDS

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


def stepper_of(qtbot, window):
    page = open_page(qtbot, window, "cnn-step-by-step")
    panel = page.stepper
    assert page.tabs.currentWidget() is panel          # the stepper is the first tab
    return page, panel


def click(qtbot, panel, name):
    qtbot.mouseClick(panel.findChild(QPushButton, name), Qt.LeftButton)


def filled(grid) -> int:
    return int(np.count_nonzero(~np.isnan(grid.values)))


def click_cell(qtbot, grid, row, col):
    rect = grid._cell_rect(row, col)
    qtbot.mouseClick(grid, Qt.LeftButton, pos=QPoint(int(rect.center().x()),
                                                      int(rect.center().y())))


def test_steps_fill_the_output_cell_by_cell_and_equal_conv_forward(qtbot, window):
    page, panel = stepper_of(qtbot, window)
    assert panel.output_grid.values.shape == (5, 5, 1) and filled(panel.output_grid) == 0
    for k in range(1, 4):
        click(qtbot, panel, "convStepButton")
        assert filled(panel.output_grid) == k
    h, w = divmod(2, 5)
    assert panel.output_grid.current == (h, w)
    assert panel.input_grid.window == (h, h + 3, w, w + 3)   # vert_start.. of step 3
    assert "vert_start = 0" in panel.step_text.text() and "Step 3 of 25" in panel.step_text.text()
    click(qtbot, panel, "convBackButton")
    assert filled(panel.output_grid) == 2
    for _ in range(30):                    # more clicks than cells: it stops at the end
        click(qtbot, panel, "convStepButton")
    assert not panel.step_button.isEnabled()
    weights, bias = make_filter("vertical edge", 3)
    Z, _ = conv_forward(random_volume((5, 5, 1))[None], weights[:, :, :, None],
                        np.full((1, 1, 1, 1), bias), {"stride": 1, "pad": 1})
    np.testing.assert_array_equal(panel.output_grid.values, Z[0])
    click(qtbot, panel, "convResetButton")
    assert filled(panel.output_grid) == 0


def test_stride_and_pad_update_the_shape_formula(qtbot, window):
    _, panel = stepper_of(qtbot, window)
    assert "n_H = ⌊(5 − 3 + 2·1)/1⌋ + 1 = 5" in panel.formula.text()
    panel.stride_spin.setValue(2)
    qtbot.waitUntil(lambda: "n_H = ⌊(5 − 3 + 2·1)/2⌋ + 1 = 3" in panel.formula.text())
    panel.pad_spin.clear()
    qtbot.keyClicks(panel.pad_spin, "0")
    qtbot.waitUntil(lambda: "n_H = ⌊(5 − 3 + 2·0)/2⌋ + 1 = 2" in panel.formula.text())
    assert panel.output_grid.values.shape == (2, 2, 1)
    assert panel.input_grid.values.shape == (5, 5, 1)        # no padding any more
    click(qtbot, panel, "convEndButton")
    weights, _ = make_filter("vertical edge", 3)
    Z, _ = conv_forward(random_volume((5, 5, 1))[None], weights[:, :, :, None],
                        np.zeros((1, 1, 1, 1)), {"stride": 2, "pad": 0})
    np.testing.assert_array_equal(panel.output_grid.values, Z[0])


def test_impossible_settings_show_a_message_then_recover(qtbot, window):
    _, panel = stepper_of(qtbot, window)
    panel.pad_spin.setValue(0)
    panel.f_spin.setValue(6)
    assert "larger than the 5x5 input" in panel.message.text()
    assert "larger than" in panel.formula.text()
    assert not panel.step_button.isEnabled() and not panel.play_button.isEnabled()
    panel.pad_spin.setValue(1)                  # 7x7 padded: a 6x6 filter fits twice
    assert "n_H = ⌊(5 − 6 + 2·1)/1⌋ + 1 = 2" in panel.formula.text()
    click(qtbot, panel, "convStepButton")
    assert filled(panel.output_grid) == 1


def test_max_pooling_shows_the_mask_and_matches_pool_forward(qtbot, window):
    _, panel = stepper_of(qtbot, window)
    panel.mode_box.setCurrentIndex(1)                 # max pooling
    panel.f_spin.setValue(2)
    panel.stride_spin.setValue(2)
    assert not panel.pad_spin.isEnabled()
    assert "n_H = ⌊(5 − 2)/2⌋ + 1 = 2" in panel.formula.text()
    click(qtbot, panel, "convStepButton")
    volume = random_volume((5, 5, 1))
    window_values = volume[0:2, 0:2, 0]
    marked = panel.input_grid.marked[:, :, 0]
    assert marked.sum() == np.sum(window_values == window_values.max())
    assert volume[:, :, 0][marked].max() == window_values.max()
    assert "mask" in panel.step_text.text()
    click(qtbot, panel, "convEndButton")
    A, _ = pool_forward(volume[None], {"f": 2, "stride": 2}, mode="max")
    np.testing.assert_array_equal(panel.output_grid.values, A[0])


def test_play_advances_with_the_timer(qtbot, window):
    _, panel = stepper_of(qtbot, window)
    panel.speed.setValue(len(SPEEDS) - 1)
    click(qtbot, panel, "convPlayButton")
    assert panel.play_button.text() == "Pause"
    qtbot.waitUntil(lambda: panel.k >= 3, timeout=5000)
    qtbot.waitUntil(lambda: panel.k == panel.total - 1, timeout=10000)
    assert panel.play_button.text() == "Play" and filled(panel.output_grid) == 25
    # slow speed: Play, then Pause stops it part-way
    panel.speed.setValue(3)
    click(qtbot, panel, "convPlayButton")              # from the end it starts over
    qtbot.waitUntil(lambda: panel.k >= 0, timeout=5000)
    click(qtbot, panel, "convPlayButton")
    stopped = panel.k
    qtbot.wait(400)
    assert panel.k == stopped < panel.total - 1


def test_backward_view_shows_where_the_gradient_goes(qtbot, window):
    _, panel = stepper_of(qtbot, window)
    click_cell(qtbot, panel.output_grid, 1, 3)          # forward: run up to that cell
    assert panel.k == 8 and filled(panel.output_grid) == 9
    qtbot.mouseClick(panel.backward_box, Qt.LeftButton)
    click_cell(qtbot, panel.output_grid, 1, 3)
    assert panel.back_cell == (1, 3)
    weights, _ = make_filter("vertical edge", 3)
    d_input = panel.input_grid.values[:, :, 0]
    np.testing.assert_array_equal(d_input[1:4, 3:6], weights[:, :, 0])
    assert np.count_nonzero(d_input) == np.count_nonzero(weights)
    padded = np.pad(random_volume((5, 5, 1))[:, :, 0], 1)
    np.testing.assert_array_equal(panel.filter_grid.values[:, :, 0], padded[1:4, 3:6])
    assert "Backward" in panel.step_text.text()
    panel.mode_box.setCurrentIndex(2)                # average pooling
    panel.f_spin.setValue(2)
    panel.stride_spin.setValue(2)
    click_cell(qtbot, panel.output_grid, 0, 1)
    share = panel.input_grid.values[:, :, 0]
    np.testing.assert_allclose(share[0:2, 2:4], 0.25)
    assert share.sum() == pytest.approx(1.0)


def test_backward_loop_adds_up_to_conv_backward(qtbot, window):
    _, panel = stepper_of(qtbot, window)
    assert not panel.sum_box.isEnabled()
    qtbot.mouseClick(panel.backward_box, Qt.LeftButton)
    assert panel.sum_box.isEnabled()
    qtbot.mouseClick(panel.sum_box, Qt.LeftButton)
    for _ in range(2):
        click(qtbot, panel, "convStepButton")
    assert "2 of 25 cells" in panel.step_text.text()
    assert np.count_nonzero(panel.output_grid.values) == 2     # dZ = 1 on cells 0..1
    click_cell(qtbot, panel.output_grid, 4, 4)                   # run the loop to the end
    assert panel.k == 24 and "All cells done" in panel.step_text.text()
    weights, bias = make_filter("vertical edge", 3)
    volume = random_volume((5, 5, 1))
    _, cache = conv_forward(volume[None], weights[:, :, :, None],
                            np.full((1, 1, 1, 1), bias), {"stride": 1, "pad": 1})
    dA_prev, dW, _ = conv_backward(np.ones((1, 5, 5, 1)), cache)
    np.testing.assert_allclose(panel.input_grid.values[1:6, 1:6], dA_prev[0], atol=1e-12)
    np.testing.assert_allclose(panel.filter_grid.values, dW[:, :, :, 0], atol=1e-12)


def test_pictures_and_a_file_that_is_not_one(qtbot, window, tmp_path, monkeypatch):
    _, panel = stepper_of(qtbot, window)
    keys = [key for _, key in INPUTS]
    panel.input_box.setCurrentIndex(keys.index("hand"))
    qtbot.waitUntil(lambda: panel.volume.shape == (64, 64, 1), timeout=20000)
    assert panel.total == 4096 and "64x64" in panel.message.text()
    assert not panel.input_grid.numbers_visible()      # a picture: colours, not numbers
    click(qtbot, panel, "convEndButton")
    # the loop's output was checked against the vectorised conv_forward_fast
    assert "= conv_forward_fast (±" in panel.z_map.caption

    notes = tmp_path / "notes.txt"
    notes.write_text("this is not a picture")
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *args, **kwargs: (str(notes), "")))
    before = panel.volume.copy()
    panel.input_box.setCurrentIndex(keys.index("own"))
    qtbot.waitUntil(lambda: "notes.txt is not an image" in panel.message.text(),
                    timeout=10000)
    np.testing.assert_array_equal(panel.volume, before)      # nothing lost
    assert panel.input_box.currentIndex() == keys.index("hand")


def test_cat_picture_feature_map_and_relu_shown_large(qtbot, window):
    _, panel = stepper_of(qtbot, window)
    keys = [key for _, key in INPUTS]
    panel.input_box.setCurrentIndex(keys.index("cat"))
    qtbot.waitUntil(lambda: panel.input_key == "cat", timeout=30000)
    picture_view = panel.findChild(QWidget, "pictureMap")
    z_view = panel.findChild(QWidget, "featureMap")
    relu_view = panel.findChild(QWidget, "reluMap")
    # the picture at its new size, drawn large: bigger than the stepping grid's cells
    assert picture_view.values.shape == (64, 64, 1) and picture_view.scheme == "grey"
    np.testing.assert_array_equal(picture_view.values, panel.volume)
    assert picture_view.cell_pixels() >= panel.input_grid.cell_size()
    for _ in range(3):
        click(qtbot, panel, "convStepButton")
    assert np.count_nonzero(~np.isnan(z_view.values)) == 3     # Z fills in as we step
    assert "3 of 4096 cells" in z_view.caption
    click(qtbot, panel, "convEndButton")
    weights, bias = make_filter("vertical edge", 3)
    Z, _ = conv_forward(panel.volume[None], weights[:, :, :, None],
                        np.full((1, 1, 1, 1), bias), {"stride": 1, "pad": 1})
    np.testing.assert_array_equal(z_view.values, Z[0])          # the whole output
    np.testing.assert_array_equal(relu_view.values, np.maximum(0, Z[0]))
    assert relu_view.values.min() == 0 and Z.min() < 0 and relu_view.isVisibleTo(panel)
    # colour bars: Z diverges around 0, ReLU runs from 0 up
    assert z_view.scheme == "diverging" and z_view.low == -z_view.high < 0
    assert relu_view.scheme == "positive" and relu_view.low == 0
    assert z_view.title == "Feature map Z" and "max(0, Z)" in relu_view.title
    assert "all 4096 cells" in z_view.caption
    # pooling: the pooled output takes Z's place and there is no ReLU view
    panel.mode_box.setCurrentIndex(1)
    panel.f_spin.setValue(2)
    panel.stride_spin.setValue(2)
    click(qtbot, panel, "convEndButton")
    A, _ = pool_forward(panel.volume[None], {"f": 2, "stride": 2}, mode="max")
    np.testing.assert_array_equal(z_view.values, A[0])
    assert z_view.title.startswith("Pooled output A") and "No ReLU" in z_view.caption
    assert not relu_view.isVisibleTo(panel)


def test_training_draws_the_learned_filters_and_course_checks(qtbot, window):
    page = open_page(qtbot, window, "cnn-step-by-step", num_epochs=1, filters=3,
                     filter_size=3, picture_size="16", minibatch_size="256")
    qtbot.waitUntil(lambda: "x_pad.shape = (4, 7, 7, 2)" in page.checks.text(),
                    timeout=20000)
    assert "[ 0.90085595 -0.68372786]" in page.checks.text()
    assert "mask = [[ True False False]" in page.checks.text()
    qtbot.mouseClick(page.findChild(QPushButton, "trainButton"), Qt.LeftButton)
    qtbot.waitUntil(lambda: not page.running and page.last_result is not None,
                    timeout=120000)
    assert page.filter_tiles.tile_count() == 3
    assert page.filter_tiles.filters.shape == (3, 3, 3, 3)
    assert "learned" in page.filter_tiles.note
