"""Plots that follow a run as it trains.

Each plot creates its pyqtgraph items once and afterwards only calls ``setData`` /
``setImage`` on them: recreating items on every snapshot is what makes a live plot
stutter, and snapshots arrive up to 30 times a second.

The cost and accuracy plots live here; the 2-D and picture panels live in their own
modules and are re-exported, so lesson pages import every live plot from one place.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QVBoxLayout, QWidget

from playground.panels import style
from playground.panels.boundary_plot import BoundaryGrid, DecisionBoundaryPlot
from playground.panels.hidden_units import HiddenUnitsView
from playground.panels.image_grid import MisclassifiedGrid

__all__ = ["CostPlot", "AccuracyPlot", "DecisionBoundaryPlot", "HiddenUnitsView",
           "MisclassifiedGrid", "BoundaryGrid"]

# Finished runs overlaid for comparison: muted, dashed, distinct from the live line.
REFERENCE_COLORS = ["#9e9e9e", "#8e6bbf", "#2ca02c", "#d62728", "#8c564b"]


def _columns(rows, width: int) -> np.ndarray:
    """A list of tuples -> float array (n, width); None becomes NaN (a gap)."""
    if rows is None or len(rows) == 0:
        return np.empty((0, width))
    return np.array([[np.nan if v is None else v for v in row[:width]] for row in rows],
                    dtype=float)


class _PlotPanel(QWidget):
    def __init__(self, title: str, xlabel: str, ylabel: str, parent=None) -> None:
        super().__init__(parent)
        self.plot_widget = style.make_plot(title, xlabel, ylabel)
        self.plot = self.plot_widget.getPlotItem()
        self.legend = self.plot.addLegend(offset=(-10, 10), labelTextColor=style.TEXT)
        self.legend.setBrush(pg.mkBrush(255, 255, 255, 200))
        # Downsample and clip so 10,000-iteration curves stay cheap to redraw.
        self.plot.setDownsampling(auto=True, mode="peak")
        self.plot.setClipToView(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot_widget)
        self.setMinimumSize(200, 150)

    def set_iterations(self, total: int | None) -> None:
        """Fix the x axis to the run's length: an axis whose range moves every frame
        re-lays its ticks every frame, the costliest part of a live redraw."""
        if total:
            self.plot.enableAutoRange(axis="x", enable=False)
            self.plot.setXRange(0, total, padding=0.02)
        else:
            self.plot.enableAutoRange(axis="x", enable=True)


class CostPlot(_PlotPanel):
    """The cost curve of the run in progress, plus finished runs drawn dashed."""

    def __init__(self, parent=None, title: str = "Cost") -> None:
        super().__init__(title, "iteration", "cost", parent)
        self.curve = self.plot.plot([], [], pen=pg.mkPen(style.POSITIVE, width=2),
                                    name="this run", connect="finite")
        self.references: list[pg.PlotDataItem] = []
        self._count = 0
        self._data = np.empty((0, 2))
        self._y_top = 0.0

    def update_curve(self, curve) -> None:
        curve = curve or []
        # A run's curve only grows: convert just the new tail (10,000 tuples each frame
        # would cost milliseconds of the UI thread), start over when it shrank.
        if len(curve) < self._count:
            self._data = np.empty((0, 2))
            self._count = 0
        tail = _columns(curve[self._count:], 2)
        self._data = np.concatenate([self._data, tail]) if len(tail) else self._data
        self._count = len(self._data)
        self.curve.setData(self._data[:, 0], self._data[:, 1], connect="finite")
        self._grow_y_range()

    def _grow_y_range(self) -> None:
        # The y range only ever grows, in 10% steps, so the axis stays still while
        # the cost falls (see set_iterations for why that matters).
        finite = self._data[np.isfinite(self._data[:, 1]), 1]
        if finite.size == 0:
            return
        top = float(finite.max())
        if top > self._y_top:
            self._y_top = top * 1.1
            self.plot.enableAutoRange(axis="y", enable=False)
            self.plot.setYRange(min(0.0, float(finite.min())), self._y_top, padding=0)

    def clear(self) -> None:
        """Empty the live curve; references stay (use ``clear_references``)."""
        self._count = 0
        self._data = np.empty((0, 2))
        self._y_top = 0.0
        self.curve.setData([], [])

    def add_reference(self, label: str, curve) -> None:
        data = _columns(curve, 2)
        color = REFERENCE_COLORS[len(self.references) % len(REFERENCE_COLORS)]
        item = self.plot.plot(data[:, 0], data[:, 1], name=label, connect="finite",
                              pen=pg.mkPen(color, width=1.5, style=Qt.PenStyle.DashLine))
        item.setZValue(-1)  # under the live run
        self.references.append(item)

    def clear_references(self) -> None:
        for item in self.references:
            self.plot.removeItem(item)
        self.references.clear()

    def point_count(self) -> int:
        return self._count


class AccuracyPlot(_PlotPanel):
    """Train and test accuracy (fractions in, percent on the axis)."""

    def __init__(self, parent=None, title: str = "Accuracy") -> None:
        super().__init__(title, "iteration", "accuracy (%)", parent)
        self.plot.setYRange(0, 100, padding=0.06)
        self.plot.getAxis("left").setStyle(hideOverlappingLabels=False)
        self.plot.enableAutoRange(axis="y", enable=False)
        self.plot.getAxis("left").setTicks([[(v, str(v)) for v in range(0, 101, 20)],
                                            [(v, "") for v in range(10, 100, 20)]])
        self.train = self.plot.plot([], [], pen=pg.mkPen(style.POSITIVE, width=2),
                                    name="train", connect="finite")
        self.test = self.plot.plot([], [], pen=pg.mkPen(style.NEGATIVE, width=2),
                                   name="test", connect="finite")
        self.legend.setOffset((-10, -10))  # bottom right: accuracy climbs to the top

    def update_accuracy(self, accuracy_curve) -> None:
        data = _columns([tuple(r) + (None,) * (3 - len(r)) for r in accuracy_curve or []], 3)
        self.train.setData(data[:, 0], data[:, 1] * 100, connect="finite")
        if np.isfinite(data[:, 2]).any():
            self.test.setData(data[:, 0], data[:, 2] * 100, connect="finite")
        else:
            self.test.setData([], [])

    def clear(self) -> None:
        self.train.setData([], [])
        self.test.setData([], [])
