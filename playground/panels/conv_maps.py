"""Large views under the conv stepper: the picture in, the feature map Z, ReLU(Z).

Each view draws one array as pixels (nearest neighbour, so every cell stays a crisp
square), titled, with a colour bar underneath that says what the colours mean. The
arrays come from ``ConvStepper.feature_maps``; this module only picks colours.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QLinearGradient, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from playground.panels.style import MUTED, TEXT, diverging_lut, rgb_to_qimage
from playground.safe_slots import guarded

STRONG_LUT = diverging_lut(lightness=0.0)       # orange - white - blue, full strength
NOT_YET = np.array([205, 205, 205], dtype=np.uint8)   # cells the loop has not reached
TITLE_H, BAR_H, LABEL_H, CAPTION_LINES = 20, 8, 13, 2
SCHEMES = ("grey", "diverging", "positive")


def display_scale(values) -> float:
    """The colour bar's end for signed values: the 98th percentile of |values|.

    With zero padding, the border cells of an edge filter answer the jump from the
    picture to the zeros and are the largest by far; scaled to them, the edges inside
    the picture would fade. Those few cells saturate instead (the bar says so)."""
    finite = np.abs(np.asarray(values, dtype=float))
    finite = finite[np.isfinite(finite)]
    if finite.size == 0:
        return 1.0
    top = float(np.percentile(finite, 98)) if finite.size > 50 else float(finite.max())
    return top if top > 0 else (float(finite.max()) or 1.0)


def colours_of(values: np.ndarray, scheme: str, low: float, high: float) -> np.ndarray:
    """(rows, cols) -> (rows, cols, 3) uint8; NaN cells get the 'not computed yet' grey."""
    values = np.asarray(values, dtype=float)
    t = np.clip((np.nan_to_num(values, nan=low) - low) / ((high - low) or 1.0), 0, 1)
    if scheme == "grey":
        rgb = np.repeat(np.round(t * 255).astype(np.uint8)[:, :, None], 3, axis=2)
    elif scheme == "positive":       # 0 white .. high blue: the upper half of the bar
        rgb = STRONG_LUT[np.round((len(STRONG_LUT) - 1) * (0.5 + t / 2)).astype(int)]
    else:
        rgb = STRONG_LUT[np.round((len(STRONG_LUT) - 1) * t).astype(int)]
    rgb = rgb.copy()
    rgb[np.isnan(values)] = NOT_YET
    return rgb


def _number(value: float) -> str:
    return f"{value:.2g}" if abs(value) < 10 else f"{value:.0f}"


class MapView(QWidget):
    """One ``(rows, cols, channels)`` array drawn large; channels side by side."""

    def __init__(self, title: str = "", parent=None) -> None:
        super().__init__(parent)
        self.title = title
        self.values = np.zeros((0, 0, 1))
        self.scheme = "diverging"
        self.low, self.high = -1.0, 1.0
        self.words = ("", "")          # what the two ends of the bar mean
        self.caption = ""
        self.clipped = False           # some values lie beyond the bar's ends
        self._source, self._state = None, None
        self.setMinimumSize(130, 150)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)

    def set_map(self, values, scheme: str, low: float, high: float,
                words: tuple[str, str] = ("", ""), caption: str = "") -> None:
        if scheme not in SCHEMES:
            raise ValueError(f"scheme must be one of {SCHEMES}; got {scheme!r}")
        state = (scheme, float(low), float(high), tuple(words), caption)
        if values is self._source and state == self._state:
            return     # the picture in, on every Play tick: nothing to redraw
        self._source, self._state = values, state
        values = np.asarray(values, dtype=float)
        self.values = values[:, :, None] if values.ndim == 2 else values
        self.scheme, self.low, self.high = scheme, float(low), float(high)
        finite = self.values[np.isfinite(self.values)]
        self.clipped = bool(finite.size and (finite.min() < self.low - 1e-12
                                             or finite.max() > self.high + 1e-12))
        self.words, self.caption = words, caption
        self.setMaximumHeight(max(self.minimumHeight(), self.height_for_width()))
        self.update()

    # --- geometry ---
    def _small_font(self) -> QFont:
        font = QFont(self.font())
        font.setPointSizeF(8)
        return font

    def _end_values(self) -> tuple[str, str]:
        """The bar's end values, with ≤ / ≥ where some values lie beyond them."""
        beyond = ("≤ " if self.low < 0 else "", "≥ ") if self.clipped else ("", "")
        return beyond[0] + _number(self.low), beyond[1] + _number(self.high)

    def _bar_width(self) -> float:
        return max(60.0, min(220.0, self.width() - 8.0))

    def _below_height(self) -> float:
        """Room the bar, its labels and the caption take under the picture."""
        channel_labels = 12 if self.values.shape[2] > 1 else 0
        # numbers, then meanings, then the caption: the same height in every view, so
        # views side by side draw their pictures the same size
        return channel_labels + 4 + BAR_H + (2 + CAPTION_LINES) * LABEL_H + 4

    def height_for_width(self) -> int:
        """The height at which the picture fills this view's width: more is empty."""
        rows, cols, channels = self.values.shape
        if rows == 0 or cols == 0:
            return self.minimumHeight()
        cell = (self.width() - 8 - 6 * (channels - 1)) / (cols * channels)
        return int(TITLE_H + 2 + cell * rows + self._below_height()) + 1

    @guarded("fit this feature map to its new size")
    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        # Room beyond what the width allows would stay empty: leave it to the grids.
        self.setMaximumHeight(max(self.minimumHeight(), self.height_for_width()))

    def image_rect(self) -> QRectF:
        """Where the pixels go: as large as fits; a whole number of screen pixels per
        cell once cells are big enough that rounding down loses little."""
        rows, cols, channels = self.values.shape
        if rows == 0 or cols == 0:
            return QRectF()
        gap = 6
        avail_w = self.width() - 8 - gap * (channels - 1)
        avail_h = self.height() - TITLE_H - 2 - self._below_height()
        cell = max(0.5, min(avail_w / (cols * channels), avail_h / rows))
        if cell >= 4:
            cell = float(int(cell))
        width = cell * cols * channels + gap * (channels - 1)
        return QRectF((self.width() - width) / 2, TITLE_H + 2, width, cell * rows)

    def cell_pixels(self) -> float:
        rect = self.image_rect()
        rows = self.values.shape[0]
        return rect.height() / rows if rows else 0.0

    # --- painting ---
    @guarded("draw this feature map")
    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        bold = QFont(self.font())
        bold.setBold(True)
        painter.setFont(bold)
        painter.setPen(QColor(TEXT))
        painter.drawText(QRectF(0, 0, self.width(), TITLE_H), Qt.AlignCenter, self.title)
        rect = self.image_rect()
        if rect.isEmpty():
            painter.end()
            return
        rows, cols, channels = self.values.shape
        cell = rect.height() / rows
        painter.setFont(self._small_font())
        for ch in range(channels):
            rgb = colours_of(self.values[:, :, ch], self.scheme, self.low, self.high)
            target = QRectF(rect.left() + ch * (cell * cols + 6), rect.top(),
                            cell * cols, cell * rows)
            painter.drawImage(target, rgb_to_qimage(rgb))   # no smoothing: crisp cells
            painter.setPen(QPen(QColor(190, 190, 190)))
            painter.drawRect(target.adjusted(-0.5, -0.5, 0.5, 0.5))
            if channels > 1:
                painter.setPen(QColor(MUTED))
                painter.drawText(QRectF(target.left(), target.bottom(), target.width(), 12),
                                 Qt.AlignCenter, f"c{ch}")
        self._draw_bar(painter, rect.bottom() + (12 if channels > 1 else 0) + 4)
        painter.end()

    def _draw_bar(self, painter: QPainter, top: float) -> None:
        """The colour bar: its ends' values and meanings, 0 where it lies inside,
        then the caption."""
        width = self._bar_width()
        left = (self.width() - width) / 2
        bar = QRectF(left, top, width, BAR_H)
        gradient = QLinearGradient(bar.left(), 0, bar.right(), 0)
        stops = np.linspace(0, 1, 9)
        colours = colours_of((self.low + stops * (self.high - self.low))[None],
                             self.scheme, self.low, self.high)[0]
        for t, (r, g, b) in zip(stops, colours):
            gradient.setColorAt(float(t), QColor(int(r), int(g), int(b)))
        painter.fillRect(bar, gradient)
        painter.setPen(QPen(QColor(170, 170, 170)))
        painter.drawRect(bar)
        painter.setPen(QColor(TEXT))
        low, high = self._end_values()
        line = QRectF(left, bar.bottom() + 1, width, LABEL_H)
        painter.drawText(line, Qt.AlignLeft | Qt.AlignVCenter, low)
        painter.drawText(line, Qt.AlignRight | Qt.AlignVCenter, high)
        if self.low < 0 < self.high:
            x = left + width * (0 - self.low) / (self.high - self.low)
            painter.drawLine(int(x), int(bar.bottom()), int(x), int(bar.bottom() + 3))
            painter.drawText(QRectF(x - 20, line.top(), 40, LABEL_H), Qt.AlignCenter, "0")
        painter.setPen(QColor(MUTED))
        line = line.translated(0, LABEL_H)
        painter.drawText(line, Qt.AlignLeft | Qt.AlignVCenter, self.words[0])
        painter.drawText(line, Qt.AlignRight | Qt.AlignVCenter, self.words[1])
        if self.caption:
            painter.drawText(QRectF(2, line.bottom(), self.width() - 4,
                                    CAPTION_LINES * LABEL_H + 2),
                             Qt.AlignHCenter | Qt.AlignTop | Qt.TextWordWrap, self.caption)
