"""ResNet50 as a block diagram: one row per stage, each residual block a box with its
skip connection drawn as an arc over it.

It only draws ``engine.keras_models.resnet.stage_plan()`` (stages, blocks, filters,
output shapes); it computes nothing about the network. Convolutional blocks (the
first of each stage: strided, with a 1x1 conv on the shortcut) are orange with a
dashed arc labelled "1x1 conv"; identity blocks (the input added back unchanged)
are blue with a solid arc. Hovering a box shows its details.
"""
from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from playground.panels import style
from playground.safe_slots import guarded

CONV_COLOR = QColor(style.NEGATIVE)       # convolutional block
IDENTITY_COLOR = QColor(style.POSITIVE)   # identity block
PLAIN_COLOR = QColor("#607d8b")           # input, stage 1, head
ARC_SPACE = 26                            # room above a box for its skip arc


def _shape_text(shape) -> str:
    return "×".join(str(d) for d in shape)


def _fitted(font: QFont, text: str, rect: QRectF) -> QFont:
    """``font``, made smaller (down to 6 pt) until ``text`` fits in ``rect``."""
    fitted = QFont(font)
    size = font.pointSizeF()
    while size > 6:
        fitted.setPointSizeF(size)
        bounds = QFontMetricsF(fitted).boundingRect(rect, int(Qt.AlignCenter | Qt.TextWordWrap),
                                                    text)
        if bounds.width() <= rect.width() + 0.5 and bounds.height() <= rect.height() + 0.5:
            break
        size -= 0.5
    return fitted


class ResNetDiagram(QWidget):
    """Draws a ``stage_plan()``; ``block_rects`` maps names to the boxes drawn last."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("resnetDiagram")
        self.plan: list[dict] = []
        self.block_rects: dict[str, QRectF] = {}
        self._details: dict[str, str] = {}
        self.setMouseTracking(True)
        self.setMinimumSize(560, 420)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)

    def sizeHint(self) -> QSize:
        return QSize(900, 620)

    def set_plan(self, plan: list[dict]) -> None:
        self.plan = list(plan)
        self._details = {}
        for stage in self.plan:
            for block in stage["blocks"]:
                kind = "convolutional block" if block["kind"] == "conv" else "identity block"
                self._details[block["name"]] = (
                    f"<b>{block['name']}</b>: {kind}<br>filters {list(block['filters'])}, "
                    f"middle window {block['f']}×{block['f']}, stride {block['stride']}<br>"
                    f"{_shape_text(block['input_shape'])} → "
                    f"{_shape_text(block['output_shape'])}<br>shortcut: {block['shortcut']}")
            if not stage["blocks"]:
                self._details[stage["name"]] = (f"<b>{stage['label']}</b><br>output "
                                                f"{_shape_text(stage['output_shape'])}")
        self.update()

    # --- drawing ---
    def _rows(self) -> list[dict]:
        """Input + stage 1 share the first row, each residual stage has its own, the
        head is last."""
        simple = [s for s in self.plan if not s["blocks"]]
        residual = [s for s in self.plan if s["blocks"]]
        head = [s for s in simple if s["kind"] == "head"]
        first = [s for s in simple if s["kind"] != "head"]
        return ([{"kind": "plain", "stages": first}] if first else []) + \
            [{"kind": "residual", "stage": s} for s in residual] + \
            ([{"kind": "plain", "stages": head}] if head else [])

    @guarded("draw this view")
    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.Antialiasing)
        painter.fillRect(self.rect(), QColor("white"))
        self.block_rects = {}
        if not self.plan:
            painter.setPen(QColor(style.MUTED))
            painter.drawText(self.rect(), Qt.AlignCenter, "No network to draw.")
            return
        rows = self._rows()
        margin, label_w = 10.0, 150.0
        row_h = (self.height() - 2 * margin - 22) / max(len(rows), 1)
        font = QFont(self.font())
        small = QFont(font)
        small.setPointSizeF(max(6.5, font.pointSizeF() * 0.8))
        max_blocks = max((len(r["stage"]["blocks"]) for r in rows if r["kind"] == "residual"),
                         default=1)
        gap = 8.0
        box_w = min(150.0, (self.width() - 2 * margin - label_w - gap * max_blocks) /
                    max_blocks)
        previous_exit: QPointF | None = None
        for i, row in enumerate(rows):
            top = margin + i * row_h
            box_top = top + ARC_SPACE
            box_h = max(24.0, row_h - ARC_SPACE - 10)
            x = margin + label_w
            if row["kind"] == "plain":
                boxes = []
                for stage in row["stages"]:
                    # the stem and head boxes take the row's room (up to 300 px): at
                    # 170 px the stem's "pad 3 · conv1 7x7/2 · ... " needed three lines
                    # in a two-line box and spilled over its edges at 1280x720
                    room = self.width() - margin - x
                    w = box_w if stage["kind"] == "input" else \
                        max(min(room, max(box_w * 4.2, 300.0)), 170.0)
                    rect = QRectF(x, box_top, w, box_h)
                    self._box(painter, rect, PLAIN_COLOR, stage.get("short", stage["label"]),
                              _shape_text(stage["output_shape"]), small)
                    self.block_rects[stage["name"]] = rect
                    boxes.append(rect)
                    x += w + gap
                painter.setFont(font)
                painter.setPen(QColor(style.TEXT))
                painter.drawText(QRectF(margin, box_top, label_w - 8, box_h),
                                 Qt.AlignVCenter | Qt.TextWordWrap,
                                 "Head" if row["stages"][0]["kind"] == "head" else "Stem")
            else:
                stage = row["stage"]
                painter.setFont(font)
                painter.setPen(QColor(style.TEXT))
                filters = "/".join(str(f) for f in stage["filters"])
                painter.drawText(QRectF(margin, top + 4, label_w - 8, row_h - 8),
                                 Qt.AlignVCenter | Qt.TextWordWrap,
                                 f"{stage['name'].replace('stage', 'Stage ')}\n"
                                 f"filters {filters}\nout {_shape_text(stage['output_shape'])}")
                boxes = []
                for block in stage["blocks"]:
                    rect = QRectF(x, box_top, box_w, box_h)
                    conv = block["kind"] == "conv"
                    self._box(painter, rect, CONV_COLOR if conv else IDENTITY_COLOR,
                              block["name"] + (f" (s={block['stride']})" if conv else ""),
                              _shape_text(block["output_shape"]), small)
                    self._arc(painter, rect, conv, small)
                    self.block_rects[block["name"]] = rect
                    boxes.append(rect)
                    x += box_w + gap
            # the main path: box to box, and from the last box of a row to the next row
            painter.setPen(QPen(QColor("#555555"), 1.4))
            for a, b in zip(boxes, boxes[1:]):
                painter.drawLine(QPointF(a.right(), a.center().y()),
                                 QPointF(b.left(), b.center().y()))
            if previous_exit is not None and boxes:
                entry = QPointF(boxes[0].left() + 10, boxes[0].top())
                path = QPainterPath(previous_exit)
                path.lineTo(previous_exit.x(), previous_exit.y() + 6)
                path.lineTo(entry.x(), previous_exit.y() + 6)
                path.lineTo(entry)
                painter.drawPath(path)
            if boxes:
                previous_exit = QPointF(boxes[-1].center().x(), boxes[-1].bottom())
        self._legend(painter, small, margin)

    def _box(self, painter: QPainter, rect: QRectF, color: QColor, title: str, shape: str,
             font: QFont) -> None:
        fill = QColor(color)
        fill.setAlpha(60)
        painter.setPen(QPen(color, 1.6))
        painter.setBrush(fill)
        painter.drawRoundedRect(rect, 5, 5)
        painter.setBrush(Qt.NoBrush)
        text = f"{title}\n{shape}"
        painter.setFont(_fitted(font, text, rect.adjusted(3, 2, -3, -2)))
        painter.setPen(QColor(style.TEXT))
        painter.drawText(rect.adjusted(3, 2, -3, -2), Qt.AlignCenter | Qt.TextWordWrap, text)

    def _arc(self, painter: QPainter, rect: QRectF, conv: bool, font: QFont) -> None:
        """The skip connection: from just before the box, over it, into the add at its end."""
        color = CONV_COLOR.darker(120) if conv else IDENTITY_COLOR.darker(120)
        pen = QPen(color, 1.6, Qt.DashLine if conv else Qt.SolidLine)
        painter.setPen(pen)
        start = QPointF(rect.left() - 3, rect.center().y() - rect.height() * 0.25)
        end = QPointF(rect.right() + 3, rect.center().y() - rect.height() * 0.25)
        peak = rect.top() - ARC_SPACE + 6
        path = QPainterPath(start)
        path.cubicTo(QPointF(start.x(), peak), QPointF(end.x(), peak), end)
        painter.drawPath(path)
        painter.setBrush(color)          # the "+" where the shortcut is added back
        painter.drawEllipse(end, 3, 3)
        painter.setBrush(Qt.NoBrush)
        if conv:
            label = QRectF(rect.left(), rect.top() - ARC_SPACE + 1, rect.width(), 13)
            painter.setFont(_fitted(font, "1x1 conv", label))
            painter.drawText(label, Qt.AlignCenter, "1x1 conv")

    def _legend(self, painter: QPainter, font: QFont, margin: float) -> None:
        painter.setFont(font)
        y = self.height() - 16
        x = margin
        for color, text, dash in ((CONV_COLOR, "convolutional block (shortcut: 1x1 conv)", True),
                                  (IDENTITY_COLOR, "identity block (shortcut: the input)",
                                   False)):
            painter.setPen(QPen(color, 2, Qt.DashLine if dash else Qt.SolidLine))
            painter.drawLine(QPointF(x, y), QPointF(x + 26, y))
            painter.setPen(QColor(style.TEXT))
            painter.drawText(QPointF(x + 32, y + 4), text)
            x += 40 + painter.fontMetrics().horizontalAdvance(text) + 20

    # --- hover details ---
    def event(self, event) -> bool:
        if event.type() == event.Type.ToolTip:
            point = event.position() if hasattr(event, "position") else event.pos()
            for name, rect in self.block_rects.items():
                if rect.contains(QPointF(point)) and name in self._details:
                    QToolTip.showText(event.globalPos(), self._details[name], self)
                    return True
            QToolTip.hideText()
            return True
        return super().event(event)
