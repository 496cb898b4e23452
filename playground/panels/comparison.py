"""Three variants of one model compared: their cost curves overlaid and, below, one
decision boundary each, titled with its train and test accuracy.

Used by the initialization, regularization and optimization pages. Everything
drawn comes from the ``variants`` list of a snapshot or result (see the variants
contract in engine/snapshots.md); this module only draws it.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from playground.panels import style
from playground.panels.boundary_plot import DecisionBoundaryPlot
from playground.safe_slots import guarded

# Not the class colours (orange / blue fill the boundary maps), so a curve is never
# mistaken for a class.
VARIANT_COLORS = ["#d62728", "#9467bd", "#2ca02c", "#8c564b", "#e377c2"]


def caption(variant: dict) -> str:
    """'train 99.3% · test 96.0%', or why there is no result."""
    if variant.get("status") == "diverged":
        return f"diverged: {variant.get('message') or 'the cost became NaN'}"
    parts = []
    for key, name in (("train_accuracy", "train"), ("test_accuracy", "test")):
        if variant.get(key) is not None:
            parts.append(f"{name} {100 * variant[key]:.1f}%")
    return " \u00b7 ".join(parts) or "training\u2026"


class ComparisonView(QWidget):
    def __init__(self, variants: list[tuple[str, str]], parent=None) -> None:
        super().__init__(parent)
        self.names = [name for name, _ in variants]
        self.labels = dict(variants)
        self.update_count = 0
        self._view = None
        self._points = (None, None, None, None)

        self.cost_widget = style.make_plot("Cost", "iteration", "cost")
        # On a 720-pixel screen the three boundary tiles need the height more.
        self.cost_widget.setMinimumHeight(120)
        self.cost_plot = self.cost_widget.getPlotItem()
        legend = self.cost_plot.addLegend(offset=(-10, 10), labelTextColor=style.TEXT)
        legend.setBrush(pg.mkBrush(255, 255, 255, 200))
        self.cost_plot.setDownsampling(auto=True, mode="peak")
        self.cost_plot.setClipToView(True)
        self.curves = {}
        self.boundaries: dict[str, DecisionBoundaryPlot] = {}
        self.captions: dict[str, QLabel] = {}
        self._caption_css: dict[str, str] = {}
        self.titles: dict[str, QLabel] = {}
        row = QHBoxLayout()
        for k, (name, label) in enumerate(variants):
            color = VARIANT_COLORS[k % len(VARIANT_COLORS)]
            self.curves[name] = self.cost_plot.plot([], [], name=label, connect="finite",
                                                    pen=pg.mkPen(color, width=2))
            # Titles are Qt labels above the plots: a pyqtgraph title as long as
            # "Large random initialization" fixes its plot's minimum width and pushes
            # the row of three past the edge of the tab.
            plot = DecisionBoundaryPlot(title="", interactive=False)
            plot.setObjectName(f"boundary-{name}")
            plot.setMinimumSize(150, 150)
            # Circles stay round: the aspect stays locked and _fit_heights gives each
            # plot the height its width and the course's axis limits call for, so
            # the spare height goes to the cost plot instead of empty margins.
            plot.plot.setAspectLocked(True)
            # One pair of checkboxes below drives all three plots.
            plot.show_test.hide()
            plot.discretize.hide()
            plot.legend.setVisible(False)   # three legends would hide the data
            title = QLabel(label, objectName=f"title-{name}")
            title.setWordWrap(True)
            title.setMinimumWidth(60)
            title.setAlignment(Qt.AlignmentFlag.AlignCenter)
            title.setStyleSheet(f"QLabel {{ color: {style.TEXT}; }}")
            note = QLabel("not trained yet", objectName=f"caption-{name}")
            note.setWordWrap(True)   # an unwrapped caption would widen the row past the tab
            note.setMinimumWidth(60)
            self._caption_css[name] = f"QLabel {{ color: {color}; font-weight: bold; }}"
            note.setStyleSheet(self._caption_css[name])
            column = QVBoxLayout()
            column.addWidget(title)
            column.addWidget(plot, 1)
            column.addWidget(note)
            row.addLayout(column, 1)
            self.boundaries[name] = plot
            self.captions[name] = note
            self.titles[name] = title

        self.show_test = QCheckBox("Show test data", objectName="comparisonShowTest")
        self.discretize = QCheckBox("Discretize output", objectName="comparisonDiscretize")
        self.show_test.toggled.connect(
            lambda on: [p.show_test.setChecked(on) for p in self.boundaries.values()])
        self.discretize.toggled.connect(
            lambda on: [p.discretize.setChecked(on) for p in self.boundaries.values()])
        self.log_cost = QCheckBox("Log cost axis", objectName="comparisonLogCost")
        self.log_cost.toggled.connect(self._log_toggled)
        self._cost_limit = None
        options = QHBoxLayout()
        options.addWidget(self.show_test)
        options.addWidget(self.discretize)
        options.addWidget(self.log_cost)
        options.addStretch(1)

        # Pages may put a widget beside the cost plot (the dropout masks).
        self.top_row = QHBoxLayout()
        self.top_row.addWidget(self.cost_widget, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self.top_row, 1)
        layout.addLayout(row, 0)
        layout.addLayout(options)

    # --- API ---------------------------------------------------------------
    def set_points(self, X_train, Y_train, X_test=None, Y_test=None) -> None:
        self._points = (X_train, Y_train, X_test, Y_test)
        self.show_test.setEnabled(X_test is not None)
        for plot in self.boundaries.values():
            plot.set_points(X_train, Y_train, X_test, Y_test)
        self._apply_view()

    def set_view(self, x_range, y_range) -> None:
        self._view = (tuple(x_range), tuple(y_range))
        self._apply_view()

    def set_cost_limit(self, top: float | None) -> None:
        """Show costs from 0 to ``top`` (None: fit the curves). The large random
        initialisation's first costs (up to ~25) would flatten every other curve."""
        self._cost_limit = top
        self._log_toggled(self.log_cost.isChecked())

    def update_variants(self, variants: list[dict]) -> None:
        for variant in variants:
            name = variant.get("name")
            if name not in self.curves:
                continue
            curve = variant.get("curve") or []
            data = np.array(curve, dtype=float).reshape(-1, 2)
            self.curves[name].setData(data[:, 0], data[:, 1], connect="finite")
            title = variant.get("label") or self.labels[name]
            plot = self.boundaries[name]
            self.titles[name].setText(title)
            if variant.get("boundary") is not None:
                plot.update_boundary(variant["boundary"])
                if plot.redraw_count == 1:   # it framed its first grid; show the course's view
                    self._apply_view()
            note = self.captions[name]
            note.setText(caption(variant))
            diverged = variant.get("status") == "diverged"
            note.setStyleSheet(style.ERROR_CSS if diverged else self._caption_css[name])
        self.update_count += 1

    def clear(self) -> None:
        for name in self.names:
            self.curves[name].setData([], [])
            self.captions[name].setText("not trained yet")
            self.captions[name].setStyleSheet(self._caption_css[name])
            self.boundaries[name].clear_boundary()
            self.titles[name].setText(self.labels[name])
        self.update_count = 0
        self._apply_view()

    def title_text(self, name: str) -> str:
        return self.titles[name].text()

    def caption_text(self, name: str) -> str:
        return self.captions[name].text()

    def curve_length(self, name: str) -> int:
        x, _ = self.curves[name].getData()
        return 0 if x is None else len(x)

    # --- internals ---------------------------------------------------------
    def _log_toggled(self, on: bool) -> None:
        self.cost_plot.setLogMode(y=on)
        if on or self._cost_limit is None:
            self.cost_plot.enableAutoRange(axis="y", enable=True)
        else:
            self.cost_plot.enableAutoRange(axis="y", enable=False)
            self.cost_plot.setYRange(0, self._cost_limit, padding=0)

    @guarded("fit this view to its new size")
    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit_heights()

    def _fit_heights(self) -> None:
        if self._view is None:
            return
        (x0, x1), (y0, y1) = self._view
        axes = 45  # the left axis' width and the bottom axis' height, roughly
        cap = max(150, int(0.55 * self.height()))  # leave the cost plot room
        for plot in self.boundaries.values():
            data_width = max(plot.width() - axes, 50)
            height = int(data_width * (y1 - y0) / (x1 - x0)) + axes
            plot.setFixedHeight(min(max(height, 150), cap))

    def _apply_view(self) -> None:
        if self._view is None:
            return
        self._fit_heights()
        (x0, x1), (y0, y1) = self._view
        for plot in self.boundaries.values():
            plot.plot.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0)
