"""The welcome page (a clickable map of the lessons, what data is here), Help (F1),
and lessons numbered and named as their course's (issue 12, points 9 and 10)."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from engine.lessons import all_lessons, lesson_ids


def test_the_window_opens_on_the_welcome_page_with_every_lesson_on_its_map(qtbot, window):
    assert window.stack.currentWidget() is window.welcome
    lesson_map = window.welcome.map
    ids = [lesson_map.item(i).data(Qt.ItemDataRole.UserRole) for i in range(lesson_map.count())]
    assert ids == lesson_ids()
    for i in range(lesson_map.count()):
        assert not lesson_map.item(i).icon().isNull()      # a picture for every lesson
    # a click on a picture opens that lesson
    item = lesson_map.item(ids.index("initialization"))
    rect = lesson_map.visualItemRect(item)
    qtbot.mouseClick(lesson_map.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    page = window.stack.currentWidget()
    assert page.lesson.id == "initialization"
    assert window.navigator.currentItem().data(0, Qt.UserRole) == "initialization"
    window.welcome_action.trigger()
    assert window.stack.currentWidget() is window.welcome


def test_welcome_page_says_which_files_are_found_and_which_lessons_use_stand_ins(
        qtbot, window, tmp_path, monkeypatch):
    text = window.welcome.data_label.text()
    assert "Course files found:</b> none" in text        # the tests hide the course files
    assert "On stand-in data" in text and "1.2 Logistic regression" in text
    # a real data.mat appears: regularization is no longer on a stand-in
    monkeypatch.setenv("DL_PLAYGROUND_DATA", str(tmp_path))
    (tmp_path / "data.mat").write_bytes(b"not read here, only found")
    window.welcome.refresh()
    text = window.welcome.data_label.text()
    assert "Course files found:</b> data.mat." in text
    assert "2.1.2 Regularization" not in text.split("On stand-in data")[1]
    assert str(tmp_path) in text                          # where course files go


def test_help_names_the_shortcuts_and_the_folders(qtbot, window, tmp_path, monkeypatch):
    monkeypatch.setenv("DL_PLAYGROUND_DATA", str(tmp_path))
    help_action = next(a for m in window.menuBar().actions() for a in m.menu().actions()
                       if a.shortcut().toString() == "F1")
    help_action.trigger()
    dialog = window._help
    qtbot.addWidget(dialog)
    text = dialog.browser.toPlainText()
    for key in ("F1", "Ctrl+L", "Ctrl+T", "Ctrl+R", "Ctrl+I"):
        assert key in text
    assert str(tmp_path) in text and "DL_PLAYGROUND_DATA" in text
    assert "Import course files" in text and "weights" in text
    dialog.close()


def test_course_4_lessons_are_numbered_as_course_4s_with_full_names_on_hover(window):
    for i in range(window.navigator.topLevelItemCount()):
        course = window.navigator.topLevelItem(i)
        number = course.text(0).split()[1]
        assert course.toolTip(0) == course.text(0)
        for j in range(course.childCount()):
            item = course.child(j)
            assert item.text(0).split(".")[0] == number, item.text(0)
    lessons = {lesson.id: lesson for lesson in all_lessons()}
    item = window.item_for("cnn-step-by-step")
    assert item.text(0).startswith("4.1")
    assert lessons["cnn-step-by-step"].title in item.toolTip(0)
    page = window.open_lesson("resnet50")
    title = page.findChild(QLabel, "lessonTitle")
    assert "4.4" in title.text()


def test_boundary_legends_name_the_colours_they_show(qtbot):
    from playground.panels.boundary_plot import DecisionBoundaryPlot
    plot = DecisionBoundaryPlot()
    qtbot.addWidget(plot)
    names = [label.text for _item, label in plot.legend.items]
    assert "class 0 (orange)" in names and "class 1 (blue)" in names


def test_thumbnails_are_committed_small_for_every_lesson():
    from playground.welcome import THUMBNAILS_DIR
    for lesson_id in lesson_ids():
        path = THUMBNAILS_DIR / f"{lesson_id}.png"
        assert path.is_file(), f"run python -m playground.thumbnails {lesson_id}"
        assert path.stat().st_size < 120_000


def test_thumbnail_script_writes_a_picture_of_a_page(qtbot, window, tmp_path):
    from playground.thumbnails import make_thumbnail
    from PySide6.QtGui import QImage
    from PySide6.QtWidgets import QApplication
    path = make_thumbnail(QApplication.instance(), window, "numpy-basics", tmp_path)
    image = QImage(str(path))
    assert not image.isNull() and image.width() <= 448 and image.height() <= 252
    assert path.stat().st_size > 1000
