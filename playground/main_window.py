"""The main window: a lesson navigator (course -> lesson) and the lesson's page."""
from __future__ import annotations

import sys

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QFileDialog, QMainWindow, QMessageBox, QSplitter,
                               QStackedWidget, QTreeWidget, QTreeWidgetItem)

from engine.lessons import all_lessons, get_lesson
from playground.bridge import BackgroundTask
from playground.gui_gc import collect_on_gui_thread
from playground.safe_slots import guarded


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
        self.navigator.setMinimumWidth(220)
        self.stack = QStackedWidget()
        courses: dict[str, QTreeWidgetItem] = {}
        for lesson in all_lessons():
            parent = courses.get(lesson.course)
            if parent is None:
                parent = QTreeWidgetItem([lesson.course])
                parent.setFlags(parent.flags() & ~Qt.ItemIsSelectable)
                self.navigator.addTopLevelItem(parent)
                courses[lesson.course] = parent
            item = QTreeWidgetItem([f"{lesson.section}  {lesson.title}"])
            item.setData(0, Qt.UserRole, lesson.id)
            item.setToolTip(0, lesson.summary)
            parent.addChild(item)
        self.navigator.expandAll()
        self.navigator.currentItemChanged.connect(self._navigate)
        splitter = QSplitter(Qt.Horizontal)
        splitter.addWidget(self.navigator)
        splitter.addWidget(self.stack)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([250, 1250])
        self.setCentralWidget(splitter)
        self._build_menu()
        self.statusBar().showMessage("Pick a lesson on the left.")

    def _build_menu(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        file_menu.addAction("&Import course files…", self.import_course_files)
        file_menu.addSeparator()
        file_menu.addAction("&Quit", self.close)
        help_menu = self.menuBar().addMenu("&Help")
        help_menu.addAction("&About", self._about)

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
        page = self.pages.get(lesson_id)
        if page is None:
            page = page_for(get_lesson(lesson_id))
            self.pages[lesson_id] = page
            self.stack.addWidget(page)
        self.stack.setCurrentWidget(page)
        self.statusBar().showMessage(get_lesson(lesson_id).title)
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
