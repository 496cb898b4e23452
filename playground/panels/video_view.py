"""A video frame with a box, a name and a distance around every face.

The page hands in the newest camera frame and the boxes of the newest recognition
result (which may be a frame or two older: display never waits for recognition).
The frame is scaled to fit, keeping its aspect ratio; boxes are scaled with it.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QImage, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from playground.panels.style import rgb_to_qimage
from playground.safe_slots import guarded

KNOWN = QColor("#2e9d48")     # a resident: green, like an open door
UNKNOWN = QColor("#d64533")   # a stranger: red
BACKGROUND = QColor("#1f2428")


@dataclass(frozen=True)
class FaceOverlay:
    """One face to draw: box in frame pixels (top, right, bottom, left) and its caption."""
    top: int
    right: int
    bottom: int
    left: int
    label: str
    known: bool


class VideoView(QWidget):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("videoView")
        self.setMinimumSize(320, 240)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)
        self._image: QImage | None = None
        self._frame_size = (0, 0)
        self._overlays: list[FaceOverlay] = []
        self._message = ""
        self.frames_shown = 0

    def sizeHint(self) -> QSize:
        return QSize(640, 480)

    # --- what to show ---
    def set_frame(self, frame: np.ndarray | None, overlays=()) -> None:
        """Show an RGB uint8 frame (H, W, 3) with face overlays; None clears the picture."""
        if frame is None:
            self._image = None
            self._frame_size = (0, 0)
        else:
            self._image = rgb_to_qimage(frame)
            self._frame_size = (frame.shape[1], frame.shape[0])
            self.frames_shown += 1
        self._overlays = list(overlays)
        self.update()

    def set_overlays(self, overlays) -> None:
        self._overlays = list(overlays)
        self.update()

    def set_message(self, text: str) -> None:
        """A line shown in the middle when there is no picture (or over it, dimmed)."""
        self._message = text
        self.update()

    @property
    def message(self) -> str:
        return self._message

    @property
    def overlays(self) -> list[FaceOverlay]:
        return list(self._overlays)

    def has_frame(self) -> bool:
        return self._image is not None

    # --- drawing ---
    def image_rect(self) -> QRectF:
        """Where the frame lands in the widget: centred, scaled keeping aspect."""
        w, h = self._frame_size
        if not w or not h:
            return QRectF()
        scale = min(self.width() / w, self.height() / h)
        dw, dh = w * scale, h * scale
        return QRectF((self.width() - dw) / 2, (self.height() - dh) / 2, dw, dh)

    @guarded("draw this view")
    def paintEvent(self, _event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.Antialiasing)
        painter.setRenderHint(QPainter.SmoothPixmapTransform)
        painter.fillRect(self.rect(), BACKGROUND)
        if self._image is not None:
            target = self.image_rect()
            painter.drawImage(target, self._image)
            self._draw_overlays(painter, target)
        if self._message:
            self._draw_message(painter, dim=self._image is not None)
        painter.end()

    def _draw_overlays(self, painter: QPainter, target: QRectF) -> None:
        scale = target.width() / max(self._frame_size[0], 1)
        font = QFont(self.font())
        font.setPointSizeF(max(9.0, min(13.0, 11.0 * scale)))
        font.setBold(True)
        painter.setFont(font)
        metrics = QFontMetrics(font)
        for face in self._overlays:
            color = KNOWN if face.known else UNKNOWN
            box = QRectF(target.x() + face.left * scale, target.y() + face.top * scale,
                         (face.right - face.left) * scale, (face.bottom - face.top) * scale)
            painter.setPen(QPen(color, 3))
            painter.setBrush(Qt.NoBrush)
            painter.drawRoundedRect(box, 4, 4)
            # The caption sits under the box (above it when the box touches the bottom).
            text_w = metrics.horizontalAdvance(face.label) + 12
            text_h = metrics.height() + 4
            y = box.bottom() + 2
            if y + text_h > target.bottom():
                y = max(target.top(), box.top() - text_h - 2)
            tag = QRectF(box.left() - 1.5, y, max(text_w, box.width() + 3), text_h)
            painter.setPen(Qt.NoPen)
            painter.setBrush(color)
            painter.drawRoundedRect(tag, 4, 4)
            painter.setPen(QColor("white"))
            painter.drawText(tag, Qt.AlignCenter, face.label)

    def _draw_message(self, painter: QPainter, dim: bool) -> None:
        font = QFont(self.font())
        font.setPointSizeF(12.5)
        painter.setFont(font)
        area = self.rect().adjusted(30, 30, -30, -30)
        bound = painter.boundingRect(area, Qt.AlignCenter | Qt.TextWordWrap, self._message)
        pad = bound.adjusted(-16, -12, 16, 12)
        painter.setPen(Qt.NoPen)
        painter.setBrush(QColor(0, 0, 0, 150 if dim else 90))
        painter.drawRoundedRect(pad, 8, 8)
        painter.setPen(QColor("#f2f2f2"))
        painter.drawText(area, Qt.AlignCenter | Qt.TextWordWrap, self._message)
