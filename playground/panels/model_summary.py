"""A Keras model's layer table (what ``model.summary()`` prints), as a Qt table.

The rows come from ``engine.keras_models.summary.layer_table(model)`` and the totals
from ``parameter_totals(model)``; this widget only displays them:

    table.set_rows(layer_table(model), **parameter_totals(model))
"""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QAbstractItemView, QHeaderView, QLabel, QTableWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget)

from engine.keras_models.summary import format_shape
from playground.panels import style

COLUMNS = ("Layer", "Type", "Output shape", "Parameters")


class ModelSummaryTable(QWidget):
    """Layer / type / output shape / parameters, and the totals underneath."""

    def __init__(self, title: str = "", parent=None) -> None:
        super().__init__(parent)
        self.rows: list[dict] = []
        self.totals: dict = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.title = QLabel(title, objectName="modelSummaryTitle")
        self.title.setWordWrap(True)
        self.title.setVisible(bool(title))
        self.table = QTableWidget(0, len(COLUMNS), objectName="modelSummaryTable")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeToContents)
        # the shape column takes the spare width, so counts sit next to their shapes
        header.setSectionResizeMode(2, QHeaderView.Stretch)
        self.totals_label = QLabel("", objectName="modelSummaryTotals")
        self.totals_label.setWordWrap(True)
        self.totals_label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        layout.addWidget(self.title)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.totals_label)

    def set_title(self, text: str) -> None:
        self.title.setText(text)
        self.title.setVisible(bool(text))

    def set_message(self, text: str, error: bool = False) -> None:
        """A line in place of the totals (e.g. "Building the model…" or an error)."""
        color = style.ERROR if error else style.MUTED
        self.totals_label.setText(f"<span style='color:{color}'>{text}</span>")

    def set_rows(self, rows: list[dict], total: int | None = None,
                 trainable: int | None = None, non_trainable: int | None = None) -> None:
        """Show ``layer_table`` rows; totals default to the sums of the rows."""
        self.rows = list(rows)
        if total is None:
            total = sum(int(r.get("params", 0)) for r in rows)
        if trainable is None:
            trainable = sum(int(r.get("trainable", r.get("params", 0))) for r in rows)
        if non_trainable is None:
            non_trainable = total - trainable
        self.totals = {"total": int(total), "trainable": int(trainable),
                       "non_trainable": int(non_trainable)}
        self.table.setUpdatesEnabled(False)   # thousands of cells for a ResNet-50
        try:
            self.table.setRowCount(len(rows))
            for i, row in enumerate(rows):
                params = int(row.get("params", 0))
                cells = (str(row.get("name", "")), str(row.get("type", "")),
                         format_shape(row.get("output_shape")), f"{params:,}")
                for j, text in enumerate(cells):
                    item = QTableWidgetItem(text)
                    if j == 3:
                        item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
                        frozen = params - int(row.get("trainable", params))
                        if frozen:
                            item.setToolTip(f"{frozen:,} of them not trained "
                                            "(e.g. batch-norm running statistics)")
                    self.table.setItem(i, j, item)
        finally:
            self.table.setUpdatesEnabled(True)
        self.totals_label.setText(
            f"<b>Total parameters: {self.totals['total']:,}</b> · trainable "
            f"{self.totals['trainable']:,} · non-trainable {self.totals['non_trainable']:,}")

    def total_text(self) -> str:
        return self.totals_label.text()
