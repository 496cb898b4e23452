"""The style-transfer canvas: content, style and the picture being painted, live.

The content and style pictures sit on the left, the generated picture large on the
right; it changes with every snapshot the painting job sends (several a second).
Under them: the content/style balance (a log slider of beta/alpha that acts on the
running job), a scrubber over the snapshots kept so far (the time-lapse), the buttons
that save the picture and the time-lapse, and the three cost curves.

The canvas only shows and keeps pictures; the page wires it to the job and the engine
writes the files.
"""
from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QGridLayout, QHBoxLayout, QLabel, QPushButton, QSizePolicy,
                               QSlider, QVBoxLayout, QWidget)

from playground.panels import style
from playground.panels.picture_view import PictureView

# beta/alpha from 1e-3 (content only, nearly) to 1e5 (style only, nearly): the course's
# 40/10 = 4 sits a little left of the middle.
BALANCE_LOW, BALANCE_HIGH = -3.0, 5.0
BALANCE_STEPS_PER_DECADE = 12
MAX_SNAPSHOTS = 120     # ~43 MB at 400x300; older ones are thinned out evenly
COST_COLORS = {"total": style.TEXT, "content": style.POSITIVE, "style": style.NEGATIVE}


class BalanceSlider(QWidget):
    """Content ◀ ▶ style: moves beta/alpha on a log scale, keeping alpha."""

    changed = Signal(float, float)   # alpha, beta

    def __init__(self, alpha: float = 10.0, beta: float = 40.0, parent=None) -> None:
        super().__init__(parent)
        self.alpha, self.beta = alpha, beta
        self.slider = QSlider(Qt.Horizontal, objectName="balanceSlider")
        positions = round((BALANCE_HIGH - BALANCE_LOW) * BALANCE_STEPS_PER_DECADE)
        self.slider.setRange(0, positions)
        self.slider.setPageStep(BALANCE_STEPS_PER_DECADE)
        self.slider.setToolTip("More content (left) or more style (right). Acts on the "
                               "picture being painted from the next iteration.")
        self.value_label = QLabel(objectName="balanceValue")
        self.value_label.setMinimumWidth(120)
        self.slider.valueChanged.connect(self._moved)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel("<b>Balance</b>  content"))
        row.addWidget(self.slider, 1)
        row.addWidget(QLabel("style"))
        row.addWidget(self.value_label)
        self.set_weights(alpha, beta)

    def set_weights(self, alpha: float, beta: float) -> None:
        """Show ``alpha``/``beta`` without emitting ``changed``."""
        self.alpha, self.beta = float(alpha), float(beta)
        ratio = self.beta / self.alpha if self.alpha > 0 and self.beta > 0 else 1.0
        position = (math.log10(ratio) - BALANCE_LOW) * BALANCE_STEPS_PER_DECADE
        self.slider.blockSignals(True)
        self.slider.setValue(int(round(min(max(position, 0), self.slider.maximum()))))
        self.slider.blockSignals(False)
        self._show()

    def _moved(self, position: int) -> None:
        ratio = 10 ** (BALANCE_LOW + position / BALANCE_STEPS_PER_DECADE)
        self.beta = float(f"{self.alpha * ratio:.3g}")
        self._show()
        self.changed.emit(self.alpha, self.beta)

    def _show(self) -> None:
        self.value_label.setText(f"α = {self.alpha:g}, β = {self.beta:g}")


class StyleCostPlot(QWidget):
    """Total, content and style cost against the iteration, on a log axis (the costs
    span several decades and the style cost falls fastest)."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        # The key is in the title: a legend box would sit on the curves in a short plot.
        key = "  ".join(f"<span style='color:{color}'>&#9644; {label}</span>"
                        for label, color in (("J total", COST_COLORS["total"]),
                                             ("J content", COST_COLORS["content"]),
                                             ("J style", COST_COLORS["style"])))
        self.plot_widget = style.make_plot("", "iteration", "cost (log)")
        self.plot = self.plot_widget.getPlotItem()
        self.plot.setTitle(f"<span style='font-size:10pt'>Costs  {key}</span>")
        self.plot.setLogMode(y=True)
        self.curves = {name: self.plot.plot([], [], connect="finite",
                                            pen=pg.mkPen(color, width=2))
                       for name, color in COST_COLORS.items()}
        self._rows = np.empty((0, 4))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot_widget)
        self.setMinimumHeight(140)
        self._empty_range()

    def _empty_range(self) -> None:
        """Before the first cost, show whole decades (10^0 .. 10^6, where the costs
        usually start): the log axis of an empty plot otherwise crowds the minor
        ticks 2..8 of a single decade into a short plot. The first costs turn the
        automatic range back on."""
        self.plot.setYRange(0, 6, padding=0)

    def set_iterations(self, total: int | None) -> None:
        if total:
            self.plot.enableAutoRange(axis="x", enable=False)
            self.plot.setXRange(0, total, padding=0.02)
        else:
            self.plot.enableAutoRange(axis="x", enable=True)

    def update_costs(self, rows) -> None:
        """``rows``: (iteration, total, content, style) for every iteration so far."""
        rows = list(rows or [])
        if len(rows) < len(self._rows):
            self._rows = np.empty((0, 4))
        tail = rows[len(self._rows):]
        if tail:
            self._rows = np.concatenate([self._rows, np.asarray(tail, dtype=float)[:, :4]])
        data = self._rows
        # A log axis cannot show 0 (a perfect content match at the first iteration).
        positive = np.where(data[:, 1:] > 0, data[:, 1:], np.nan)
        for column, name in enumerate(("total", "content", "style")):
            self.curves[name].setData(data[:, 0], positive[:, column], connect="finite")
        if len(data):
            self.plot.enableAutoRange(axis="y", enable=True)

    def point_count(self) -> int:
        return len(self._rows)

    def clear(self) -> None:
        self._rows = np.empty((0, 4))
        for curve in self.curves.values():
            curve.setData([], [])
        self._empty_range()


class StyleCanvas(QWidget):
    """Content, style(s) and the generated picture, the balance, time-lapse and costs."""

    balance_changed = Signal(float, float)     # alpha, beta
    save_picture_requested = Signal()
    save_time_lapse_requested = Signal()
    pictures_clicked = Signal()                # the learner wants to choose pictures

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("styleCanvas")
        self.content_view = PictureView("Content", "Choose a content photo on the "
                                        "Pictures tab.")
        self.style_view = PictureView("Style", "Choose a style picture on the Pictures tab.")
        self.generated_view = PictureView("Generated", "Press Train: the picture is "
                                          "painted here, iteration by iteration.")
        for view in (self.content_view, self.style_view):
            view.area.setMinimumSize(100, 70)
            view.area.setCursor(Qt.PointingHandCursor)
            view.area.setToolTip("Click to choose other pictures.")
            view.area.mousePressEvent = lambda _e: self.pictures_clicked.emit()
        self.generated_view.area.setMinimumSize(200, 150)
        self.network_label = QLabel(objectName="networkLabel")
        self.network_label.setWordWrap(True)
        self.network_label.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Minimum)

        pictures = QGridLayout()
        pictures.setContentsMargins(0, 0, 0, 0)
        pictures.addWidget(self.content_view, 0, 0)
        pictures.addWidget(self.style_view, 1, 0)
        pictures.addWidget(self.generated_view, 0, 1, 2, 1)
        pictures.setColumnStretch(0, 1)
        pictures.setColumnStretch(1, 2)

        self.balance = BalanceSlider()
        self.balance.changed.connect(self.balance_changed)

        self.scrubber = QSlider(Qt.Horizontal, objectName="timeLapseScrubber")
        self.scrubber.setRange(0, 0)
        self.scrubber.setToolTip("Look back through the snapshots; at the right end the "
                                 "canvas follows the painting live.")
        self.scrubber.valueChanged.connect(self._scrubbed)
        self.scrub_label = QLabel("0 / 0", objectName="timeLapseLabel")
        self.scrub_label.setMinimumWidth(60)
        self.save_picture_button = QPushButton("Save PNG…", objectName="savePicture")
        self.save_picture_button.setToolTip("Save the picture shown as a PNG file, at the "
                                            "size it was painted.")
        self.save_lapse_button = QPushButton("Save GIF…", objectName="saveTimeLapse")
        self.save_lapse_button.setToolTip("Save the snapshots as an animated GIF.")
        self.save_picture_button.clicked.connect(self.save_picture_requested)
        self.save_lapse_button.clicked.connect(self.save_time_lapse_requested)
        lapse = QHBoxLayout()
        lapse.addWidget(QLabel("<b>Time-lapse</b>"))
        lapse.addWidget(self.scrubber, 1)
        lapse.addWidget(self.scrub_label)
        lapse.addWidget(self.save_picture_button)
        lapse.addWidget(self.save_lapse_button)

        self.cost_plot = StyleCostPlot()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        layout.addLayout(pictures, 5)
        layout.addWidget(self.network_label)
        layout.addWidget(self.balance)
        layout.addLayout(lapse)
        layout.addWidget(self.cost_plot, 2)

        self.snapshots: list[tuple[int, np.ndarray]] = []
        self._live: tuple[int, np.ndarray] | None = None
        self._following = True
        self._update_buttons()

    def heightForWidth(self, _width: int) -> int:  # noqa: N802 (Qt's name)
        # In a scroll area (the page's tabs), a layout with word-wrapped labels asks for
        # its preferred height, which would make the canvas taller than the window and
        # push the balance and the curves out of sight. Its minimum is what it needs;
        # the pictures take whatever room there is beyond that.
        return self.minimumSizeHint().height()

    # --- the pictures ---
    def set_content(self, picture: np.ndarray | None, title: str = "") -> None:
        self.content_view.set_picture(picture, title)

    def set_styles(self, pictures: list[np.ndarray], titles: list[str],
                   weights: list[float] | None = None) -> None:
        """One style picture, or several blended: shown side by side in one picture."""
        if not pictures:
            self.style_view.set_picture(None)
            return
        weights = weights or [1 / len(pictures)] * len(pictures)
        note = titles[0] if len(titles) == 1 else " + ".join(
            f"{t} {100 * w:.0f}%" for t, w in zip(titles, weights))
        self.style_view.set_picture(_side_by_side(pictures), note)

    def set_network(self, text: str, detail: str = "") -> None:
        """Say which network paints (embedded random features or VGG-19)."""
        import html
        extra = f" <span style='color:#777'>{html.escape(detail)}</span>" if detail else ""
        self.network_label.setText(f"<b>{html.escape(text)}</b>{extra}")

    def show_generated(self, picture: np.ndarray, iteration: int,
                       keep_snapshot: bool = True) -> None:
        """A new picture from the painter: shown at once unless the learner is looking
        back through the time-lapse; kept as a snapshot for the scrubber."""
        self._live = (int(iteration), picture)
        if keep_snapshot and (not self.snapshots or self.snapshots[-1][0] != iteration):
            self._keep(int(iteration), picture)
        if self._following:
            self.generated_view.set_picture(picture, f"iteration {iteration:,}")
        self._update_buttons()

    def merge_snapshots(self, frames) -> None:
        """The painter's gallery frames (every N iterations) that never reached the
        screen: the bridge shows only the newest picture of a fast burst, so a quick
        run would otherwise leave a time-lapse of one frame. Merged in order."""
        have = {i for i, _ in self.snapshots}
        extra = [(int(i), np.asarray(p)) for i, p in frames if int(i) not in have]
        if not extra:
            return
        self.snapshots = sorted(self.snapshots + extra, key=lambda s: s[0])
        self._thin_and_sync()
        self._update_buttons()

    def _keep(self, iteration: int, picture: np.ndarray) -> None:
        self.snapshots.append((iteration, picture))
        self._thin_and_sync()

    def _thin_and_sync(self) -> None:
        """Keep at most MAX_SNAPSHOTS and put the scrubber over them."""
        while len(self.snapshots) > MAX_SNAPSHOTS:
            # Keep the first and every other one after it: the time-lapse stays even.
            self.snapshots = self.snapshots[:1] + self.snapshots[2::2]
        self.scrubber.blockSignals(True)
        self.scrubber.setRange(0, len(self.snapshots) - 1)
        if self._following:
            self.scrubber.setValue(len(self.snapshots) - 1)
        self.scrubber.blockSignals(False)
        self._label_scrubber()

    def _scrubbed(self, position: int) -> None:
        if not self.snapshots:
            return
        self._following = position >= len(self.snapshots) - 1
        iteration, picture = self.snapshots[position]
        if self._following and self._live is not None:
            iteration, picture = self._live
        self.generated_view.set_picture(
            picture, f"iteration {iteration:,}" + ("" if self._following else
                                                   " (time-lapse; drag right for live)"))
        self._label_scrubber()

    def _label_scrubber(self) -> None:
        n = len(self.snapshots)
        self.scrub_label.setText(f"{self.scrubber.value() + 1} / {n}" if n else "0 / 0")
        self.scrub_label.setToolTip(f"Snapshot {self.scrubber.value() + 1} of {n}" if n
                                    else "No snapshots yet")

    def shown_picture(self) -> np.ndarray | None:
        """The generated picture on screen (live or the snapshot scrubbed to)."""
        return self.generated_view.picture()

    def time_lapse_frames(self) -> list[np.ndarray]:
        frames = [picture for _, picture in self.snapshots]
        if self._live is not None and (not self.snapshots or
                                       self.snapshots[-1][0] != self._live[0]):
            frames.append(self._live[1])
        return frames

    def clear_generated(self) -> None:
        self.snapshots.clear()
        self._live = None
        self._following = True
        self.scrubber.blockSignals(True)
        self.scrubber.setRange(0, 0)
        self.scrubber.blockSignals(False)
        self.generated_view.set_picture(None)
        self.cost_plot.clear()
        self._label_scrubber()
        self._update_buttons()

    def _update_buttons(self) -> None:
        has = self._live is not None
        self.save_picture_button.setEnabled(has)
        self.save_lapse_button.setEnabled(len(self.snapshots) > 1)


def _side_by_side(pictures: list[np.ndarray]) -> np.ndarray:
    """Several pictures scaled to one height and put in a row (display only)."""
    if len(pictures) == 1:
        return pictures[0]
    height = min(p.shape[0] for p in pictures)
    from PIL import Image
    parts = []
    for p in pictures:
        width = max(1, round(p.shape[1] * height / p.shape[0]))
        parts.append(np.asarray(Image.fromarray(p).resize((width, height))))
        parts.append(np.full((height, 4, 3), 255, np.uint8))
    return np.concatenate(parts[:-1], axis=1)
