"""How one epoch cuts the data: every point coloured by the mini-batch it falls in.

The engine sends the permutation and each point's batch (``mini_batch_view``); this
panel draws them: the points in the plane, and below, the shuffled order as a strip
of coloured cells, one per example, so the partition into consecutive runs shows.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSpinBox, QVBoxLayout, QWidget

from playground.panels import style


def batch_color(k: int, count: int) -> pg.QtGui.QColor:
    """``count`` hues spaced evenly round the colour wheel (up to ~20 batches)."""
    return pg.intColor(k, hues=max(count, 3), values=1, maxValue=220)


class MiniBatchView(QWidget):
    epoch_changed = Signal(int)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.view: dict | None = None
        self.draw_count = 0
        self.epoch = QSpinBox(objectName="miniBatchEpoch")
        self.epoch.setRange(0, 49999)
        self.epoch.setPrefix("epoch ")
        self.epoch.valueChanged.connect(self.epoch_changed)
        self.summary = QLabel("", objectName="miniBatchSummary")
        self.summary.setWordWrap(True)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Shuffle of"))
        bar.addWidget(self.epoch)
        bar.addWidget(self.summary, 1)

        self.points_widget = style.make_plot("Points coloured by mini-batch",
                                             "x\u2081", "x\u2082")
        self.points_plot = self.points_widget.getPlotItem()
        self.points_plot.setAspectLocked(True)
        self.points_plot.setMenuEnabled(False)
        self.scatter = pg.ScatterPlotItem(size=8)
        self.points_plot.addItem(self.scatter)
        self.strip_widget = style.make_plot("Shuffled order, cut into mini-batches",
                                            "position after shuffling", "")
        self.strip_plot = self.strip_widget.getPlotItem()
        self.strip_plot.setMenuEnabled(False)
        self.strip_plot.setMouseEnabled(x=False, y=False)
        self.strip_plot.getAxis("left").setTicks([[(0.5, "class 0"), (1.5, "class 1")]])
        self.strip = pg.BarGraphItem(x0=[], x1=[], y0=[], y1=[])
        self.strip_plot.addItem(self.strip)
        self.strip_widget.setMaximumHeight(150)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.points_widget, 1)
        layout.addWidget(self.strip_widget)

    def show_view(self, view: dict) -> None:
        self.view = view
        X, Y = view["X"], view["Y"][0]
        batches = view["batch_of_point"]
        n_batches = len(view["sizes"])
        colors = [batch_color(k, n_batches) for k in range(n_batches)]
        # class 0 as circles, class 1 as triangles, so the labels stay readable
        self.scatter.setData(x=X[0], y=X[1], brush=[colors[k] for k in batches],
                             symbol=np.where(Y == 1, "t", "o").tolist(),
                             pen=pg.mkPen("#333333", width=0.5))
        order = view["permutation"]
        position = np.arange(len(order))
        labels = Y[order].astype(float)
        self.strip.setOpts(x0=position, x1=position + 1, y0=labels, y1=labels + 1,
                           brushes=[colors[k] for k in batches[order]], pens=[None] * len(order))
        self.strip_plot.setXRange(0, len(order), padding=0.01)
        self.strip_plot.setYRange(0, 2, padding=0.05)
        sizes = view["sizes"]
        self.summary.setText(
            f"seed {view['seed']} (the model adds 1 to its seed of 10 before each epoch) "
            f"\u2192 {n_batches} mini-batches of sizes {', '.join(map(str, sizes))}")
        self.draw_count += 1
