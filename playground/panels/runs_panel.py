"""The Runs tab: a lesson's past runs, their cost curves overlaid, and what differed.

Reads the run history (engine/run_history.py); it computes nothing about models.
Listing reads no curves (about 3 ms for 200 runs), so it runs on the UI thread, and
the table is a model that formats only the rows on screen (a QTableWidget's 1,400
items took ~50 ms). Only the selected runs' curves are read, once each.
"""
from __future__ import annotations

import time
from typing import Callable

import pyqtgraph as pg
from PySide6.QtCore import QAbstractTableModel, QItemSelectionModel, QModelIndex, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QHBoxLayout, QLabel,
                               QMessageBox, QPushButton, QSplitter, QTableView,
                               QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from engine.run_history import RunHistory, RunRecord, shared_history
from playground.bridge import BackgroundTask
from playground.panels import style
from playground.safe_slots import guarded

COLUMNS = ("#", "Started", "Duration", "Outcome", "Result", "Changed settings", "Data")
OUTCOME_COLORS = {"finished": "#2e7d32", "stopped": "#8d6e00", "diverged": style.ERROR,
                  "failed": style.ERROR}
# One colour per run; a comparison lesson's variants share it and differ in dash.
RUN_COLORS = ["#0877bd", "#f59322", "#2ca02c", "#9467bd", "#d62728", "#8c564b",
              "#e377c2", "#17becf"]
DASHES = [Qt.PenStyle.SolidLine, Qt.PenStyle.DashLine, Qt.PenStyle.DotLine,
          Qt.PenStyle.DashDotLine]
_SHORT = (("_train_accuracy", " train"), ("_test_accuracy", " test"),
          ("_final_cost", " cost"), ("train_accuracy", "train"),
          ("test_accuracy", "test"), ("final_cost", "cost"))
_NOT_RESULTS = {"seconds", "iterations"}


def format_value(value) -> str:
    """A setting as the sliders show it: 0.0075, 20:relu, 7:relu, true."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, (list, tuple)):
        return ", ".join(":".join(map(str, v)) if isinstance(v, (list, tuple)) else str(v)
                         for v in value)
    return "—" if value is None else str(value)


def format_metric(name: str, value) -> str:
    label = name
    for long, short in _SHORT:
        if label.endswith(long):
            label = label[: -len(long)] + short
            break
    if isinstance(value, float) and "accuracy" in name:
        return f"{label} {100 * value:.1f}%"
    if isinstance(value, float):
        return f"{label} {value:.4g}"
    return f"{label} {format_value(value)}"


def metrics_text(metrics: dict) -> str:
    return " · ".join(format_metric(k, v) for k, v in metrics.items()
                      if k not in _NOT_RESULTS and v is not None)


def format_duration(seconds) -> str:
    if seconds is None:
        return "—"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, seconds = divmod(int(round(seconds)), 60)
    return f"{minutes} min {seconds:02d} s" if minutes < 60 else \
        f"{minutes // 60} h {minutes % 60:02d} min"


def differing_settings(runs: list[RunRecord]) -> list[str]:
    """Names of the settings (and 'data') whose values are not the same in all runs."""
    names: list[str] = []
    for run in runs:
        names += [n for n in run.settings if n not in names]
    out = [n for n in names if len({repr(r.settings.get(n)) for r in runs}) > 1]
    if len({r.dataset for r in runs}) > 1:
        out.append("data")
    return out


_DISPLAY, _TOOLTIP, _USER, _FOREGROUND, _ALIGNMENT = (
    r.value for r in (Qt.DisplayRole, Qt.ToolTipRole, Qt.UserRole, Qt.ForegroundRole,
                      Qt.TextAlignmentRole))
_RIGHT = (Qt.AlignRight | Qt.AlignVCenter).value
_OUTCOME_COLUMN = COLUMNS.index("Outcome")


class RunsModel(QAbstractTableModel):
    """The runs as table rows: text per cell, a tooltip, the outcome's colour."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.rows: list[tuple[RunRecord, list[tuple[str, str]]]] = []

    def set_rows(self, rows) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.DisplayRole):
        if orientation == Qt.Horizontal and role == Qt.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index, role=Qt.DisplayRole):
        # Called for every visible cell and role on each paint: compare plain ints
        # (comparing PySide enums costs ~30 us a call).
        role = int(role.value) if hasattr(role, "value") else int(role)
        run, cells = self.rows[index.row()]
        column = index.column()
        if role == _DISPLAY:
            return cells[column][0]
        if role == _TOOLTIP:
            return cells[column][1] or None
        if role == _USER:
            return run.id
        if role == _FOREGROUND and column == _OUTCOME_COLUMN:
            return QColor(OUTCOME_COLORS[run.outcome])
        if role == _ALIGNMENT and column == 0:
            return _RIGHT
        return None

    def run_id(self, row: int) -> int:
        return self.rows[row][0].id


class RunsPanel(QWidget):
    """A lesson's runs: table (multi-select), overlaid curves, settings that differ.

    ``confirm(count) -> bool`` asks before deleting; tests replace it.
    """

    def __init__(self, lesson_id: str, defaults: dict | None = None,
                 history: RunHistory | None = None, parent=None) -> None:
        super().__init__(parent)
        self.lesson_id = lesson_id
        self.defaults = defaults or {}
        self.history = history or shared_history()
        self.confirm: Callable[[int], bool] = self._ask
        self.runs: list[RunRecord] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        self.notice = QLabel("")
        self.notice.setObjectName("runsNotice")
        self.notice.setWordWrap(True)
        self.notice.setStyleSheet(style.ERROR_CSS)
        self.notice.hide()
        layout.addWidget(self.notice)
        bar = QHBoxLayout()
        self.summary = QLabel("")
        self.summary.setObjectName("runsSummary")
        self.summary.setStyleSheet(style.MUTED_CSS)
        self.summary.setWordWrap(True)   # a narrow bench wraps it rather than clipping it
        bar.addWidget(self.summary, 1)
        # A diverging variant's cost spikes to 30 and flattens the others; a log
        # axis keeps them all readable.
        self.log_axis = QCheckBox("Log cost axis")
        self.log_axis.setObjectName("runsLogAxis")
        self.log_axis.toggled.connect(self._log_axis_toggled)
        bar.addWidget(self.log_axis)
        self.delete_button = QPushButton("Delete selected")
        self.delete_button.setObjectName("deleteRunsButton")
        self.delete_button.setEnabled(False)
        self.delete_button.clicked.connect(self.delete_selected)
        bar.addWidget(self.delete_button)
        layout.addLayout(bar)
        self.model = RunsModel(self)
        self.table = QTableView()
        self.table.setObjectName("runsTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        # Widths are fitted once, to the first rows (ResizeToContents mode refits on
        # every change); after that the user's widths stay.
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.horizontalHeader().setResizeContentsPrecision(40)
        # Until the first run is listed the columns hold only their titles; Qt's
        # default 100 px cut "Changed settings" to "hanged setting".
        self.table.resizeColumnsToContents()
        self._widths_fitted = False
        self._quiet = False
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.plot_widget = style.make_plot("Cost of the selected runs", "iteration", "cost")
        self.plot = self.plot_widget.getPlotItem()
        self.legend = self.plot.addLegend(offset=(-10, 10), labelTextColor=style.TEXT)
        self.legend.setBrush(pg.mkBrush(255, 255, 255, 200))
        self.plot_widget.setMinimumSize(260, 180)
        self.curve_items: list[pg.PlotDataItem] = []   # the ones drawn now
        self._curve_pool: list[pg.PlotDataItem] = []
        self._curve_cache: dict[int, dict] = {}  # a recorded run's curves never change
        self._legend_names: list[str] = []
        self.differences_title = QLabel("Select runs to compare them.")
        self.differences_title.setObjectName("differencesTitle")
        self.differences_title.setWordWrap(True)
        self.differences = QTableWidget(0, 0)
        self.differences.setObjectName("runDifferences")
        self.differences.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.differences.horizontalHeader().setDefaultSectionSize(80)
        self.differences.horizontalHeader().setStretchLastSection(True)
        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        side_layout.addWidget(self.differences_title)
        side_layout.addWidget(self.differences, 1)
        lower = QSplitter(Qt.Horizontal)
        lower.addWidget(self.plot_widget)
        lower.addWidget(side)
        lower.setStretchFactor(0, 3)
        lower.setStretchFactor(1, 2)
        lower.setSizes([600, 400])
        lower.setChildrenCollapsible(False)
        side.setMinimumWidth(220)
        split = QSplitter(Qt.Vertical)
        split.addWidget(self.table)
        split.addWidget(lower)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 1)
        layout.addWidget(split, 1)
        # Open (and check) the database on a worker, so the first look at this tab
        # does not wait for it.
        self._opening = BackgroundTask(self.history.ensure_open, parent=self).start()

    def show_problem(self, text: str) -> None:
        """A sentence above the table (used by the guards on this panel's handlers)."""
        self.notice.setText(text)
        self.notice.show()

    # --- loading ---
    # Every entry point Qt calls is guarded: a damaged history row must never take the
    # app down from inside showEvent (it once ended in SIGSEGV).
    @guarded("show the runs")
    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.refresh()

    @guarded("list the new run")
    def run_recorded(self, _run_id=None) -> None:
        """A run was added: reload now if visible (showEvent reloads otherwise)."""
        if self.isVisible():
            self.refresh()

    def refresh(self) -> None:
        selected = set(self.selected_ids())
        self.runs = self.history.runs(self.lesson_id)
        listed = {r.id for r in self.runs}
        self._curve_cache = {k: v for k, v in self._curve_cache.items() if k in listed}
        self.notice.setText(self.history.notice)
        self.notice.setVisible(bool(self.history.notice))
        self._quiet = True
        self.model.set_rows([(run, self._cells(run)) for run in self.runs])
        for row, run in enumerate(self.runs):
            if run.id in selected:
                self._select_row(row)
        self._quiet = False
        if self.runs and not self._widths_fitted:
            self._widths_fitted = True
            self.table.resizeColumnsToContents()
            for name, widest in (("Result", 260), ("Changed settings", 260)):
                column = COLUMNS.index(name)
                width = min(self.table.columnWidth(column), widest)
                self.table.setColumnWidth(column, width)
        count = len(self.runs)
        self.summary.setText(f"{count} run{'s' if count != 1 else ''} of this lesson; "
                             "select several to compare them." if count else
                             "No runs yet: press Train and the run will be listed here.")
        self._selection_changed()

    def _cells(self, run: RunRecord) -> list[tuple[str, str]]:
        started = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(run.started_at))
        outcome = run.outcome if run.kind == "run" else f"{run.outcome} ({run.kind})"
        changed = [f"{k}={format_value(v)}" for k, v in run.settings.items()
                   if self.defaults and k in self.defaults and self.defaults[k] != v]
        result = metrics_text(run.metrics)
        if run.standin and result:   # the figures are the stand-in's: say so first
            result = f"stand-in data · {result}"
        data = run.dataset or "—"
        if run.standin:
            data += " [stand-in]"
        source = "from `python -m engine run`" if run.source == "runner" else ""
        all_settings = "\n".join(f"{k} = {format_value(v)}"
                                 for k, v in run.settings.items())
        return [(str(run.id), source), (started, source),
                (format_duration(run.duration_s), ""),
                (outcome, run.message), (result, result.replace(" · ", "\n")),
                (", ".join(changed) if changed else "defaults", all_settings), (data, data)]

    @guarded("change the cost axis")
    def _log_axis_toggled(self, on: bool) -> None:
        self.plot.setLogMode(y=on)

    # --- selection: curves and differences ---
    def selected_ids(self) -> list[int]:
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        return [self.model.run_id(r) for r in rows if r < self.model.rowCount()]

    def _select_row(self, row: int) -> None:
        # Adds to the selection (QTableView.selectRow would replace it).
        self.table.selectionModel().select(
            self.model.index(row, 0), QItemSelectionModel.Select | QItemSelectionModel.Rows)

    def select_runs(self, run_ids) -> None:
        wanted = set(run_ids)
        self._quiet = True
        self.table.clearSelection()
        for row in range(self.model.rowCount()):
            if self.model.run_id(row) in wanted:
                self._select_row(row)
        self._quiet = False
        self._selection_changed()

    def cell(self, row: int, column: str) -> str:
        """The text the table shows (for tests and screenshots)."""
        return self.model.data(self.model.index(row, COLUMNS.index(column)))

    @guarded("show the selected runs")
    def _selection_changed(self, *_changes) -> None:
        if self._quiet:
            return
        ids = self.selected_ids()
        self.delete_button.setEnabled(bool(ids))
        chosen = [r for r in self.runs if r.id in set(ids)]
        self._draw_curves(chosen)
        self._show_differences(chosen)

    def _draw_curves(self, runs: list[RunRecord]) -> None:
        # Plot items are pooled and reused: adding and removing pyqtgraph items costs
        # tens of ms each, setData well under one.
        missing = [r.id for r in runs if r.id not in self._curve_cache]
        if missing:
            self._curve_cache.update(self.history.curves(missing))
        shown: list[tuple[str, object, list]] = []
        for n, run in enumerate(runs):
            color = RUN_COLORS[n % len(RUN_COLORS)]
            for k, (label, points) in enumerate(self._curve_cache.get(run.id, {}).items()):
                if points:
                    name = f"run #{run.id}" if label == "cost" else f"run #{run.id} {label}"
                    pen = pg.mkPen(color, width=2, style=DASHES[k % len(DASHES)])
                    shown.append((name, pen, points))
        while len(self._curve_pool) < len(shown):
            item = pg.PlotDataItem([], [])
            self.plot.addItem(item)
            self._curve_pool.append(item)
        for item, (name, pen, points) in zip(self._curve_pool, shown):
            xs, ys = zip(*points)
            item.setData(xs, ys, pen=pen, name=name)
            item.show()
        for item in self._curve_pool[len(shown):]:
            item.setData([], [])
            item.hide()
        self.curve_items = self._curve_pool[:len(shown)]
        names = [name for name, _pen, _points in shown]
        if names != self._legend_names:
            self.legend.clear()
            for item, name in zip(self.curve_items, names):
                self.legend.addItem(item, name)
            self._legend_names = names
        self.plot.enableAutoRange()

    def _show_differences(self, runs: list[RunRecord]) -> None:
        table = self.differences
        if not runs:
            self.differences_title.setText("Select runs to compare them.")
            names = []
        elif len(runs) == 1:
            self.differences_title.setText(f"Settings of run #{runs[0].id} "
                                           "(select more runs to see what differed):")
            names = list(runs[0].settings)
        else:
            names = differing_settings(runs)
            self.differences_title.setText(
                "Settings that differ among the selected runs:" if names else
                "The selected runs used the same settings and data.")
        table.clear()
        table.setRowCount(len(names))
        table.setColumnCount(len(runs) if names else 0)
        table.setHorizontalHeaderLabels([f"run #{r.id}" for r in runs])
        table.setVerticalHeaderLabels(names)
        for row, name in enumerate(names):
            for column, run in enumerate(runs):
                value = run.dataset if name == "data" else run.settings.get(name)
                table.setItem(row, column, QTableWidgetItem(format_value(value)))

    def difference_names(self) -> list[str]:
        """The setting names the differences view lists (for tests and screenshots)."""
        return [self.differences.verticalHeaderItem(r).text()
                for r in range(self.differences.rowCount())]

    # --- deleting ---
    def _ask(self, count: int) -> bool:
        answer = QMessageBox.question(
            self, "Delete runs", f"Delete {count} run{'s' if count != 1 else ''} from the "
            "history? This cannot be undone.", QMessageBox.Yes | QMessageBox.No,
            QMessageBox.No)
        return answer == QMessageBox.Yes

    @guarded("delete the selected runs")
    def delete_selected(self) -> None:
        ids = self.selected_ids()
        if not ids or not self.confirm(len(ids)):
            return
        self.table.clearSelection()
        self.history.delete(ids)
        self.refresh()
