"""What the page tests share: opening a lesson page in the main window with settings."""
from __future__ import annotations

from PySide6.QtCore import QPointF, Qt

from engine.settings import replace_setting


def open_page(qtbot, window, lesson_id, **settings):
    """Open a training page, wait for its data, then set ``settings`` in its panel."""
    page = window.open_lesson(lesson_id)
    qtbot.waitUntil(lambda: page.dataset is not None, timeout=30000)
    if settings:
        values = page.settings_panel.values()
        for name, value in settings.items():
            values = replace_setting(values, name, value)
        page.settings_panel.set_values(values)
    return page


def click_plot(qtbot, plot, x, y, shift=False):
    """Click a DecisionBoundaryPlot at data point (x, y), as a learner adds a point."""
    scene_pos = plot.plot.vb.mapViewToScene(QPointF(x, y))
    modifier = Qt.KeyboardModifier.ShiftModifier if shift else Qt.KeyboardModifier.NoModifier
    with qtbot.waitSignal(plot.point_added, timeout=2000):
        qtbot.mouseClick(plot.plot_widget.viewport(), Qt.MouseButton.LeftButton, modifier,
                         plot.plot_widget.mapFromScene(scene_pos))
