"""Which data a picture lesson trains on, and what the real-folds mode found.

``DataChooser`` sits in the sidebar of every picture lesson: the lesson's usual data
(course files or stand-in), each dataset the learner saved for this lesson's classes,
the stand-in plus the real test photos in folds (where only the real test file is
there), or any other file. Choosing only sets the ``data`` / ``real_folds`` settings:
the page loads and trains exactly as if they had been typed in.

``FoldResults`` shows a finished real-folds run: each fold's held-out real accuracy
beside the stand-in alone on the same photos, the mean and spread, and a bar chart,
labelled as not the course's split. The numbers come from the engine's result.
"""
from __future__ import annotations

import dataclasses
import html
import os

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import (QComboBox, QFileDialog, QHBoxLayout, QHeaderView, QLabel,
                               QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from engine.data.real_folds import fold_summary
from engine.lesson_runs.data_choice import DataOption, data_options
from playground.panels import style
from playground.safe_slots import guarded

OTHER_FILE = "Other file…"


class DataChooser(QWidget):
    """"Train on": a combo box over the ``data`` and ``real_folds`` settings."""

    def __init__(self, page, parent=None) -> None:
        super().__init__(parent)
        self.page = page
        self.options: list[DataOption] = []
        self.combo = QComboBox(objectName="dataChooser")
        self.combo.setToolTip("What the lesson trains on. It sets 'Dataset file' and "
                              "'Real folds' in the settings.")
        self.combo.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
        self.combo.setMinimumContentsLength(12)
        self.combo.activated.connect(self._chosen)
        self.message = QLabel("", objectName="dataChooserMessage")
        self.message.setWordWrap(True)
        self.message.hide()
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel("<b>Train on</b>"))
        row.addWidget(self.combo, 1)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 4, 0, 0)
        column.addLayout(row)
        column.addWidget(self.message)
        page.settings_panel.changed.connect(self._setting_changed)
        self.refresh()

    # --- the list ---
    def refresh(self) -> None:
        """Rebuild the entries (a dataset was saved or moved aside) and select the one
        the current settings stand for."""
        self.options = data_options(self.page.lesson.id)
        values = self.page.settings_panel.values()
        data, folds = getattr(values, "data", ""), int(getattr(values, "real_folds", 0))
        current = next((i for i, o in enumerate(self.options)
                        if o.data == data and o.real_folds == folds), None)
        if current is None:   # set by hand: a file elsewhere, another number of folds
            label = f"File: {os.path.basename(data)}" if data else \
                f"Stand-in + real test photos in {folds} folds"
            self.options.append(DataOption(label, data=data, real_folds=folds, help=data))
            current = len(self.options) - 1
        self.combo.blockSignals(True)
        self.combo.clear()
        for k, option in enumerate(self.options):
            self.combo.addItem(option.label)
            self.combo.setItemData(k, option.help, Qt.ToolTipRole)
        self.combo.addItem(OTHER_FILE)
        self.combo.setItemData(len(self.options), "A dataset file in the course's h5 "
                               "layout with this lesson's classes.", Qt.ToolTipRole)
        self.combo.setCurrentIndex(current)
        self.combo.blockSignals(False)

    def current_option(self) -> DataOption:
        return self.options[self.combo.currentIndex()]

    # --- choosing ---
    @guarded("choose the data")
    def _chosen(self, index: int) -> None:
        if index >= len(self.options):    # "Other file…"
            path, _ = QFileDialog.getOpenFileName(self, "Dataset file", "",
                                                  "Datasets (*.h5 *.hdf5)")
            if not path:
                self.refresh()
                return
            self.choose(DataOption(f"File: {path}", data=path))
            return
        self.choose(self.options[index])

    def choose(self, option: DataOption) -> None:
        """Set the settings an entry stands for (the page reloads the data if needed)."""
        if self.page.running:
            self.say("Stop the run first; the data cannot change while it trains.",
                     error=True)
            self.refresh()
            return
        self.say("")
        panel = self.page.settings_panel
        panel._apply_from_user(dataclasses.replace(panel.values(), data=option.data,
                                                   real_folds=option.real_folds))
        self.refresh()
        self.page.show_data_provenance()

    def choose_label(self, start: str) -> None:
        """Choose the first entry whose label starts with ``start`` (tests, scripts)."""
        option = next(o for o in self.options if o.label.startswith(start))
        self.choose(option)

    def _setting_changed(self, name: str, _value) -> None:
        if name in ("data", "real_folds"):
            self.refresh()

    def data_failed(self, message: str) -> None:
        """The chosen file could not be read: say so, and go back to the usual data
        (the engine moved an unreadable file of the datasets folder aside)."""
        if not getattr(self.page.settings_panel.values(), "data", ""):
            return
        self.choose(self.options[0])
        self.say(f"{message} Training on the lesson's usual data again.", error=True)

    def say(self, text: str, error: bool = False) -> None:
        self.message.setStyleSheet(style.ERROR_CSS if error else style.MUTED_CSS)
        self.message.setText(text)
        self.message.setVisible(bool(text))


class FoldBars(QWidget):
    """Per fold, two bars: stand-in + other folds (blue) and stand-in alone (grey)."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setMinimumHeight(150)
        self.folds: list[float] = []
        self.baseline: list[float] = []

    def sizeHint(self) -> QSize:
        return QSize(360, 180)

    def set_values(self, folds, baseline) -> None:
        self.folds, self.baseline = list(folds), list(baseline or [])
        self.update()

    @guarded("draw the fold chart")
    def paintEvent(self, event) -> None:
        if not self.folds:
            return
        painter = QPainter(self)
        metrics = painter.fontMetrics()
        left, bottom, top = metrics.horizontalAdvance("100%") + 8, metrics.height() + 6, 8
        height = self.height() - bottom - top
        width = self.width() - left - 8
        painter.setPen(QPen(QColor("#bbbbbb")))
        for level in (0.0, 0.5, 1.0):
            y = top + height * (1 - level)
            painter.drawLine(left, int(y), left + width, int(y))
            painter.drawText(QRectF(0, y - 8, left - 4, 16), Qt.AlignRight | Qt.AlignVCenter,
                             f"{100 * level:.0f}%")
        slot = width / len(self.folds)
        bar = max(4.0, slot * 0.35)
        for k, value in enumerate(self.folds):
            x = left + k * slot + slot / 2
            pairs = [(value, QColor("#1e88e5"), x - bar)]
            if k < len(self.baseline):
                pairs.append((self.baseline[k], QColor("#9e9e9e"), x))
            else:
                pairs[0] = (value, QColor("#1e88e5"), x - bar / 2)
            for v, colour, bx in pairs:
                h = height * max(0.0, min(1.0, float(v)))
                painter.fillRect(QRectF(bx, top + height - h, bar, h), colour)
            painter.setPen(QColor("#333333"))
            name = f"fold {k + 1}" if slot > metrics.horizontalAdvance("fold 10") + 6 \
                else str(k + 1)   # many folds in a narrow chart: numbers only
            painter.drawText(QRectF(x - slot / 2, top + height + 2, slot, bottom),
                             Qt.AlignHCenter | Qt.AlignTop, name)
        painter.end()


class FoldResults(QWidget):
    """A finished real-folds run: table, bars and the mean ± spread, never mistaken
    for the course's split."""

    COLUMNS = ("Held-out\nfold", "Real\nphotos", "Stand-in +\nother folds", "Stand-in\nalone")

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("foldResults")
        self.summary = QLabel("", objectName="foldSummary")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.table = QTableWidget(0, len(self.COLUMNS), objectName="foldTable")
        self.table.setHorizontalHeaderLabels(self.COLUMNS)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.NoEditTriggers)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.Stretch)
        for col in (0, 1):
            header.setSectionResizeMode(col, QHeaderView.ResizeToContents)
        self.bars = FoldBars()
        legend = QLabel(f"<span style='color:#1e88e5'>■</span> trained on the stand-in plus "
                        f"the other folds &nbsp; <span style='color:#9e9e9e'>■</span> the "
                        f"stand-in alone, scored on the same held-out photos")
        legend.setWordWrap(True)
        column = QVBoxLayout(self)
        column.addWidget(self.summary)
        body = QHBoxLayout()
        body.addWidget(self.table, 3)
        charts = QVBoxLayout()
        charts.addWidget(self.bars, 1)
        charts.addWidget(legend)
        body.addLayout(charts, 2)
        column.addLayout(body, 1)

    def show_partial(self, partial: dict) -> None:
        """While the run goes on: the folds scored so far (the stand-in alone comes
        last, after every fold)."""
        self.show_result({**partial, **fold_summary(partial["real_fold_accuracies"]),
                          "note": "the remaining folds, then the stand-in alone, are "
                                  "still training."}, running=True)

    def show_result(self, folds: dict, stopped: bool = False, running: bool = False) -> None:
        accuracies = folds.get("real_fold_accuracies") or []
        baseline = folds.get("standin_fold_accuracies") or []
        sizes = folds.get("fold_sizes") or []
        k = folds.get("folds", len(accuracies))
        self.table.setRowCount(len(accuracies) + 1)
        for row, accuracy in enumerate(accuracies):
            cells = (f"{row + 1} of {k}", str(sizes[row]) if row < len(sizes) else "",
                     f"{100 * accuracy:.1f}%",
                     f"{100 * baseline[row]:.1f}%" if row < len(baseline) else "—")
            for col, text in enumerate(cells):
                self.table.setItem(row, col, QTableWidgetItem(text))
        mean = f"{100 * folds['real_fold_mean']:.1f}% ± {100 * folds['real_fold_std']:.1f}%"
        alone = (f"{100 * folds['standin_fold_mean']:.1f}% ± "
                 f"{100 * folds['standin_fold_std']:.1f}%") if baseline else "—"
        for col, text in enumerate(("mean ± spread", str(sum(sizes)), mean, alone)):
            item = QTableWidgetItem(text)
            font = item.font()
            font.setBold(True)
            item.setFont(font)
            self.table.setItem(len(accuracies), col, item)
        self.bars.set_values(accuracies, baseline)
        note = folds.get("note", "").removeprefix("Not the course's split: ")
        done = f"{len(accuracies)} of {k} folds so far" if running else \
            f"{len(accuracies)} of {k} folds (stopped)" if stopped or \
            len(accuracies) < k else f"{k} folds"
        versus = (f"; the stand-in alone scores <b>{alone}</b> on the same photos"
                  if baseline else "")
        self.summary.setText(
            f"<span style='font-size:13pt'>Held-out real accuracy: <b>{mean}</b></span> "
            f"(mean ± spread over {done}){versus}.<br><span style='color:{style.MUTED}'>"
            f"Not the course's split: {html.escape(note)}</span>")


def _fold_view(page) -> "FoldResults":
    view = getattr(page, "fold_results", None)
    if view is None:
        view = page.fold_results = FoldResults()
        runs = page.tabs.indexOf(getattr(page, "own_data", None) or page.runs_panel)
        page.tabs.insertTab(runs if runs >= 0 else page.tabs.count(), view, "Real folds")
    return view


def show_fold_done(page, data: dict) -> None:
    """One more fold scored while the others still train: the view fills as it goes."""
    fold = int(data.get("fold", 0))
    view = _fold_view(page)
    if fold == 0:
        view.partial = {"real_fold_accuracies": [], "fold_sizes": [],
                        "folds": int(data.get("folds", 0))}
    partial = getattr(view, "partial", None)
    if partial is None or len(partial["real_fold_accuracies"]) != fold:
        return
    partial["real_fold_accuracies"].append(float(data["accuracy"]))
    partial["fold_sizes"].append(int(data.get("held_out", 0)))
    view.show_partial(partial)


def show_fold_results(page, data: dict) -> None:
    """After a run: the "Real folds" tab with its figures (added the first time), and
    the status line saying the mean instead of the last fold's test accuracy."""
    folds = (data.get("result") or {}).get("real_folds")
    if not folds or not folds.get("real_fold_accuracies"):
        return
    view = _fold_view(page)
    view.partial = None
    view.show_result(folds, stopped=bool(data.get("stopped")))
    page.tabs.setCurrentWidget(view)
    head = "Stopped" if data.get("stopped") else "Finished"
    alone = (f" (stand-in alone {100 * folds['standin_fold_mean']:.1f}%)"
             if "standin_fold_mean" in folds else "")
    page.controls.set_status(
        f"{head}: held-out real accuracy {100 * folds['real_fold_mean']:.1f}% ± "
        f"{100 * folds['real_fold_std']:.1f}% over {len(folds['real_fold_accuracies'])} "
        f"folds{alone}; not the course's split.")


def fold_status(data: dict) -> str | None:
    """"Fold 2 of 5" for a progress event of a real-folds run; None otherwise."""
    if "folds" not in data or "fold" not in data:
        return None
    fold, folds = int(data["fold"]), int(data["folds"])
    if fold >= folds:
        return "Stand-in alone (the baseline on the same folds)"
    return f"Fold {fold + 1} of {folds}"
