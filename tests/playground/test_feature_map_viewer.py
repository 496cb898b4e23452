"""The feature-map viewer: on its own with a tiny conv model, and on the Keras pages
(the tensorflow-signs page, with a short run)."""
from __future__ import annotations

import threading

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import Qt

from engine.keras_models import feature_maps as fm
from engine.settings import replace_setting
from playground.panels.feature_maps import NO_MODEL, FeatureMapViewer


@pytest.fixture(scope="module")
def conv_model():
    """64x64x3 -> Conv2D(6) -> ReLU -> MaxPool -> Conv2D(3) -> Flatten -> Dense(4)."""
    from engine.keras_models.job_callback import load_tensorflow
    _, keras = load_tensorflow()
    inputs = keras.Input((64, 64, 3))
    x = keras.layers.Conv2D(6, 3, padding="same", name="conv_a",
                            kernel_initializer=keras.initializers.GlorotUniform(seed=1))(inputs)
    x = keras.layers.ReLU(name="relu_a")(x)
    x = keras.layers.MaxPooling2D(8, name="pool_a")(x)
    x = keras.layers.Conv2D(3, 2, name="conv_b",
                            kernel_initializer=keras.initializers.GlorotUniform(seed=2))(x)
    x = keras.layers.Flatten(name="flat")(x)
    outputs = keras.layers.Dense(4, name="logits")(x)
    return keras.Model(inputs, outputs)


@pytest.fixture
def pictures():
    return np.random.default_rng(1).integers(0, 256, (5, 64, 64, 3), dtype=np.uint8)


def show_viewer(qtbot):
    viewer = FeatureMapViewer()
    qtbot.addWidget(viewer)
    viewer.resize(900, 700)
    viewer.show()
    qtbot.waitExposed(viewer)
    return viewer


def choose_layer(qtbot, viewer, name):
    viewer.layer_combo.setCurrentIndex(viewer.layer_combo.findData(name))
    qtbot.waitUntil(lambda: viewer.grid is not None and viewer.grid["layer"] == name
                    and not viewer.maps_queue.busy, timeout=30000)
    return viewer.grid


def test_viewer_draws_one_tile_per_channel_and_names_it(qtbot, conv_model, pictures):
    viewer = show_viewer(qtbot)
    assert viewer.status.text() == NO_MODEL and not viewer.layer_combo.isEnabled()
    viewer.set_model(conv_model, pictures, np.array([[0, 1, 2, 3, 1]]), list("abcd"))
    qtbot.waitUntil(lambda: viewer.grid is not None, timeout=30000)
    combo = viewer.layer_combo
    assert [combo.itemData(i) for i in range(combo.count())] == \
        ["conv_a", "relu_a", "pool_a", "conv_b", "flat", "logits"]
    assert combo.itemText(0) == "conv_a · Conv2D · 64×64×6"
    assert combo.currentData() == "conv_a"                 # the first convolution first
    assert viewer.grid["tiles"] == 6 and viewer.maps.layout_info["tiles"] == 6
    assert "6 feature maps of 64×64" in viewer.status.text()
    assert "class a" in viewer.picture_caption.text()

    # the drawn grid is the engine's for this picture
    expected = fm.activation_grid(fm.activations(conv_model, "conv_a", pictures[0]))
    np.testing.assert_allclose(viewer.grid["image"], expected["image"], rtol=1e-5)
    assert viewer.filter_grid["tiles"] == 6
    assert viewer.filters.layout_info["tile_shape"] == (3, 3)
    assert "6 filters of 3×3×3" in viewer.filters_caption.text()

    grid = choose_layer(qtbot, viewer, "conv_b")
    assert grid["tiles"] == 3 and grid["tile_shape"] == (7, 7)
    grid = choose_layer(qtbot, viewer, "logits")
    assert grid["tiles"] == 4 and grid["activation_shape"] == (4,)
    grid = choose_layer(qtbot, viewer, "pool_a")
    assert grid["tiles"] == 6

    # hovering a tile names its channel; clicking keeps it named
    centre = viewer.maps.tile_rect(4).center().toPoint()
    qtbot.mouseMove(viewer.maps, centre)
    qtbot.waitUntil(lambda: viewer.tile_info.text().startswith("Channel 4 of 6"))
    low, high = grid["channels"][4][1:]
    assert f"{low:.4g} to {high:.4g}" in viewer.tile_info.text()
    qtbot.mouseClick(viewer.maps, Qt.MouseButton.LeftButton, pos=centre)
    assert viewer.maps.selected == 4
    qtbot.mouseMove(viewer.filters, viewer.filters.tile_rect(2).center().toPoint())
    qtbot.waitUntil(lambda: viewer.filter_info.text() == "filter 2 of 6")
    assert viewer.grab().width() > 100
    viewer.set_model(None)                    # no model: back to the first words
    assert viewer.status.text() == NO_MODEL and viewer.layer_combo.count() == 0


def test_latest_request_wins(qtbot, conv_model, pictures, monkeypatch):
    viewer = show_viewer(qtbot)
    viewer.set_model(conv_model, pictures)
    qtbot.waitUntil(lambda: viewer.grid is not None and not viewer.maps_queue.busy,
                    timeout=30000)
    release, computed = threading.Event(), []
    real_view = fm.layer_view

    def slow_view(model, name, picture):   # the first request blocks until released
        computed.append(int(picture[0, 0, 0]))
        release.wait(10)
        return real_view(model, name, picture)

    monkeypatch.setattr(fm, "layer_view", slow_view)
    marks = pictures.copy()
    marks[:, 0, 0, 0] = np.arange(5)        # tells which picture a request was for
    viewer.set_images(marks)
    for k in (1, 2, 3, 4):
        viewer.picture_spin.setValue(k)
    assert viewer.maps_queue.busy
    release.set()
    qtbot.waitUntil(lambda: not viewer.maps_queue.busy and len(computed) == 2,
                    timeout=30000)
    assert computed == [1, 4]                # 2 and 3 were replaced before they started
    expected = fm.activation_grid(fm.activations(conv_model, "conv_a", marks[4]))
    np.testing.assert_allclose(viewer.grid["image"], expected["image"], rtol=1e-5)


def test_your_picture_and_a_file_that_is_not_one(qtbot, conv_model, pictures, tmp_path):
    viewer = show_viewer(qtbot)
    viewer.set_model(conv_model, pictures)
    qtbot.waitUntil(lambda: viewer.grid is not None and not viewer.maps_queue.busy,
                    timeout=30000)
    path = tmp_path / "mine.png"
    Image.fromarray(np.full((100, 80, 3), (250, 10, 10), np.uint8)).save(path)
    before = viewer.grid
    viewer.load_picture(str(path))
    qtbot.waitUntil(lambda: viewer.using_own and viewer.grid is not before
                    and not viewer.maps_queue.busy, timeout=30000)
    assert "mine.png" in viewer.picture_caption.text()
    assert viewer.own_picture.shape == (64, 64, 3)
    expected = fm.activation_grid(fm.activations(conv_model, "conv_a", viewer.own_picture))
    np.testing.assert_allclose(viewer.grid["image"], expected["image"], rtol=1e-5)

    text = tmp_path / "notes.txt"
    text.write_text("not a picture")
    viewer.load_picture(str(text))
    qtbot.waitUntil(lambda: "is not an image" in viewer.message.text(), timeout=10000)
    assert viewer.message.isVisible() and "notes.txt" in viewer.message.text()
    assert "\n" not in viewer.message.text() and "Traceback" not in viewer.message.text()
    assert viewer.using_own                   # the last good picture is still shown


# --- on the tensorflow-signs page ----------------------------------------------------

def test_signs_page_hands_its_trained_model_to_the_viewer(qtbot, window, tmp_path):
    page = window.open_lesson("tensorflow-signs")
    qtbot.waitUntil(lambda: page.tensorflow_ready and page.dataset is not None,
                    timeout=120000)
    tabs = [page.tabs.tabText(i) for i in range(page.tabs.count())]
    # the picture lessons end with their "Your data" tab, then the run history
    assert tabs[-3:] == ["Feature maps", "Your data", "Runs"]
    viewer = page.feature_maps
    assert viewer.status.text() == NO_MODEL
    assert viewer.picture_spin.maximum() == len(page.dataset.X_test) - 1
    values = page.settings_panel.values()
    for name, value in (("epochs", 2), ("minibatch_size", "256")):
        values = replace_setting(values, name, value)
    page.settings_panel.set_values(values)
    page.tabs.setCurrentWidget(viewer)
    qtbot.mouseClick(page.controls.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.last_result is not None and not page.running,
                    timeout=120000)
    assert page.last_result["model"] is not None
    qtbot.waitUntil(lambda: viewer.grid is not None and not viewer.maps_queue.busy,
                    timeout=30000)
    assert viewer.model is page.last_result["model"]
    combo = viewer.layer_combo
    assert [combo.itemData(i) for i in range(combo.count())] == \
        ["linear_1", "linear_2", "linear_3"]
    assert viewer.grid["tiles"] == 25                      # linear_1: 25 units
    grid = choose_layer(qtbot, viewer, "linear_2")
    assert grid["tiles"] == 12 and grid["activation_shape"] == (12,)
    # the first layer's "filters": each of its 25 units' weights as a 64x64x3 picture
    assert viewer.filter_grid["tiles"] == 25
    assert viewer.filter_grid["tile_shape"] == (64, 64)
    viewer.picture_spin.setValue(7)
    qtbot.waitUntil(lambda: not viewer.maps_queue.busy and "#7" in
                    viewer.picture_caption.text(), timeout=30000)
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    viewer.load_picture(str(text))
    qtbot.waitUntil(lambda: "notes.txt is not an image" in viewer.message.text(),
                    timeout=10000)
