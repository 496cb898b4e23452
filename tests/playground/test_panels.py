"""The reusable panels, driven as a learner would: clicks, typing, sliders."""
from __future__ import annotations

import json
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import (QCheckBox, QComboBox, QLabel, QLineEdit, QPushButton, QSlider,
                               QTableWidget, QWidget)

from engine.data.dataset import Dataset
from engine.settings import setting
from playground.panels.controls import RunControls
from playground.panels.dataset_viewer import DatasetViewer
from playground.panels.hyperparameters import HyperparameterPanel
from playground.panels.live_plots import (AccuracyPlot, BoundaryGrid, CostPlot,
                                          DecisionBoundaryPlot, HiddenUnitsView,
                                          MisclassifiedGrid)
from playground.panels.network_builder import NetworkBuilder

COURSE = Path(__file__).resolve().parents[3] / "shared" / "datasets" / "course"


def show(qtbot, widget, size=(640, 480)):
    qtbot.addWidget(widget)
    widget.resize(*size)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def assert_renders(widget):
    image = widget.grab().toImage()
    assert not image.isNull() and image.width() > 50 and image.height() > 50


# --- dataset viewer ----------------------------------------------------------------

def image_dataset(standin=True):
    rng = np.random.default_rng(0)
    return Dataset(name="Tiny cats", kind="images",
                   X_train=rng.integers(0, 255, (12, 8, 8, 3), dtype=np.uint8),
                   Y_train=np.array([[0, 1] * 6]),
                   X_test=rng.integers(0, 255, (5, 8, 8, 3), dtype=np.uint8),
                   Y_test=np.array([[1, 1, 0, 1, 0]]),
                   classes=["non-cat", "cat"], provenance="synthetic.cats(seed=0)",
                   is_standin=standin)


def test_dataset_viewer_thumbnails_filters_and_zoom(qtbot):
    viewer = show(qtbot, DatasetViewer(), (900, 600))
    viewer.set_dataset(image_dataset())
    assert "synthetic.cats(seed=0)" in viewer.findChild(QLabel, "provenanceLabel").text()
    assert viewer.findChild(QLabel, "standinBadge").isVisible()
    assert viewer.thumbnails.count() == 17 and viewer.visible_count() == 17

    class_filter = viewer.findChild(QComboBox, "classFilter")
    assert [class_filter.itemText(i) for i in range(3)] == ["All classes", "non-cat", "cat"]
    class_filter.setCurrentIndex(2)                      # "cat": 6 train + 3 test
    assert viewer.visible_count() == 9
    split_filter = viewer.findChild(QComboBox, "splitFilter")
    split_filter.setCurrentIndex(2)                      # test only
    assert viewer.visible_count() == 3
    assert all(viewer.thumbnails.item(i).text().endswith("test")
               for i in range(viewer.thumbnails.count())
               if not viewer.thumbnails.item(i).isHidden())

    zoomed = viewer.findChild(QLabel, "zoomedImage")
    assert zoomed.pixmap().isNull()
    item = next(viewer.thumbnails.item(i) for i in range(viewer.thumbnails.count())
                if not viewer.thumbnails.item(i).isHidden())
    rect = viewer.thumbnails.visualItemRect(item)
    qtbot.mouseClick(viewer.thumbnails.viewport(), Qt.MouseButton.LeftButton,
                     pos=rect.center())
    assert zoomed.pixmap().width() == 32                 # 8 px, 4x nearest neighbour
    assert "cat" in viewer.zoom_caption.text() and "test" in viewer.zoom_caption.text()
    assert_renders(viewer)


def test_dataset_viewer_course_file_without_standin_badge(qtbot):
    h5py = pytest.importorskip("h5py")
    if not (COURSE / "train_catvnoncat.h5").exists():
        pytest.skip(f"course files not in {COURSE}")
    with h5py.File(COURSE / "train_catvnoncat.h5") as f:
        xtr, ytr = f["train_set_x"][:], f["train_set_y"][:].reshape(1, -1)
        classes = [c.decode() for c in f["list_classes"][:]]
    with h5py.File(COURSE / "test_catvnoncat.h5") as f:
        xte, yte = f["test_set_x"][:], f["test_set_y"][:].reshape(1, -1)
    viewer = show(qtbot, DatasetViewer(), (900, 600))
    start = time.perf_counter()
    viewer.set_dataset(Dataset("Cat vs non-cat", "images", xtr, ytr, xte, yte, classes,
                               "train_catvnoncat.h5 (course file)"))
    assert time.perf_counter() - start < 2.0
    assert viewer.thumbnails.count() == 259
    assert not viewer.findChild(QLabel, "standinBadge").isVisible()


def test_dataset_viewer_points_scatter(qtbot):
    viewer = show(qtbot, DatasetViewer())
    X = np.random.default_rng(1).normal(size=(2, 40))
    Y = (np.arange(40) % 2).reshape(1, -1)
    viewer.set_dataset(Dataset("Flower", "points", X, Y, None, None, ["red", "blue"],
                               "planar flower, seed 1", is_standin=False))
    assert viewer.stack.currentWidget() is viewer.scatter_plot
    assert sum(len(s.data) for s in viewer.scatters) == 40
    assert "planar flower" in viewer.findChild(QLabel, "provenanceLabel").text()
    assert_renders(viewer)


def test_dataset_viewer_class_overview_counts_and_filters(qtbot):
    rng = np.random.default_rng(2)
    X_train = rng.integers(0, 255, (9, 8, 8, 3), dtype=np.uint8)
    X_train[[0, 1, 2, 3]] = 30        # class 0's first picture: a flat dark one
    X_test = rng.integers(0, 255, (4, 8, 8, 3), dtype=np.uint8)
    X_test[3] = 200                  # class 2 exists only in the test set: its example
    viewer = show(qtbot, DatasetViewer(), (900, 600))
    viewer.set_dataset(Dataset("Three", "images", X_train, np.array([[0, 0, 0, 0, 1, 1, 1, 1, 1]]),
                               X_test, np.array([[0, 1, 1, 2]]), ["zero", "one", "two"],
                               "drawn in the test"))
    buttons = viewer.class_buttons
    assert [b.text() for b in buttons] == ["zero\n4 / 1", "one\n5 / 2", "two\n0 / 1"]
    assert buttons[1].toolTip().startswith("one \u00b7 5 train / 2 test.")
    assert "train / test" in viewer.class_legend.text()
    qtbot.waitUntil(lambda: all(b.isVisible() for b in buttons))  # shown on the next loop
    for button, value in ((buttons[0], 30), (buttons[2], 200)):  # the class's example
        image = button.icon().pixmap(8, 8).toImage()
        assert image.pixelColor(4, 4).red() == value
    qtbot.mouseClick(buttons[1], Qt.MouseButton.LeftButton)
    assert viewer.class_filter.currentText() == "one" and viewer.visible_count() == 7
    assert buttons[1].isChecked() and not buttons[0].isChecked()
    qtbot.mouseClick(buttons[2], Qt.MouseButton.LeftButton)
    assert viewer.visible_count() == 1 and not buttons[1].isChecked()
    qtbot.mouseClick(buttons[2], Qt.MouseButton.LeftButton)   # again: every class
    assert viewer.class_filter.currentIndex() == 0 and viewer.visible_count() == 13
    assert not any(b.isChecked() for b in buttons)
    viewer.class_filter.setCurrentIndex(1)                    # the combo moves the strip too
    assert buttons[0].isChecked()
    viewer.set_dataset(image_dataset())                       # a new dataset: new strip
    qtbot.waitUntil(lambda: len(viewer.class_strip.findChildren(type(buttons[0]))) == 2)
    assert [b.toolTip().split(".")[0] for b in viewer.class_buttons] == [
        "non-cat \u00b7 6 train / 2 test", "cat \u00b7 6 train / 3 test"]
    only_test = image_dataset()
    only_test.X_train = only_test.Y_train = None               # e.g. the real test photos
    viewer.set_dataset(only_test)
    assert [b.text() for b in viewer.class_buttons] == ["non-cat\n2", "cat\n3"]
    assert "train" not in viewer.class_legend.text()


# --- network builder ---------------------------------------------------------------

def retype(qtbot, edit, text, enter=False):
    """Select everything in the box (Ctrl+A), type over it, optionally press Enter."""
    qtbot.keyClick(edit, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(edit, text)
    if enter:
        qtbot.keyClick(edit, Qt.Key.Key_Return)


def test_network_builder_typing_updates_shapes_and_count(qtbot):
    builder = show(qtbot, NetworkBuilder(), (640, 560))
    builder.set_network(12288, ((7, "relu"), (7, "relu"), (5, "relu")), 1, "sigmoid")
    emitted = []
    builder.layers_changed.connect(emitted.append)
    edit = builder.findChild(QLineEdit, "units1")
    retype(qtbot, edit, "20")
    assert emitted == []                    # nothing half-typed reaches the lesson
    qtbot.keyClick(edit, Qt.Key.Key_Return)

    expected = 12288 * 20 + 20 + 20 * 7 + 7 + 7 * 5 + 5 + 5 * 1 + 1
    assert expected == 245_973
    assert builder.findChild(QLabel, "paramCount").text() == "Parameters: 245,973"
    table = builder.findChild(QTableWidget, "shapeTable")
    assert table.rowCount() == 4
    assert table.item(0, 2).text() == "W1: (20, 12288)"
    assert table.item(0, 3).text() == "b1: (20, 1)"
    assert table.item(0, 4).text() == "245,780"
    assert table.item(3, 2).text() == "W4: (1, 5)"
    assert emitted == [((20, "relu"), (7, "relu"), (5, "relu"))]
    assert builder.layers() == emitted[-1]
    assert not builder.findChild(QLabel, "builderError").isVisible()
    assert_renders(builder)


@pytest.mark.parametrize("bad, words", [("abc", "not a whole number"), ("0", "between 1"),
                                        ("5000", "between 1"), ("", "needs a number")])
def test_network_builder_refuses_bad_units(qtbot, bad, words):
    builder = show(qtbot, NetworkBuilder(), (640, 560))
    builder.set_network(2, ((4, "tanh"),), 1, "sigmoid", activations=("tanh", "relu"))
    emitted = []
    builder.layers_changed.connect(emitted.append)
    edit = builder.findChild(QLineEdit, "units1")
    if bad:
        retype(qtbot, edit, bad)
    else:
        qtbot.keyClick(edit, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
        qtbot.keyClick(edit, Qt.Key.Key_Backspace)
    error = builder.findChild(QLabel, "builderError")
    assert error.isVisible() and words in error.text()      # said while typing
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert error.isVisible() and words in error.text()
    assert emitted == []
    assert builder.layers() == ((4, "tanh"),)
    assert builder.findChild(QLabel, "paramCount").text() == "Parameters: 17"

    retype(qtbot, edit, "3", enter=True)                 # fixing it clears the message
    assert not error.isVisible() and emitted == [((3, "tanh"),)]


def test_network_builder_add_remove_activation_and_limits(qtbot):
    builder = show(qtbot, NetworkBuilder(), (640, 560))
    builder.set_network(2, ((4, "tanh"),), 1, "sigmoid", activations=("tanh", "relu"),
                        max_layers=2)
    emitted = []
    builder.layers_changed.connect(emitted.append)
    qtbot.mouseClick(builder.findChild(QPushButton, "addLayer"), Qt.MouseButton.LeftButton)
    assert builder.layers() == ((4, "tanh"), (4, "tanh")) and len(emitted) == 1
    builder.findChild(QComboBox, "activation2").setCurrentText("relu")
    assert emitted[-1] == ((4, "tanh"), (4, "relu"))
    assert builder.findChild(QTableWidget, "shapeTable").item(1, 1).text() == "relu"

    qtbot.mouseClick(builder.findChild(QPushButton, "addLayer"), Qt.MouseButton.LeftButton)
    error = builder.findChild(QLabel, "builderError")
    assert error.isVisible() and "At most 2" in error.text() and len(emitted) == 2

    qtbot.mouseClick(builder.findChild(QPushButton, "remove1"), Qt.MouseButton.LeftButton)
    assert builder.layers() == ((4, "relu"),) and emitted[-1] == ((4, "relu"),)
    assert builder.findChild(QLineEdit, "units2") is None
    qtbot.mouseClick(builder.findChild(QPushButton, "remove1"), Qt.MouseButton.LeftButton)
    assert builder.layers() == ((4, "relu"),) and "at least one" in error.text()


def test_network_builder_fixed_depth_hides_add_and_remove(qtbot):
    builder = show(qtbot, NetworkBuilder())
    builder.set_network(2, ((4, "tanh"),), 1, "sigmoid", fixed_depth=True)
    assert not builder.findChild(QPushButton, "addLayer").isVisible()
    assert not builder.findChild(QPushButton, "remove1").isVisible()


# --- hyperparameters ---------------------------------------------------------------

@dataclass
class TinySettings:
    learning_rate: float = setting(0.01, "Learning rate", minimum=1e-4, maximum=1.0,
                                   scale="log", live=True, help="Step size of each update.")
    num_iterations: int = setting(1000, "Iterations", minimum=100, maximum=5000,
                                  help="How many gradient steps.")
    keep_prob: float = setting(0.8, "Keep probability", minimum=0.5, maximum=1.0)
    use_momentum: bool = setting(False, "Momentum", help="Average recent gradients.")
    initialization: str = setting("he", "Initialization", choices=("zeros", "random", "he"))
    hidden_layers: tuple = setting(((4, "tanh"),), "Hidden layers", kind="layers",
                                   activations=("tanh", "relu"))


def test_hyperparameter_log_slider_and_typed_value(qtbot):
    panel = show(qtbot, HyperparameterPanel(TinySettings, "tiny"))
    assert panel.values() == TinySettings()
    slider = panel.findChild(QSlider, "learning_rate")
    value_box = panel.findChild(QLineEdit, "learning_rate_value")
    assert "Step size" in slider.toolTip()
    with qtbot.waitSignal(panel.changed) as signal:
        slider.setValue(slider.maximum())
    assert signal.args == ["learning_rate", 1.0]
    slider.setValue(slider.minimum())
    assert panel.values().learning_rate == pytest.approx(1e-4)
    slider.setValue(slider.maximum() // 2)               # half way on a log scale: 1e-2
    assert panel.values().learning_rate == pytest.approx(1e-2, rel=0.02)
    slider.setValue(slider.maximum() * 3 // 4)
    assert panel.values().learning_rate == pytest.approx(0.1, rel=0.02)
    assert value_box.text() == "0.1"

    retype(qtbot, value_box, "0.0075", enter=True)
    assert panel.values().learning_rate == 0.0075       # exact, not snapped to the slider
    retype(qtbot, value_box, "lots", enter=True)
    message = panel.findChild(QLabel, "settingsMessage")
    assert "must be a number" in message.text() and value_box.text() == "0.0075"

    iterations = panel.findChild(QSlider, "num_iterations")
    iterations.setValue(iterations.minimum() + 1)
    assert panel.values().num_iterations in (101, 110)   # one step: 1 or a round number
    assert_renders(panel)


def test_hyperparameter_checkbox_choice_reset(qtbot):
    panel = show(qtbot, HyperparameterPanel(TinySettings, "tiny"))
    changes = []
    panel.changed.connect(lambda name, value: changes.append((name, value)))
    qtbot.mouseClick(panel.findChild(QCheckBox, "use_momentum"), Qt.MouseButton.LeftButton)
    panel.findChild(QComboBox, "initialization").setCurrentText("random")
    panel.findChild(QSlider, "keep_prob").setValue(0)
    assert changes == [("use_momentum", True), ("initialization", "random"),
                       ("keep_prob", 0.5)]
    assert panel.values().use_momentum and panel.values().keep_prob == 0.5

    qtbot.mouseClick(panel.findChild(QPushButton, "resetSettings"),
                     Qt.MouseButton.LeftButton)
    assert panel.values() == TinySettings()
    assert not panel.findChild(QCheckBox, "use_momentum").isChecked()
    assert panel.findChild(QLineEdit, "keep_prob_value").text() == "0.8"


def test_hyperparameter_save_load_round_trip_and_bad_files(qtbot, tmp_path):
    panel = show(qtbot, HyperparameterPanel(TinySettings, "tiny"))
    panel.set_values(TinySettings(learning_rate=0.0075, hidden_layers=((7, "relu"),)))
    panel.findChild(QSlider, "num_iterations").setValue(10)
    wanted = panel.values()
    assert wanted.hidden_layers == ((7, "relu"),) and wanted.learning_rate == 0.0075

    path = tmp_path / "tiny.json"
    assert panel.save_to(path)
    qtbot.mouseClick(panel.findChild(QPushButton, "resetSettings"),
                     Qt.MouseButton.LeftButton)
    assert panel.values() != wanted
    assert panel.load_from(path)
    assert panel.values() == wanted

    message = panel.findChild(QLabel, "settingsMessage")
    corrupt = tmp_path / "corrupt.json"
    corrupt.write_text("{ not json")
    assert not panel.load_from(corrupt)
    assert "not a settings file" in message.text() and "Traceback" not in message.text()
    assert panel.values() == wanted                      # nothing lost

    other = tmp_path / "other.json"
    other.write_text(json.dumps({"lesson": "another", "settings": {}}))
    assert not panel.load_from(other) and "another" in message.text()
    bad_value = tmp_path / "bad_value.json"
    bad_value.write_text(json.dumps({"lesson": "tiny", "settings": {"keep_prob": 3}}))
    assert not panel.load_from(bad_value) and "between 0.5 and 1" in message.text()


def test_hyperparameter_running_greys_out_non_live(qtbot):
    panel = show(qtbot, HyperparameterPanel(TinySettings, "tiny"))
    panel.set_running(True)
    assert panel.findChild(QSlider, "learning_rate").isEnabled()
    assert panel.findChild(QLineEdit, "learning_rate_value").isEnabled()
    for name in ("num_iterations", "keep_prob", "use_momentum", "initialization"):
        assert not panel.findChild(QWidget, name).isEnabled(), name
    assert not panel.findChild(QPushButton, "loadSettings").isEnabled()
    assert panel.findChild(QPushButton, "saveSettings").isEnabled()
    panel.set_running(False)
    assert panel.findChild(QSlider, "num_iterations").isEnabled()


# --- live plots --------------------------------------------------------------------

def test_cost_plot_shows_points_and_references(qtbot):
    plot = show(qtbot, CostPlot())
    curve = [(i * 10, 1.0 / (1 + i)) for i in range(50)]
    plot.update_curve(curve)
    assert plot.point_count() == 50
    xs, ys = plot.curve.getData()
    assert len(xs) == 50 and ys[0] == 1.0
    plot.update_curve(curve + [(500, float("nan"))])     # NaN is a gap, not a crash
    assert plot.point_count() == 51
    plot.add_reference("lr = 0.1", curve[:20])
    assert len(plot.references) == 1
    assert any(label.text == "lr = 0.1" for _, label in plot.legend.items)
    plot.clear()
    assert plot.point_count() == 0 and len(plot.references) == 1
    plot.clear_references()
    assert plot.references == []
    assert_renders(plot)


def test_accuracy_plot_in_percent(qtbot):
    plot = show(qtbot, AccuracyPlot())
    plot.update_accuracy([(0, 0.5, None), (10, 0.75, 0.7), (20, 0.9, 0.8)])
    xs, ys = plot.train.getData()
    assert list(ys) == [50.0, 75.0, 90.0]
    _, test = plot.test.getData()
    assert np.isnan(test[0]) and test[2] == pytest.approx(80.0)
    plot.update_accuracy([(0, 0.5, None)])              # no test set: no test line
    assert plot.test.getData()[0] is None or len(plot.test.getData()[0]) == 0
    plot.clear()
    assert plot.train.getData()[0] is None or len(plot.train.getData()[0]) == 0
    assert_renders(plot)


def planar_boundary(n=60, shift=0.0):
    x = np.linspace(-2, 2, n)
    y = np.linspace(-1, 1, n // 2)
    xx, yy = np.meshgrid(x, y)
    return {"x": x, "y": y, "probability": 1 / (1 + np.exp(-(xx + shift) * 3))}


def test_decision_boundary_redraws_and_discretizes(qtbot):
    plot = show(qtbot, DecisionBoundaryPlot(), (600, 500))
    rng = np.random.default_rng(2)
    plot.set_points(rng.normal(size=(2, 30)), (np.arange(30) % 2).reshape(1, -1),
                    rng.normal(size=(2, 10)), (np.arange(10) % 2).reshape(1, -1))
    plot.update_boundary(planar_boundary())
    plot.update_boundary(planar_boundary(shift=0.3))
    assert plot.redraw_count == 2
    rect = plot.image.mapRectToParent(plot.image.boundingRect())
    assert rect.left() == pytest.approx(-2 - 4 / 59 / 2) and rect.width() == pytest.approx(
        4 + 4 / 59)
    assert plot.image.image.shape == (30, 60)

    assert not plot.test_items[0].isVisible()
    qtbot.mouseClick(plot.findChild(QCheckBox, "showTest"), Qt.MouseButton.LeftButton)
    assert plot.test_items[0].isVisible()
    qtbot.mouseClick(plot.findChild(QCheckBox, "discretize"), Qt.MouseButton.LeftButton)
    assert plot.redraw_count == 3
    assert set(np.unique(plot.image.image)) == {0.0, 1.0}
    assert_renders(plot)


def test_decision_boundary_click_adds_points(qtbot):
    plot = show(qtbot, DecisionBoundaryPlot(), (600, 500))
    plot.set_points(np.array([[-2.0, 2.0], [-1.0, 1.0]]), np.array([[0, 1]]))
    plot.update_boundary(planar_boundary())
    qtbot.wait(10)

    def widget_pos(x, y):
        scene_pos = plot.plot.vb.mapViewToScene(QPointF(x, y))
        return plot.plot_widget.mapFromScene(scene_pos)

    with qtbot.waitSignal(plot.point_added, timeout=1000) as signal:
        qtbot.mouseClick(plot.plot_widget.viewport(), Qt.MouseButton.LeftButton,
                         Qt.KeyboardModifier.ShiftModifier, widget_pos(1.0, -0.5))
    x, y, k = signal.args
    assert k == 1 and x == pytest.approx(1.0, abs=0.05) and y == pytest.approx(-0.5, abs=0.05)
    with qtbot.waitSignal(plot.point_added, timeout=1000) as signal:
        qtbot.mouseClick(plot.plot_widget.viewport(), Qt.MouseButton.LeftButton,
                         pos=widget_pos(-1.0, 0.5))
    assert signal.args[2] == 0
    assert len(plot.user_items[1].data) == 1 and len(plot.user_items[0].data) == 1
    plot.clear_user_points()
    assert len(plot.user_items[0].data) == 0


def test_decision_boundary_keeps_up_with_30_hz(qtbot):
    plot = show(qtbot, DecisionBoundaryPlot(), (600, 500))
    plot.set_points(np.random.default_rng(3).normal(size=(2, 400)),
                    (np.arange(400) % 2).reshape(1, -1))
    times = []
    for i in range(20):
        boundary = planar_boundary(100, shift=i / 20)
        start = time.perf_counter()
        plot.update_boundary(boundary)
        plot.repaint()                                   # include the actual drawing
        times.append(time.perf_counter() - start)
    assert statistics.median(times) < 0.05, times


def test_hidden_units_view_reuses_items(qtbot):
    view = show(qtbot, HiddenUnitsView(), (600, 400))
    gx, gy = np.linspace(-1, 1, 12), np.linspace(-1, 1, 10)
    acts = np.tanh(np.random.default_rng(4).normal(size=(3, 10, 12)))
    W1 = np.array([[1.0, -0.5], [0.1, 0.2], [-2.0, 0.0]])
    W2 = np.array([[0.5, -1.0, 2.0]])
    view.update_hidden({"x": gx, "y": gy, "activations": acts}, {"W1": W1, "W2": W2})
    assert len(view.hidden) == 3 and len(view.inputs) == 2
    first_link, first_node = view.links_in[0, 0], view.hidden[0]
    assert not view.hidden[0].picture.pixmap().isNull()
    strong, weak = view.links_in[2, 0].pen(), view.links_in[1, 0].pen()
    assert strong.widthF() > weak.widthF()
    assert view.links_in[0, 1].pen().color().name() != view.links_in[0, 0].pen().color().name()

    view.update_hidden({"x": gx, "y": gy, "activations": -acts}, {"W1": -W1, "W2": W2},
                       boundary=planar_boundary())
    assert view.links_in[0, 0] is first_link and view.hidden[0] is first_node
    assert not view.output.picture.pixmap().isNull()
    view.update_hidden({"x": gx, "y": gy, "activations": acts[:2]},
                       {"W1": W1[:2], "W2": W2[:, :2]})
    assert len(view.hidden) == 2 and view.update_count == 3
    assert_renders(view)


def test_misclassified_grid_captions_and_empty_state(qtbot):
    grid = show(qtbot, MisclassifiedGrid(), (700, 400))
    images = np.random.default_rng(5).integers(0, 255, (3, 16, 16, 3), dtype=np.uint8)
    grid.show_images(images, np.array([[1, 0, 1]]), np.array([[0, 1, 0]]),
                     np.array([[0.31, 0.8, 0.05]]), ["non-cat", "cat"])
    assert grid.captions[0] == "true: cat / predicted: non-cat (p=0.31)"
    assert len(grid.tiles) == 3 and not grid.findChild(QLabel, "emptyState").isVisible()
    assert_renders(grid)
    grid.show_images(np.zeros((0, 16, 16, 3), np.uint8), [], [], [], ["non-cat", "cat"])
    empty = grid.findChild(QLabel, "emptyState")
    assert empty.isVisible() and "every one right" in empty.text() and grid.tiles == []


def test_boundary_grid_adds_and_clears_tiles(qtbot):
    grid = show(qtbot, BoundaryGrid(), (700, 500))
    grid.set_points(np.array([[0.0, 1.0], [0.0, 0.5]]), np.array([[0, 1]]))
    grid.add_result("1 hidden unit", planar_boundary(), 0.675)
    grid.add_result("2 hidden units", planar_boundary(shift=0.5), 0.81)
    assert len(grid.tiles) == 2
    assert "67.5%" in grid.tiles[0].titleLabel.text
    assert_renders(grid)
    grid.clear()
    assert grid.tiles == [] and grid.empty.isVisible()


# --- run controls ------------------------------------------------------------------

def test_run_controls_state_machine(qtbot):
    controls = show(qtbot, RunControls(), (700, 100))
    button = {name: controls.findChild(QPushButton, name) for name in
              ("trainButton", "pauseButton", "stopButton", "stepButton", "resetButton")}

    def enabled():
        return {name for name, b in button.items() if b.isEnabled()}

    assert enabled() == {"trainButton", "resetButton"}
    with qtbot.waitSignal(controls.train):
        qtbot.mouseClick(button["trainButton"], Qt.MouseButton.LeftButton)
    assert enabled() == {"pauseButton", "stopButton"} and controls.state == "running"
    with qtbot.waitSignal(controls.pause):
        qtbot.mouseClick(button["pauseButton"], Qt.MouseButton.LeftButton)
    assert button["pauseButton"].text() == "Resume"
    assert enabled() == {"pauseButton", "stopButton", "stepButton"}
    with qtbot.waitSignal(controls.step):
        qtbot.mouseClick(button["stepButton"], Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(controls.resume):
        qtbot.mouseClick(button["pauseButton"], Qt.MouseButton.LeftButton)
    assert button["pauseButton"].text() == "Pause" and controls.state == "running"
    with qtbot.waitSignal(controls.stop):
        qtbot.mouseClick(button["stopButton"], Qt.MouseButton.LeftButton)
    controls.set_state("finished")
    assert enabled() == {"trainButton", "resetButton"}
    with qtbot.waitSignal(controls.reset):
        qtbot.mouseClick(button["resetButton"], Qt.MouseButton.LeftButton)
    with pytest.raises(ValueError):
        controls.set_state("exploded")


def test_run_controls_progress_and_status(qtbot):
    controls = show(qtbot, RunControls(), (700, 100))
    controls.set_progress(250, 1000)
    bar = controls.findChild(type(controls.progress), "progressBar")
    assert bar.value() == 250 and bar.maximum() == 1000 and "250 / 1,000" in bar.format()
    status = controls.findChild(QLabel, "statusLabel")
    controls.set_status("Training\u2026")
    assert status.text() == "Training\u2026" and "c62828" not in status.styleSheet()
    controls.set_status("The cost became nan at iteration 3.", error=True)
    assert "c62828" in status.styleSheet()
    assert status.textInteractionFlags() & Qt.TextInteractionFlag.TextSelectableByMouse
    assert_renders(controls)
