"""The main window: a lesson navigator (course -> lesson) and the lesson's page."""
from __future__ import annotations

import sys

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (QFileDialog, QMainWindow, QMessageBox, QSplitter,
                               QStackedWidget, QToolButton, QTreeWidget, QTreeWidgetItem)

from engine.lessons import all_lessons, get_lesson
from playground.bridge import BackgroundTask
from playground.gui_gc import collect_on_gui_thread
from playground.safe_slots import guarded
from playground.welcome import WelcomePage

NAVIGATOR_WIDTH = 210
# Below this window width a lesson page needs the room: opening one folds the lesson
# list away (Ctrl+L, the "Lessons" button or the welcome page bring it back).
FOLD_NAVIGATOR_BELOW = 1440


class MainWindow(QMainWindow):
    def __init__(self) -> None:
        super().__init__()
        collect_on_gui_thread()
        self.setWindowTitle("DL Playground")
        self.resize(1500, 900)
        self.pages: dict[str, object] = {}
        self.navigator = QTreeWidget()
        self.navigator.setObjectName("lessonNavigator")
        self.navigator.setHeaderHidden(True)
        self.navigator.setMinimumWidth(150)
        self.navigator.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.stack = QStackedWidget()
        self.welcome = WelcomePage()
        self.welcome.lesson_chosen.connect(self.open_lesson)
        self.welcome.import_requested.connect(self.import_course_files)
        self.welcome.help_requested.connect(self.show_help)
        self.stack.addWidget(self.welcome)
        courses: dict[str, QTreeWidgetItem] = {}
        for lesson in all_lessons():
            parent = courses.get(lesson.course)
            if parent is None:
                parent = QTreeWidgetItem([lesson.course])
                parent.setToolTip(0, lesson.course)
                parent.setFlags(parent.flags() & ~Qt.ItemIsSelectable)
                self.navigator.addTopLevelItem(parent)
                courses[lesson.course] = parent
            item = QTreeWidgetItem([f"{lesson.section}  {lesson.title}"])
            item.setData(0, Qt.UserRole, lesson.id)
            # The list is narrow: the full name (and what the page does) on hover.
            item.setToolTip(0, f"<b>{lesson.section}&nbsp; {lesson.title}</b><br>{lesson.summary}")
            parent.addChild(item)
        self.navigator.expandAll()
        self.navigator.currentItemChanged.connect(self._navigate)
        self.splitter = splitter = QSplitter(Qt.Horizontal)
        splitter.setObjectName("windowSplitter")
        splitter.addWidget(self.navigator)
        splitter.addWidget(self.stack)
        splitter.setStretchFactor(0, 0)   # the list keeps its width when the window resizes
        splitter.setStretchFactor(1, 1)
        splitter.setCollapsible(0, True)
        splitter.setCollapsible(1, False)
        splitter.setSizes([NAVIGATOR_WIDTH, 1500 - NAVIGATOR_WIDTH])
        self._navigator_width = NAVIGATOR_WIDTH
        self._navigator_touched = False   # once the learner toggles it, we never fold it
        self.lessons_button = QToolButton(objectName="lessonsButton")
        self.lessons_button.setText("\u2630 Lessons")
        self.lessons_button.setToolTip("Show or fold away the lesson list (Ctrl+L)")
        self.lessons_button.setAutoRaise(True)
        self.lessons_button.clicked.connect(self.toggle_navigator)
        self.menuBar().setCornerWidget(self.lessons_button, Qt.Corner.TopLeftCorner)
        self.setCentralWidget(splitter)
        self._build_menu()
        self.statusBar().showMessage("Pick a lesson on the welcome page or on the left.")

    def _build_menu(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        file_menu.addAction("&Import course files…", QKeySequence("Ctrl+I"),
                            self.import_course_files)
        file_menu.addSeparator()
        file_menu.addAction("&Quit", QKeySequence("Ctrl+Q"), self.close)
        view = self.menuBar().addMenu("&View")
        self.welcome_action = view.addAction("&Welcome page", QKeySequence("Ctrl+0"),
                                             self.show_welcome)
        self.navigator_action = view.addAction("&Lesson list", QKeySequence("Ctrl+L"),
                                               self.toggle_navigator)
        self.text_action = view.addAction("Lesson &text", QKeySequence("Ctrl+T"),
                                          self.toggle_lesson_text)
        self.reading_action = view.addAction("&Reading mode", QKeySequence("Ctrl+R"),
                                             self.toggle_reading_mode)
        help_menu = self.menuBar().addMenu("&Help")
        help_menu.addAction("&Help", QKeySequence("F1"), self.show_help)
        help_menu.addAction("&About", self._about)

    # --- view ---
    def current_page(self):
        page = self.stack.currentWidget()
        return None if page is self.welcome else page

    def show_welcome(self) -> None:
        self.navigator.blockSignals(True)
        self.navigator.setCurrentItem(None)
        self.navigator.blockSignals(False)
        self.stack.setCurrentWidget(self.welcome)
        if not self._navigator_touched:
            self.set_navigator_shown(True)

    def navigator_shown(self) -> bool:
        return self.splitter.sizes()[0] > 0

    def toggle_navigator(self) -> None:
        self._navigator_touched = True
        self.set_navigator_shown(not self.navigator_shown())

    def set_navigator_shown(self, shown: bool) -> None:
        if shown == self.navigator_shown():
            return
        sizes = self.splitter.sizes()
        total = sum(sizes)
        if sizes[0] > 0:
            self._navigator_width = sizes[0]
            self.splitter.setSizes([0, total])
        else:
            self.splitter.setSizes([self._navigator_width, max(1, total - self._navigator_width)])

    def toggle_lesson_text(self) -> None:
        page = self.current_page()
        if page is not None:
            if page.reading_mode():
                page.set_reading_mode(False)
            page.set_text_shown(not page.text_shown())

    def toggle_reading_mode(self) -> None:
        page = self.current_page()
        if page is None:
            return
        reading = not page.reading_mode()
        page.set_reading_mode(reading)
        self.statusBar().showMessage("Reading mode: Ctrl+R brings the bench back." if reading
                                     else get_lesson(page.lesson.id).title)

    def show_help(self) -> None:
        from playground.help_dialog import HelpDialog
        self._help = HelpDialog(self)
        self._help.show()

    def _about(self) -> None:
        QMessageBox.about(self, "DL Playground",
                          "Click through the deep learning course's lessons, train every "
                          "model live and play with what it learned.")

    def item_for(self, lesson_id: str) -> QTreeWidgetItem | None:
        for i in range(self.navigator.topLevelItemCount()):
            course = self.navigator.topLevelItem(i)
            for j in range(course.childCount()):
                if course.child(j).data(0, Qt.UserRole) == lesson_id:
                    return course.child(j)
        return None

    def open_lesson(self, lesson_id: str):
        """Show a lesson's page (built the first time) and select it in the navigator."""
        item = self.item_for(lesson_id)
        if item is not None and self.navigator.currentItem() is not item:
            self.navigator.setCurrentItem(item)  # calls _navigate
        return self._show(lesson_id)

    def show_problem(self, text: str) -> None:
        self.statusBar().showMessage(text)

    @guarded("open that lesson")
    def _navigate(self, item: QTreeWidgetItem | None, _previous=None) -> None:
        lesson_id = item.data(0, Qt.UserRole) if item else None
        if lesson_id:
            self._show(lesson_id)

    def _show(self, lesson_id: str):
        from playground.lessons import page_for
        width, height = self.width(), self.height()
        page = self.pages.get(lesson_id)
        if page is None:
            page = page_for(get_lesson(lesson_id))
            self.pages[lesson_id] = page
            self.stack.addWidget(page)
        self.stack.setCurrentWidget(page)
        self.statusBar().showMessage(get_lesson(lesson_id).title)
        if not self._navigator_touched and width < FOLD_NAVIGATOR_BELOW:
            self.set_navigator_shown(False)
        if self.isVisible() and not self.isMaximized() and not self.isFullScreen():
            self.resize(width, height)   # a page never grows the window by itself
        return page

    def import_course_files(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder with course files")
        if folder:
            self.import_from(folder)

    def import_from(self, folder: str) -> None:
        from engine.data.course_files import import_course_files
        self.statusBar().showMessage(f"Importing course files from {folder}…")
        task = BackgroundTask(import_course_files, folder, parent=self)
        task.done.connect(self._imported)
        task.error.connect(lambda msg: QMessageBox.warning(self, "Import", msg))
        self._import_task = task.start()

    def _imported(self, messages) -> None:
        text = "\n".join(messages) if messages else "No course files were found there."
        self.statusBar().showMessage(text.splitlines()[0] if text else "")
        QMessageBox.information(self, "Import course files", text)

    def closeEvent(self, event) -> None:
        for page in self.pages.values():
            try:
                page.shutdown()
            except Exception as exc:  # noqa: BLE001 - one page must not keep the window open
                print(f"problem: could not stop {page.lesson.id}: {exc}", file=sys.stderr)
        super().closeEvent(event)
