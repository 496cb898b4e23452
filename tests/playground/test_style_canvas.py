"""The style-transfer canvas and picture galleries, driven like a learner would."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent

from engine.data.style_pictures import shipped_pictures
from playground.panels.style_canvas import MAX_SNAPSHOTS, StyleCanvas
from playground.panels.style_gallery import PictureGallery


def _gallery(qtbot, kind="content", **kw):
    gallery = PictureGallery(kind, kind.title(), **kw)
    qtbot.addWidget(gallery)
    gallery.resize(500, 160)
    gallery.show()
    qtbot.waitUntil(lambda: gallery.list.count() == len(shipped_pictures(kind)), timeout=10000)
    return gallery


def _click(qtbot, gallery, row, modifier=Qt.NoModifier):
    rect = gallery.list.visualItemRect(gallery.list.item(row))
    qtbot.mouseClick(gallery.list.viewport(), Qt.LeftButton, modifier, rect.center())


def test_the_shipped_pictures_come_up_and_a_click_chooses_one(qtbot):
    gallery = _gallery(qtbot)
    assert gallery.selected()[0].title == "Chelsea the cat"   # the default
    with qtbot.waitSignal(gallery.chosen) as chosen:
        _click(qtbot, gallery, 2)
    assert [p.title for p in chosen.args[0]] == ["Coffee"]
    assert chosen.args[0][0].image.shape == (267, 400, 3)


def test_ctrl_click_blends_several_styles(qtbot):
    gallery = _gallery(qtbot, "style", multiple=True)
    _click(qtbot, gallery, 0)
    with qtbot.waitSignal(gallery.chosen) as chosen:
        _click(qtbot, gallery, 2, Qt.ControlModifier)
    assert len(chosen.args[0]) == 2


def test_a_dropped_file_is_added_and_chosen(qtbot, tmp_path):
    path = tmp_path / "mine.png"
    Image.new("RGB", (90, 60), (250, 0, 0)).save(path)
    gallery = _gallery(qtbot)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    drop = QDropEvent(QPointF(20, 20), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    with qtbot.waitSignal(gallery.chosen, timeout=10000) as chosen:
        gallery.dropEvent(drop)
    picture = chosen.args[0][0]
    assert picture.title == "mine.png" and picture.own
    assert tuple(picture.image[0, 0]) == (250, 0, 0)
    assert gallery.list.count() == len(shipped_pictures("content")) + 1


def test_a_corrupt_file_gives_one_sentence_and_keeps_the_choice(qtbot, tmp_path):
    path = tmp_path / "broken.jpg"
    path.write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    gallery = _gallery(qtbot)
    _click(qtbot, gallery, 1)
    before = gallery.selected()[0].title
    gallery.add_file(path)
    qtbot.waitUntil(lambda: "broken.jpg" in gallery.message.text() and not gallery.busy(),
                    timeout=10000)
    text = gallery.message.text()
    assert "is not a picture" in text and "\n" not in text
    assert gallery.selected()[0].title == before
    assert gallery.list.count() == len(shipped_pictures("content"))


def test_no_webcam_gives_one_sentence(qtbot):
    gallery = _gallery(qtbot)
    gallery.camera = 97     # no such camera on any test machine
    qtbot.mouseClick(gallery.webcam_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: not gallery.busy(), timeout=15000)
    assert gallery.message.text() and "Traceback" not in gallery.message.text()
    assert gallery.webcam_button.isEnabled()


def _canvas(qtbot):
    canvas = StyleCanvas()
    qtbot.addWidget(canvas)
    canvas.resize(700, 600)
    canvas.show()
    return canvas


def _picture(value, h=30, w=40):
    return np.full((h, w, 3), value, np.uint8)


def test_the_canvas_follows_the_painting_and_scrubs_back(qtbot):
    canvas = _canvas(qtbot)
    assert not canvas.save_picture_button.isEnabled()
    for i in range(5):
        canvas.show_generated(_picture(10 * i), i)
    assert canvas.shown_picture()[0, 0, 0] == 40
    assert "iteration 4" in canvas.generated_view.caption.text()
    canvas.scrubber.setValue(1)           # back in time: the picture of iteration 1
    assert canvas.shown_picture()[0, 0, 0] == 10
    canvas.show_generated(_picture(50), 5)  # painting goes on; the view stays put
    assert canvas.shown_picture()[0, 0, 0] == 10
    canvas.scrubber.setValue(canvas.scrubber.maximum())   # right end: live again
    assert canvas.shown_picture()[0, 0, 0] == 50
    assert len(canvas.time_lapse_frames()) == 6
    assert canvas.save_picture_button.isEnabled() and canvas.save_lapse_button.isEnabled()


def test_the_time_lapse_is_thinned_evenly(qtbot):
    canvas = _canvas(qtbot)
    for i in range(MAX_SNAPSHOTS + 30):
        canvas.show_generated(_picture(i % 250, 4, 4), i)
    iterations = [i for i, _ in canvas.snapshots]
    assert len(iterations) <= MAX_SNAPSHOTS and iterations[0] == 0
    assert iterations[-1] >= MAX_SNAPSHOTS + 28
    gaps = np.diff(iterations)
    assert gaps.max() <= 4


def test_the_balance_slider_moves_beta(qtbot):
    canvas = _canvas(qtbot)
    canvas.balance.set_weights(10, 40)
    with qtbot.waitSignal(canvas.balance_changed) as moved:
        canvas.balance.slider.setValue(canvas.balance.slider.maximum())
    alpha, beta = moved.args
    assert alpha == 10 and beta == 1e6
    assert "β = 1e+06" in canvas.balance.value_label.text()
    handle = canvas.balance.slider
    qtbot.mouseClick(handle, Qt.LeftButton, pos=QPoint(3, handle.height() // 2))
    assert canvas.balance.beta < 1e6


def test_the_cost_curves_take_rows_and_skip_zeros(qtbot):
    canvas = _canvas(qtbot)
    rows = [(i, 100.0 / (i + 1), 0.0 if i == 0 else 1.0, 10.0 / (i + 1)) for i in range(20)]
    canvas.cost_plot.update_costs(rows[:5])
    canvas.cost_plot.update_costs(rows)
    assert canvas.cost_plot.point_count() == 20
    x, y = canvas.cost_plot.curves["content"].getData()
    assert len(x) == 20 and np.isnan(y[0])
    canvas.clear_generated()
    assert canvas.cost_plot.point_count() == 0 and canvas.shown_picture() is None


def test_styles_blended_are_shown_side_by_side(qtbot):
    canvas = _canvas(qtbot)
    canvas.set_styles([_picture(0, 20, 20), _picture(255, 40, 20)], ["A", "B"], [0.5, 0.5])
    shown = canvas.style_view.picture()
    assert shown.shape[0] == 20 and shown.shape[1] == 20 + 4 + 10
    assert "A 50% + B 50%" in canvas.style_view.caption.text()


def test_the_empty_cost_plot_shows_whole_decades_then_follows_the_costs(qtbot):
    from playground.panels.style_canvas import StyleCostPlot

    plot = StyleCostPlot()
    qtbot.addWidget(plot)
    # log10 units: 10^0 .. 10^6 before any cost (not the minor ticks of one decade)
    assert plot.plot.viewRange()[1] == pytest.approx([0, 6])
    plot.update_costs([[0, 5e8, 2e3, 1e8], [1, 4e8, 3e3, 8e7]])
    plot.plot.getViewBox().updateAutoRange()
    y_low, y_high = plot.plot.viewRange()[1]
    assert y_low <= np.log10(2e3) and y_high >= np.log10(5e8)   # the curves are in view
    plot.clear()
    assert plot.point_count() == 0 and plot.plot.viewRange()[1] == pytest.approx([0, 6])
