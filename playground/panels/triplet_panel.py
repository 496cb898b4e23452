"""Triplet loss over the enrolled photos: a distance heat map and two histograms.

Everything shown is computed by the engine (``engine.faces.analysis``) off the UI
thread; this panel only draws it. The margin alpha and the threshold are the
two knobs: alpha changes the triplet loss, the threshold splits the histograms
into accepted and rejected pairs. The table lists the hardest (anchor, positive,
negative) triplets with their distances. An offer bar (text and one button, the
page decides what it does) proposes more photos when nobody has two.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QTransform
from PySide6.QtWidgets import (QAbstractItemView, QFrame, QHBoxLayout, QHeaderView,
                               QLabel, QPushButton, QSlider, QSplitter, QTableWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget)

from playground.panels.style import make_plot

SAME = "#2e9d48"
DIFFERENT = "#d64533"
ALPHA_STEPS = 100          # slider 0..100 -> alpha 0.00..1.00


TRIPLET_COLUMNS = (("Anchor", "A: a photo of someone"),
                   ("Positive", "P: another photo of the same person"),
                   ("Negative", "N: a photo of someone else"),
                   ("‖A−P‖", "L2 distance anchor to positive: small is good"),
                   ("‖A−N‖", "L2 distance anchor to negative: large is good"),
                   ("Loss", "max(‖A−P‖² − ‖A−N‖² + α, 0): above zero while the "
                            "negative is not at least α further than the positive"))


class TripletPanel(QWidget):
    alpha_changed = Signal(float)
    threshold_dragged = Signal(float)
    offer_clicked = Signal()

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
        self.offer = QFrame()
        self.offer.setObjectName("tripletOffer")
        self.offer.setStyleSheet("#tripletOffer{background:#e8f1fb; border-radius:4px}"
                                 "QLabel{color:#1d4f80}")
        offer_row = QHBoxLayout(self.offer)
        offer_row.setContentsMargins(8, 4, 8, 4)
        self.offer_label = QLabel("")
        self.offer_label.setObjectName("tripletOfferText")
        self.offer_label.setWordWrap(True)
        offer_row.addWidget(self.offer_label, 1)
        self.offer_button = QPushButton("")
        self.offer_button.setObjectName("tripletOfferButton")
        self.offer_button.clicked.connect(self.offer_clicked)
        offer_row.addWidget(self.offer_button)
        self.offer.hide()
        layout.addWidget(self.offer)

        split = QSplitter(Qt.Horizontal)
        # A short title: a plot is never narrower than its title, and the pane is
        # about 450 px wide in a 1280-wide window.
        self.heat_plot = make_plot("Distance between photos")
        self.heat_plot.setToolTip("The L2 distance between every two photos' encodings: "
                                  "dark is close (the same person, we hope).")
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
        right = QSplitter(Qt.Vertical)
        right.addWidget(self.hist_plot)
        right.addWidget(self._build_triplet_table())
        right.setSizes([300, 220])
        split.addWidget(right)
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

    def _build_triplet_table(self) -> QWidget:
        box = QWidget()
        v = QVBoxLayout(box)
        v.setContentsMargins(0, 2, 0, 0)
        v.setSpacing(2)
        self.triplet_title = QLabel("")
        self.triplet_title.setObjectName("tripletTableTitle")
        self.triplet_title.setWordWrap(True)
        v.addWidget(self.triplet_title)
        self.triplet_table = QTableWidget(0, len(TRIPLET_COLUMNS))
        self.triplet_table.setObjectName("tripletTable")
        for column, (title, tip) in enumerate(TRIPLET_COLUMNS):
            item = QTableWidgetItem(title)
            item.setToolTip(tip)
            self.triplet_table.setHorizontalHeaderItem(column, item)
        self.triplet_table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.triplet_table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.triplet_table.verticalHeader().setVisible(False)
        self.triplet_table.verticalHeader().setDefaultSectionSize(22)
        header = self.triplet_table.horizontalHeader()
        for column in range(3):
            header.setSectionResizeMode(column, QHeaderView.Stretch)
        for column in range(3, len(TRIPLET_COLUMNS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeToContents)
        v.addWidget(self.triplet_table, 1)
        return box

    def set_offer(self, text: str, button: str = "") -> None:
        """Show the offer bar with ``text`` and a button (``offer_clicked``); an empty
        text hides it."""
        self.offer_label.setText(text)
        self.offer_button.setText(button)
        self.offer_button.setVisible(bool(button))
        self.offer_button.setEnabled(True)
        self.offer.setVisible(bool(text))

    def triplet_labels(self) -> list[tuple[str, str, str]]:
        """(anchor, positive, negative) photo labels of each listed row, top first."""
        t = self.triplet_table
        return [tuple(t.item(r, c).toolTip() for c in range(3)) for r in range(t.rowCount())]

    def _show_triplets(self, data: dict) -> None:
        rows = data.get("triplet_rows", [])
        total = int(data.get("triplets", 0))
        table = self.triplet_table
        table.setRowCount(len(rows))
        loss_colour = QColor(DIFFERENT)
        names = list(data.get("names", data.get("labels", [])))
        for r, row in enumerate(rows):
            # A photo as the heat map numbers it ("bertrand 14"); its full label
            # ("bertrand (camera_1)") is the tooltip: the columns are narrow.
            photos = [(f"{names[row[k]]} {row[k] + 1}", row[key]) if k in row else
                      (row[key], row[key])
                      for k, key in (("a", "anchor"), ("p", "positive"), ("n", "negative"))]
            cells = [*photos, (f"{row['ap']:.3f}", ""), (f"{row['an']:.3f}", ""),
                     (f"{row['loss']:.3f}", "")]
            for c, (text, tip) in enumerate(cells):
                item = QTableWidgetItem(text)
                if tip:
                    item.setToolTip(tip)
                if c >= 3:
                    item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
                if c == 5 and row["loss"] > 0:
                    item.setForeground(loss_colour)
                table.setItem(r, c, item)
        if not total:
            self.triplet_title.setText("<b>Triplets</b>: none yet — a triplet needs two "
                                       "photos of one person and a photo of someone else.")
        elif len(rows) < total:
            self.triplet_title.setText(f"<b>Triplets</b>, hardest first: the {len(rows):,} "
                                       f"hardest of {total:,}")
        else:
            self.triplet_title.setText(f"<b>Triplets</b>, hardest first: all {total:,}")

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
        self.set_offer("")
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
        self._show_triplets(data)
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
