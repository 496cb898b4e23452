"""The feature-map viewer: what each layer of a trained Keras model computes.

Pick a layer and a picture (a test picture, or one of your own); every channel of
the layer's output is drawn as a tile, each scaled to its own min..max so a quiet
channel is as readable as a loud one. Hovering or clicking a tile names its channel.
Below, the first layer's filters are drawn as small pictures.

The model math (sub-models, forward passes, scaling, the first layer's weights)
is in ``engine/keras_models/feature_maps.py`` and runs on BackgroundTasks; only
the colouring and drawing happen here. A request made while another computes
replaces whatever was waiting: the latest choice is the one that gets drawn.
"""
from __future__ import annotations

import html

import numpy as np
from PySide6.QtCore import QObject, QPointF, QRectF, QSize, Qt, Signal, Slot
from PySide6.QtGui import QColor, QPainter, QPen, QPixmap
from PySide6.QtWidgets import (QComboBox, QFileDialog, QHBoxLayout, QLabel, QPushButton,
                               QSizePolicy, QSpinBox, QSplitter, QVBoxLayout, QWidget)

from engine.keras_models.feature_maps import tile_at
from playground.bridge import BackgroundTask
from playground.panels import style
from playground.safe_slots import guarded

NO_MODEL = "Train the model (or load weights) to see what its layers compute."
PICTURE_SIDE = 64     # own pictures are read at the lessons' size; the engine resizes
PREVIEW_SIDE = 160
GAP = QColor("#f4f4f4")
_LUT: np.ndarray | None = None


def _viridis() -> np.ndarray:
    """Dark (low) to yellow (high): perceptually even, so tile brightness reads as value."""
    global _LUT
    if _LUT is None:
        import pyqtgraph as pg
        _LUT = np.asarray(pg.colormap.get("viridis").getLookupTable(nPts=256, alpha=False),
                          dtype=np.uint8)
    return _LUT


def colorize_grid(image: np.ndarray) -> np.ndarray:
    """A 0..1 grid (NaN between tiles) -> RGB uint8 through viridis; gaps light grey."""
    values = np.asarray(image, dtype=float)
    gaps = np.isnan(values)
    index = np.clip(np.nan_to_num(values) * 255 + 0.5, 0, 255).astype(np.intp)
    rgb = _viridis()[index]
    rgb[gaps] = GAP.getRgb()[:3]
    return rgb


# --- background work, latest request wins --------------------------------------------

class _Request(QObject):
    """Receives one task's answer on the UI thread (its slots are a UI-thread QObject's)."""

    def __init__(self, queue: "LatestOnly", done, error) -> None:
        super().__init__(queue)
        self.queue, self.done_callback, self.error_callback = queue, done, error
        self.task: BackgroundTask | None = None

    @Slot(object)
    def on_done(self, value) -> None:
        self.queue._finished(self, self.done_callback, value)

    @Slot(str)
    def on_error(self, message: str) -> None:
        self.queue._finished(self, self.error_callback, message)


class LatestOnly(QObject):
    """One BackgroundTask at a time; a request made meanwhile waits, and a newer one
    replaces it. When the running task ends with a request waiting, its answer is
    stale and dropped, and the waiting request starts."""

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self.running: _Request | None = None
        self.waiting: tuple | None = None
        self._spent: list[_Request] = []

    @property
    def busy(self) -> bool:
        return self.running is not None

    def submit(self, fn, *args, done, error) -> None:
        if self.running is not None:
            self.waiting = (fn, args, done, error)
        else:
            self._start(fn, args, done, error)

    def _start(self, fn, args, done, error) -> None:
        self._free_spent()
        request = _Request(self, done, error)
        request.task = BackgroundTask(fn, *args, parent=request)
        request.task.done.connect(request.on_done)
        request.task.error.connect(request.on_error)
        self.running = request
        request.task.start()

    def _finished(self, request: _Request, callback, value) -> None:
        if request is not self.running:
            return
        self.running = None
        # Its answer can arrive while the worker is still returning from emit():
        # deleting the task's QObject then would pull it from under that thread.
        self._spent.append(request)
        if self.waiting is not None:
            waiting, self.waiting = self.waiting, None
            self._start(*waiting)
            return
        callback(value)

    def _free_spent(self) -> None:
        for request in [r for r in self._spent if not r.task._thread.is_alive()]:
            self._spent.remove(request)
            request.deleteLater()

    def wait(self, timeout: float) -> None:
        if self.running is not None and self.running.task is not None:
            self.running.task.wait(timeout)


# --- a tiled image that names the tile under the mouse --------------------------------

class TileImage(QWidget):
    """Draws a tiled RGB image scaled up nearest-neighbour; ``hovered`` / ``clicked``
    carry the tile index under the mouse (-1: none)."""

    hovered = Signal(int)
    clicked = Signal(int)

    def __init__(self, minimum: int = 160, parent=None) -> None:
        super().__init__(parent)
        self.setMouseTracking(True)
        self.setMinimumSize(minimum, minimum)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.qimage = None
        self.layout_info: dict | None = None
        self.selected = -1
        self.placeholder = ""

    def sizeHint(self) -> QSize:
        return QSize(420, 420)

    def set_image(self, rgb: np.ndarray | None, layout_info: dict | None) -> None:
        self.qimage = None if rgb is None else style.rgb_to_qimage(rgb)
        self.layout_info = layout_info
        self.selected = -1
        self.update()

    def set_placeholder(self, text: str) -> None:
        self.placeholder = text
        self.update()

    def target_rect(self) -> QRectF:
        """Where the image is drawn: from 2x up the largest whole-number zoom that fits
        (evenly sized pixels), below that a plain fit."""
        if self.qimage is None:
            return QRectF()
        iw, ih = self.qimage.width(), self.qimage.height()
        scale = min(self.width() / iw, self.height() / ih)
        if scale >= 2:
            scale = float(int(scale))
        w, h = iw * scale, ih * scale
        return QRectF((self.width() - w) / 2, (self.height() - h) / 2, w, h)

    def tile_at_point(self, point: QPointF) -> int:
        rect = self.target_rect()
        if self.layout_info is None or rect.isEmpty() or not rect.contains(point):
            return -1
        column = (point.x() - rect.x()) * self.qimage.width() / rect.width()
        row = (point.y() - rect.y()) * self.qimage.height() / rect.height()
        index = tile_at(self.layout_info, row, column)
        return -1 if index is None else index

    def tile_rect(self, index: int) -> QRectF:
        """The widget rectangle of tile ``index`` (tests click its centre)."""
        info, rect = self.layout_info, self.target_rect()
        h, w = info["tile_shape"]
        pad = info["pad"]
        r, c = divmod(index, info["columns"])
        sx, sy = rect.width() / self.qimage.width(), rect.height() / self.qimage.height()
        return QRectF(rect.x() + c * (w + pad) * sx, rect.y() + r * (h + pad) * sy,
                      w * sx, h * sy)

    @guarded("draw this view")
    def paintEvent(self, _event) -> None:
        painter = QPainter(self)
        if self.qimage is None:
            painter.setPen(QColor(style.MUTED))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter |
                             Qt.TextFlag.TextWordWrap, self.placeholder)
            return
        target = self.target_rect()
        # enlarged: crisp pixels; shrunk (big filter grids): smoothed, not aliased
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform,
                              target.width() < self.qimage.width())
        painter.drawImage(target, self.qimage)
        if self.layout_info is not None and self.layout_info["pad"] == 0:
            self._outline_cells(painter)
        if self.selected >= 0 and self.layout_info is not None:
            painter.setPen(QPen(QColor("#d62728"), 2))
            painter.drawRect(self.tile_rect(self.selected).adjusted(-1, -1, 1, 1))

    def _outline_cells(self, painter: QPainter) -> None:
        """Gapless grids (one cell per unit): thin outlines, and the unit's number
        when the cells are big enough to hold it."""
        info = self.layout_info
        if self.tile_rect(0).width() < 6:
            return
        painter.setPen(QPen(QColor(255, 255, 255, 160), 1))
        for k in range(info["tiles"]):
            cell = self.tile_rect(k)
            painter.drawRect(cell)
            if cell.width() >= 22 and cell.height() >= 16:
                painter.drawText(cell.adjusted(3, 2, -2, -2), Qt.AlignmentFlag.AlignLeft |
                                 Qt.AlignmentFlag.AlignTop, str(k))

    @guarded("follow the mouse")
    def mouseMoveEvent(self, event) -> None:
        self.hovered.emit(self.tile_at_point(event.position()))

    @guarded("follow the mouse")
    def leaveEvent(self, _event) -> None:
        self.hovered.emit(-1)

    @guarded("follow that click")
    def mousePressEvent(self, event) -> None:
        index = self.tile_at_point(event.position())
        self.selected = index
        self.update()
        self.clicked.emit(index)


# --- the viewer ------------------------------------------------------------------------

def _shape_text(shape) -> str:
    return "\u00d7".join(str(d) for d in shape)


class FeatureMapViewer(QWidget):
    """Layer and picture pickers, the layer's feature maps, the first layer's filters."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.model = None
        self.images: np.ndarray | None = None
        self.labels: np.ndarray | None = None
        self.classes: list = []
        self.own_picture: np.ndarray | None = None
        self.own_name = ""
        self.using_own = False
        self.layers: list[dict] = []
        self.grid: dict | None = None
        self.filter_grid: dict | None = None
        self.filter_layer = ""
        self.maps_queue = LatestOnly(self)    # layer views
        self.model_queue = LatestOnly(self)   # a new model's layers and filters
        self.picture_queue = LatestOnly(self)  # reading your own picture
        self._build()
        self._set_enabled(False)

    # --- layout ---
    def _build(self) -> None:
        self.layer_combo = QComboBox(objectName="featureLayerCombo")
        self.layer_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.layer_combo.setMinimumContentsLength(30)
        self.layer_combo.currentIndexChanged.connect(self._layer_chosen)
        self.picture_spin = QSpinBox(objectName="featurePictureSpin")
        self.picture_spin.setRange(0, 0)
        self.picture_spin.setToolTip("Which test picture goes through the model.")
        self.picture_spin.valueChanged.connect(self._test_picture_chosen)
        self.picture_count = QLabel(objectName="featurePictureCount")
        self.picture_count.setStyleSheet(style.MUTED_CSS)
        self.own_button = QPushButton("Your picture…", objectName="featureOwnPicture")
        self.own_button.setToolTip("Send a picture of your own through the model.")
        self.own_button.clicked.connect(self.choose_picture)
        layer_row = QHBoxLayout()
        layer_row.addWidget(QLabel("Layer:"))
        layer_row.addWidget(self.layer_combo, 1)
        pickers = QHBoxLayout()
        pickers.addWidget(QLabel("Test picture #"))
        pickers.addWidget(self.picture_spin)
        pickers.addWidget(self.picture_count)
        pickers.addWidget(self.own_button)
        pickers.addStretch(1)

        self.status = QLabel(NO_MODEL, objectName="featureMapStatus")
        self.status.setWordWrap(True)
        self.message = QLabel(objectName="featurePictureMessage")
        self.message.setWordWrap(True)
        self.message.hide()

        self.picture = QLabel(objectName="featurePicture")
        self.picture.setFixedSize(PREVIEW_SIDE, PREVIEW_SIDE)
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.picture.setStyleSheet("QLabel { background: #f4f4f4; border: 1px solid #ddd; }")
        self.picture_caption = QLabel(objectName="featurePictureCaption")
        self.picture_caption.setWordWrap(True)
        self.picture_caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.tile_info = QLabel("Hover a tile to name its channel.", objectName="featureTileInfo")
        self.tile_info.setWordWrap(True)
        self.tile_info.setStyleSheet(style.MUTED_CSS)
        side = QVBoxLayout()
        side.addWidget(self.picture, 0, Qt.AlignmentFlag.AlignHCenter)
        side.addWidget(self.picture_caption)
        side.addWidget(self.tile_info)
        side.addStretch(1)
        side_box = QWidget()
        side_box.setLayout(side)
        side_box.setFixedWidth(PREVIEW_SIDE + 40)

        self.maps = TileImage()
        self.maps.setObjectName("featureMapGrid")
        self.maps.set_placeholder(NO_MODEL)
        self.maps.hovered.connect(self._tile_hovered)
        self.maps.clicked.connect(self._tile_clicked)
        maps_box = QWidget()
        maps_row = QHBoxLayout(maps_box)
        maps_row.setContentsMargins(0, 0, 0, 0)
        maps_row.addWidget(side_box)
        maps_row.addWidget(self.maps, 1)

        self.filters = TileImage(minimum=100)
        self.filters.setObjectName("firstLayerFilters")
        self.filters.set_placeholder("The first layer's weights, drawn as pictures, "
                                     "appear here once there is a model.")
        self.filters.hovered.connect(self._filter_hovered)
        self.filters.clicked.connect(self._filter_hovered)
        self.filters_caption = QLabel(objectName="filtersCaption")
        self.filters_caption.setWordWrap(True)
        self.filters_caption.setStyleSheet(style.MUTED_CSS)
        filters_box = QWidget()
        filters_layout = QVBoxLayout(filters_box)
        filters_layout.setContentsMargins(0, 4, 0, 0)
        self.filter_info = QLabel(objectName="filterInfo")
        self.filter_info.setStyleSheet(style.MUTED_CSS)
        title = QHBoxLayout()
        title.addWidget(QLabel("<b>First layer's filters</b>"))
        title.addWidget(self.filter_info, 1, Qt.AlignmentFlag.AlignRight)
        filters_layout.addLayout(title)
        filters_layout.addWidget(self.filters_caption)
        filters_layout.addWidget(self.filters, 1)

        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(maps_box)
        splitter.addWidget(filters_box)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.addLayout(layer_row)
        layout.addLayout(pickers)
        layout.addWidget(self.status)
        layout.addWidget(self.message)
        layout.addWidget(splitter, 1)

    def _set_enabled(self, enabled: bool) -> None:
        self.layer_combo.setEnabled(enabled)

    # --- API ---
    def set_images(self, images, labels=None, classes=None) -> None:
        """The test pictures to choose from: uint8 (m, h, w, 3)."""
        images = None if images is None else np.asarray(images)
        if images is not None and (images.ndim != 4 or len(images) == 0):
            images = None
        self.images = images
        self.labels = None if labels is None else np.asarray(labels).reshape(-1)
        self.classes = list(classes or [])
        count = 0 if images is None else len(images)
        self.picture_spin.blockSignals(True)
        self.picture_spin.setRange(0, max(count - 1, 0))
        self.picture_spin.blockSignals(False)
        self.picture_spin.setEnabled(count > 0)
        self.picture_count.setText(f"of {count:,}" if count else "")
        if not self.using_own:
            self._show_picture()

    def set_model(self, model, images=None, labels=None, classes=None) -> None:
        """A trained (or loaded) model to look into; its layers and filters are read
        on a worker thread, then the chosen layer is drawn."""
        if images is not None:
            self.set_images(images, labels, classes)
        self.model = model
        if model is None:  # nothing to look into (yet)
            self.grid = self.filter_grid = None
            for view in (self.maps, self.filters):
                view.set_image(None, None)
            self.layer_combo.clear()
            self._set_enabled(False)
            self.status.setText(NO_MODEL)
            return
        self.status.setText("Reading the model's layers…")
        from engine.keras_models.feature_maps import describe_model
        self.model_queue.submit(describe_model, model,
                                done=lambda d, m=model: self._model_described(d)
                                if m is self.model else None,
                                error=lambda message, m=model: self._model_failed(message)
                                if m is self.model else None)

    def current_picture(self) -> np.ndarray | None:
        if self.using_own:
            return self.own_picture
        if self.images is None:
            return None
        return self.images[min(self.picture_spin.value(), len(self.images) - 1)]

    def choose_picture(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Choose a picture", "",
                                              "Images (*.png *.jpg *.jpeg *.bmp *.gif);;"
                                              "All files (*)")
        if path:
            self.load_picture(path)

    def load_picture(self, path: str) -> None:
        """Read a picture of your own on a worker; a file that is not one gets a line."""
        from engine.data.images import load_image_for_model
        self._say("Reading the picture…")
        self.picture_queue.submit(load_image_for_model, path, (PICTURE_SIDE, PICTURE_SIDE),
                                  done=lambda image, p=path: self._own_picture_read(p, image),
                                  error=lambda m: self._say(m, error=True))

    def shutdown(self) -> None:
        for queue in (self.model_queue, self.maps_queue, self.picture_queue):
            queue.wait(2)

    # --- answers from the workers ---
    def _model_described(self, description: dict) -> None:
        self.layers = description["layers"]
        previous = self.layer_combo.currentData()
        self.layer_combo.blockSignals(True)
        self.layer_combo.clear()
        for info in self.layers:
            self.layer_combo.addItem(f"{info['name']} · {info['type']} · "
                                     f"{_shape_text(info['output_shape'])}", info["name"])
        names = [info["name"] for info in self.layers]
        default = next((info["name"] for info in self.layers if info["type"] == "Conv2D"),
                       names[0] if names else None)
        choice = previous if previous in names else default
        if choice is not None:
            self.layer_combo.setCurrentIndex(names.index(choice))
        self.layer_combo.blockSignals(False)
        self._set_enabled(bool(names))
        self._show_filters(description)
        if not names:
            self.status.setText("This model has no layer whose output can be drawn.")
            return
        self.request_maps()

    def _model_failed(self, message: str) -> None:
        self.model = None
        self.status.setText(f"<span style='color:{style.ERROR}'>{html.escape(message)}</span>")

    def _show_filters(self, description: dict) -> None:
        grid = description["filter_grid"]
        self.filter_grid = grid
        self.filter_layer = description.get("filter_layer") or ""
        count = grid["tiles"]
        if count == 0:
            self.filters.set_image(None, None)
            self.filters.set_placeholder("The first layer's weights have no picture form.")
            self.filters_caption.setText("")
        else:
            self.filters.set_image(grid["image"], grid)
            h, w = grid["tile_shape"]
            kind = "filters" if "Conv" in self.filter_layer else "units' weight pictures"
            self.filters_caption.setText(
                f"{self.filter_layer}: {count} {kind} of {h}\u00d7{w}\u00d73, each scaled "
                "on its own: its most negative weight is darkest, its most positive "
                "brightest, in each colour.")

    def _own_picture_read(self, path: str, image: np.ndarray) -> None:
        import os
        self.own_picture = image
        self.own_name = os.path.basename(path)
        self.using_own = True
        self._say("")
        self._show_picture()
        self.request_maps()

    def _maps_ready(self, grid: dict) -> None:
        self.grid = grid
        self.maps.set_image(colorize_grid(grid["image"]), grid)
        h, w = grid["tile_shape"]
        if grid["per_channel"]:
            text = (f"<b>{html.escape(grid['layer'])}</b>: {grid['tiles']} feature maps of "
                    f"{h}\u00d7{w}, each scaled from its own smallest (dark) to largest "
                    "(yellow) value. Hover or click a tile to name its channel.")
        else:
            text = (f"<b>{html.escape(grid['layer'])}</b>: {grid['tiles']} units, one cell "
                    "each, scaled together from the smallest (dark) to the largest "
                    "(yellow) value. Hover or click a cell to read it.")
        self.status.setText(text)
        self.tile_info.setText("Hover a tile to name its channel.")

    def _maps_failed(self, message: str) -> None:
        self.status.setText(f"<span style='color:{style.ERROR}'>{html.escape(message)}</span>")

    # --- requests ---
    def request_maps(self) -> None:
        """Draw the chosen layer for the chosen picture (latest request wins)."""
        name = self.layer_combo.currentData()
        picture = self.current_picture()
        if self.model is None or name is None:
            return
        if picture is None:
            self.status.setText("Choose a picture: the data has not loaded yet.")
            return
        from engine.keras_models.feature_maps import layer_view
        self.status.setText(f"Computing {html.escape(name)}…")
        # an answer about a model that has since been replaced is not drawn
        self.maps_queue.submit(layer_view, self.model, name, picture,
                               done=lambda grid, m=self.model: self._maps_ready(grid)
                               if m is self.model else None,
                               error=self._maps_failed)

    def _layer_chosen(self, _index: int) -> None:
        self.request_maps()

    def _test_picture_chosen(self, _value: int) -> None:
        self.using_own = False
        self._show_picture()
        self.request_maps()

    # --- display ---
    def _show_picture(self) -> None:
        picture = self.current_picture()
        if picture is None:
            self.picture.clear()
            self.picture_caption.setText("")
            return
        image = style.rgb_to_qimage(np.ascontiguousarray(picture[..., :3]))
        self.picture.setPixmap(QPixmap.fromImage(image).scaled(
            PREVIEW_SIDE - 4, PREVIEW_SIDE - 4, Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.FastTransformation))
        if self.using_own:
            caption = f"Your picture: {html.escape(self.own_name)} (read at 64\u00d764)"
        else:
            k = self.picture_spin.value()
            caption = f"Test picture #{k}"
            if self.labels is not None and k < len(self.labels):
                label = int(self.labels[k])
                name = self.classes[label] if 0 <= label < len(self.classes) else label
                caption += f" · class {html.escape(str(name))}"
        self.picture_caption.setText(caption)

    def tile_text(self, index: int) -> str:
        if self.grid is None or not 0 <= index < self.grid["tiles"]:
            return "Hover a tile to name its channel."
        channel, low, high = self.grid["channels"][index]
        if not self.grid["per_channel"]:
            return f"Unit {channel} of {self.grid['tiles']}: value {low:.4g}"
        return (f"Channel {channel} of {self.grid['tiles']}: values {low:.4g} to {high:.4g}"
                + (" (constant: this channel is silent for this picture)"
                   if high == low else ""))

    def _tile_hovered(self, index: int) -> None:
        if index < 0 and self.maps.selected >= 0:
            index = self.maps.selected  # a clicked tile stays named
        self.tile_info.setText(self.tile_text(index))

    def _tile_clicked(self, index: int) -> None:
        self.tile_info.setText(self.tile_text(index))

    def _filter_hovered(self, index: int) -> None:
        if self.filter_grid is None or index < 0:
            self.filter_info.setText("")
            return
        what = "filter" if "Conv" in self.filter_layer else "unit"
        self.filter_info.setText(f"{what} {index} of {self.filter_grid['tiles']}")

    def _say(self, text: str, error: bool = False) -> None:
        self.message.setVisible(bool(text))
        self.message.setText(f"<span style='color:{style.ERROR}'>{html.escape(text)}</span>"
                             if error else html.escape(text))
