"""What the page tests share: opening a lesson page in the main window with settings."""
from __future__ import annotations

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
