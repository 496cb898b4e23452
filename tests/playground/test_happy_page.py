"""The Happy House page (3.3): it opens, shows the model's layer table, trains a short
run on a few drawn faces, shows the real photos' accuracy, and answers "is this face
happy?" for a picture file (and says so clearly for a file that is not one)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from engine.lessons import get_lesson
from engine.settings import replace_setting

ROOT = Path(__file__).resolve().parents[2]
COURSE_DATA = __import__("course_paths").course_folder()   # DL_PLAYGROUND_DATA or ../shared


@pytest.fixture
def small_lesson(monkeypatch):
    """The lesson with its data cut to 48 drawn faces (+ the real test photos when the
    shared course files are there), so a run takes seconds."""
    from engine.data.happy import happy_standin, load_happy_dataset

    real = (COURSE_DATA / "test_happy.h5").is_file()
    if real:
        monkeypatch.setenv("DL_PLAYGROUND_DATA", str(COURSE_DATA))

    def load_small(settings=None):
        dataset = happy_standin(seed=5, train_size=48, test_size=16)
        full = load_happy_dataset()
        if "real_test" in full.extra:
            dataset.extra["real_test"] = full.extra["real_test"]
        return dataset

    monkeypatch.setattr(get_lesson("happy-house"), "load_data", load_small)
    return real


def ready_page(qtbot, window, **settings):
    page = window.open_lesson("happy-house")
    qtbot.waitUntil(lambda: page.tensorflow_ready and page.dataset is not None,
                    timeout=120000)
    values = page.settings_panel.values()
    for name, value in settings.items():
        values = replace_setting(values, name, value)
    page.settings_panel.set_values(values)
    return page


def test_page_trains_shows_real_accuracy_and_judges_a_picture(qtbot, window, small_lesson,
                                                              tmp_path):
    page = ready_page(qtbot, window, epochs=2, batch_size=16)
    titles = [page.tabs.tabText(i) for i in range(page.tabs.count())]
    assert titles[:4] == ["Training", "Dataset", "Model", "Results"]
    assert "Exercises" not in titles
    # the course model's layer table, from the engine, once TensorFlow is there
    qtbot.waitUntil(lambda: page.summary_table.table.rowCount() == 8, timeout=60000)
    assert "33,793" in page.summary_table.total_text()
    assert page.summary_table.table.item(2, 0).text() == "conv3"
    # the Dataset tab: drawn faces, marked as a stand-in
    page.tabs.setCurrentWidget(page.viewer)
    assert page.viewer.thumbnails.count() == 64
    assert "stand-in" in page.viewer.provenance.text()
    if small_lesson:
        assert "Real test photos" in titles
        page.tabs.setCurrentWidget(page.real_viewer)
        assert page.real_viewer.thumbnails.count() == 150

    # before training, the verdict box asks for a model
    face = tmp_path / "face.png"
    Image.fromarray(page.dataset.X_test[0]).resize((128, 128)).save(face)
    page.own_image.classify(str(face))
    assert "Train the model first" in page.own_image.verdict.text()

    qtbot.mouseClick(page.findChild(QPushButton, "trainButton"), Qt.LeftButton)
    qtbot.waitUntil(lambda: page.running, timeout=5000)
    qtbot.waitUntil(lambda: not page.running and page.last_result is not None,
                    timeout=120000)
    qtbot.waitUntil(lambda: "Finished" in page.controls.status.text(), timeout=5000)
    assert page.cost_plot.point_count() == 2
    assert "model" in page.last_result
    wrong = page.last_result["misclassified"]
    qtbot.waitUntil(lambda: len(page.misclassified.captions) == len(wrong), timeout=5000)
    if small_lesson:
        assert not page.real_accuracy.isHidden()      # on the Training tab
        assert "Real photos (test_happy.h5)" in page.real_accuracy.text()
        assert "56%" in page.real_accuracy.text()          # the majority baseline
        assert page.real_misclassified.isVisibleTo(page.results_box)

    page.own_image.classify(str(face))
    qtbot.waitUntil(lambda: "probability of a smile" in page.own_image.verdict.text(),
                    timeout=30000)
    text = page.own_image.verdict.text()
    assert "<b>happy</b>" in text or "<b>not happy</b>" in text
    assert page.own_image.preview.pixmap() is not None

    note = tmp_path / "shopping.txt"
    note.write_text("eggs, milk")
    page.own_image.classify(str(note))
    qtbot.waitUntil(lambda: "shopping.txt is not an image" in page.own_image.verdict.text(),
                    timeout=30000)


def test_architecture_setting_changes_the_layer_table(qtbot, window, small_lesson):
    page = ready_page(qtbot, window)
    qtbot.waitUntil(lambda: page.summary_table.table.rowCount() == 8, timeout=60000)
    page.settings_panel._editors["architecture"].setCurrentText("chained")   # the combo
    assert page.current_settings().architecture == "chained"
    qtbot.waitUntil(lambda: "8,305" in page.summary_table.total_text(), timeout=60000)
    names = [page.summary_table.table.item(i, 0).text()
             for i in range(page.summary_table.table.rowCount())]
    assert {"conv1", "conv2", "conv3", "max_pool1", "max_pool2"} <= set(names)


def test_stop_keeps_the_partial_model(qtbot, window, small_lesson):
    page = ready_page(qtbot, window, epochs=200)
    qtbot.mouseClick(page.findChild(QPushButton, "trainButton"), Qt.LeftButton)
    qtbot.waitUntil(lambda: page.cost_plot.point_count() >= 1, timeout=120000)
    qtbot.mouseClick(page.findChild(QPushButton, "stopButton"), Qt.LeftButton)
    qtbot.waitUntil(lambda: not page.running, timeout=20000)
    qtbot.waitUntil(lambda: "Stopped" in page.controls.status.text(), timeout=5000)
    assert page.last_result is not None and "model" in page.last_result
    assert len(page.job.reporter.curve) < 200
    assert np.isfinite(page.job.reporter.curve[-1][1])
