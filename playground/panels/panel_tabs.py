"""A tab widget whose panels scroll instead of pushing the window wider.

A panel bigger than the room it gets (a 1280x720 laptop screen) used to raise the
page's minimum size, and Qt then grew the main window past the screen. Here each
panel sits in a scroll area: it fills the tab when there is room and scrolls when
there is not. ``widget``, ``indexOf`` and friends speak of the panels themselves,
so pages and tests never see the scroll areas.
"""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QScrollArea, QTabWidget, QWidget


class PanelTabs(QTabWidget):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("panelTabs")
        self.setDocumentMode(True)
        bar = self.tabBar()
        bar.setElideMode(Qt.TextElideMode.ElideNone)
        bar.setExpanding(False)
        bar.setUsesScrollButtons(True)   # the last resort; test_layout checks it is not needed
        bar.setStyleSheet("QTabBar::tab { padding: 4px 7px; }")

    @staticmethod
    def _wrap(panel: QWidget) -> QScrollArea:
        area = QScrollArea()
        area.setObjectName("panelScroll")
        area.setWidgetResizable(True)
        area.setFrameShape(QFrame.Shape.NoFrame)
        area.setWidget(panel)
        return area

    def addTab(self, panel: QWidget, *args) -> int:  # noqa: N802 (Qt's name)
        return super().addTab(self._wrap(panel), *args)

    def insertTab(self, index: int, panel: QWidget, *args) -> int:  # noqa: N802
        return super().insertTab(index, self._wrap(panel), *args)

    def widget(self, index: int) -> QWidget | None:
        area = super().widget(index)
        return area.widget() if isinstance(area, QScrollArea) else area

    def currentWidget(self) -> QWidget | None:  # noqa: N802
        return self.widget(self.currentIndex())

    def indexOf(self, panel: QWidget) -> int:  # noqa: N802
        for i in range(self.count()):
            if self.widget(i) is panel:
                return i
        return super().indexOf(panel)

    def setCurrentWidget(self, panel: QWidget) -> None:  # noqa: N802
        index = self.indexOf(panel)
        if index >= 0:
            self.setCurrentIndex(index)
