"""The YOLO viewer: a picture with its detections, sliders that re-filter the cached
network output, per-class check boxes, the pipeline step by step, and a table of the
final boxes as ``predict`` prints them.

The network's raw output for the picture is given once (``set_detection``); every
slider move runs only the NumPy twins (``YoloCandidates.stages``: a mask, a multiply,
the NMS loop), never the network. Video frames come through ``show_frame`` /
``set_frame_detection`` and use the same sliders. Reusable by any page that has a
YOLO-style detector.
"""
from __future__ import annotations

import contextlib
import html
import io
import time

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QGridLayout, QHBoxLayout, QHeaderView,
                               QLabel, QPushButton, QScrollArea, QSlider, QSplitter,
                               QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from engine.keras_models.yolo_stages import YoloCandidates
from engine.keras_models.yolo_utils import box_pixels, generate_colors
from playground.panels import style
from playground.panels.detection_canvas import DetectionCanvas
from playground.panels.yolo_stage_view import STEP_TITLES, STEPS, final_boxes, view


def _slider(name: str, low: int, high: int, value: int) -> QSlider:
    slider = QSlider(Qt.Horizontal, objectName=name)
    slider.setRange(low, high)
    slider.setValue(value)
    slider.setMinimumWidth(50)
    return slider


class YoloViewer(QWidget):
    """Detections of one picture (or the current video frame), re-filtered live."""

    filtered = Signal()     # after every re-filter (tests and benchmarks listen)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("yoloViewer")
        self.image: np.ndarray | None = None
        self.picture_name = ""
        self.candidates: YoloCandidates | None = None
        self.stages = None
        self.class_names: list[str] = []
        self.colors: list[tuple[int, int, int]] = []
        self.step = "final"
        self.nms_round = 0
        self.cell: tuple[int, int] | None = None
        self.cell_pinned = False
        self.refilter_ms: list[float] = []

        self.canvas = DetectionCanvas()
        self.canvas.set_message("Open a picture, a folder or a video, or draw a road scene.")
        self.canvas.cell_hovered.connect(self._hovered)
        self.canvas.cell_clicked.connect(self._clicked)

        self.score_slider = _slider("scoreThreshold", 0, 100, 60)
        self.iou_slider = _slider("iouThreshold", 0, 100, 50)
        self.max_slider = _slider("maxBoxes", 1, 50, 10)
        self.score_label = QLabel(objectName="scoreLabel")
        self.iou_label = QLabel(objectName="iouLabel")
        self.max_label = QLabel(objectName="maxLabel")
        sliders = QGridLayout()
        for row, (text, slider, label) in enumerate((
                ("Score threshold", self.score_slider, self.score_label),
                ("IoU threshold", self.iou_slider, self.iou_label),
                ("Max boxes", self.max_slider, self.max_label))):
            sliders.addWidget(QLabel(text), row, 0)
            sliders.addWidget(slider, row, 1)
            sliders.addWidget(label, row, 2)
            slider.valueChanged.connect(self.refilter)
        self.class_box = QWidget()
        self.class_grid = QGridLayout(self.class_box)
        self.class_grid.setContentsMargins(0, 0, 0, 0)
        self.class_checks: dict[str, QCheckBox] = {}
        classes_scroll = QScrollArea(objectName="classChecks")
        classes_scroll.setWidgetResizable(True)
        classes_scroll.setWidget(self.class_box)
        classes_scroll.setMaximumHeight(96)

        self.step_box = QComboBox(objectName="stepBox")
        for step in STEPS:
            self.step_box.addItem(STEP_TITLES[step], step)
        self.step_box.setCurrentIndex(STEPS.index("final"))
        self.step_box.currentIndexChanged.connect(self._step_chosen)
        self.back_button = QPushButton("◀ Back", objectName="stepBack")
        self.next_button = QPushButton("Next ▶", objectName="stepNext")
        self.back_button.clicked.connect(lambda: self.advance(-1))
        self.next_button.clicked.connect(lambda: self.advance(1))
        steps_row = QHBoxLayout()
        steps_row.addWidget(QLabel("Steps:"))
        steps_row.addWidget(self.step_box, 1)
        steps_row.addWidget(self.back_button)
        steps_row.addWidget(self.next_button)

        self.info = QLabel(objectName="stepInfo")
        self.info.setWordWrap(True)
        self.info.setTextFormat(Qt.RichText)
        self.info.setStyleSheet("QLabel { background:#f7f7f2; padding:4px; }")
        self.table = QTableWidget(0, 4, objectName="boxTable")
        # The column is ~180 px wide on a 1280-pixel screen: "left, top" and
        # "right, bottom" were cut to "eft, top" and "nt, bott". Short headers in the
        # course's own corner names (x1, y1, x2, y2, as in its iou()) say it in the
        # room there is; the tooltips spell them out.
        for column, (title, tip) in enumerate((
                ("class", "What the detector thinks the box holds."),
                ("score", "Class probability times box confidence, 0 to 1."),
                ("x\u2081, y\u2081", "Top-left corner (left, top), in the picture's pixels."),
                ("x\u2082, y\u2082",
                 "Bottom-right corner (right, bottom), in the picture's pixels."))):
            item = QTableWidgetItem(title)
            item.setToolTip(tip)
            self.table.setHorizontalHeaderItem(column, item)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.Stretch)
        # a column never narrower than the widest title: should the panel get
        # narrower still, the table scrolls sideways rather than cut a title
        header.setMinimumSectionSize(max(header.sectionSizeFromContents(c).width()
                                         for c in range(self.table.columnCount())))
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.NoEditTriggers)
        self.summary = QLabel(objectName="foundSummary")
        self.summary.setWordWrap(True)   # a narrow column wraps it instead of clipping it

        controls = QWidget()
        side = QVBoxLayout(controls)
        side.setContentsMargins(0, 0, 0, 0)
        side.addLayout(sliders)
        side.addWidget(QLabel("Classes shown:"))
        side.addWidget(classes_scroll)
        side.addWidget(self.summary)
        side.addWidget(self.table, 1)
        controls.setMaximumWidth(380)   # its minimum: what the slider labels need

        top = QSplitter(Qt.Horizontal)
        top.addWidget(self.canvas)
        top.addWidget(controls)
        top.setStretchFactor(0, 3)
        top.setStretchFactor(1, 1)
        top.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(top, 1)
        layout.addLayout(steps_row)
        layout.addWidget(self.info)
        self._update_labels()
        self._update_step_buttons()

    # --- settings the sliders hold ---
    @property
    def score_threshold(self) -> float:
        return self.score_slider.value() / 100

    @property
    def iou_threshold(self) -> float:
        return self.iou_slider.value() / 100

    @property
    def max_boxes(self) -> int:
        return self.max_slider.value()

    def allowed_classes(self):
        return [k for k, name in enumerate(self.class_names)
                if self.class_checks.get(name) is None or self.class_checks[name].isChecked()]

    def set_thresholds(self, score=None, iou=None, max_boxes=None) -> None:
        for slider, value in ((self.score_slider, None if score is None else round(score * 100)),
                              (self.iou_slider, None if iou is None else round(iou * 100)),
                              (self.max_slider, max_boxes)):
            if value is not None:
                slider.setValue(int(value))

    # --- input ---
    def set_classes(self, names) -> None:
        names = list(names)
        if names == self.class_names:
            return
        self.class_names = names
        self.colors = generate_colors(names)
        while self.class_grid.count():
            self.class_grid.takeAt(0).widget().deleteLater()
        self.class_checks = {}
        columns = 2 if len(names) <= 8 else 3
        for k, name in enumerate(names):
            check = QCheckBox(name, objectName=f"class_{k}")
            check.setChecked(True)
            r, g, b = self.colors[k]
            check.setStyleSheet(f"QCheckBox {{ color: rgb({r // 2},{g // 2},{b // 2}); }}")
            check.toggled.connect(self.refilter)
            self.class_checks[name] = check
            self.class_grid.addWidget(check, k // columns, k % columns)

    def set_detection(self, image: np.ndarray, raw: np.ndarray, anchors, class_names,
                      name: str = "") -> None:
        """A picture and its network output; the output is kept and re-filtered."""
        self.set_classes(class_names)
        self.image = image
        self.picture_name = name
        self.candidates = YoloCandidates.from_features(raw, anchors, len(class_names),
                                                       image.shape[:2])
        self.canvas.set_picture(image)
        self.canvas.set_message("")
        self.nms_round = 0
        self.cell, self.cell_pinned = None, False
        self.refilter()

    def show_message(self, text: str) -> None:
        self.canvas.set_message(text)

    # --- video: frames shown as they come, boxes from the newest detection ---
    def show_frame(self, frame: np.ndarray) -> None:
        self.image = frame
        self.canvas.set_picture(frame)
        self.canvas.set_message("")

    def set_frame_detection(self, raw: np.ndarray, anchors, class_names, frame_shape) -> None:
        self.set_classes(class_names)
        self.candidates = YoloCandidates.from_features(raw, anchors, len(class_names),
                                                       frame_shape[:2])
        self.refilter()

    # --- re-filtering: NumPy only ---
    def refilter(self) -> None:
        self._update_labels()
        if self.candidates is None:
            return
        t0 = time.perf_counter()
        self.stages = self.candidates.stages(self.score_threshold, self.iou_threshold,
                                             self.max_boxes, self.allowed_classes())
        self._redraw()
        self._fill_table()
        self.refilter_ms.append(1000 * (time.perf_counter() - t0))
        del self.refilter_ms[:-200]
        self.filtered.emit()

    def final_boxes(self) -> list[dict]:
        """The kept boxes as predict prints them: class, score, corners in pixels."""
        if self.stages is None or self.image is None:
            return []
        h, w = self.image.shape[:2]
        out = []
        for i in self.stages.kept:
            top, left, bottom, right = box_pixels(self.stages.boxes[i], (w, h))
            out.append({"class": self.class_names[int(self.stages.classes[i])],
                        "score": float(self.stages.scores[i]), "left": left, "top": top,
                        "right": right, "bottom": bottom})
        return out

    def _update_labels(self) -> None:
        self.score_label.setText(f"{self.score_threshold:.2f}")
        self.iou_label.setText(f"{self.iou_threshold:.2f}")
        self.max_label.setText(str(self.max_boxes))

    def _redraw(self) -> None:
        if self.stages is None:
            return
        shown = view(self.step, self.stages, self.candidates, self.class_names, self.colors,
                     self.nms_round, self.cell)
        self.canvas.set_overlay(shown["boxes"], shown["grid"], shown["cell_colors"],
                                shown["highlight"])
        self.info.setText(shown["text"])
        self._update_step_buttons()

    def _fill_table(self) -> None:
        boxes = self.final_boxes()
        self.summary.setText(f"Found {len(boxes)} boxes"
                             + (f" for {html.escape(self.picture_name)}"
                                if self.picture_name else ""))
        self.table.setRowCount(len(boxes))
        for r, b in enumerate(boxes):
            for c, text in enumerate((b["class"], f"{b['score']:.2f}",
                                      f"({b['left']}, {b['top']})",
                                      f"({b['right']}, {b['bottom']})")):
                self.table.setItem(r, c, QTableWidgetItem(text))

    # --- the step-through ---
    def _step_chosen(self, index: int) -> None:
        self.step = self.step_box.itemData(index)
        self.nms_round = 0
        self._redraw()

    def set_step(self, step: str, nms_round: int = 0) -> None:
        self.step_box.setCurrentIndex(STEPS.index(step))
        self.nms_round = nms_round
        self._redraw()

    def advance(self, direction: int) -> None:
        """Next / Back: through the NMS rounds inside the NMS step, else step to step."""
        rounds = len(self.stages.nms_steps) if self.stages is not None else 0
        if self.step == "nms" and 0 <= self.nms_round + direction < rounds:
            self.nms_round += direction
            self._redraw()
            return
        k = STEPS.index(self.step) + direction
        if 0 <= k < len(STEPS):
            self.step_box.blockSignals(True)
            self.step_box.setCurrentIndex(k)
            self.step_box.blockSignals(False)
            self.step = STEPS[k]
            # entering NMS from after it (Back): its last round
            self.nms_round = max(rounds - 1, 0) if direction < 0 and self.step == "nms" else 0
            self._redraw()

    def _update_step_buttons(self) -> None:
        rounds = len(self.stages.nms_steps) if self.stages is not None else 0
        first = self.step == STEPS[0]
        last = self.step == STEPS[-1]
        self.back_button.setEnabled(self.stages is not None and not first)
        self.next_button.setEnabled(self.stages is not None and not last)
        if self.step == "nms" and rounds:
            self.next_button.setText("Next round ▶" if self.nms_round + 1 < rounds
                                     else "Next ▶")
        else:
            self.next_button.setText("Next ▶")

    def _hovered(self, row: int, col: int) -> None:
        if self.cell_pinned or self.step not in ("grid", "classes"):
            return
        cell = None if row < 0 else (row, col)
        if cell != self.cell:
            self.cell = cell
            self._redraw()

    def _clicked(self, row: int, col: int) -> None:
        if self.step not in ("grid", "classes"):
            return
        # a click pins a cell (hovering no longer moves it); clicking it again unpins
        if self.cell_pinned and self.cell == (row, col):
            self.cell_pinned = False
        else:
            self.cell, self.cell_pinned = (row, col), True
        self._redraw()

    # --- saving ---
    def save_annotated(self, path: str) -> str:
        """Write the picture with the final boxes drawn as the course's draw_boxes does.
        Returns a sentence for the page (saved, or why not)."""
        from PIL import Image

        from engine.keras_models.yolo_utils import draw_boxes

        if self.image is None or self.stages is None:
            return "There is no picture with detections to save yet."
        picture = Image.fromarray(np.ascontiguousarray(self.image))
        with contextlib.redirect_stdout(io.StringIO()):   # draw_boxes prints its lines
            draw_boxes(picture, self.stages.final_scores, self.stages.final_boxes,
                       self.stages.final_classes, self.class_names, self.colors)
        try:
            suffix = path.lower().rsplit(".", 1)[-1] if "." in path else ""
            if suffix in ("jpg", "jpeg"):
                picture.save(path, format="JPEG", quality=90)
            else:
                picture.save(path, format="PNG" if suffix not in ("bmp", "tif", "tiff")
                             else None)
        except (OSError, ValueError) as exc:
            return f"Could not save {path}: {getattr(exc, 'strerror', None) or exc}."
        return f"Saved {path}."


def muted(text: str) -> str:
    return f"<span style='color:{style.MUTED}'>{text}</span>"
