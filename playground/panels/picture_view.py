"""One picture, scaled to fit its box keeping the aspect ratio, with a caption above.

Made for pictures that change many times a second (the style-transfer canvas): a new
array becomes one QImage copy and a repaint; nothing is re-laid out, so a redraw
costs well under a millisecond at 400x300.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from playground.panels.style import rgb_to_qimage
from playground.safe_slots import guarded

BACKGROUND = QColor("#eceff1")


class PictureArea(QWidget):
    """Draws one RGB picture centred and scaled; a grey box with a line when empty."""

    def __init__(self, empty_text: str = "", parent=None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)
        self.setMinimumSize(120, 90)
        self._image: QImage | None = None
        self._array: np.ndarray | None = None
        self.empty_text = empty_text
        self.redraws = 0   # how many pictures were shown (tests and benchmarks read it)

    def sizeHint(self) -> QSize:
        return QSize(300, 225)

    def set_picture(self, picture: np.ndarray | None) -> None:
        if picture is None:
            self._image, self._array = None, None
        else:
            self._array = np.ascontiguousarray(picture, dtype=np.uint8)
            self._image = rgb_to_qimage(self._array)
            self.redraws += 1
        self.update()

    def picture(self) -> np.ndarray | None:
        return self._array

    def image_rect(self) -> QRectF:
        if self._image is None:
            return QRectF()
        w, h = self._image.width(), self._image.height()
        scale = min(self.width() / w, self.height() / h)
        return QRectF((self.width() - w * scale) / 2, (self.height() - h * scale) / 2,
                      w * scale, h * scale)

    @guarded("draw this view")
    def paintEvent(self, _event) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), BACKGROUND)
        if self._image is not None:
            painter.setRenderHint(QPainter.SmoothPixmapTransform)
            painter.drawImage(self.image_rect(), self._image)
        elif self.empty_text:
            painter.setPen(QColor("#78909c"))
            painter.drawText(self.rect().adjusted(8, 8, -8, -8),
                             Qt.AlignCenter | Qt.TextWordWrap, self.empty_text)
        painter.end()


class PictureView(QWidget):
    """A caption (rich text, one or two lines) over a :class:`PictureArea`."""

    def __init__(self, title: str, empty_text: str = "", parent=None) -> None:
        super().__init__(parent)
        self.caption = QLabel(f"<b>{title}</b>")
        self.caption.setWordWrap(True)
        self.caption.setAlignment(Qt.AlignHCenter)
        self.area = PictureArea(empty_text)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.caption)
        layout.addWidget(self.area, 1)
        self.title = title

    def set_picture(self, picture: np.ndarray | None, note: str = "") -> None:
        self.area.set_picture(picture)
        self.set_note(note)

    def set_note(self, note: str) -> None:
        extra = f"<br><span style='color:#666'>{note}</span>" if note else ""
        self.caption.setText(f"<b>{self.title}</b>{extra}")

    def picture(self) -> np.ndarray | None:
        return self.area.picture()
