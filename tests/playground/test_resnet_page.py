"""Lesson 4.4's page: the architecture (diagram and layer table), the pretrained-file
status and its loader, which refuses a wrong file with one line."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from engine.weights import get_entry


def open_page(qtbot, window):
    page = window.open_lesson("resnet50")
    qtbot.waitUntil(lambda: page.dataset is not None, timeout=120000)
    return page


def test_architecture_tab_draws_the_blocks_and_lists_the_layers(qtbot, window):
    from playground.lessons.resnet_page import ResNetPage
    page = open_page(qtbot, window)
    assert isinstance(page, ResNetPage)
    tabs = [page.tabs.tabText(i) for i in range(page.tabs.count())]
    assert "Architecture" in tabs and "Exercises" not in tabs
    assert "Training" in tabs and "Dataset" in tabs
    page.tabs.setCurrentIndex(tabs.index("Architecture"))
    # the diagram is plain data: drawn at once, before TensorFlow is even loaded
    qtbot.waitUntil(lambda: len(page.diagram.block_rects) >= 16, timeout=10000)
    rects = page.diagram.block_rects
    assert {"res2a", "res3d", "res4f", "res5c", "stage1", "head"} <= set(rects)
    assert all(r.width() > 20 and r.height() > 20 for r in rects.values())
    assert rects["res3a"].top() > rects["res2a"].top()       # one row per stage
    assert rects["res2b"].left() > rects["res2a"].left()
    # the layer table comes from the engine once TensorFlow has loaded
    qtbot.waitUntil(lambda: page.summary_table.totals.get("total") == 23_600_006,
                    timeout=300000)
    assert page.summary_table.totals == {"total": 23_600_006, "trainable": 23_546_886,
                                         "non_trainable": 53_120}
    names = [page.summary_table.table.item(i, 0).text()
             for i in range(page.summary_table.table.rowCount())]
    assert "conv1" in names and "res5c_branch2c" in names and names[-1] == "fc6"
    assert page.controls.train_button.isEnabled()


def test_pretrained_status_and_a_bad_file_gives_one_line(qtbot, window, tmp_path,
                                                         monkeypatch):
    from playground.lessons import resnet_page
    page = open_page(qtbot, window)
    status = page.pretrained_status.text()
    assert "Not found" in status and "ResNet50.h5" in status
    assert "resnet50" in status and get_entry("resnet50").find() is None
    junk = tmp_path / "ResNet50.h5"
    junk.write_bytes(b"this is not an HDF5 file")
    monkeypatch.setattr(resnet_page.QFileDialog, "getOpenFileName",
                        staticmethod(lambda *a, **k: (str(junk), "")))
    qtbot.mouseClick(page.load_pretrained_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: page.load_pretrained_button.isEnabled()
                    and "not a readable HDF5" in page.pretrained_status.text(),
                    timeout=60000)
    message = page.controls.status.text()
    assert "ResNet50.h5" in message and "\n" not in message
    assert get_entry("resnet50").find() is None            # nothing was copied
    assert page.settings_panel.values().start_from.startswith("scratch")
    # let the layer table's build finish: a worker still building at exit is noise
    qtbot.waitUntil(lambda: page.summary_table.totals.get("total") == 23_600_006,
                    timeout=300000)


def test_evaluate_only_run_shows_the_results(qtbot, window):
    """A run without training (no graph to build): the results and the loss line."""
    from engine.data.dataset import Dataset
    from engine.settings import replace_setting
    page = open_page(qtbot, window)
    qtbot.waitUntil(lambda: page.tensorflow_ready, timeout=120000)
    full = page.dataset
    page.dataset = Dataset(name="signs", kind="images", X_train=full.X_train[:4],
                           Y_train=full.Y_train[:, :4], X_test=full.X_test[:6],
                           Y_test=full.Y_test[:, :6], classes=full.classes,
                           provenance="six test pictures", is_standin=True)
    page.settings_panel.set_values(replace_setting(page.settings_panel.values(),
                                                   "evaluate_only", True))
    qtbot.mouseClick(page.controls.train_button, Qt.LeftButton)
    assert "Evaluate only" in page.estimate_label.text()
    qtbot.waitUntil(lambda: page.last_result is not None, timeout=300000)
    assert page.controls.status.text().startswith("Finished")
    assert "test loss" in page.estimate_label.text()
    wrong = page.last_result["misclassified"]
    assert page.last_result["model"].count_params() == 23_600_006
    assert page.misclassified.grid.count() >= len(wrong)
    # what the engine sends per batch while training, as the page words it
    page._on_progress({"iteration": 40, "cost": 1.25, "total": 68, "epoch": 1,
                       "batch": 7, "batches": 34, "estimate_text":
                       "about 250 s per epoch, 9.0 min for the run",
                       "seconds_per_epoch_estimate": 250.0, "estimate_measured": False})
    status = page.controls.status.text()
    assert "Epoch 2" in status and "batch 7 of 34" in status and "250 s per epoch" in status
    assert "250 s per epoch" in page.estimate_label.text()
    qtbot.waitUntil(lambda: page.summary_table.totals.get("total") == 23_600_006,
                    timeout=300000)


@pytest.mark.parametrize("width", [560, 700, 1000])
def test_every_box_of_the_diagram_holds_its_text(qtbot, width):
    # At 1280x720 the stem's "pad 3 · conv1 7x7/2 · BN · ReLU · max-pool 3x3/2" needed
    # three lines in a two-line box, at the smallest font, and spilled over its edges.
    from PySide6.QtGui import QFont, QFontMetricsF

    from engine.keras_models.resnet import stage_plan
    from playground.panels.resnet_diagram import ResNetDiagram

    diagram = ResNetDiagram()
    qtbot.addWidget(diagram)
    diagram.set_plan(stage_plan())
    diagram.resize(width, 420)
    diagram.grab()                                  # paints: block_rects filled
    smallest = QFont(diagram.font())
    smallest.setPointSizeF(6)
    metrics = QFontMetricsF(smallest)
    for stage in stage_plan():
        if stage["kind"] not in ("stem", "head"):
            continue
        rect = diagram.block_rects[stage["name"]].adjusted(3, 2, -3, -2)
        text = f"{stage['short']}\n" + "×".join(str(d) for d in stage["output_shape"])
        need = metrics.boundingRect(rect, int(Qt.AlignCenter | Qt.TextWordWrap), text)
        assert need.height() <= rect.height() + 0.5, stage["name"]
