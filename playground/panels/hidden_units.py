"""What each hidden unit has learned, drawn the TensorFlow Playground way.

Inputs x1, x2 on the left, one small heat map per hidden unit (its tanh activation
over the plane, sent by the engine), the output on the right, and a link for every
weight: blue for positive, orange for negative, thicker for larger |w|. Items are
built once per network shape; an update only swaps pixmaps and pens.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (QBrush, QColor, QFont, QPainter, QPainterPath, QPen, QPixmap,
                           QTransform)
from PySide6.QtWidgets import (QGraphicsPathItem, QGraphicsPixmapItem, QGraphicsScene,
                               QGraphicsView, QLabel, QVBoxLayout, QWidget)

from playground.panels import style
from playground.safe_slots import guarded

NODE = 56          # node side in scene units
GAP = 14           # vertical gap between hidden nodes
COLUMN = 200       # horizontal distance between the three columns
MAX_WIDTH = 6.0    # link width for the largest |weight|
# A single column of 50 units shrank each one to a 10-pixel sliver: past this many,
# the hidden layer is laid out as a block of columns (each unit keeps its number).
UNITS_PER_COLUMN = 8


def unit_columns(n_h: int) -> int:
    """How many columns the hidden layer takes: a block about as tall as wide."""
    if n_h <= UNITS_PER_COLUMN:
        return 1
    return max(1, int(np.ceil(np.sqrt(n_h / 1.5))))


class _Node:
    def __init__(self, scene: QGraphicsScene, x: float, y: float, label: str) -> None:
        self.back = scene.addRect(QRectF(x, y, NODE, NODE), QPen(Qt.PenStyle.NoPen),
                                  QBrush(QColor("#eeeeee")))
        self.back.setZValue(2)
        self.picture = QGraphicsPixmapItem()
        self.picture.setPos(x, y)
        self.picture.setZValue(3)
        self.picture.setTransformationMode(Qt.TransformationMode.SmoothTransformation)
        scene.addItem(self.picture)
        # The border sits above the picture so every node reads as one framed tile.
        self.frame = scene.addRect(QRectF(x, y, NODE, NODE), QPen(QColor("#666666"), 1),
                                   QBrush(Qt.BrushStyle.NoBrush))
        self.frame.setZValue(4)
        self.text = scene.addSimpleText(label, QFont("Sans", 9))
        self.text.setBrush(QColor(style.TEXT))
        self.text.setPos(x + (NODE - self.text.boundingRect().width()) / 2, y + NODE + 1)
        self.left = QPointF(x, y + NODE / 2)
        self.right = QPointF(x + NODE, y + NODE / 2)
        self._size: tuple[int, int] | None = None

    def show(self, rgb: np.ndarray) -> None:
        """(gy, gx, 3) uint8, row 0 = lowest y; drawn with larger y at the top."""
        pixmap = QPixmap.fromImage(style.rgb_to_qimage(np.ascontiguousarray(rgb[::-1])))
        self.picture.setPixmap(pixmap)
        size = (pixmap.width(), pixmap.height())
        if size != self._size:  # stretch a gx x gy grid over the square node
            self._size = size
            self.picture.setTransform(QTransform.fromScale(NODE / max(size[0], 1),
                                                           NODE / max(size[1], 1)))


def _link(scene: QGraphicsScene, start: QPointF, end: QPointF) -> QGraphicsPathItem:
    path = QPainterPath(start)
    dx = (end.x() - start.x()) / 2
    path.cubicTo(QPointF(start.x() + dx, start.y()), QPointF(end.x() - dx, end.y()), end)
    item = scene.addPath(path, QPen(QColor("#cccccc"), 1))
    item.setZValue(1)
    return item


class HiddenUnitsView(QWidget):
    def __init__(self, parent=None, title: str = "What the hidden units see") -> None:
        super().__init__(parent)
        self.scene = QGraphicsScene(self)
        self.view = QGraphicsView(self.scene)
        self.view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.view.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        self.view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.view.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.view.setStyleSheet("QGraphicsView { border: none; background: white; }")
        self.title = QLabel(f"<b>{title}</b>")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        legend = QLabel(f"links: <span style='color:{style.POSITIVE}'>\u25ac positive "
                        f"weight</span> &nbsp; <span style='color:{style.NEGATIVE}'>\u25ac "
                        "negative weight</span> &nbsp; thicker = larger |w|")
        legend.setAlignment(Qt.AlignmentFlag.AlignCenter)
        legend.setWordWrap(True)  # a narrow column wraps the key instead of clipping it
        legend.setStyleSheet(style.MUTED_CSS)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.view, 1)
        layout.addWidget(legend)
        self.setMinimumSize(200, 170)
        self.setStyleSheet("HiddenUnitsView { background: white; }")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self._shape: tuple | None = None
        self._input_grid: tuple | None = None
        self.inputs: list[_Node] = []
        self.hidden: list[_Node] = []
        self.output: _Node | None = None
        self.links_in: np.ndarray = np.empty((0, 0), dtype=object)  # [unit, input]
        self.links_out: list[QGraphicsPathItem] = []
        self.update_count = 0

    # --- API ---------------------------------------------------------------
    def update_hidden(self, hidden: dict | None, weights: dict | None,
                      boundary: dict | None = None) -> None:
        """``boundary`` (optional, same dict as DecisionBoundaryPlot) fills the output node."""
        W1 = None if not weights or weights.get("W1") is None else np.asarray(weights["W1"])
        W2 = None if not weights or weights.get("W2") is None else np.asarray(weights["W2"])
        acts = None if not hidden else np.asarray(hidden["activations"])
        n_h = acts.shape[0] if acts is not None else (W1.shape[0] if W1 is not None else 0)
        n_x = W1.shape[1] if W1 is not None else 2
        if (n_x, n_h) != self._shape:
            self._build(n_x, n_h)
        if acts is not None:
            self._show_inputs(hidden)
            for node, a in zip(self.hidden, acts):
                node.show(style.colorize(a, -1.0, 1.0))
        if boundary is not None and self.output is not None:
            prob, _ = style.boundary_image(boundary)
            self.output.show(style.colorize(prob, 0.0, 1.0))
        self._show_weights(W1, W2)
        self.update_count += 1

    # --- internals ---------------------------------------------------------
    def _build(self, n_x: int, n_h: int) -> None:
        self.scene.clear()
        self._shape, self._input_grid = (n_x, n_h), None
        columns = unit_columns(n_h)
        rows = int(np.ceil(n_h / columns)) if n_h else 0
        step = NODE + GAP
        block = (columns - 1) * (NODE + GAP)   # the hidden block's extra width
        height = max(rows, n_x, 1) * step

        def column(count: int) -> list[float]:
            top = (height - count * step) / 2
            return [top + i * step for i in range(count)]

        self.inputs = [_Node(self.scene, 0, y, f"x{i + 1}") for i, y in enumerate(column(n_x))]
        tops = column(rows)
        # links need less run-up than a block of units needs room
        gap = COLUMN if columns == 1 else COLUMN * 0.7
        self.hidden = [_Node(self.scene, gap + (j // rows) * step, tops[j % rows],
                             f"h{j + 1}") for j in range(n_h)]
        self.output = _Node(self.scene, 2 * gap + block, column(1)[0], "output")
        self.links_in = np.empty((n_h, n_x), dtype=object)
        for j, h in enumerate(self.hidden):
            for i, x in enumerate(self.inputs):
                self.links_in[j, i] = _link(self.scene, x.right, h.left)
        self.links_out = [_link(self.scene, h.right, self.output.left) for h in self.hidden]
        for label, x, width in (("input", 0, NODE), ("hidden layer", gap, NODE + block),
                                ("output", 2 * gap + block, NODE)):
            text = self.scene.addSimpleText(label, QFont("Sans", 10, QFont.Weight.Bold))
            text.setBrush(QColor(style.MUTED))
            text.setPos(x + (width - text.boundingRect().width()) / 2, -30)
        self._fit()

    def _show_inputs(self, hidden: dict) -> None:
        """Input nodes show x1 and x2 themselves over the same grid (display only)."""
        x, y = np.asarray(hidden["x"], dtype=float), np.asarray(hidden["y"], dtype=float)
        key = (x.tobytes(), y.tobytes())
        if key == self._input_grid or len(self.inputs) != 2:
            return
        self._input_grid = key
        xx, yy = np.meshgrid(x, y)
        for node, plane in zip(self.inputs, (xx, yy)):
            extent = max(float(np.abs(plane).max()), 1e-9)
            node.show(style.colorize(plane, -extent, extent))

    def _show_weights(self, W1, W2) -> None:
        mags = [np.abs(W).max() for W in (W1, W2) if W is not None and W.size]
        scale = max(mags) if mags else 1.0
        scale = scale if scale > 0 else 1.0

        def pen_for(item: QGraphicsPathItem, w: float, name: str) -> None:
            color = QColor(style.POSITIVE if w >= 0 else style.NEGATIVE)
            color.setAlpha(90 + int(165 * min(abs(w) / scale, 1.0)))
            item.setPen(QPen(color, 0.5 + (MAX_WIDTH - 0.5) * min(abs(w) / scale, 1.0)))
            item.setToolTip(f"{name} = {w:.3f}")

        if W1 is not None and W1.shape == self.links_in.shape:
            for (j, i), item in np.ndenumerate(self.links_in):
                pen_for(item, float(W1[j, i]), f"W1[{j}, {i}]")
        if W2 is not None and W2.reshape(-1).shape[0] == len(self.links_out):
            for j, (item, w) in enumerate(zip(self.links_out, W2.reshape(-1))):
                pen_for(item, float(w), f"W2[0, {j}]")

    def _fit(self) -> None:
        rect = self.scene.itemsBoundingRect().adjusted(-8, -8, 8, 8)
        self.view.setSceneRect(rect)
        self.view.fitInView(rect, Qt.AspectRatioMode.KeepAspectRatio)

    @guarded("fit this view to its new size")
    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self._shape is not None:
            self._fit()

    @guarded("show this view")
    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._shape is not None:
            self._fit()
