"""The NumPy basics playground: type an array, apply a course function, see the result.

The functions are the course's own (``engine.numpy_nets.basics``); this panel only
parses what the learner typed and shows what came back. The vectorization box
times loops against NumPy (``engine.vectorization``) on a background thread, so the
million-entry case never freezes the window.
"""
from __future__ import annotations

import math
import re

import numpy as np
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFontDatabase, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from playground.bridge import BackgroundTask
from playground.safe_slots import guarded

ERROR_COLOR = "#c62828"
LOOP_COLOR = "#f59322"
VECTOR_COLOR = "#0877bd"

# name shown -> (course function name, needs y, course example x, course example y)
FUNCTIONS = {
    "sigmoid": ("sigmoid", False, "1, 2, 3", ""),
    "sigmoid_derivative": ("sigmoid_derivative", False, "1, 2, 3", ""),
    "softmax": ("softmax", False, "9 2 5 0 0; 7 5 0 0 0", ""),
    "normalizeRows": ("normalizeRows", False, "0 3 4; 1 6 4", ""),
    "L1 (yhat, y)": ("L1", True, ".9, 0.2, 0.1, .4, .9", "1, 0, 0, 1, 1"),
    "L2 (yhat, y)": ("L2", True, ".9, 0.2, 0.1, .4, .9", "1, 0, 0, 1, 1"),
}

BAR_LABELS = {"dot": "dot", "outer": "outer", "elementwise": "elementwise",
              "general_dot": "W\u00b7x1"}

SIZES = [
    ("the course's 15-entry vectors", None),
    ("10,000 entries", 10_000),
    ("1,000,000 entries", 1_000_000),
]


class InputError(ValueError):
    """What the learner typed cannot be read as an array; the message says why."""


def parse_array(text: str, what: str = "x") -> np.ndarray:
    """Read ``"1, 2, 3"`` as a vector and ``"0 3 4; 1 6 4"`` (or one row per line,
    or ``[[0, 3, 4], [1, 6, 4]]``) as a matrix."""
    cleaned = text.strip()
    if not cleaned:
        raise InputError(f"{what} is empty: type some numbers, for example 1, 2, 3.")
    nested = cleaned.startswith("[[")
    cleaned = re.sub(r"\]\s*,?\s*\[", ";", cleaned)
    cleaned = cleaned.replace("[", " ").replace("]", " ")
    rows_text = [r for r in re.split(r"[;\n]", cleaned) if r.strip()]
    rows: list[list[float]] = []
    for r, row_text in enumerate(rows_text, start=1):
        tokens = [t for t in re.split(r"[,\s]+", row_text.strip()) if t]
        row = []
        for token in tokens:
            try:
                value = float(token)
            except ValueError:
                raise InputError(f"{what}: '{token}' is not a number.") from None
            if not math.isfinite(value):
                raise InputError(f"{what}: '{token}' is not a finite number.")
            row.append(value)
        rows.append(row)
    if not rows:
        raise InputError(f"{what} is empty: type some numbers, for example 1, 2, 3.")
    lengths = {len(row) for row in rows}
    if len(lengths) > 1:
        counts = ", ".join(str(len(row)) for row in rows)
        raise InputError(f"{what}: every row needs the same number of entries "
                         f"(the rows have {counts}).")
    if len(rows) == 1 and not nested:
        return np.array(rows[0])
    return np.array(rows)


def format_array(value) -> str:
    array = np.asarray(value)
    with np.printoptions(precision=8, suppress=True, linewidth=72):
        if array.ndim == 0:
            return f"{array.item():.10g}"
        return f"{np.array2string(array, separator=' ')}\nshape {array.shape}"


def run_function(name: str, x_text: str, y_text: str = "") -> np.ndarray:
    """Parse the inputs and call the course function; raises InputError for bad input."""
    course_name, needs_y, _, _ = FUNCTIONS[name]
    x = parse_array(x_text, "yhat" if needs_y else "x")
    try:
        from engine.numpy_nets import basics
    except ImportError as exc:  # the engine module is missing from this install
        raise InputError(f"The course functions are not available ({exc}).") from None
    function = getattr(basics, course_name, None)
    if function is None:
        raise InputError(f"engine.numpy_nets.basics has no {course_name}().")

    if needs_y:
        y = parse_array(y_text, "y")
        if x.ndim != 1 or y.ndim != 1:
            raise InputError(f"{course_name} needs two vectors (one row each), not matrices.")
        if x.shape != y.shape:
            raise InputError(f"{course_name} needs yhat and y of the same length "
                             f"(yhat has {x.size} numbers, y has {y.size}).")
        return np.asarray(function(x, y))
    if course_name in ("softmax", "normalizeRows") and x.ndim == 1:
        x = x.reshape(1, -1)  # the course works row by row on (n, m) matrices
    with np.errstate(all="ignore"):
        result = np.asarray(function(x))
    if course_name == "normalizeRows" and not np.all(np.isfinite(result)):
        raise InputError("normalizeRows: a row of zeros has length 0 and cannot be "
                         "scaled to length 1.")
    return result


class SpeedupBars(QWidget):
    """Loop and NumPy time per operation, side by side, on a log scale."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("vectorizationBars")
        self.setMinimumHeight(120)
        self._rows: list[tuple[str, float, float]] = []

    def set_rows(self, rows: list[tuple[str, float, float]]) -> None:
        self._rows = rows
        self.update()

    @guarded("draw this view")
    def paintEvent(self, event):  # noqa: N802 (Qt override)
        if not self._rows:
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        metrics = painter.fontMetrics()
        label_width = max(metrics.horizontalAdvance(label) for label, _, _ in self._rows) + 10
        legend_h = metrics.height() + 6
        area_w = max(10, self.width() - label_width - 70)
        times = [t for _, a, b in self._rows for t in (a, b)]
        low = math.log10(max(min(times), 1e-4)) - 0.3
        high = math.log10(max(times)) + 0.1
        span = max(high - low, 1e-6)
        row_h = max(14, (self.height() - legend_h - 4) // len(self._rows))
        bar_h = max(4, row_h // 2 - 3)

        painter.setPen(QColor("#555555"))
        painter.fillRect(QRectF(label_width, 4, 10, 10), QColor(LOOP_COLOR))
        painter.drawText(label_width + 14, 4 + metrics.ascent() - 1, "Python loop")
        x2 = label_width + 24 + metrics.horizontalAdvance("Python loop")
        painter.fillRect(QRectF(x2, 4, 10, 10), QColor(VECTOR_COLOR))
        painter.drawText(x2 + 14, 4 + metrics.ascent() - 1, "NumPy   (ms, log scale)")

        for i, (label, loop_ms, vec_ms) in enumerate(self._rows):
            top = legend_h + i * row_h
            painter.setPen(QColor("#333333"))
            painter.drawText(QRectF(0, top, label_width - 6, row_h),
                             Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, label)
            for j, (value, color) in enumerate(((loop_ms, LOOP_COLOR), (vec_ms, VECTOR_COLOR))):
                width = area_w * (math.log10(max(value, 1e-4)) - low) / span
                y = top + 2 + j * (bar_h + 2)
                painter.fillRect(QRectF(label_width, y, max(2.0, width), bar_h), QColor(color))
                painter.setPen(QColor("#555555"))
                painter.drawText(int(label_width + max(2.0, width) + 4), int(y + bar_h),
                                 _format_ms(value))
        painter.end()


def _format_ms(ms: float) -> str:
    return f"{_format_number(ms)} ms"


class NumpyPlayground(QWidget):
    """Lesson 1.1 panel: course functions on typed arrays, plus the vectorization demo."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("numpyPlayground")
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)

        # -- functions on typed arrays
        self.input = QLineEdit("1, 2, 3", objectName="numpyInput")
        self.input.setPlaceholderText("numbers: 1, 2, 3   or a matrix: 0 3 4; 1 6 4")
        self.function = QComboBox(objectName="numpyFunction")
        self.function.addItems(list(FUNCTIONS))
        self.y_label = QLabel("y")
        self.y_input = QLineEdit("1, 0, 0, 1, 1", objectName="numpyYInput")
        self.y_input.setPlaceholderText("labels y, same length as yhat")
        self.run_button = QPushButton("Run", objectName="numpyRun")
        self.run_button.setDefault(True)
        self.example_button = QPushButton("Course example", objectName="numpyExample")
        self.error = QLabel(objectName="numpyError")
        self.error.setStyleSheet(f"color: {ERROR_COLOR}; font-weight: bold;")
        self.error.setWordWrap(True)
        self.error.hide()
        self.result = QPlainTextEdit(objectName="numpyResult")
        self.result.setReadOnly(True)
        self.result.setFont(mono)
        self.result.setMinimumHeight(70)
        self.result.setMaximumHeight(140)
        self.result.setPlaceholderText("The result appears here.")

        self.x_label = QLabel("x")
        form = QGridLayout()
        form.addWidget(QLabel("function"), 0, 0)
        form.addWidget(self.function, 0, 1)
        form.addWidget(self.x_label, 1, 0)
        form.addWidget(self.input, 1, 1)
        form.addWidget(self.y_label, 2, 0)
        form.addWidget(self.y_input, 2, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.run_button)
        buttons.addWidget(self.example_button)
        buttons.addStretch(1)
        form.addLayout(buttons, 3, 1)

        functions_box = QGroupBox("Course functions")
        functions_layout = QVBoxLayout(functions_box)
        functions_layout.addLayout(form)
        functions_layout.addWidget(self.error)
        functions_layout.addWidget(self.result)

        # -- vectorization demo
        self.size_choice = QComboBox(objectName="vectorizationSize")
        for label, _ in SIZES:
            self.size_choice.addItem(label)
        self.time_button = QPushButton("Time it", objectName="timeVectorization")
        self.timing_status = QLabel("Loop against NumPy: press Time it.",
                                    objectName="vectorizationStatus")
        self.timing_status.setWordWrap(True)
        self.table = QTableWidget(0, 5, objectName="vectorizationTable")
        self.table.setHorizontalHeaderLabels(
            ["operation", "loop (ms)", "NumPy (ms)", "speed-up", "same result"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, 5):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        rows_height = 4 * self.table.verticalHeader().defaultSectionSize()
        self.table.setFixedHeight(header.sizeHint().height() + rows_height
                                  + 2 * self.table.frameWidth() + 2)
        self.bars = SpeedupBars()
        self.values = QLabel(objectName="vectorizationValues")
        self.values.setFont(mono)
        self.values.setWordWrap(True)
        self.values.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        choose = QHBoxLayout()
        choose.addWidget(QLabel("vectors"))
        choose.addWidget(self.size_choice, 1)
        choose.addWidget(self.time_button)
        timing_box = QGroupBox("Vectorization: loop or NumPy?")
        timing_layout = QVBoxLayout(timing_box)
        timing_layout.addLayout(choose)
        timing_layout.addWidget(self.timing_status)
        timing_layout.addWidget(self.table)
        timing_layout.addWidget(self.bars)
        timing_layout.addWidget(self.values)

        layout = QVBoxLayout(self)
        layout.addWidget(functions_box)
        layout.addWidget(timing_box, 1)

        self._timing_task: BackgroundTask | None = None

        self.run_button.clicked.connect(self.run)
        self.input.returnPressed.connect(self.run)
        self.y_input.returnPressed.connect(self.run)
        self.example_button.clicked.connect(self.load_example)
        self.function.currentTextChanged.connect(self._function_changed)
        self.time_button.clicked.connect(self.start_timing)
        self._function_changed(self.function.currentText())

    # -- course functions -----------------------------------------------------

    def run(self) -> None:
        name = self.function.currentText()
        try:
            result = run_function(name, self.input.text(), self.y_input.text())
        except InputError as exc:
            self._show_error(str(exc))
            return
        except Exception as exc:  # a course function rejected the input
            self._show_error(f"{FUNCTIONS[name][0]} could not handle this input: {exc}")
            return
        self.error.hide()
        self.error.clear()
        self.result.setPlainText(format_array(result))

    def load_example(self) -> None:
        _, needs_y, x_example, y_example = FUNCTIONS[self.function.currentText()]
        self.input.setText(x_example)
        if needs_y:
            self.y_input.setText(y_example)
        self.run()

    def _function_changed(self, name: str) -> None:
        needs_y = FUNCTIONS[name][1]
        self.y_input.setEnabled(needs_y)
        self.y_label.setEnabled(needs_y)
        self.x_label.setText("yhat" if needs_y else "x")

    def _show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()
        self.result.clear()

    # -- vectorization demo ---------------------------------------------------

    def start_timing(self) -> None:
        if self._timing_task is not None:
            return
        label, scale = SIZES[self.size_choice.currentIndex()]
        self.time_button.setEnabled(False)
        hint = " The loops over a million entries take a few seconds." if scale == 1_000_000 else ""
        self.timing_status.setText(f"Timing {label}\u2026{hint}")
        from engine.vectorization import time_products
        task = BackgroundTask(lambda: time_products(repeats=5, scale=scale), parent=self)
        task.done.connect(self._show_timing)
        task.error.connect(lambda message: self._show_timing_error(f"Timing failed: {message}"))
        self._timing_task = task.start()

    def _show_timing(self, result: dict) -> None:
        self._timing_task = None
        self.time_button.setEnabled(True)
        operations = result["operations"]
        self.table.setRowCount(len(operations))
        rows = []
        for row, (name, entry) in enumerate(operations.items()):
            label = entry["label"]
            if entry["length"] != result["n"]:
                label += f" (first {entry['length']:,})"
            cells = [label, _format_number(entry["loop_ms"]), _format_number(entry["vectorized_ms"]),
                     f"{entry['speedup']:.1f}\u00d7", "yes" if entry["agree"] else "NO"]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, column, item)
            rows.append((BAR_LABELS.get(name, name), entry["loop_ms"], entry["vectorized_ms"]))
        self.bars.set_rows(rows)
        n = result["n"]
        self.timing_status.setText(
            f"{n:,} entries per vector; best of {result['repeats']} runs"
            + (" (loops: one run)" if result["loop_repeats"] == 1 else "") + ".")
        if result["source"] == "course":
            ops = operations
            self.values.setText(
                f"dot = {ops['dot']['vectorized_result']}\n"
                f"elementwise = {np.asarray(ops['elementwise']['vectorized_result'])}\n"
                f"outer, first row = {np.asarray(ops['outer']['vectorized_result'])[0].astype(int)}")
        else:
            self.values.setText("")

    def _show_timing_error(self, message: str) -> None:
        self._timing_task = None
        self.time_button.setEnabled(True)
        self.timing_status.setText(f"<span style='color:{ERROR_COLOR}'>{message}</span>")


def _format_number(ms: float) -> str:
    if ms >= 100:
        return f"{ms:,.0f}"
    if ms >= 1:
        return f"{ms:.2f}"
    return f"{ms:.4f}"
