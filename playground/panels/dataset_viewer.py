"""Look at a lesson's data before training on it.

Pictures are shown as a thumbnail grid (one QListWidget in icon mode: a few hundred
64x64 icons are cheap, and filtering only hides items, it never rebuilds them);
2-D point sets as a scatter coloured by class. The provenance line is always on top
so the learner knows whether this is the course file or a procedural stand-in. Above
the pictures, a strip shows one example of each class with its train / test counts
(the six SIGNS digits, happy / not happy); clicking one shows only that class.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import (QComboBox, QFrame, QHBoxLayout, QLabel, QListView,
                               QListWidget, QListWidgetItem, QScrollArea, QSplitter,
                               QStackedWidget, QToolButton, QVBoxLayout, QWidget)

from engine.data.dataset import Dataset
from playground.panels import style

ZOOM = 4             # zoomed picture is 4x, nearest-neighbour, so pixels stay visible
MAX_ZOOM_SIDE = 384  # but a big picture (96x96 faces) must still fit beside the grid
THUMB = 64
CLASS_THUMB = 48     # the class overview's example pictures
SPLITS = [("Train and test", None), ("Train only", "train"), ("Test only", "test")]
_ROLE = Qt.ItemDataRole.UserRole


def _labels(Y) -> np.ndarray:
    return np.asarray(Y).reshape(-1).astype(int)


class DatasetViewer(QWidget):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.dataset: Dataset | None = None

        self.provenance = QLabel("No dataset loaded.", objectName="provenanceLabel")
        self.provenance.setWordWrap(True)
        self.provenance.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.badge = QLabel("stand-in", objectName="standinBadge")
        self.badge.setStyleSheet(style.badge_css("#8e6bbf"))
        self.badge.setToolTip("The course file was not found, so a procedurally generated "
                              "stand-in with the same shapes and classes is used.")
        self.badge.hide()
        top = QHBoxLayout()
        top.addWidget(self.badge, 0, Qt.AlignmentFlag.AlignTop)
        top.addWidget(self.provenance, 1)

        self.stack = QStackedWidget()
        self.stack.addWidget(self._build_images_page())
        self.stack.addWidget(self._build_points_page())

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.stack, 1)

    # --- pages -------------------------------------------------------------
    def _build_images_page(self) -> QWidget:
        page = QWidget()
        self.class_filter = QComboBox(objectName="classFilter")
        self.split_filter = QComboBox(objectName="splitFilter")
        for text, _ in SPLITS:
            self.split_filter.addItem(text)
        self.count_label = QLabel(objectName="countLabel")
        self.count_label.setStyleSheet(style.MUTED_CSS)
        self.class_filter.currentIndexChanged.connect(self._apply_filter)
        self.class_filter.currentIndexChanged.connect(self._sync_class_buttons)
        self.split_filter.currentIndexChanged.connect(self._apply_filter)
        filters = QHBoxLayout()
        filters.addWidget(QLabel("Show:"))
        filters.addWidget(self.class_filter)
        filters.addWidget(self.split_filter)
        filters.addWidget(self.count_label, 1)

        self.thumbnails = QListWidget(objectName="thumbnails")
        self.thumbnails.setViewMode(QListView.ViewMode.IconMode)
        self.thumbnails.setIconSize(QSize(THUMB, THUMB))
        self.thumbnails.setGridSize(QSize(THUMB + 30, THUMB + 36))
        self.thumbnails.setResizeMode(QListView.ResizeMode.Adjust)
        self.thumbnails.setMovement(QListView.Movement.Static)
        self.thumbnails.setUniformItemSizes(True)
        self.thumbnails.setWordWrap(True)
        self.thumbnails.currentItemChanged.connect(self._show_zoomed)

        self.zoomed = QLabel("Click a picture to see it up close.", objectName="zoomedImage")
        self.zoomed.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.zoomed.setMinimumSize(THUMB * ZOOM, THUMB * ZOOM)
        self.zoomed.setStyleSheet("QLabel { background: #f4f4f4; color: #777;"
                                  " border: 1px solid #ddd; }")
        self.zoom_caption = QLabel(objectName="zoomCaption")
        self.zoom_caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.zoom_caption.setStyleSheet("QLabel { font-size: 13pt; }")
        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.addWidget(self.zoomed)
        side_layout.addWidget(self.zoom_caption)
        side_layout.addStretch(1)

        splitter = QSplitter()
        splitter.addWidget(self.thumbnails)
        splitter.addWidget(side)
        splitter.setStretchFactor(0, 1)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._build_class_overview())
        layout.addLayout(filters)
        layout.addWidget(splitter, 1)
        return page

    def _build_class_overview(self) -> QWidget:
        """A scrollable row of one button per class, filled by ``_fill_class_overview``."""
        self.class_strip = QWidget()
        self.class_strip_layout = QHBoxLayout(self.class_strip)
        self.class_strip_layout.setContentsMargins(0, 0, 0, 0)
        self.class_strip_layout.setSpacing(2)
        # the buttons say "180 / 20"; this legend says which number is which split
        self.class_legend = QLabel("Classes<br><span style='color:#777'>train / test</span>",
                                   objectName="classLegend")
        self.class_strip_layout.addWidget(self.class_legend)
        self.class_strip_layout.addStretch(1)
        self.class_buttons: list[QToolButton] = []
        self.class_overview = QScrollArea(objectName="classOverview")
        self.class_overview.setWidget(self.class_strip)
        self.class_overview.setWidgetResizable(True)
        self.class_overview.setFrameShape(QFrame.Shape.NoFrame)
        self.class_overview.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.class_overview.setFixedHeight(CLASS_THUMB + 58)
        return self.class_overview

    def _build_points_page(self) -> QWidget:
        self.scatter_plot = style.make_plot("Training data", "x\u2081", "x\u2082")
        self.scatter_plot.setObjectName("pointsPlot")
        self.scatter_plot.getPlotItem().setAspectLocked(True)
        self.legend = self.scatter_plot.getPlotItem().addLegend(offset=(10, 10))
        self.scatters: list[pg.ScatterPlotItem] = []
        return self.scatter_plot

    # --- API ---------------------------------------------------------------
    def set_dataset(self, dataset: Dataset) -> None:
        self.dataset = dataset
        self.provenance.setText(f"<b>{dataset.name}</b> \u2014 {dataset.provenance}")
        self.badge.setVisible(bool(dataset.is_standin))
        if dataset.kind == "images":
            self._fill_images(dataset)
            self.stack.setCurrentIndex(0)
        else:
            self._fill_points(dataset)
            self.stack.setCurrentIndex(1)

    def visible_count(self) -> int:
        """How many thumbnails the current filters leave visible."""
        return sum(not self.thumbnails.item(i).isHidden()
                   for i in range(self.thumbnails.count()))

    # --- images ------------------------------------------------------------
    def _fill_images(self, ds: Dataset) -> None:
        self.thumbnails.clear()
        self.zoomed.clear()
        self.zoomed.setText("Click a picture to see it up close.")
        self.zoom_caption.clear()
        self.class_filter.blockSignals(True)
        self.class_filter.clear()
        self.class_filter.addItem("All classes", None)
        for k, name in enumerate(ds.classes):
            self.class_filter.addItem(name, k)
        self.class_filter.blockSignals(False)
        self._fill_class_overview(ds)

        self.thumbnails.setUpdatesEnabled(False)  # one repaint for the whole grid
        for split, X, Y in (("train", ds.X_train, ds.Y_train), ("test", ds.X_test, ds.Y_test)):
            if X is None or Y is None:
                continue
            for index, label in enumerate(_labels(Y)):
                name = self._class_name(label)
                image = style.rgb_to_qimage(X[index][..., :3])
                item = QListWidgetItem(QIcon(QPixmap.fromImage(image)), f"{name}\n{split}")
                item.setData(_ROLE, (split, index, int(label)))
                item.setToolTip(f"{split} #{index}: {name}")
                self.thumbnails.addItem(item)
        self.thumbnails.setUpdatesEnabled(True)
        self._apply_filter()

    def _fill_class_overview(self, ds: Dataset) -> None:
        """One example picture per class (its first training picture, else its first
        test picture) with how many pictures of it each split holds."""
        for button in self.class_buttons:
            self.class_strip_layout.removeWidget(button)
            button.deleteLater()
        self.class_buttons = []
        splits = [(split, X, _labels(Y)) for split, X, Y in
                  (("train", ds.X_train, ds.Y_train), ("test", ds.X_test, ds.Y_test))
                  if X is not None and Y is not None]
        self.class_legend.setText(f"Classes<br><span style='color:#777'>"
                                  f"{' / '.join(split for split, _, _ in splits)}</span>")
        for k, name in enumerate(ds.classes):
            counts, example = [], None
            for split, X, labels in splits:
                where = np.flatnonzero(labels == k)
                counts.append((len(where), split))
                if example is None and len(where):
                    example = X[where[0]][..., :3]
            button = QToolButton(objectName=f"classButton{k}")
            button.setCheckable(True)
            button.setAutoRaise(True)
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextUnderIcon)
            button.setIconSize(QSize(CLASS_THUMB, CLASS_THUMB))
            if example is not None:
                button.setIcon(QIcon(QPixmap.fromImage(style.rgb_to_qimage(example))))
            button.setText(f"{name}\n{' / '.join(str(n) for n, _ in counts)}")
            summary = ' / '.join(f'{n} {split}' for n, split in counts)
            button.setToolTip(f"{name} \u00b7 {summary}. Click to show only this class "
                              "(click again for all classes).")
            button.clicked.connect(lambda _checked=False, k=k: self.show_class(k))
            self.class_strip_layout.insertWidget(k + 1, button)  # after the legend
            self.class_buttons.append(button)

    def show_class(self, k: int | None) -> None:
        """Filter the grid to class ``k`` (None, or the class already shown: all)."""
        if k is not None and self.class_filter.currentData() == k:
            k = None
        self.class_filter.setCurrentIndex(0 if k is None else k + 1)

    def _sync_class_buttons(self) -> None:
        shown = self.class_filter.currentData()
        for k, button in enumerate(self.class_buttons):
            button.setChecked(k == shown)

    def _class_name(self, label: int) -> str:
        classes = self.dataset.classes if self.dataset else []
        return classes[label] if 0 <= label < len(classes) else f"class {label}"

    def _apply_filter(self) -> None:
        wanted_class = self.class_filter.currentData()
        wanted_split = SPLITS[max(self.split_filter.currentIndex(), 0)][1]
        shown = 0
        for i in range(self.thumbnails.count()):
            item = self.thumbnails.item(i)
            split, _, label = item.data(_ROLE)
            visible = (wanted_class is None or label == wanted_class) and \
                (wanted_split is None or split == wanted_split)
            item.setHidden(not visible)
            shown += visible
        self.count_label.setText(f"{shown} of {self.thumbnails.count()} pictures")

    def _show_zoomed(self, item: QListWidgetItem | None, _previous=None) -> None:
        if item is None or self.dataset is None:
            return
        split, index, label = item.data(_ROLE)
        X = self.dataset.X_train if split == "train" else self.dataset.X_test
        image = style.rgb_to_qimage(X[index][..., :3])
        factor = max(1, min(ZOOM, MAX_ZOOM_SIDE // max(image.width(), image.height(), 1)))
        pixmap = QPixmap.fromImage(image).scaled(
            image.width() * factor, image.height() * factor,
            Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.FastTransformation)
        self.zoomed.setPixmap(pixmap)
        self.zoom_caption.setText(f"<b>{self._class_name(label)}</b><br>"
                                  f"<span style='color:#777'>{split} set, picture "
                                  f"#{index}, {image.width()}\u00d7{image.height()}</span>")

    # --- points ------------------------------------------------------------
    def _fill_points(self, ds: Dataset) -> None:
        plot = self.scatter_plot.getPlotItem()
        for item in self.scatters:
            plot.removeItem(item)
        self.scatters.clear()
        self.legend.clear()
        for split, X, Y in (("train", ds.X_train, ds.Y_train), ("test", ds.X_test, ds.Y_test)):
            if X is None or Y is None:
                continue
            labels = _labels(Y)
            for k in np.unique(labels):
                mask = labels == k
                filled = split == "train"
                item = pg.ScatterPlotItem(
                    x=X[0, mask], y=X[1, mask], size=7 if filled else 8,
                    symbol="o" if filled else "t",
                    brush=style.class_color(k, 220) if filled else pg.mkBrush(None),
                    pen=pg.mkPen("w", width=0.8) if filled else
                    pg.mkPen(style.class_color(k), width=1.5),
                    name=f"{self._class_name(int(k))} ({split})")
                plot.addItem(item)
                self.scatters.append(item)
        plot.autoRange()
