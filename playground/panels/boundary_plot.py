"""2-D classification: the model's P(class 1) as a heat map under the data points.

The engine sends the probability on a grid (``boundary`` in engine/snapshots.md);
this module only colours it. "Discretize" thresholds at 0.5 for display, as
TensorFlow Playground's checkbox of the same name does.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QTimer, Qt, Signal
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from playground.panels import style
from playground.safe_slots import guarded


def _split(X, Y):
    """(2, m) points and (1, m) labels -> {class: (xs, ys)} for classes 0 and 1."""
    if X is None or Y is None:
        return {0: ([], []), 1: ([], [])}
    X = np.asarray(X, dtype=float)
    labels = np.asarray(Y).reshape(-1).astype(int)
    return {k: (X[0, labels == k], X[1, labels == k]) for k in (0, 1)}


def _scatter(k: int, filled: bool, name: str | None = None, size: int = 8):
    """Train points are filled with a white rim; test points are hollow rings."""
    if filled:
        return pg.ScatterPlotItem(size=size, brush=style.class_color(k, 235),
                                  pen=pg.mkPen("w", width=1), name=name)
    return pg.ScatterPlotItem(size=size, brush=pg.mkBrush(255, 255, 255, 170),
                              pen=pg.mkPen(style.class_color(k), width=2), name=name)


class DecisionBoundaryPlot(QWidget):
    """Heat map + scatter; click adds a class-0 point, shift-click a class-1 point."""

    point_added = Signal(float, float, int)

    def __init__(self, parent=None, title: str = "Decision boundary",
                 interactive: bool = True) -> None:
        super().__init__(parent)
        # A plot that only shows a result (a baseline) takes no clicks and has no hint.
        self.interactive = interactive
        self.redraw_count = 0
        self._boundary: dict | None = None
        self._rect = None
        self._user = {0: ([], []), 1: ([], [])}
        self._added_order: list[int] = []   # classes in the order clicked, for undo

        self.plot_widget = style.make_plot(title, "x\u2081", "x\u2082")
        self.plot = self.plot_widget.getPlotItem()
        self.plot.setAspectLocked(True)
        # The plot is a canvas to click on, so dragging must not pan it away.
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.legend = self.plot.addLegend(offset=(10, 10), labelTextColor=style.TEXT)
        self.legend.setBrush(pg.mkBrush(255, 255, 255, 200))

        self.image = style.new_boundary_item()
        self.plot.addItem(self.image)
        self.train_items = {k: _scatter(k, True, f"class {k} ({style.CLASS_COLOR_NAMES[k]})")
                            for k in (0, 1)}
        self.test_items = {k: _scatter(k, False, "test data" if k == 0 else None)
                           for k in (0, 1)}
        self.user_items = {k: pg.ScatterPlotItem(size=11, symbol="star",
                                                 brush=style.class_color(k),
                                                 pen=pg.mkPen("k", width=1))
                           for k in (0, 1)}
        for group in (self.train_items, self.test_items, self.user_items):
            for item in group.values():
                self.plot.addItem(item)
        self.plot_widget.scene().sigMouseClicked.connect(self._clicked)

        self.show_test = QCheckBox("Show test data", objectName="showTest")
        self.discretize = QCheckBox("Discretize output", objectName="discretize")
        self.show_test.setToolTip("Draw the test examples as rings over the training data.")
        self.discretize.setToolTip("Colour each region by the predicted class "
                                   "(probability above or below 0.5).")
        self.show_test.toggled.connect(self._show_test_toggled)
        self.discretize.toggled.connect(self._redraw_boundary)
        hint = QLabel("click: add class 0 (orange) \u00b7 shift+click: class 1 (blue)")
        hint.setStyleSheet(style.MUTED_CSS)
        hint.setWordWrap(True)   # a narrow plot wraps it instead of clipping it
        hint.setVisible(interactive)
        options = QHBoxLayout()
        options.addWidget(self.show_test)
        options.addWidget(self.discretize)
        options.addStretch(1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.holder = _AspectHolder(self.plot_widget, self.plot)
        layout.addWidget(self.holder, 1)
        layout.addLayout(options)
        layout.addWidget(hint)  # own line: beside the checkboxes it gets clipped
        self.setMinimumSize(240, 240)
        self._show_test_toggled(False)

    # --- API ---------------------------------------------------------------
    def set_points(self, X_train, Y_train, X_test=None, Y_test=None) -> None:
        for k, (xs, ys) in _split(X_train, Y_train).items():
            self.train_items[k].setData(xs, ys)
        for k, (xs, ys) in _split(X_test, Y_test).items():
            self.test_items[k].setData(xs, ys)
        self.show_test.setEnabled(X_test is not None)
        # No test set (the planar lesson): no "test data" entry in the legend either.
        self.legend.removeItem(self.test_items[0])
        if X_test is not None:
            self.legend.addItem(self.test_items[0], "test data")
        if self._rect is None:
            self.plot.autoRange()

    def update_boundary(self, boundary: dict) -> None:
        self._boundary = boundary
        self._redraw_boundary()

    def clear_boundary(self) -> None:
        self._boundary = None
        self.image.clear()

    def shaded_fraction(self) -> float:
        """How much of the visible plot the boundary's heat map covers (1.0 = all)."""
        if self._rect is None:
            return 0.0
        (x0, x1), (y0, y1) = self.plot.vb.viewRange()
        rect = self._rect
        w = max(0.0, min(x1, rect.right()) - max(x0, rect.left()))
        h = max(0.0, min(y1, rect.bottom()) - max(y0, rect.top()))
        return (w * h) / max((x1 - x0) * (y1 - y0), 1e-12)

    def clear_user_points(self) -> None:
        self._user = {0: ([], []), 1: ([], [])}
        self._added_order = []
        for item in self.user_items.values():
            item.setData([], [])

    def undo_last_point(self) -> bool:
        """Take back the newest point clicked in; False when there is none."""
        if not self._added_order:
            return False
        k = self._added_order.pop()
        xs, ys = self._user[k]
        xs.pop()
        ys.pop()
        self.user_items[k].setData(xs, ys)
        return True

    def user_points(self) -> dict:
        """{class: (xs, ys)} of the points the learner clicked in."""
        return {k: (list(xs), list(ys)) for k, (xs, ys) in self._user.items()}

    # --- internals ---------------------------------------------------------
    def _redraw_boundary(self, *_args) -> None:
        if self._boundary is None:
            return
        rect = style.draw_boundary(self.image, self._boundary, self.discretize.isChecked())
        if rect != self._rect:  # only re-frame when the grid moved, not every frame
            self._rect = rect
            self.holder.set_aspect(rect.height() / rect.width() if rect.width() > 0 else None)
            self.plot.setRange(rect=rect, padding=0)
        self.redraw_count += 1

    def _show_test_toggled(self, on: bool) -> None:
        for item in self.test_items.values():
            item.setVisible(on)

    def _clicked(self, event) -> None:
        if not self.interactive or event.button() != Qt.MouseButton.LeftButton:
            return
        pos = event.scenePos()
        if not self.plot.vb.sceneBoundingRect().contains(pos):
            return
        point = self.plot.vb.mapSceneToView(pos)
        k = 1 if event.modifiers() & Qt.KeyboardModifier.ShiftModifier else 0
        xs, ys = self._user[k]
        xs.append(point.x())
        ys.append(point.y())
        self._added_order.append(k)
        self.user_items[k].setData(xs, ys)
        event.accept()
        self.point_added.emit(float(point.x()), float(point.y()), k)


class _AspectHolder(QWidget):
    """Gives the plot the largest size whose data area has the grid's aspect, centred.

    An aspect-locked plot in a box of another shape shows more of the plane than the
    engine computed the boundary for, leaving white bands with no prediction in them;
    here the plot takes the grid's shape, so the heat map fills all of it."""

    def __init__(self, plot_widget, plot_item) -> None:
        super().__init__()
        self.plot_widget = plot_widget
        self.plot_item = plot_item
        plot_widget.setParent(self)
        self.aspect: float | None = None   # data height / width, None: fill the box
        self._settling = False
        self.setMinimumSize(plot_widget.minimumSizeHint().expandedTo(plot_widget.minimumSize()))

    def set_aspect(self, aspect: float | None) -> None:
        self.aspect = aspect
        self._place()

    def sizeHint(self):  # noqa: N802 (Qt's name)
        return self.plot_widget.sizeHint()

    @guarded("fit the plot to its new size")
    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        self._place()

    def _place(self) -> None:
        width, height = self.width(), self.height()
        if not self.aspect:
            self.plot_widget.setGeometry(0, 0, width, height)
            return
        # What the axes and the title take around the data area: about the same at
        # any size, so measured on the plot as it is now.
        view = self.plot_item.vb.size()
        if view.width() < 2 or view.height() < 2:   # not laid out yet
            self.plot_widget.setGeometry(0, 0, width, height)
            return
        extra_w = max(0.0, self.plot_widget.width() - view.width())
        extra_h = max(0.0, self.plot_widget.height() - view.height())
        data_w, data_h = max(width - extra_w, 1.0), max(height - extra_h, 1.0)
        if data_h > data_w * self.aspect:
            data_h = data_w * self.aspect
        else:
            data_w = data_h / self.aspect
        w, h = int(round(data_w + extra_w)), int(round(data_h + extra_h))
        self.plot_widget.setGeometry((width - w) // 2, 0, w, h)   # top: under its tab
        if not self._settling:   # the axes are laid out later: measure once more then
            self._settling = True
            QTimer.singleShot(0, self, self._settle)   # dropped if the holder goes

    @guarded("fit the plot to its new size")
    def _settle(self) -> None:
        self._place()
        self._settling = False


class BoundaryGrid(QWidget):
    """Small decision-boundary tiles side by side, e.g. one per hidden-layer size."""

    def __init__(self, parent=None, columns: int = 3) -> None:
        super().__init__(parent)
        self.columns = columns
        self._points = (None, None)
        self.tiles: list[pg.PlotItem] = []
        self.view = pg.GraphicsLayoutWidget()
        self.view.setBackground("w")
        self.empty = QLabel("Results appear here as each network finishes training.")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setStyleSheet(style.MUTED_CSS)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.empty)
        layout.addWidget(self.view, 1)
        self.view.hide()

    def set_points(self, X, Y) -> None:
        self._points = (X, Y)
        for tile in self.tiles:
            self._draw_points(tile)

    def add_result(self, title: str, boundary: dict, accuracy: float | None) -> None:
        n = len(self.tiles)
        tile = self.view.addPlot(row=n // self.columns, col=n % self.columns)
        caption = title if accuracy is None else f"{title} \u2014 {accuracy * 100:.1f}%"
        style.style_plot_item(tile, caption)
        tile.setAspectLocked(True)
        tile.setMouseEnabled(x=False, y=False)
        tile.setMenuEnabled(False)
        tile.hideButtons()
        for side in ("left", "bottom"):
            tile.getAxis(side).setStyle(showValues=False)
        image = style.new_boundary_item()
        tile.addItem(image)
        rect = style.draw_boundary(image, boundary)
        tile.scatter_items = {k: _scatter(k, True, size=5) for k in (0, 1)}
        for item in tile.scatter_items.values():
            tile.addItem(item)
        self._draw_points(tile)
        tile.setRange(rect=rect, padding=0)
        self.tiles.append(tile)
        self.empty.hide()
        self.view.show()
        rows = (len(self.tiles) + self.columns - 1) // self.columns
        self.view.setMinimumHeight(220 * rows)

    def clear(self) -> None:
        self.view.clear()
        self.tiles.clear()
        self.view.setMinimumHeight(0)
        self.view.hide()
        self.empty.show()

    def _draw_points(self, tile) -> None:
        for k, (xs, ys) in _split(*self._points).items():
            tile.scatter_items[k].setData(xs, ys)
