"""One grid of the conv stepper: a small array drawn cell by cell with QPainter.

Small arrays show their numbers on lightly coloured cells; large ones (pictures)
show colours only. Overlays: shaded padding cells, an outlined window, a highlighted
cell and marked cells (the max mask). Several channels are drawn one under another.
The grid only draws what it is given; it computes nothing about the network.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from playground.panels.style import (BACKGROUND_LUT, MUTED, NEGATIVE, POSITIVE, TEXT,
                                     rgb_to_qimage)
from playground.panels.conv_maps import NOT_YET
from playground.safe_slots import guarded

MAX_CELL = 46        # px: small arrays stay compact instead of filling the panel
NUMBER_CELL = 21     # px: below this, numbers are not drawn
WINDOW_COLOR = QColor("#d62728")
CELL_COLOR = QColor("#2ca02c")
PAD_COLOR = QColor(226, 226, 226)
PICTURE_PAD_COLOR = QColor(238, 222, 186)   # beside grey pixels the padding needs a tint
EMPTY_COLOR = QColor(250, 250, 250)


def format_number(value: float) -> str:
    """Short, readable text for one cell: 7, -0.43, 1.2e+03."""
    if np.isnan(value):
        return ""
    if value == int(value) and abs(value) < 1000:
        return str(int(value))
    if abs(value) >= 100:
        return f"{value:.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text.replace("0.", ".", 1) if abs(value) < 1 else text


class ConvGrid(QWidget):
    """Draws a ``(rows, cols, channels)`` array; emits ``clicked(row, col)``."""

    clicked = Signal(int, int)
    resized = Signal()

    def __init__(self, title: str = "", parent=None) -> None:
        super().__init__(parent)
        self.title = title
        self.values = np.zeros((0, 0, 1))
        self.scheme = "diverging"      # "diverging" (signed numbers) or "grey" (pictures)
        self.show_numbers = True
        self.padding = None            # (rows, cols) bool: cells drawn as padding
        self.window = None             # (r0, r1, c0, c1) outlined, end exclusive
        self.window_style = Qt.SolidLine
        self.current = None            # (row, col) highlighted
        self.marked = None             # (rows, cols, channels) bool: max mask cells
        self.caption = ""              # a line under the grid
        self.cell_limit = None         # px: set by the panel so grids share a cell size
        self.setMinimumSize(60, 80)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)
        self.setCursor(Qt.PointingHandCursor)

    # --- what to draw ---
    def set_values(self, values: np.ndarray, scheme: str = "diverging",
                   show_numbers: bool = True) -> None:
        values = np.asarray(values, dtype=float)
        self.values = values[:, :, None] if values.ndim == 2 else values
        self.scheme, self.show_numbers = scheme, show_numbers
        self.update()

    def set_overlays(self, padding=None, window=None, current=None, marked=None,
                     window_style=Qt.SolidLine) -> None:
        self.padding, self.window, self.current, self.marked = padding, window, current, marked
        self.window_style = window_style
        self.update()

    def set_caption(self, text: str) -> None:
        self.caption = text
        self.update()

    # --- geometry ---
    def _layout(self):
        rows, cols, channels = self.values.shape
        title_h = 20 if self.title else 0
        caption_h = 18 if self.caption else 0
        gap = 8 if channels > 1 else 0
        if rows == 0 or cols == 0:
            return 0.0, 0.0, 0.0, title_h, gap
        avail_w = self.width() - 4
        avail_h = self.height() - title_h - caption_h - gap * (channels - 1) - 4
        # no floor of whole pixels: a 66x66 picture may get under 2 px a cell
        cell = max(1.0, min(MAX_CELL, avail_w / cols, avail_h / (rows * channels),
                            self.cell_limit or MAX_CELL))
        left = (self.width() - cell * cols) / 2
        return cell, left, float(title_h) + 2, title_h, gap

    def text_width(self) -> int:
        """Pixels the title and the caption need, so a narrow grid does not cut them."""
        bold = QFont(self.font())
        bold.setBold(True)
        small = QFont(self.font())
        small.setPointSizeF(8)
        return int(max(QFontMetricsF(bold).horizontalAdvance(self.title),
                       QFontMetricsF(small).horizontalAdvance(self.caption))) + 8

    def fit_cell(self) -> float:
        """The cell size this grid could use on its own (no shared limit)."""
        limit, self.cell_limit = self.cell_limit, None
        try:
            return self._layout()[0]
        finally:
            self.cell_limit = limit

    def cell_size(self) -> float:
        return self._layout()[0]

    def numbers_visible(self) -> bool:
        return self.show_numbers and self.cell_size() >= NUMBER_CELL

    def _cell_rect(self, r: int, c: int, ch: int = 0) -> QRectF:
        cell, left, top, _, gap = self._layout()
        rows = self.values.shape[0]
        y = top + ch * (rows * cell + gap) + r * cell
        return QRectF(left + c * cell, y, cell, cell)

    def cell_at(self, x: float, y: float):
        """The (row, col) under a point, or None."""
        cell, left, top, _, gap = self._layout()
        rows, cols, channels = self.values.shape
        if cell <= 0:
            return None
        c = int((x - left) // cell)
        offset = y - top
        block = rows * cell + gap
        ch = int(offset // block) if block > 0 else 0
        r = int((offset - ch * block) // cell)
        if 0 <= r < rows and 0 <= c < cols and 0 <= ch < channels:
            return r, c
        return None

    @guarded("fit this view to its new size")
    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.resized.emit()

    @guarded("follow that click")
    def mousePressEvent(self, event) -> None:
        where = self.cell_at(event.position().x(), event.position().y())
        if where is not None:
            self.clicked.emit(*where)
        super().mousePressEvent(event)

    # --- painting ---
    def _colors(self, channel: np.ndarray) -> np.ndarray:
        """(rows, cols, 3) display colours of one channel (NaN: empty)."""
        finite = self.values[np.isfinite(self.values)]
        if self.scheme == "grey":
            low, high = (0.0, 1.0) if finite.size == 0 else (min(0.0, finite.min()),
                                                              max(1.0, finite.max()))
            grey = np.clip((np.nan_to_num(channel, nan=1.0) - low) / (high - low), 0, 1)
            return np.repeat((grey * 255).astype(np.uint8)[:, :, None], 3, axis=2)
        top = float(np.abs(finite).max()) if finite.size else 1.0
        lut = BACKGROUND_LUT
        if not self.numbers_visible():   # pictures: stronger colours, no numbers on top
            lut = _strong_lut()
            # a few extreme cells (the border of a padded picture) would wash out the
            # rest: scale to the 98th percentile and let those saturate
            if finite.size > 50:
                top = float(np.percentile(np.abs(finite), 98))
        top = top or 1.0
        index = np.round((np.clip(np.nan_to_num(channel) / top, -1, 1) + 1) / 2 * (len(lut) - 1))
        return lut[np.clip(index, 0, len(lut) - 1).astype(int)]

    @guarded("draw this view")
    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.Antialiasing, False)
        if self.title:
            painter.setPen(QColor(TEXT))
            font = QFont(self.font())
            font.setBold(True)
            painter.setFont(font)
            painter.drawText(QRectF(0, 0, self.width(), 20), Qt.AlignCenter, self.title)
        rows, cols, channels = self.values.shape
        cell, *_ = self._layout()
        if cell <= 0:
            painter.end()
            return
        numbers = self.numbers_visible()
        font = QFont(self.font())
        font.setPointSizeF(max(6.5, min(10.0, cell * 0.28)))
        painter.setFont(font)
        grid_pen = QPen(QColor(200, 200, 200) if numbers else Qt.NoPen)
        for ch in range(channels):
            colours = self._colors(self.values[:, :, ch])
            if numbers:
                self._paint_numbers(painter, ch, colours, grid_pen)
            else:
                self._paint_pixels(painter, ch, colours)
            if self.marked is not None:
                for r, c in np.argwhere(self.marked[:, :, min(ch, self.marked.shape[2] - 1)]):
                    rect = self._cell_rect(int(r), int(c), ch)
                    painter.setPen(QPen(QColor(POSITIVE), max(2.0, cell * 0.08)))
                    painter.drawEllipse(rect.adjusted(cell * 0.12, cell * 0.12,
                                                      -cell * 0.12, -cell * 0.12))
            if self.current is not None:
                r, c = self.current
                # a picture's cells are a few pixels: ring the cell from outside
                grow = -1 if cell >= 8 else 2
                painter.setPen(QPen(CELL_COLOR, max(2.0, cell * 0.1)))
                painter.drawRect(self._cell_rect(r, c, ch).adjusted(-grow, -grow, grow, grow))
            if self.window is not None:
                r0, r1, c0, c1 = self.window
                top_left = self._cell_rect(r0, c0, ch).topLeft()
                bottom_right = self._cell_rect(r1 - 1, c1 - 1, ch).bottomRight()
                painter.setPen(QPen(WINDOW_COLOR, max(2.0, min(3.0, cell * 0.12)),
                                    self.window_style))
                painter.drawRect(QRectF(top_left, bottom_right))
            if channels > 1 and cell >= 8:
                painter.setPen(QColor(MUTED))
                small = QFont(self.font())
                small.setPointSizeF(7)
                painter.setFont(small)
                label_rect = self._cell_rect(0, 0, ch)
                painter.drawText(QRectF(label_rect.left() - 30, label_rect.top(), 28, cell),
                                 Qt.AlignRight | Qt.AlignVCenter, f"c{ch}")
                painter.setFont(font)
        if self.caption:
            painter.setPen(QColor(MUTED))
            small = QFont(self.font())
            small.setPointSizeF(8)
            painter.setFont(small)
            last = self._cell_rect(rows - 1, 0, channels - 1)
            painter.drawText(QRectF(0, last.bottom() + 2, self.width(), 16), Qt.AlignCenter,
                             self.caption)
        painter.end()

    def _paint_numbers(self, painter: QPainter, ch: int, colours, grid_pen) -> None:
        """A small array: every cell a box with its number."""
        rows, cols, _ = self.values.shape
        for r in range(rows):
            for c in range(cols):
                rect = self._cell_rect(r, c, ch)
                value = self.values[r, c, ch]
                padding = self.padding is not None and self.padding[r, c]
                if np.isnan(value):
                    fill = EMPTY_COLOR
                elif padding:
                    fill = PICTURE_PAD_COLOR if self.scheme == "grey" else PAD_COLOR
                else:
                    fill = QColor(*colours[r, c])
                painter.setPen(grid_pen)
                painter.fillRect(rect, fill)
                painter.drawRect(rect)
                painter.setPen(QColor(MUTED) if padding else QColor(TEXT))
                painter.drawText(rect, Qt.AlignCenter, format_number(value))

    def _paint_pixels(self, painter: QPainter, ch: int, colours) -> None:
        """A large array (a picture): one image, a pixel block per cell. Painting
        thousands of cells one by one took longer than a Play tick."""
        rows, cols, _ = self.values.shape
        rgb = np.array(colours, dtype=np.uint8)
        if self.padding is not None:
            pad = PICTURE_PAD_COLOR if self.scheme == "grey" else PAD_COLOR
            rgb[self.padding] = pad.getRgb()[:3]
        # not computed yet: grey, since white is 0 on the diverging colours
        rgb[np.isnan(self.values[:, :, ch])] = NOT_YET
        top_left = self._cell_rect(0, 0, ch).topLeft()
        cell = self._layout()[0]
        painter.drawImage(QRectF(top_left.x(), top_left.y(), cell * cols, cell * rows),
                          rgb_to_qimage(rgb))


_STRONG = None


def _strong_lut() -> np.ndarray:
    """Full-strength orange-white-blue for pictures (no numbers to keep legible)."""
    global _STRONG
    if _STRONG is None:
        from playground.panels.style import diverging_lut
        _STRONG = diverging_lut(lightness=0.0)
    return _STRONG


__all__ = ["ConvGrid", "FilterTiles", "format_number", "NEGATIVE", "POSITIVE"]


class FilterTiles(QWidget):
    """Learned filters ``(f, f, 3, n_C)`` as small colour pictures, one per filter.

    Each filter is stretched to its own min..max so its pattern shows whatever its
    scale (display only: the numbers themselves are in the run's result)."""

    def __init__(self, title: str = "Learned first-layer filters", parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("filterTiles")
        self.title = title
        self.filters = None
        self.note = "Train to see the filters the CONV layer learns."
        self.setMinimumHeight(110)

    def set_filters(self, filters, note: str = "") -> None:
        self.filters = None if filters is None else np.asarray(filters, dtype=float)
        self.note = note
        self.update()

    def tile_count(self) -> int:
        return 0 if self.filters is None else self.filters.shape[3]

    @guarded("draw this view")
    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.setPen(QColor(TEXT))
        bold = QFont(self.font())
        bold.setBold(True)
        painter.setFont(bold)
        painter.drawText(QRectF(4, 0, self.width() - 8, 20), Qt.AlignLeft | Qt.AlignVCenter,
                         self.title)
        painter.setFont(self.font())
        if self.filters is None or self.filters.ndim != 4:
            painter.setPen(QColor(MUTED))
            painter.drawText(QRectF(4, 22, self.width() - 8, 40), Qt.AlignLeft, self.note)
            painter.end()
            return
        f, _, channels, count = self.filters.shape
        avail_w, avail_h = self.width() - 8, self.height() - 24 - 40   # 40: the note
        best = (0.0, 1)
        for columns in range(1, count + 1):      # the layout that gives the largest tiles
            rows = -(-count // columns)
            fit = min(avail_w / columns - 8, avail_h / rows - 16, 120.0)
            best = max(best, (fit, columns))
        size, columns = best
        size = max(float(f), float(int(size / f) * f))
        rows = -(-count // columns)
        for k in range(count):
            tile = self.filters[:, :, :, k]
            if channels == 1:
                tile = np.repeat(tile, 3, axis=2)
            low, high = tile.min(), tile.max()
            rgb = (tile - low) / (high - low) if high > low else np.full_like(tile, 0.5)
            colours = (rgb[:, :, :3] * 255).astype(np.uint8)
            x0 = 4 + (k % columns) * (size + 8)
            y0 = 24 + (k // columns) * (size + 16)
            cell = size / f
            for r in range(f):
                for c in range(f):
                    painter.fillRect(QRectF(x0 + c * cell, y0 + r * cell, cell + 0.5, cell + 0.5),
                                     QColor(*colours[r, c]))
            painter.setPen(QColor(MUTED))
            painter.drawText(QRectF(x0, y0 + size, size, 14), Qt.AlignCenter, f"#{k}")
        if self.note:
            top = 24 + rows * (size + 16) + 4
            painter.drawText(QRectF(4, top, self.width() - 8, 40),
                             Qt.AlignLeft | Qt.TextWordWrap, self.note)
        painter.end()
