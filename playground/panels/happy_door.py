"""The Happy House front door, drawn with QPainter.

It only shows what the engine's ``Door`` decided: closed (with "Not recognised" or
"Waiting for a face"), opening (a resident seen, being confirmed over a few frames)
or open (the door swings open with "Welcome home, NAME!").
The swing is a short animation driven by a timer that runs only while the door moves.
"""
from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, QTimer
from PySide6.QtGui import (QBrush, QColor, QFont, QLinearGradient, QPainter, QPainterPath,
                           QPen, QPolygonF, QRadialGradient)
from PySide6.QtWidgets import QSizePolicy, QWidget

from playground.safe_slots import guarded

SWING_SECONDS = 0.7
TICK_MS = 30

WELCOME = QColor("#2e9d48")
REFUSED = QColor("#d64533")
WAITING = QColor("#6b7280")
CHECKING = QColor("#c07a12")


class HappyDoor(QWidget):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("happyDoor")
        self.setMinimumSize(230, 300)
        self.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Expanding)
        self.state = "closed"
        self.name: str | None = None
        self.message = "Waiting for a face…"
        self.open_fraction = 0.0      # 0 = shut, 1 = wide open (what is drawn)
        self._target = 0.0
        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._tick)

    def sizeHint(self) -> QSize:
        return QSize(300, 420)

    def set_status(self, state: str, name: str | None, message: str) -> None:
        """Show a DoorStatus: ``state`` is "closed", "opening" or "open"."""
        changed = (state, name, message) != (self.state, self.name, self.message)
        self.state, self.name, self.message = state, name, message or ""
        self._target = 1.0 if state == "open" else 0.0
        if self.open_fraction != self._target and not self._timer.isActive():
            self._timer.start()
        if changed:
            self.update()

    @property
    def is_open(self) -> bool:
        return self.state == "open"

    def _tick(self) -> None:
        step = TICK_MS / 1000.0 / SWING_SECONDS
        if self.open_fraction < self._target:
            self.open_fraction = min(self._target, self.open_fraction + step)
        else:
            self.open_fraction = max(self._target, self.open_fraction - step)
        if self.open_fraction == self._target:
            self._timer.stop()
        self.update()

    # --- drawing ---
    @guarded("draw this view")
    def paintEvent(self, _event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.Antialiasing)
        w, h = self.width(), self.height()
        banner_h = 64
        scene = QRectF(0, 0, w, h - banner_h)
        self._draw_scene(p, scene)
        self._draw_banner(p, QRectF(0, h - banner_h, w, banner_h))
        p.end()

    def _draw_scene(self, p: QPainter, r: QRectF) -> None:
        sky = QLinearGradient(r.topLeft(), r.bottomLeft())
        sky.setColorAt(0, QColor("#bfe3ff"))
        sky.setColorAt(1, QColor("#eaf6ff"))
        p.fillRect(r, sky)
        ground_y = r.bottom() - r.height() * 0.12
        p.fillRect(QRectF(r.left(), ground_y, r.width(), r.bottom() - ground_y), QColor("#8cc46b"))
        # The house: as big as fits, centred, a little wider than tall.
        house_w = min(r.width() * 0.86, (ground_y - r.top()) * 0.95)
        wall_h = house_w * 0.62
        roof_h = house_w * 0.38
        x0 = r.center().x() - house_w / 2
        wall_top = ground_y - wall_h
        # chimney behind the roof
        p.setPen(Qt.NoPen)
        p.setBrush(QColor("#8d4a3a"))
        p.drawRect(QRectF(x0 + house_w * 0.70, wall_top - roof_h * 0.85, house_w * 0.09,
                          roof_h * 0.6))
        # walls
        p.setBrush(QColor("#f6dfae"))
        p.setPen(QPen(QColor("#c9a86a"), 2))
        p.drawRect(QRectF(x0, wall_top, house_w, wall_h))
        # roof
        roof = QPolygonF([QPointF(x0 - house_w * 0.07, wall_top + 2),
                          QPointF(x0 + house_w / 2, wall_top - roof_h),
                          QPointF(x0 + house_w * 1.07, wall_top + 2)])
        p.setBrush(QColor("#c8463b"))
        p.setPen(QPen(QColor("#9c3129"), 2))
        p.drawPolygon(roof)
        # sign in the gable
        sign = QRectF(x0 + house_w * 0.30, wall_top - roof_h * 0.52, house_w * 0.40,
                      roof_h * 0.32)
        p.setBrush(QColor("#fff8e6"))
        p.setPen(QPen(QColor("#7a5a2a"), 1.5))
        p.drawRoundedRect(sign, 4, 4)
        font = QFont(self.font())
        font.setBold(True)
        font.setPixelSize(max(9, int(sign.height() * 0.42)))
        p.setFont(font)
        p.setPen(QColor("#7a3b12"))
        p.drawText(sign, Qt.AlignCenter, "Happy House")
        # windows either side of the door
        win = house_w * 0.2
        for wx in (x0 + house_w * 0.08, x0 + house_w * 0.72):
            self._draw_window(p, QRectF(wx, wall_top + wall_h * 0.18, win, win))
        # door
        door_w, door_h = house_w * 0.26, wall_h * 0.72
        door = QRectF(r.center().x() - door_w / 2, ground_y - door_h, door_w, door_h)
        self._draw_door(p, door)
        # step
        p.setPen(Qt.NoPen)
        p.setBrush(QColor("#b9b2a6"))
        p.drawRect(QRectF(door.left() - door_w * 0.15, ground_y - 3, door_w * 1.3, 7))

    def _draw_window(self, p: QPainter, r: QRectF) -> None:
        p.setPen(QPen(QColor("#7a5a2a"), 3))
        glow = self.open_fraction
        glass = QColor("#a8d4f0") if glow == 0 else QColor(255, 230, 150)
        p.setBrush(glass)
        p.drawRect(r)
        p.drawLine(QPointF(r.center().x(), r.top()), QPointF(r.center().x(), r.bottom()))
        p.drawLine(QPointF(r.left(), r.center().y()), QPointF(r.right(), r.center().y()))

    def _draw_door(self, p: QPainter, d: QRectF) -> None:
        # frame and the warm room behind the door
        p.setPen(QPen(QColor("#5b3a1e"), 4))
        room = QRadialGradient(d.center(), d.height() * 0.7)
        room.setColorAt(0, QColor("#fff3c4"))
        room.setColorAt(1, QColor("#f0b955"))
        p.setBrush(QBrush(room))
        p.drawRect(d)
        # the door leaf swings on its left hinge: its far edge comes towards us,
        # so it gets narrower and its far edge a little taller (perspective).
        f = self.open_fraction
        leaf_w = d.width() * (1.0 - 0.82 * f)
        grow = d.height() * 0.08 * f
        leaf = QPolygonF([QPointF(d.left(), d.top()), QPointF(d.left() + leaf_w, d.top() - grow),
                          QPointF(d.left() + leaf_w, d.bottom() + grow * 0.3),
                          QPointF(d.left(), d.bottom())])
        shade = QLinearGradient(d.topLeft(), QPointF(d.left() + max(leaf_w, 1), d.top()))
        shade.setColorAt(0, QColor("#2f7d5b").darker(100 + int(40 * f)))
        shade.setColorAt(1, QColor("#3f9b72").darker(100 + int(25 * f)))
        p.setBrush(QBrush(shade))
        p.setPen(QPen(QColor("#1f4d38"), 2))
        p.drawPolygon(leaf)
        if leaf_w > d.width() * 0.35:
            # panels and the knob, only while the leaf faces us
            inset = leaf_w * 0.16
            p.setBrush(Qt.NoBrush)
            p.setPen(QPen(QColor(255, 255, 255, 70), 2))
            for top, height in ((0.10, 0.33), (0.52, 0.38)):
                p.drawRoundedRect(QRectF(d.left() + inset, d.top() + d.height() * top,
                                         leaf_w - 2 * inset, d.height() * height), 3, 3)
            p.setPen(Qt.NoPen)
            p.setBrush(QColor("#f1c40f"))
            knob = d.width() * 0.07
            p.drawEllipse(QPointF(d.left() + leaf_w * 0.84, d.center().y() + d.height() * 0.04),
                          knob, knob)
        if f > 0.5 and self.name:
            # a happy face peeks from inside once the door is open
            self._draw_smiley(p, QPointF(d.left() + leaf_w + (d.width() - leaf_w) * 0.55,
                                         d.top() + d.height() * 0.35),
                              (d.width() - leaf_w) * 0.28 * min(1.0, (f - 0.5) * 2))

    def _draw_smiley(self, p: QPainter, c: QPointF, radius: float) -> None:
        if radius < 3:
            return
        p.setPen(QPen(QColor("#8a5a00"), 1.5))
        p.setBrush(QColor("#ffd54f"))
        p.drawEllipse(c, radius, radius)
        p.setBrush(QColor("#5a3a00"))
        p.setPen(Qt.NoPen)
        for dx in (-0.35, 0.35):
            p.drawEllipse(QPointF(c.x() + dx * radius, c.y() - 0.25 * radius),
                          radius * 0.1, radius * 0.13)
        mouth = QPainterPath()
        mouth.moveTo(c.x() - 0.45 * radius, c.y() + 0.15 * radius)
        mouth.quadTo(c.x(), c.y() + 0.7 * radius, c.x() + 0.45 * radius, c.y() + 0.15 * radius)
        p.setPen(QPen(QColor("#5a3a00"), max(1.2, radius * 0.09)))
        p.setBrush(Qt.NoBrush)
        p.drawPath(mouth)

    def _draw_banner(self, p: QPainter, r: QRectF) -> None:
        if self.is_open:
            color, text = WELCOME, self.message or f"Welcome home, {self.name}!"
        elif self.message and self.message.lower().startswith("not recognised"):
            color, text = REFUSED, self.message
        elif self.state == "opening":
            color, text = CHECKING, self.message
        else:
            color, text = WAITING, self.message or "Door closed"
        p.fillRect(r, QColor("#ffffff"))
        pill = r.adjusted(8, 8, -8, -8)
        p.setPen(Qt.NoPen)
        p.setBrush(color)
        p.drawRoundedRect(pill, 10, 10)
        font = QFont(self.font())
        font.setBold(True)
        font.setPixelSize(int(min(20, max(12, pill.height() * 0.36))))
        p.setFont(font)
        p.setPen(QColor("white"))
        p.drawText(pill.adjusted(8, 0, -8, 0), Qt.AlignCenter | Qt.TextWordWrap, text)
