"""The Runs tab, driven as a user would: train, look at the history, compare two
runs, come back in a new window, delete."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from engine.run_history import RunHistory, close_shared_histories, default_path
from engine.settings import replace_setting
from playground.main_window import MainWindow

PLANAR = "planar-one-hidden-layer"


def make_window(qtbot):
    win = MainWindow()
    qtbot.addWidget(win)
    win.resize(1400, 850)
    win.show()
    return win


@pytest.fixture
def window(qtbot):
    win = make_window(qtbot)
    yield win
    win.close()
    close_shared_histories()


def open_page(qtbot, window, lesson_id):
    page = window.open_lesson(lesson_id)
    qtbot.waitUntil(lambda: page.dataset is not None, timeout=30000)
    return page


def train(qtbot, page, **settings):
    values = page.settings_panel.values()
    for name, value in settings.items():
        values = replace_setting(values, name, value)
    page.settings_panel.set_values(values)
    with qtbot.waitSignal(page.run_recorded, timeout=30000) as recorded:
        qtbot.mouseClick(page.findChild(QPushButton, "trainButton"), Qt.LeftButton)
    return recorded.args[0]


def show_runs_tab(qtbot, page):
    bar = page.tabs.tabBar()
    index = page.tabs.indexOf(page.runs_panel)
    assert page.tabs.tabText(index) == "Runs"
    qtbot.mouseClick(bar, Qt.LeftButton, pos=bar.tabRect(index).center())
    qtbot.waitUntil(lambda: page.runs_panel.isVisible(), timeout=5000)
    return page.runs_panel


def click_row(qtbot, panel, row, modifier=Qt.NoModifier):
    rect = panel.table.visualRect(panel.model.index(row, 1))
    qtbot.mouseClick(panel.table.viewport(), Qt.LeftButton, modifier, rect.center())


def rows(panel):
    return panel.model.rowCount()


def column(panel, name):
    return [panel.cell(r, name) for r in range(rows(panel))]


def test_runs_are_listed_compared_kept_and_deleted(qtbot, window):
    page = open_page(qtbot, window, PLANAR)
    panel = show_runs_tab(qtbot, page)
    assert rows(panel) == 0 and "No runs yet" in panel.summary.text()
    first = train(qtbot, page, num_iterations=60)
    # The tab is visible while training: the new run appears without a click.
    qtbot.waitUntil(lambda: rows(panel) == 1, timeout=5000)
    second = train(qtbot, page, num_iterations=60, n_h=3)
    qtbot.waitUntil(lambda: rows(panel) == 2, timeout=5000)
    assert isinstance(first, int) and second > first
    assert column(panel, "#") == [str(second), str(first)]          # newest first
    assert column(panel, "Outcome") == ["finished", "finished"]
    assert column(panel, "Changed settings") == ["n_h=3, num_iterations=60",
                                                 "num_iterations=60"]
    assert "train" in column(panel, "Result")[0] and "%" in column(panel, "Result")[0]
    assert "Flower" in column(panel, "Data")[0]

    click_row(qtbot, panel, 0)
    assert panel.selected_ids() == [second] and len(panel.curve_items) == 1
    click_row(qtbot, panel, 1, Qt.ControlModifier)
    assert sorted(panel.selected_ids()) == [first, second]
    names = sorted(item.name() for item in panel.curve_items)
    assert names == [f"run #{first}", f"run #{second}"]
    for item in panel.curve_items:
        xs, ys = item.getData()
        assert len(xs) == 60 and ys[-1] < ys[0]   # each run's own falling curve
    assert panel.difference_names() == ["n_h"]   # only the setting that changed
    cells = {panel.differences.item(0, c).text() for c in range(2)}
    assert cells == {"3", "4"}
    assert panel.delete_button.isEnabled()
    qtbot.mouseClick(panel.log_axis, Qt.LeftButton)
    assert panel.plot.getAxis("left").logMode

    # A new window (a new session) reads the same history from disk.
    window.close()
    close_shared_histories()
    again = make_window(qtbot)
    try:
        page = open_page(qtbot, again, PLANAR)
        panel = show_runs_tab(qtbot, page)
        assert column(panel, "#") == [str(second), str(first)]
        click_row(qtbot, panel, 1)
        asked = []
        panel.confirm = lambda count: asked.append(count) or False
        qtbot.mouseClick(panel.delete_button, Qt.LeftButton)
        assert asked == [1] and rows(panel) == 2   # said no: nothing gone
        panel.confirm = lambda count: True
        qtbot.mouseClick(panel.delete_button, Qt.LeftButton)
        assert column(panel, "#") == [str(second)]
        with RunHistory(default_path()) as history:
            assert [r.id for r in history.runs(PLANAR)] == [second]
            assert history.get(first) is None
    finally:
        again.close()


def test_stopped_and_diverged_runs_are_recorded(qtbot, window):
    page = open_page(qtbot, window, "deep-step-by-step")
    values = replace_setting(page.settings_panel.values(), "num_iterations", 50000)
    page.settings_panel.set_values(values)
    with qtbot.waitSignal(page.run_recorded, timeout=30000):
        qtbot.mouseClick(page.findChild(QPushButton, "trainButton"), Qt.LeftButton)
        qtbot.waitUntil(lambda: page.cost_plot.point_count() >= 2, timeout=30000)
        qtbot.mouseClick(page.findChild(QPushButton, "stopButton"), Qt.LeftButton)
    train(qtbot, page, num_iterations=300, learning_rate=10.0,
          hidden_layers=((50, "relu"), (50, "relu")))
    panel = show_runs_tab(qtbot, page)
    assert column(panel, "Outcome") == ["diverged", "stopped"]
    tooltip = panel.model.data(panel.model.index(0, 3), Qt.ToolTipRole)
    assert "cost became" in tooltip


def test_unreadable_history_is_replaced_and_said_in_the_tab(qtbot, window):
    path = default_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"not a database at all" * 20)
    page = open_page(qtbot, window, PLANAR)
    panel = show_runs_tab(qtbot, page)
    train(qtbot, page, num_iterations=30)
    qtbot.waitUntil(lambda: rows(panel) == 1, timeout=5000)
    assert panel.notice.isVisible() and "moved to" in panel.notice.text()


def test_a_tampered_history_is_listed_without_a_crash(qtbot, window):
    """Rows edited by hand (a start time that is text or 1e300, settings that are a
    JSON list, curve points that are not JSON) once raised inside showEvent and took
    the app down. Now bad rows are skipped or repaired, with a sentence above the table."""
    import sqlite3
    page = open_page(qtbot, window, PLANAR)
    first = train(qtbot, page, num_iterations=40)
    second = train(qtbot, page, num_iterations=50)
    third = train(qtbot, page, num_iterations=60)
    close_shared_histories()
    conn = sqlite3.connect(default_path())
    conn.execute("UPDATE runs SET started_at = 'yesterday' WHERE id = ?", (first,))
    conn.execute("UPDATE runs SET settings = '[1, 2]', metrics = ? WHERE id = ?",
                 ("[" * 4000 + "]" * 4000, second))
    conn.execute("UPDATE curves SET points = 'not json' WHERE run_id = ?", (third,))
    conn.commit()
    conn.close()
    panel = show_runs_tab(qtbot, page)   # showEvent: must not raise
    assert column(panel, "#") == [str(third), str(second)]
    assert panel.notice.isVisible() and "could not be read" in panel.notice.text()
    click_row(qtbot, panel, 0)
    assert panel.curve_items == [] and "cost curve" in panel.history.notice
    click_row(qtbot, panel, 1, Qt.ControlModifier)
    assert panel.cell(1, "Changed settings") == "defaults"


def test_an_exception_in_a_handler_becomes_a_sentence(qtbot, window, monkeypatch):
    page = open_page(qtbot, window, PLANAR)

    def broken(_lesson_id):
        raise RuntimeError("the disk went away")
    monkeypatch.setattr(page.runs_panel.history, "runs", broken)
    panel = show_runs_tab(qtbot, page)   # pytest-qt fails the test if anything escapes
    assert panel.notice.isVisible()
    assert panel.notice.text() == ("Could not show the runs: the disk went away "
                                   "(RuntimeError).")
