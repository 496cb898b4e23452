"""The 2-20-3-1 network of the regularization lesson with this iteration's dropout
masks: units the mask switched off for one example are grey and crossed out, and
each hidden unit's shade says for what share of the examples it was kept.

It draws the ``dropout`` extra of a regularization snapshot (engine/snapshots.md);
nothing is computed here beyond positions on the screen.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QWidget

from playground.panels import style
from playground.safe_slots import guarded

KEPT = QColor(style.POSITIVE)
DROPPED = QColor("#c8c8c8")
EDGE = QColor("#b0b0b0")


class DropoutView(QWidget):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("dropoutView")
        self.layer_sizes = [20, 3]
        self.example_mask: list[np.ndarray] | None = None
        self.kept_fraction: list[np.ndarray] | None = None
        self.info = "Dropout masks appear here while the dropout variant trains."
        self.update_count = 0
        self.setMinimumSize(240, 220)

    def update_dropout(self, dropout: dict) -> None:
        self.layer_sizes = [int(n) for n in dropout.get("layer_sizes", self.layer_sizes)]
        self.example_mask = [np.asarray(m, dtype=bool) for m in dropout["example_mask"]]
        self.kept_fraction = [np.asarray(f, dtype=float) for f in dropout["kept_fraction"]]
        off = [int((~m).sum()) for m in self.example_mask]
        self.info = (f"keep_prob {dropout.get('keep_prob', 1):g} · iteration "
                     f"{dropout.get('iteration', 0):,} · example "
                     f"{dropout.get('example_index', 0)}: "
                     + " and ".join(f"{o}/{n}" for o, n in zip(off, self.layer_sizes))
                     + " units off")
        self.update_count += 1
        self.update()

    def clear(self) -> None:
        self.example_mask = self.kept_fraction = None
        self.info = "Dropout masks appear here while the dropout variant trains."
        self.update()

    def switched_off(self) -> list[int]:
        """How many units of each hidden layer the shown example lost."""
        if self.example_mask is None:
            return []
        return [int((~m).sum()) for m in self.example_mask]

    @guarded("draw this view")
    def paintEvent(self, _event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), QColor("white"))
        w, h = self.width(), self.height()
        text_h = 36
        sizes = [2, *self.layer_sizes, 1]
        xs = [w * (k + 0.5) / len(sizes) for k in range(len(sizes))]
        top, bottom = 24.0, h - text_h - 8.0
        radius = max(3.0, min(9.0, (bottom - top) / (2.6 * max(sizes))))
        positions = []
        for x, n in zip(xs, sizes):
            step = (bottom - top) / n
            positions.append([QPointF(x, top + step * (i + 0.5)) for i in range(n)])
        painter.setPen(QPen(EDGE, 0.6))
        for left, right in zip(positions, positions[1:]):
            for a in left:
                for b in right:
                    painter.drawLine(a, b)
        painter.setPen(QPen(QColor(style.TEXT)))
        for x, name in zip(xs, ["input", "ReLU 20", "ReLU 3", "sigmoid"]):
            painter.drawText(QRectF(x - 50, 2, 100, 18), Qt.AlignmentFlag.AlignCenter, name)
        for k, layer in enumerate(positions):
            hidden = 0 < k < len(positions) - 1
            for i, point in enumerate(layer):
                kept, share = True, 1.0
                if hidden and self.example_mask is not None:
                    kept = bool(self.example_mask[k - 1][i])
                    share = float(self.kept_fraction[k - 1][i])
                color = QColor(KEPT if kept else DROPPED)
                if kept:  # paler when this unit was dropped for many other examples
                    color.setAlphaF(0.35 + 0.65 * share)
                painter.setBrush(color)
                painter.setPen(QPen(QColor("#555555"), 1))
                painter.drawEllipse(point, radius, radius)
                if not kept:
                    painter.setPen(QPen(QColor(style.ERROR), 1.5))
                    d = radius * 0.8
                    painter.drawLine(point + QPointF(-d, -d), point + QPointF(d, d))
                    painter.drawLine(point + QPointF(-d, d), point + QPointF(d, -d))
        painter.setPen(QPen(QColor(style.MUTED)))
        painter.drawText(QRectF(4, h - text_h, w - 8, text_h),
                         Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self.info)
        painter.end()
