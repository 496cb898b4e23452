"""Gradient checking results: the verdict, and where backprop and the numerical
estimate disagree, per parameter block and per entry.

Everything drawn comes from ``gradient_check_report`` (engine); this module only
draws it. Relative errors span ten orders of magnitude, so the bars are drawn on a
log10 scale: a bar's top is log10 of the error.
"""
from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from playground.panels import style

GREEN = "#2e7d32"
AMBER = "#ef8f00"
RED = style.ERROR
STATUS_COLORS = {"ok": GREEN, "noise": AMBER, "wrong": RED}
FLOOR = -13.0   # log10 of the smallest error drawn; exact zeros sit here


def _log(values) -> np.ndarray:
    values = np.asarray(values, dtype=float)
    out = np.full(values.shape, FLOOR)
    positive = values > 0
    out[positive] = np.maximum(np.log10(values[positive]), FLOOR)
    return out


def _bars(x, tops, colors, width=0.8) -> pg.BarGraphItem:
    heights = np.asarray(tops) - FLOOR
    return pg.BarGraphItem(x=np.asarray(x, dtype=float), height=heights, y0=FLOOR,
                           width=width, brushes=[pg.mkBrush(c) for c in colors],
                           pens=[pg.mkPen(c) for c in colors])


class GradientErrorsView(QWidget):
    """Verdict line, per-block bar chart and per-entry bar chart (log10 relative error)."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.report: dict | None = None
        self.verdict_color = ""
        self.draw_count = 0
        self._items: list = []

        self.verdict = QLabel("Press Check (or change a setting) to run the check.",
                              objectName="verdictLabel")
        self.verdict.setWordWrap(True)
        self.verdict.setStyleSheet("QLabel { font-size: 12pt; }")

        # Titles as wrapping labels: a plot's own title would hold the panel wider
        # than its tab.
        self.block_widget = style.make_plot("", "", "log\u2081\u2080")
        self.entry_widget = style.make_plot("", "", "log\u2081\u2080")
        for widget in (self.block_widget, self.entry_widget):
            widget.setMinimumSize(120, 140)
        for widget in (self.block_widget, self.entry_widget):
            item = widget.getPlotItem()
            item.setMouseEnabled(x=False, y=False)
            item.setMenuEnabled(False)
            item.hideButtons()
            item.setYRange(FLOOR, 0.5, padding=0)
        self.legend = QLabel(
            f"<span style='color:{GREEN}'>\u25a0</span> at most the threshold &nbsp; "
            f"<span style='color:{AMBER}'>\u25a0</span> rounding noise (a larger "
            f"\u03b5 shrinks it) &nbsp; <span style='color:{RED}'>\u25a0</span> wrong "
            "gradient. Dashed lines: the threshold and the bug level.")
        self.legend.setWordWrap(True)
        self.legend.setStyleSheet(style.MUTED_CSS)

        plots = QHBoxLayout()
        for widget, title, stretch in (
                (self.block_widget, "Per block: relative difference", 1),
                (self.entry_widget, "Per entry: |g \u2212 a| / (|g| + |a|), "
                                    "g from backprop, a the estimate", 2)):
            column = QVBoxLayout()
            header = QLabel(f"<b>{title}</b>")
            header.setWordWrap(True)
            column.addWidget(header)
            column.addWidget(widget, 1)
            plots.addLayout(column, stretch)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.verdict)
        layout.addLayout(plots, 1)
        layout.addWidget(self.legend)

    def show_report(self, report: dict, bug_threshold: float) -> None:
        self.report = report
        flagged = report["flagged"]
        self.verdict_color = RED if flagged else GREEN
        bugs = ", ".join(report["planted_bugs"]) or "none"
        text = (f"There is a mistake in the backward propagation! difference = "
                f"{report['difference']:.10g}" if flagged else
                f"Your backward propagation works perfectly fine! difference = "
                f"{report['difference']:.10g}")
        wrong = [b["name"] for b in report["blocks"] if b["status"] == "wrong"]
        where = f" \u2014 look at {', '.join(wrong)}." if wrong else ""
        self.verdict.setText(f"<b style='color:{self.verdict_color}'>{text}</b>{where}"
                             f"<br><span style='color:{style.MUTED}'>threshold "
                             f"{report['threshold']:g}, \u03b5 = {report['epsilon']:g}, "
                             f"{report['num_parameters']} parameters, planted bugs: "
                             f"{bugs}</span>")
        self._draw(report, bug_threshold)

    def block_colors(self) -> dict[str, str]:
        if self.report is None:
            return {}
        return {b["name"]: STATUS_COLORS[b["status"]] for b in self.report["blocks"]}

    def _draw(self, report: dict, bug_threshold: float) -> None:
        block_plot = self.block_widget.getPlotItem()
        entry_plot = self.entry_widget.getPlotItem()
        for plot, item in self._items:
            plot.removeItem(item)
        self._items = []
        blocks = report["blocks"]
        colors = [STATUS_COLORS[b["status"]] for b in blocks]
        tops = _log([b["difference"] for b in blocks])
        self._add(block_plot, _bars(range(len(blocks)), tops, colors))
        block_plot.getAxis("bottom").setTicks(
            [[(k, b["name"]) for k, b in enumerate(blocks)]])
        entry_x, entry_tops, entry_colors, ticks = [], [], [], []
        start = 0
        for b, color in zip(blocks, colors):
            errors = np.ravel(b["entry_errors"])
            entry_x.extend(range(start, start + errors.size))
            entry_tops.extend(_log(errors))
            # entries where both gradients are exactly 0 (dead ReLUs) agree trivially
            entry_colors.extend([color if e > 0 else "#bbbbbb" for e in errors])
            ticks.append((start + (errors.size - 1) / 2, b["name"]))
            if start:
                self._add(entry_plot, pg.InfiniteLine(start - 0.5, angle=90,
                                                      pen=pg.mkPen("#bbbbbb")))
            start += errors.size
        self._add(entry_plot, _bars(entry_x, entry_tops, entry_colors))
        entry_plot.getAxis("bottom").setTicks([ticks])
        for plot in (block_plot, entry_plot):
            for level, color in ((report["threshold"], GREEN), (bug_threshold, RED)):
                self._add(plot, pg.InfiniteLine(math.log10(level), angle=0,
                                                pen=pg.mkPen(color, style=pg.QtCore.Qt.DashLine)))
        block_plot.setXRange(-0.6, len(blocks) - 0.4, padding=0)
        entry_plot.setXRange(-0.6, start - 0.4, padding=0)
        self.draw_count += 1

    def _add(self, plot, item) -> None:
        plot.addItem(item)
        self._items.append((plot, item))
