"""Every page fits a laptop screen: opened at 1280x720 and 1366x768, no visible label,
button or combo box is squeezed below what its text needs, no table's column title
is cut off, no plot is narrower than its title and axes, no tab bar needs its scroll
arrows, and the window never grows by itself.

The lessons come from the registry, so a page added later is checked too.
"""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QAbstractButton, QComboBox, QHeaderView, QLabel,
                               QTabBar, QToolButton)

from engine.lessons import lesson_ids

SIZES = ((1280, 720), (1366, 768))


def squeezed_widgets(page, window) -> list[str]:
    """Visible labels, buttons and combo boxes narrower than their minimum size hint."""
    bad = []
    for kind in (QLabel, QAbstractButton, QComboBox):
        for widget in page.findChildren(kind):
            if not widget.isVisible() or widget.width() <= 0:
                continue
            if isinstance(widget, QToolButton) and isinstance(widget.parent(), QTabBar):
                continue   # a tab bar's scroll arrows: checked by tab_overflow below
            need = widget.minimumSizeHint().width()
            if widget.width() + 1 < need:
                text = widget.currentText() if isinstance(widget, QComboBox) else widget.text()
                bad.append(f"{type(widget).__name__} {text[:40]!r}: {widget.width()} px "
                           f"of the {need} it needs")
    return bad


def clipped_headers(page) -> list[str]:
    """Visible table column titles narrower than the header says their text needs
    (Qt cuts a title at both ends: "left, top" showed as "eft, top")."""
    bad = []
    for header in page.findChildren(QHeaderView):
        if header.orientation() != Qt.Orientation.Horizontal or not header.isVisible():
            continue
        model = header.model()
        for section in range(header.count()):
            if header.isSectionHidden(section):
                continue
            title = model.headerData(section, Qt.Orientation.Horizontal)
            need = header.sectionSizeFromContents(section).width()
            if title and header.sectionSize(section) + 1 < need:
                bad.append(f"column title {str(title)!r} of {header.parent().objectName()!r}: "
                           f"{header.sectionSize(section)} px of the {need} it needs")
    return bad


def clipped_plots(page) -> list[str]:
    """Visible plots narrower or shorter than their title, axes and legend need:
    pyqtgraph lays its scene out at that size anyway and the widget cuts it off
    ("The four loss terms (per p", a baseline tile's title and x axis)."""
    import pyqtgraph as pg
    from playground.panels.style import plot_minimum_width
    bad = []
    for plot in page.findChildren(pg.PlotWidget):
        if not plot.isVisible() or plot.width() <= 0:
            continue
        need = plot_minimum_width(plot) - 2
        if plot.width() + 1 < need:
            title = plot.getPlotItem().titleLabel.text or plot.objectName() \
                or type(plot.parent()).__name__
            bad.append(f"plot {title[:40]!r}: {plot.width()} px of the {need} it needs")
    return bad


def tab_overflow(page) -> list[str]:
    tabs = getattr(page, "tabs", None)
    if tabs is None or not tabs.isVisible():
        return []
    bar = tabs.tabBar()
    need = sum(bar.tabSizeHint(i).width() for i in range(bar.count()))
    return [f"tab bar needs {need} px, has {tabs.width()}"] if need > tabs.width() else []


def wait_for_page(qtbot, page) -> None:
    """Let the page load its data first (labels change their text when it is in);
    a page that loads nothing (or takes long) is checked as it stands."""
    if getattr(page.lesson, "load_data", None) is not None and hasattr(page, "dataset"):
        try:
            qtbot.waitUntil(lambda: page.dataset is not None
                            or "c62828" in page.provenance.text(), timeout=30000)
        except qtbot.TimeoutError:
            pass
    qtbot.wait(50)


def shortcut(action) -> str:
    return action.shortcut().toString()


@pytest.fixture
def laptop_window(qtbot):
    from playground.lessons.base import TrainingPage
    from playground.main_window import MainWindow
    TrainingPage.record_history = False
    win = MainWindow()
    qtbot.addWidget(win)
    win.resize(*SIZES[0])
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.close()
    TrainingPage.record_history = True


def test_every_page_fits_1280x720_and_1366x768(qtbot, laptop_window):
    win = laptop_window
    problems = []
    for width, height in SIZES:
        win.resize(width, height)
        for lesson_id in lesson_ids():
            page = win.open_lesson(lesson_id)
            wait_for_page(qtbot, page)
            if (win.width(), win.height()) != (width, height):
                problems.append(f"{lesson_id}: the window grew to {win.width()}x{win.height()}")
                win.resize(width, height)
            for index in range(page.tabs.count() if hasattr(page, "tabs") else 1):
                if hasattr(page, "tabs"):
                    page.tabs.setCurrentIndex(index)
                    qtbot.wait(10)
                problems += [f"{lesson_id} at {width}x{height}: {p}"
                             for p in squeezed_widgets(page, win) + clipped_headers(page)
                             + clipped_plots(page) + tab_overflow(page)]
    assert not problems, "\n".join(sorted(set(problems)))


def test_lesson_list_and_text_fold_away_and_come_back(qtbot, laptop_window):
    win = laptop_window
    win.resize(1600, 1000)
    page = win.open_lesson("planar-one-hidden-layer")
    wait_for_page(qtbot, page)
    assert win.navigator_shown()              # wide window: the list stays
    list_width = win.navigator.width()
    assert shortcut(win.navigator_action) == "Ctrl+L"
    win.navigator_action.trigger()
    assert not win.navigator_shown()
    bench = page.work_area.width()
    assert shortcut(win.text_action) == "Ctrl+T"
    win.text_action.trigger()
    assert not page.text_shown() and page.work_area.width() > bench
    win.text_action.trigger()
    assert page.text_shown() and page.text.width() >= 240
    qtbot.mouseClick(win.lessons_button, Qt.MouseButton.LeftButton)
    assert win.navigator_shown() and win.navigator.width() == list_width
    win.open_lesson("numpy-basics")           # opening pages never changes the list's width
    assert win.navigator.width() == list_width and win.width() == 1600


def test_a_narrow_window_folds_the_list_when_a_lesson_opens(qtbot, laptop_window):
    win = laptop_window
    assert win.navigator_shown()              # the welcome page shows the list
    page = win.open_lesson("logistic-regression")
    wait_for_page(qtbot, page)
    assert not win.navigator_shown() and win.width() == 1280
    win.show_welcome()
    assert win.navigator_shown()


def test_reading_mode_gives_the_text_the_whole_page_and_gives_it_back(qtbot, laptop_window):
    # Issue 12, point 8: a readable text column, resizable, with a reading mode.
    win = laptop_window
    page = win.open_lesson("optimization")
    wait_for_page(qtbot, page)
    narrow = page.text.width()
    assert narrow >= 280                          # a readable column by default at 1280
    assert shortcut(win.reading_action) == "Ctrl+R"
    win.reading_action.trigger()
    qtbot.wait(20)
    assert page.reading_mode() and not page.work_area.isVisible()
    assert page.text.width() > 2 * narrow
    win.reading_action.trigger()
    qtbot.wait(20)
    assert not page.reading_mode() and page.work_area.isVisible()
    assert abs(page.text.width() - narrow) <= 2
    # the column is resizable: dragging the splitter is remembered by the page
    sizes = page.splitter.sizes()
    page.splitter.setSizes([sizes[0] + 100, sizes[1] - 100])
    assert page.text.width() >= narrow + 90


@pytest.mark.parametrize("lesson_id", ["tensorflow-signs", "resnet50"])
def test_tab_bar_fits_with_the_real_photos_tab_too(qtbot, laptop_window, monkeypatch,
                                                   lesson_id):
    # With the course's test_signs.h5 a "Real test photos" tab joins the six others.
    from course_paths import course_folder
    folder = course_folder()
    if not (folder / "test_signs.h5").is_file():
        pytest.skip(f"test_signs.h5 not found in {folder}")
    monkeypatch.setenv("DL_PLAYGROUND_DATA", str(folder))
    win = laptop_window
    win.resize(1366, 768)
    page = win.open_lesson(lesson_id)
    wait_for_page(qtbot, page)
    qtbot.waitUntil(lambda: page.tabs.tabText(page.tabs.count() - 1) == "Real test photos"
                    or page.tabs.count() >= 7, timeout=30000)
    assert not tab_overflow(page)
