"""The neural-style-transfer page (4.7): choose pictures, paint, steer, step, save.

Every run paints a tiny picture (48 px) on the embedded network, so a test takes
seconds on a CPU; the widgets are the real ones, clicked and dragged offscreen."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QPoint, Qt

from engine.settings import replace_setting

SMALL = {"size": 48, "num_iterations": 400, "gallery_every": 1}


def ready_page(qtbot, window, tmp_path, **settings):
    page = window.open_lesson("neural-style-transfer")
    # TensorFlow's first import takes minutes on a loaded 2-core machine
    qtbot.waitUntil(lambda: page.tensorflow_ready and page.painting_input() is not None,
                    timeout=400000)
    values = page.settings_panel.values()
    for name, value in {**SMALL, "output_dir": str(tmp_path / "out"),
                        "network": "embedded (random filters)", **settings}.items():
        values = replace_setting(values, name, value)
    page.settings_panel.set_values(values)
    return page


def click_row(qtbot, gallery, row, modifier=Qt.NoModifier):
    rect = gallery.list.visualItemRect(gallery.list.item(row))
    qtbot.mouseClick(gallery.list.viewport(), Qt.LeftButton, modifier, rect.center())


def wait_painting(qtbot, page, after=0):
    qtbot.waitUntil(lambda: len(page.canvas.snapshots) > after, timeout=120000)


def stop_and_wait(qtbot, page):
    if page.running:
        qtbot.mouseClick(page.controls.stop_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: not page.running and page.controls.state == "finished",
                    timeout=60000)


def test_pictures_picked_in_the_gallery_are_what_the_canvas_shows(qtbot, window, tmp_path):
    page = ready_page(qtbot, window, tmp_path)
    titles = [page.tabs.tabText(i) for i in range(page.tabs.count())]
    assert titles == ["Canvas", "Pictures", "Runs"]
    # the galleries start on the pictures the settings name (the lesson's defaults)
    defaults = page.lesson.default_settings()
    assert page.content[0].source == defaults.content
    assert [p.source for p in page.styles] == [defaults.style]
    assert page.styles[0].title in page.provenance.text()
    page.tabs.setCurrentWidget(page.pictures)
    content = page.content_gallery
    row = [p.source for p in content.pictures()].index("coffee")
    click_row(qtbot, content, row)
    assert page.content[0].title == "Coffee"
    assert np.array_equal(page.canvas.content_view.picture(), page.content[0].image)
    assert page.settings_panel.values().content == "coffee"
    styles = page.style_gallery
    click_row(qtbot, styles, 0)
    click_row(qtbot, styles, 1, Qt.ControlModifier)     # blend two styles
    assert len(page.styles) == 2
    assert page.settings_panel.values().style == ";".join(p.source for p in page.styles)
    assert "50%" in page.canvas.style_view.caption.text()
    # the blend sliders: the second style counts a quarter as much as the first
    assert page.blend.isVisible() and len(page.blend.sliders) == 2
    page.blend.sliders[1].setValue(25)
    chosen = page.painting_input()
    assert chosen["content"] is page.content[0].image and len(chosen["styles"]) == 2
    assert chosen["style_weights"] == [100.0, 25.0]
    assert page.settings_panel.values().style_blend == "100;25"
    assert "80%" in page.canvas.style_view.caption.text()
    click_row(qtbot, styles, 2)                           # one style again: no blend
    assert not page.blend.isVisible() and page.painting_input()["style_weights"] == [1.0]
    # the painting-size presets set the size setting
    qtbot.mouseClick(page.size_buttons[200], Qt.LeftButton)
    assert page.settings_panel.values().size == 200 and page.size_buttons[200].isChecked()
    assert not page.size_buttons[48 if 48 in page.size_buttons else 300].isChecked()


def test_the_picture_paints_live_and_the_balance_steers_the_running_job(qtbot, window,
                                                                        tmp_path):
    page = ready_page(qtbot, window, tmp_path)
    assert "embedded" in page.canvas.network_label.text() or \
        "network" in page.canvas.network_label.text()
    qtbot.mouseClick(page.controls.train_button, Qt.LeftButton)
    wait_painting(qtbot, page, after=2)
    assert "embedded" in page.canvas.network_label.text()
    shown = page.canvas.shown_picture()
    assert shown.dtype == np.uint8 and max(shown.shape[:2]) == 48
    slider = page.canvas.balance.slider
    before = page.canvas.balance.beta
    # drag the handle to the right end: more style
    qtbot.mousePress(slider, Qt.LeftButton, pos=QPoint(slider.width() // 2,
                                                       slider.height() // 2))
    qtbot.mouseMove(slider, QPoint(slider.width() - 2, slider.height() // 2))
    qtbot.mouseRelease(slider, Qt.LeftButton, pos=QPoint(slider.width() - 2,
                                                         slider.height() // 2))
    beta = page.canvas.balance.beta
    assert beta > before
    assert page.settings_panel.values().beta == beta
    assert page.job.control.live("beta", None) == beta      # the running job hears it
    redraws = page.canvas.generated_view.area.redraws
    qtbot.waitUntil(lambda: page.canvas.generated_view.area.redraws > redraws + 2,
                    timeout=60000)
    qtbot.waitUntil(lambda: page.canvas.cost_plot.point_count() > 2, timeout=30000)
    stop_and_wait(qtbot, page)


def test_step_paints_one_iteration_and_the_picture_changes(qtbot, window, tmp_path):
    page = ready_page(qtbot, window, tmp_path)
    qtbot.mouseClick(page.controls.train_button, Qt.LeftButton)
    wait_painting(qtbot, page, after=1)
    qtbot.mouseClick(page.controls.pause_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: page.job.control.paused, timeout=10000)
    qtbot.wait(600)     # the iteration under way ends and its picture arrives
    iteration, before = page.canvas.snapshots[-1][0], page.canvas.shown_picture().copy()
    qtbot.mouseClick(page.controls.step_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: page.canvas.snapshots[-1][0] == iteration + 1, timeout=60000)
    qtbot.waitUntil(lambda: not np.array_equal(page.canvas.shown_picture(), before),
                    timeout=10000)
    assert f"iteration {iteration + 1}" in page.canvas.generated_view.caption.text()
    stop_and_wait(qtbot, page)


def test_export_writes_a_png_and_a_time_lapse(qtbot, window, tmp_path):
    # a gallery frame every 2 iterations: the time-lapse holds them however fast the
    # run went (the bridge passes on only the newest picture of a burst)
    page = ready_page(qtbot, window, tmp_path, num_iterations=6, gallery_every=2)
    qtbot.mouseClick(page.controls.train_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: page.controls.state == "finished", timeout=120000)
    assert len(page.canvas.time_lapse_frames()) >= 3
    assert page.canvas.save_picture_button.isEnabled()
    page.save_picture_to(tmp_path / "painting.png")
    qtbot.waitUntil(lambda: "Saved painting.png" in page.controls.status.text(),
                    timeout=10000)
    saved = np.asarray(Image.open(tmp_path / "painting.png"))
    assert np.array_equal(saved, page.canvas.shown_picture())
    page.save_time_lapse_to(tmp_path / "lapse.gif")
    qtbot.waitUntil(lambda: "Saved lapse.gif" in page.controls.status.text(), timeout=10000)
    with Image.open(tmp_path / "lapse.gif") as gif:
        assert gif.n_frames == len(page.canvas.time_lapse_frames()) >= 2


def test_a_corrupt_picture_gives_one_sentence_and_keeps_the_previous_one(qtbot, window,
                                                                         tmp_path):
    page = ready_page(qtbot, window, tmp_path)
    before = page.content[0]
    bad = tmp_path / "holiday.jpg"
    bad.write_bytes(b"\xff\xd8\xff\xe0 this is not a photo")
    page.content_gallery.add_file(bad)
    qtbot.waitUntil(lambda: "holiday.jpg" in page.content_gallery.message.text()
                    and not page.content_gallery.busy(), timeout=10000)
    message = page.content_gallery.message.text()
    assert "is not a picture" in message and "\n" not in message
    assert page.content[0] is before
    assert np.array_equal(page.canvas.content_view.picture(), before.image)


def test_train_without_pictures_says_what_is_missing(qtbot, window, tmp_path):
    page = ready_page(qtbot, window, tmp_path)
    page.styles = []
    qtbot.mouseClick(page.controls.train_button, Qt.LeftButton)
    assert "style picture" in page.controls.status.text()
    assert not page.running and page.controls.state == "idle"


@pytest.mark.parametrize("size", ["1280x720", "1600x1000"])
def test_the_canvas_fits_the_window(qtbot, window, tmp_path, size):
    width, height = (int(v) for v in size.split("x"))
    window.resize(width, height)
    page = ready_page(qtbot, window, tmp_path)
    qtbot.wait(100)
    canvas = page.canvas
    # everything in sight at once, without scrolling the tab: what is painted, the
    # balance, the time-lapse and the curves
    view = canvas.parentWidget()
    for widget in (canvas.generated_view.area, canvas.balance.slider, canvas.scrubber,
                   canvas.save_lapse_button, canvas.cost_plot):
        assert widget.isVisible()
        corner = widget.mapTo(view, QPoint(widget.width(), widget.height()))
        assert corner.x() <= view.width() and corner.y() <= view.height(), widget
    assert canvas.generated_view.area.width() >= 200
