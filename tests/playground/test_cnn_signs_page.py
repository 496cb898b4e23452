"""Lesson 3.2's page: opens with the architecture table (1,286 parameters), trains a
tiny run with live curves and results, and reads a picture of your own."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from engine.settings import replace_setting


def small_signs():
    """60 drawn training pictures and 18 test ones: a run of a few seconds."""
    from engine.data.signs import signs_standin
    return signs_standin(seed=3, train_per_class=10, test_per_class=3)


def ready_page(qtbot, window, **settings):
    page = window.open_lesson("cnn-signs")
    qtbot.waitUntil(lambda: page.tensorflow_ready and page.dataset is not None, timeout=120000)
    values = page.settings_panel.values()
    for name, value in settings.items():
        values = replace_setting(values, name, value)
    page.settings_panel.set_values(values)
    return page


def tab_names(page) -> list[str]:
    return [page.tabs.tabText(i) for i in range(page.tabs.count())]


def test_page_opens_with_the_course_architecture(qtbot, window):
    page = ready_page(qtbot, window)
    names = tab_names(page)
    assert "Architecture" in names and "Exercises" not in names
    assert names[0] == "Training"
    table = page.architecture.table
    qtbot.waitUntil(lambda: table.rowCount() == 8, timeout=60000)
    column = [table.item(i, 0).text() for i in range(8)]
    assert column == ["W1", "A1", "P1", "W2", "A2", "P2", "F", "Z3"]
    assert table.item(0, 2).text() == "(None, 64, 64, 8)"
    assert table.item(5, 2).text() == "(None, 2, 2, 16)"
    assert [table.item(i, 3).text() for i in (0, 3, 7)] == ["384", "512", "390"]
    assert "Total parameters: 1,286" in page.architecture.total_text()
    assert "4 × 4 × 3 × 8" in page.architecture_note.text()
    assert page.settings_panel.values().num_epochs == 100


def test_tiny_run_draws_curves_results_and_reads_a_picture(qtbot, window, tmp_path):
    page = ready_page(qtbot, window, num_epochs=2, minibatch_size="16")
    page.dataset = small_signs()     # a few seconds of training instead of minutes
    qtbot.mouseClick(page.findChild(QPushButton, "trainButton"), Qt.LeftButton)
    qtbot.waitUntil(lambda: page.running, timeout=5000)
    qtbot.waitUntil(lambda: not page.running and page.last_result is not None, timeout=120000)
    qtbot.waitUntil(lambda: "Finished" in page.controls.status.text(), timeout=5000)
    assert page.cost_plot.point_count() == 2
    assert page.cost_plot.plot.getAxis("bottom").labelText == "epoch"
    assert page.last_result["model"].count_params() == 1286
    wrong = page.last_result["misclassified"]
    qtbot.waitUntil(lambda: len(page.misclassified.captions) == len(wrong), timeout=5000)

    # your own picture: a real one, then a file that is not a picture
    from PIL import Image
    picture = tmp_path / "hand.png"
    Image.fromarray(np.asarray(page.dataset.X_test[0])).resize((90, 90)).save(picture)
    page.own_image.classify(str(picture))
    qtbot.waitUntil(lambda: "The model reads" in page.own_image.verdict.text(), timeout=30000)
    assert not page.own_image.preview.pixmap().isNull()
    text_file = tmp_path / "notes.jpg"
    text_file.write_text("not a picture")
    page.own_image.classify(str(text_file))
    qtbot.waitUntil(lambda: "notes.jpg is not an image" in page.own_image.verdict.text(),
                    timeout=30000)


def test_summary_table_totals_and_frozen_weights(qtbot):
    """The reusable table on its own: totals default to the rows' sums, and a layer with
    weights that are not trained (batch norm) says so."""
    from playground.panels.model_summary import ModelSummaryTable

    table = ModelSummaryTable(title="A tiny network")
    qtbot.addWidget(table)
    rows = [{"name": "input", "type": "InputLayer", "output_shape": (None, 8, 8, 3),
             "params": 0, "trainable": 0},
            {"name": "conv", "type": "Conv2D", "output_shape": (None, 6, 6, 4),
             "params": 112, "trainable": 112},
            {"name": "bn", "type": "BatchNormalization", "output_shape": (None, 6, 6, 4),
             "params": 16, "trainable": 8}]
    table.set_rows(rows)
    assert table.table.rowCount() == 3
    assert table.totals == {"total": 128, "trainable": 120, "non_trainable": 8}
    assert "Total parameters: 128" in table.total_text()
    assert table.table.item(2, 3).text() == "16"
    assert "8 of them not trained" in table.table.item(2, 3).toolTip()
    assert table.table.item(1, 3).toolTip() == ""
    table.set_rows(rows[:1], total=5, trainable=5, non_trainable=0)   # given totals win
    assert table.table.rowCount() == 1 and "Total parameters: 5" in table.total_text()
