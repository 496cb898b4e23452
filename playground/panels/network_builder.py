"""Edit the hidden layers of a fully connected network and see what that costs.

The table of W/b shapes is the course's "dimensions of each layer" exercise made
live: the learner types 20 and watches W1 become (20, 12288). Invalid input is
refused where it was typed; the last valid network stays in effect, so whatever
is wired to ``layers_changed`` only ever sees networks the engine can build.

Rows are numbered from 1, like the course's layers: ``units1`` / ``activation1`` /
``remove1`` edit hidden layer 1, whose weights are W1.
"""
from __future__ import annotations

import math

from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QGridLayout, QHBoxLayout,
                               QHeaderView, QLabel, QLineEdit, QPushButton, QTableWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget)

from playground.panels import style
from playground.safe_slots import guarded

MAX_UNITS = 4096
_BAD_EDIT_CSS = f"QLineEdit {{ border: 1px solid {style.ERROR}; background: #fff4f4; }}"


def layer_sizes(input_size: int, layers, output_size: int) -> list[int]:
    return [int(input_size)] + [int(u) for u, _ in layers] + [int(output_size)]


def parameter_count(sizes: list[int]) -> int:
    """W_l has n_l * n_{l-1} entries and b_l has n_l: counting, not model math."""
    return sum(n * prev + n for prev, n in zip(sizes[:-1], sizes[1:]))


class NetworkDiagram(QWidget):
    """Boxes for input, hidden and output layers; height grows with log(units) so
    12288 inputs and a 1-unit output both fit on one row."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.sizes: list[int] = []
        self.names: list[str] = []
        self.setMinimumHeight(110)

    def set_layers(self, sizes: list[int], names: list[str]) -> None:
        self.sizes, self.names = sizes, names
        self.update()

    @guarded("draw this view")
    def paintEvent(self, _event) -> None:
        if not self.sizes:
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        n = len(self.sizes)
        w, h = self.width(), self.height()
        slot = w / n
        box_w = min(46.0, slot * 0.55)
        top_room, bottom_room = 4.0, 30.0
        usable = h - top_room - bottom_room
        biggest = math.log2(max(self.sizes) + 1)
        centres = []
        for i, units in enumerate(self.sizes):
            box_h = max(10.0, usable * math.log2(units + 1) / biggest)
            cx = slot * (i + 0.5)
            cy = top_room + usable / 2
            centres.append((cx, box_h))
            if i == 0:
                fill = QColor("#dddddd")
            elif i == n - 1:
                fill = QColor(style.POSITIVE)
            else:
                fill = QColor(style.POSITIVE).lighter(150 + 10 * (i % 2))
            painter.setPen(QPen(QColor("#555555"), 1))
            painter.setBrush(fill)
            painter.drawRoundedRect(QRectF(cx - box_w / 2, cy - box_h / 2, box_w, box_h), 4, 4)
            painter.setPen(QColor(style.TEXT))
            painter.drawText(QRectF(cx - slot / 2, h - bottom_room, slot, 15),
                             Qt.AlignmentFlag.AlignCenter, f"{units:,}")
            painter.setPen(QColor(style.MUTED))
            painter.drawText(QRectF(cx - slot / 2, h - bottom_room + 14, slot, 15),
                             Qt.AlignmentFlag.AlignCenter, self.names[i])
        # Fans between neighbouring boxes hint at the dense connections.
        painter.setPen(QPen(QColor(120, 120, 120, 90), 1))
        cy = top_room + usable / 2
        for (x0, h0), (x1, h1) in zip(centres[:-1], centres[1:]):
            for a in (-0.4, 0.0, 0.4):
                for b in (-0.4, 0.0, 0.4):
                    painter.drawLine(int(x0 + box_w / 2), int(cy + a * h0),
                                     int(x1 - box_w / 2), int(cy + b * h1))
        painter.end()


class NetworkBuilder(QWidget):
    layers_changed = Signal(object)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.input_size = 2
        self.output_size = 1
        self.output_activation = "sigmoid"
        self.activations: tuple[str, ...] = ("relu",)
        self.max_layers = 8
        self.fixed_depth = False
        self._layers: tuple[tuple[int, str], ...] = ()
        self._rows: list[tuple[QLineEdit, QComboBox, QPushButton]] = []

        self.rows_box = QGridLayout()
        self.rows_box.setColumnStretch(4, 1)
        self.add_button = QPushButton("Add layer", objectName="addLayer")
        self.add_button.setToolTip("Add a hidden layer before the output layer.")
        self.add_button.clicked.connect(self._add_layer)
        self.error = QLabel(objectName="builderError")
        self.error.setStyleSheet(style.ERROR_CSS)
        self.error.setWordWrap(True)
        self.error.hide()

        self.table = QTableWidget(0, 5, objectName="shapeTable")
        # Five columns share ~300 px of the settings column on a laptop screen, where
        # "Activation" and "Parameters" were cut off; short titles fit, the tooltips
        # spell them out (the cells already say "W1: (20, 12288)").
        for column, (title, tip) in enumerate((
                ("Layer", "Which layer: the hidden ones, then the output."),
                ("Act.", "The layer's activation function."),
                ("W", "Shape of the layer's weight matrix W."),
                ("b", "Shape of the layer's bias vector b."),
                ("Params", "Parameters the layer learns: the entries of W and b."))):
            item = QTableWidgetItem(title)
            item.setToolTip(tip)
            self.table.setHorizontalHeaderItem(column, item)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        # no column narrower than the widest title: a narrower panel scrolls instead
        header.setMinimumSectionSize(max(header.sectionSizeFromContents(c).width()
                                         for c in range(self.table.columnCount())))
        # As tall as its rows: a lesson page stacks other panels below the builder.
        self.table.setSizeAdjustPolicy(QAbstractItemView.SizeAdjustPolicy.AdjustToContents)
        self.table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.param_count = QLabel(objectName="paramCount")
        self.param_count.setStyleSheet("QLabel { font-weight: bold; }")
        self.diagram = NetworkDiagram()

        title = QLabel("<b>Hidden layers</b>")
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addLayout(self.rows_box)
        layout.addLayout(buttons)
        layout.addWidget(self.error)
        layout.addWidget(self.diagram)
        layout.addWidget(self.table)
        layout.addWidget(self.param_count)
        layout.addStretch(1)

    # --- API ---------------------------------------------------------------
    def set_network(self, input_size: int, layers, output_size: int, output_activation: str,
                    activations: tuple[str, ...] = ("relu",), max_layers: int = 8,
                    fixed_depth: bool = False) -> None:
        """Show a network; emits nothing (this is the program speaking, not the user)."""
        self.input_size, self.output_size = int(input_size), int(output_size)
        self.output_activation = output_activation
        self.activations = tuple(activations)
        self.max_layers, self.fixed_depth = int(max_layers), bool(fixed_depth)
        self._layers = tuple((int(u), str(a)) for u, a in layers)
        self.add_button.setVisible(not self.fixed_depth)
        self._build_rows()
        self._show_error("")
        self._refresh()

    def layers(self) -> tuple[tuple[int, str], ...]:
        return self._layers

    # --- rows --------------------------------------------------------------
    def _build_rows(self) -> None:
        # Detach old widgets at once (not only deleteLater) so findChild("units1")
        # can never return a row that is about to disappear.
        while self.rows_box.count():
            widget = self.rows_box.takeAt(0).widget()
            if widget is not None:
                widget.setParent(None)
                widget.deleteLater()
        self._rows = []
        for i, (units, act) in enumerate(self._layers, start=1):
            edit = QLineEdit(str(units), objectName=f"units{i}")
            edit.setMaximumWidth(90)
            edit.setToolTip(f"Number of units in hidden layer {i} (1 to {MAX_UNITS:,}).")
            # Check while typing, commit on Enter / leaving the box: typing "500" must
            # not hand the lesson a 5-unit and a 50-unit network on the way.
            edit.textEdited.connect(self._check_rows)
            edit.editingFinished.connect(self._commit_rows)
            combo = QComboBox(objectName=f"activation{i}")
            combo.addItems(list(self.activations))
            combo.setCurrentText(act)
            combo.setEnabled(len(self.activations) > 1)
            combo.currentTextChanged.connect(self._commit_rows)
            remove = QPushButton("Remove", objectName=f"remove{i}")
            remove.setToolTip(f"Remove hidden layer {i}.")
            remove.setVisible(not self.fixed_depth)
            remove.clicked.connect(lambda _=False, row=i - 1: self._remove_layer(row))
            self.rows_box.addWidget(QLabel(f"Layer {i}"), i - 1, 0)
            self.rows_box.addWidget(edit, i - 1, 1)
            self.rows_box.addWidget(combo, i - 1, 2)
            self.rows_box.addWidget(remove, i - 1, 3)
            self._rows.append((edit, combo, remove))

    def _read_rows(self) -> tuple | None:
        """The rows as layers, or None after showing what is wrong with them."""
        layers = []
        for i, (edit, combo, _) in enumerate(self._rows, start=1):
            text = edit.text().strip().replace(",", "").replace("_", "")
            problem = None
            if not text:
                problem = f"Layer {i} needs a number of units."
            elif not text.isdigit():
                problem = f"Layer {i}: '{edit.text()}' is not a whole number of units."
            elif not 1 <= int(text) <= MAX_UNITS:
                problem = f"Layer {i} needs between 1 and {MAX_UNITS:,} units; got {int(text):,}."
            edit.setStyleSheet(_BAD_EDIT_CSS if problem else "")
            if problem:
                self._show_error(problem + " The previous network is still in use.")
                return None
            layers.append((int(text), combo.currentText()))
        self._show_error("")
        return tuple(layers)

    def _check_rows(self, *_args) -> None:
        self._read_rows()

    def _commit_rows(self, *_args) -> None:
        layers = self._read_rows()
        if layers is not None and layers != self._layers:
            self._layers = layers
            self._refresh()
            self.layers_changed.emit(layers)

    def _add_layer(self) -> None:
        if len(self._layers) >= self.max_layers:
            self._show_error(f"At most {self.max_layers} hidden layers here; "
                             "remove one before adding another.")
            return
        units, act = self._layers[-1] if self._layers else (4, self.activations[0])
        self._layers = self._layers + ((units, act),)
        self._build_rows()
        self._show_error("")
        self._refresh()
        self.layers_changed.emit(self._layers)

    def _remove_layer(self, row: int) -> None:
        if len(self._layers) <= 1:
            self._show_error("The network needs at least one hidden layer.")
            return
        self._layers = self._layers[:row] + self._layers[row + 1:]
        self._build_rows()
        self._show_error("")
        self._refresh()
        self.layers_changed.emit(self._layers)

    def _show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))

    # --- table and diagram -------------------------------------------------
    def _refresh(self) -> None:
        sizes = layer_sizes(self.input_size, self._layers, self.output_size)
        acts = [a for _, a in self._layers] + [self.output_activation]
        self.table.setRowCount(len(sizes) - 1)
        for l in range(1, len(sizes)):
            n, prev = sizes[l], sizes[l - 1]
            kind = "output" if l == len(sizes) - 1 else "hidden"
            # Shapes without thousands separators: "(20, 12,288)" would read as 3 numbers.
            cells = [f"{l} ({kind})", acts[l - 1], f"W{l}: ({n}, {prev})",
                     f"b{l}: ({n}, 1)", f"{n * prev + n:,}"]
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if c == 4:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight |
                                          Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(l - 1, c, item)
        self.param_count.setText(f"Parameters: {parameter_count(sizes):,}")
        names = ["input"] + [f"layer {i}" for i in range(1, len(sizes) - 1)] + ["output"]
        self.diagram.set_layers(sizes, names)
