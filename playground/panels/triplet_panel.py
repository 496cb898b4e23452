"""Triplet loss over the enrolled photos: a distance heat map and two histograms.

Everything shown is computed by the engine (``engine.faces.analysis``) off the UI
thread; this panel only draws it. The margin alpha and the threshold are the
two knobs: alpha changes the triplet loss, the threshold splits the histograms
into accepted and rejected pairs.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QTransform
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QSlider, QSplitter, QVBoxLayout,
                               QWidget)

from playground.panels.style import make_plot

SAME = "#2e9d48"
DIFFERENT = "#d64533"
ALPHA_STEPS = 100          # slider 0..100 -> alpha 0.00..1.00


class TripletPanel(QWidget):
    alpha_changed = Signal(float)
    threshold_dragged = Signal(float)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.data: dict | None = None
        self.redraw_count = 0
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        row = QHBoxLayout()
        row.addWidget(QLabel("Margin α"))
        self.alpha_slider = QSlider(Qt.Horizontal)
        self.alpha_slider.setObjectName("alphaSlider")
        self.alpha_slider.setRange(0, ALPHA_STEPS)
        self.alpha_slider.setValue(20)
        self.alpha_slider.setMaximumWidth(260)
        self.alpha_label = QLabel("0.20")
        self.alpha_label.setMinimumWidth(40)
        self.alpha_slider.valueChanged.connect(self._alpha_moved)
        row.addWidget(self.alpha_slider)
        row.addWidget(self.alpha_label)
        row.addSpacing(16)
        self.summary = QLabel("Enrol residents to see how far apart their encodings are.")
        self.summary.setObjectName("tripletSummary")
        self.summary.setWordWrap(True)
        row.addWidget(self.summary, 1)
        layout.addLayout(row)
        self.rates = QLabel("")
        self.rates.setObjectName("tripletRates")
        self.rates.setWordWrap(True)
        layout.addWidget(self.rates)

        split = QSplitter(Qt.Horizontal)
        self.heat_plot = make_plot("Distance between every pair of enrolled photos")
        self.heat_plot.setAspectLocked(True)
        self.heat_plot.getPlotItem().invertY(True)
        self.heat = pg.ImageItem()
        self.heat.setLookupTable(pg.colormap.get("viridis").getLookupTable(nPts=256))
        self.heat_plot.addItem(self.heat)
        self.heat_bar = pg.ColorBarItem(colorMap=pg.colormap.get("viridis"), values=(0, 1.2),
                                        interactive=False, width=12)
        self.heat_bar.setImageItem(self.heat, insert_in=self.heat_plot.getPlotItem())
        split.addWidget(self.heat_plot)
        self.hist_plot = make_plot("Pair distances", "L2 distance", "pairs")
        self.hist_plot.addLegend(offset=(-10, 10))
        self.same_curve = self.hist_plot.plot([0, 1], [0], stepMode="center", fillLevel=0,
                                              brush=QColor(46, 157, 72, 90),
                                              pen=pg.mkPen(SAME, width=2),
                                              name="same person")
        self.diff_curve = self.hist_plot.plot([0, 1], [0], stepMode="center", fillLevel=0,
                                              brush=QColor(214, 69, 51, 80),
                                              pen=pg.mkPen(DIFFERENT, width=2),
                                              name="different people")
        self.threshold_line = pg.InfiniteLine(0.6, angle=90, movable=True,
                                              pen=pg.mkPen("#333", width=2, style=Qt.DashLine),
                                              label="threshold {value:.2f}",
                                              labelOpts={"position": 0.6, "color": "#333",
                                                         "fill": (255, 255, 255, 200)})
        self.threshold_line.sigPositionChangeFinished.connect(
            lambda line: self.threshold_dragged.emit(float(line.value())))
        self.hist_plot.addItem(self.threshold_line)
        split.addWidget(self.hist_plot)
        split.setSizes([520, 520])
        # Until residents are enrolled the plots would be empty axes: say what to do.
        self.placeholder = QLabel("No encodings to compare yet.\n\nEnrol residents on the "
                                  "Residents tab (two photos of someone give same-person "
                                  "pairs); their distances and triplet losses appear here.")
        self.placeholder.setObjectName("tripletPlaceholder")
        self.placeholder.setAlignment(Qt.AlignCenter)
        self.placeholder.setWordWrap(True)
        self.placeholder.setStyleSheet("color:#666; font-size:12pt; padding:40px")
        layout.addWidget(self.placeholder, 1)
        self.split = split
        split.hide()
        layout.addWidget(split, 1)

    @property
    def alpha(self) -> float:
        return self.alpha_slider.value() / ALPHA_STEPS

    def _alpha_moved(self, value: int) -> None:
        self.alpha_label.setText(f"{value / ALPHA_STEPS:.2f}")
        self.alpha_changed.emit(value / ALPHA_STEPS)

    def clear(self, text: str) -> None:
        """Nothing to compare (no residents): the placeholder instead of empty plots."""
        self.data = None
        self.split.hide()
        self.placeholder.show()
        self.set_rates({})
        self.set_message(text)

    def set_message(self, text: str, error: bool = False) -> None:
        color = "#c62828" if error else "#555"
        self.summary.setText(f"<span style='color:{color}'>{text}</span>")

    def set_threshold(self, threshold: float) -> None:
        self.threshold_line.blockSignals(True)
        self.threshold_line.setValue(threshold)
        self.threshold_line.blockSignals(False)

    def set_rates(self, rates: dict) -> None:
        """``rates`` from engine.faces.analysis.accept_reject_rates (fractions or None,
        with pair counts) plus the threshold they were computed at."""
        if not rates:
            self.rates.setText("")
            return
        parts = []
        if rates.get("true_accept") is not None:
            parts.append(f"Same person ({rates.get('same_pairs', 0):,} pairs): "
                         f"<b style='color:{SAME}'>{100 * rates['true_accept']:.0f}% accepted"
                         f"</b>, {100 * rates['false_reject']:.0f}% rejected")
        else:
            parts.append("no same-person pairs (add a second photo of someone)")
        if rates.get("false_accept") is not None:
            parts.append(f"different people ({rates.get('different_pairs', 0):,} pairs): "
                         f"<b style='color:{DIFFERENT}'>{100 * rates['false_accept']:.0f}% "
                         f"wrongly accepted</b>, {100 * rates['true_reject']:.0f}% rejected")
        threshold = rates.get("threshold", self.threshold_line.value())
        self.rates.setText(f"At threshold {threshold:.2f}: " + "; ".join(parts) + ".")

    def show_analysis(self, data: dict) -> None:
        """``data``: engine.faces.analysis.summarise's dict (labels one per photo, matrix
        (n, n) distances, same / different pair distances, loss, triplets (count),
        mean_loss, active, alpha, photos)."""
        self.data = data
        matrix = np.asarray(data["matrix"], dtype=float)
        labels = list(data["labels"])
        self.heat.setImage(matrix.T, autoLevels=False, levels=(0, max(1.2, matrix.max())))
        self.heat.setTransform(QTransform())
        self.heat_bar.setLevels((0, max(1.2, float(matrix.max()) if matrix.size else 1.2)))
        # Names down the side; numbers along the bottom (names there would overlap).
        self.heat_plot.getAxis("left").setTicks(
            [[(i + 0.5, f"{name}  {i + 1}") for i, name in enumerate(labels)]])
        self.heat_plot.getAxis("bottom").setTicks(
            [[(i + 0.5, str(i + 1)) for i in range(len(labels))
              if len(labels) <= 20 or i % 2 == 0]])
        self.heat_plot.setRange(xRange=(0, len(labels)), yRange=(0, len(labels)), padding=0.02)
        same = np.asarray(data.get("same", []), dtype=float)
        diff = np.asarray(data.get("different", []), dtype=float)
        top = max([1.4, *(same.tolist() or [0]), *(diff.tolist() or [0])])
        edges = np.linspace(0.0, top, 29)
        # Binning for display only: the distances themselves come from the engine.
        self.same_curve.setData(edges, np.histogram(same, edges)[0], stepMode="center",
                                fillLevel=0)
        self.diff_curve.setData(edges, np.histogram(diff, edges)[0], stepMode="center",
                                fillLevel=0)
        self.placeholder.hide()
        self.split.show()
        self.hist_plot.enableAutoRange()
        loss = data.get("loss")
        # Which photos these are (the engine says: enrolled residents, course samples).
        people = len(set(data.get("names", labels)))
        photos = (f"Photos analysed: {data['photos']} ({len(labels)} photos of "
                  f"{people} people). ") if data.get("photos") else ""
        if loss is None:
            # A triplet needs an anchor and a positive of one person, and someone else.
            self.set_message(photos + ("No triplets yet: enrol a second photo of someone."
                                       if people >= 2 else
                                       "Enrol at least two people (one with two photos) "
                                       "for triplets."))
        else:
            count = int(data.get("triplets", 0))
            mean = data.get("mean_loss") or 0.0
            self.summary.setText(
                f"{photos}Triplet loss <b>J = {loss:.3f}</b> over {count:,} triplets "
                f"(anchor, positive, negative) at α = {data.get('alpha', self.alpha):.2f}"
                f" — mean {mean:.3f}; {data.get('active', 0):,} still inside the margin.")
        self.redraw_count += 1
