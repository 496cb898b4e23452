"""A tab widget whose panels scroll instead of pushing the window wider.

A panel bigger than the room it gets (a 1280x720 laptop screen) used to raise the
page's minimum size, and Qt then grew the main window past the screen. Here each
panel sits in a scroll area: it fills the tab when there is room and scrolls when
there is not. ``widget``, ``indexOf`` and friends speak of the panels themselves,
so pages and tests never see the scroll areas.
"""
from __future__ import annotations

from PySide6.QtCore import QEvent, QSize, Qt
from PySide6.QtWidgets import QFrame, QScrollArea, QTabWidget, QWidget

from playground.safe_slots import guarded


class _PanelScroll(QScrollArea):
    """Sizes its panel to the visible room, or to the panel's minimum when that is
    larger. Qt's own widgetResizable asks a panel with word-wrapped labels for its
    height-for-width, which made the planar tab 1187 px tall in a 779 px view."""

    def __init__(self) -> None:
        super().__init__()
        self.setWidgetResizable(False)
        self.viewport().installEventFilter(self)

    def setWidget(self, panel: QWidget) -> None:  # noqa: N802 (Qt's name)
        super().setWidget(panel)
        panel.installEventFilter(self)
        self._fit()

    @guarded("fit the panel to its tab", default=False)
    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt's name)
        if event.type() in (QEvent.Type.Resize, QEvent.Type.LayoutRequest) and \
                (watched is self.viewport() or watched is self.widget()):
            self._fit()
        return False

    def _fit(self) -> None:
        panel = self.widget()
        if panel is None:
            return
        room = self.maximumViewportSize()   # the view without scroll bars
        need = panel.minimumSizeHint().expandedTo(panel.minimumSize())
        width = max(room.width(), need.width())
        height = max(room.height(), need.height())
        if width > room.width():            # a horizontal bar takes some height
            height = max(need.height(), room.height() - self.horizontalScrollBar().sizeHint().height())
        if height > room.height():
            width = max(need.width(), room.width() - self.verticalScrollBar().sizeHint().width())
        if panel.size() != QSize(width, height):
            panel.resize(width, height)


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
        area = _PanelScroll()
        area.setObjectName("panelScroll")
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
