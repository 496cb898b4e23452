"""A picture with detection boxes and the overlays of YOLO's step-through.

The canvas only draws: what to draw (boxes in picture pixels, a grid, a cell's
anchors, cells tinted by class) is handed in by the viewer, which gets it from the
engine's ``YoloStages``. It scales the picture to fit keeping its aspect ratio and
maps mouse positions back to grid cells (hover and click emit ``cell_hovered`` /
``cell_clicked``).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QImage, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from playground.panels.style import rgb_to_qimage
from playground.safe_slots import guarded

BACKGROUND = QColor("#1f2428")


@dataclass(frozen=True)
class DrawnBox:
    """One box in picture pixels (y1, x1, y2, x2), its colour and caption.
    ``style``: "solid" (a detection), "kept" (thick), "faint", "dashed" (suppressed)."""
    box: tuple[float, float, float, float]
    color: tuple[int, int, int]
    label: str = ""
    style: str = "solid"


class DetectionCanvas(QWidget):
    cell_hovered = Signal(int, int)     # row, column (-1, -1 when the mouse leaves)
    cell_clicked = Signal(int, int)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("detectionCanvas")
        self.setMinimumSize(200, 150)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)
        self.setMouseTracking(True)
        self._image: QImage | None = None
        self._size = (0, 0)                 # picture (width, height)
        self.boxes: list[DrawnBox] = []
        self.grid: tuple[int, int] | None = None
        self.cell_colors: np.ndarray | None = None   # (rows, cols, 3) uint8, or None
        self.highlight: tuple[int, int] | None = None
        self.message = ""
        self.paints = 0

    def sizeHint(self) -> QSize:
        return QSize(640, 400)

    # --- what to show ---
    def set_picture(self, rgb: np.ndarray | None) -> None:
        if rgb is None:
            self._image, self._size = None, (0, 0)
        else:
            self._image = rgb_to_qimage(rgb)
            self._size = (rgb.shape[1], rgb.shape[0])
        self.update()

    def set_overlay(self, boxes=(), grid=None, cell_colors=None, highlight=None) -> None:
        self.boxes = list(boxes)
        self.grid = grid
        self.cell_colors = cell_colors
        self.highlight = highlight
        self.update()

    def set_message(self, text: str) -> None:
        self.message = text
        self.update()

    def has_picture(self) -> bool:
        return self._image is not None

    # --- geometry ---
    def image_rect(self) -> QRectF:
        w, h = self._size
        if not w or not h:
            return QRectF()
        scale = min(self.width() / w, self.height() / h)
        return QRectF((self.width() - w * scale) / 2, (self.height() - h * scale) / 2,
                      w * scale, h * scale)

    def cell_at(self, pos: QPointF) -> tuple[int, int] | None:
        """The grid cell under a widget position, or None outside the picture."""
        if self.grid is None:
            return None
        rect = self.image_rect()
        if rect.isEmpty() or not rect.contains(pos):
            return None
        rows, cols = self.grid
        col = int((pos.x() - rect.x()) / rect.width() * cols)
        row = int((pos.y() - rect.y()) / rect.height() * rows)
        return min(row, rows - 1), min(col, cols - 1)

    def cell_center(self, row: int, col: int) -> QPointF:
        """Widget position of a cell's centre (tests click there)."""
        rect = self.image_rect()
        rows, cols = self.grid
        return QPointF(rect.x() + (col + 0.5) * rect.width() / cols,
                       rect.y() + (row + 0.5) * rect.height() / rows)

    # --- mouse ---
    @guarded("follow the mouse")
    def mouseMoveEvent(self, event) -> None:
        cell = self.cell_at(event.position())
        self.cell_hovered.emit(*(cell if cell else (-1, -1)))

    @guarded("follow the mouse")
    def leaveEvent(self, _event) -> None:
        self.cell_hovered.emit(-1, -1)

    @guarded("follow that click")
    def mousePressEvent(self, event) -> None:
        cell = self.cell_at(event.position())
        if cell is not None:
            self.cell_clicked.emit(*cell)

    # --- drawing ---
    @guarded("draw this view")
    def paintEvent(self, _event) -> None:
        self.paints += 1
        painter = QPainter(self)
        painter.fillRect(self.rect(), BACKGROUND)
        target = self.image_rect()
        if self._image is not None:
            painter.setRenderHint(QPainter.SmoothPixmapTransform)
            painter.drawImage(target, self._image)
            painter.setRenderHint(QPainter.Antialiasing)
            self._draw_cells(painter, target)
            self._draw_boxes(painter, target)
        if self.message:
            painter.setPen(QColor("#f2f2f2"))
            font = QFont(self.font())
            font.setPointSizeF(12)
            painter.setFont(font)
            area = self.rect().adjusted(20, 20, -20, -20)
            if self._image is not None:
                bound = painter.boundingRect(area, Qt.AlignCenter | Qt.TextWordWrap,
                                             self.message).adjusted(-12, -8, 12, 8)
                painter.fillRect(bound, QColor(0, 0, 0, 150))
            painter.drawText(area, Qt.AlignCenter | Qt.TextWordWrap, self.message)
        painter.end()

    def _draw_cells(self, painter: QPainter, target: QRectF) -> None:
        if self.grid is None:
            return
        rows, cols = self.grid
        cw, ch = target.width() / cols, target.height() / rows
        if self.cell_colors is not None:
            for r in range(rows):
                for c in range(cols):
                    color = QColor(*(int(v) for v in self.cell_colors[r, c]))
                    color.setAlpha(110)
                    painter.fillRect(QRectF(target.x() + c * cw, target.y() + r * ch, cw, ch),
                                     color)
        painter.setPen(QPen(QColor(255, 255, 255, 120), 1))
        for c in range(cols + 1):
            x = target.x() + c * cw
            painter.drawLine(QPointF(x, target.top()), QPointF(x, target.bottom()))
        for r in range(rows + 1):
            y = target.y() + r * ch
            painter.drawLine(QPointF(target.left(), y), QPointF(target.right(), y))
        if self.highlight is not None:
            r, c = self.highlight
            painter.setPen(QPen(QColor("#ffeb3b"), 3))
            painter.setBrush(Qt.NoBrush)
            painter.drawRect(QRectF(target.x() + c * cw, target.y() + r * ch, cw, ch))

    def _draw_boxes(self, painter: QPainter, target: QRectF) -> None:
        scale = target.width() / max(self._size[0], 1)
        font = QFont(self.font())
        font.setPointSizeF(9)
        font.setBold(True)
        painter.setFont(font)
        metrics = QFontMetrics(font)
        for item in self.boxes:
            y1, x1, y2, x2 = item.box
            rect = QRectF(target.x() + x1 * scale, target.y() + y1 * scale,
                          (x2 - x1) * scale, (y2 - y1) * scale)
            color = QColor(*item.color)
            width = {"kept": 4, "faint": 1, "dashed": 2}.get(item.style, 2.5)
            pen = QPen(color, width)
            if item.style == "dashed":
                pen.setStyle(Qt.DashLine)
            if item.style == "faint":
                color.setAlpha(120)
                pen.setColor(color)
            painter.setPen(pen)
            painter.setBrush(Qt.NoBrush)
            painter.drawRect(rect)
            if item.label and item.style != "faint":
                tw, th = metrics.horizontalAdvance(item.label) + 6, metrics.height() + 2
                y = rect.top() - th if rect.top() - th >= target.top() else rect.top()
                tag = QRectF(rect.left(), y, tw, th)
                painter.fillRect(tag, QColor(*item.color))
                luminance = 0.3 * item.color[0] + 0.59 * item.color[1] + 0.11 * item.color[2]
                painter.setPen(QColor("black") if luminance > 140 else QColor("white"))
                painter.drawText(tag, Qt.AlignCenter, item.label)
