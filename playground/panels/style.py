"""One colour scheme and plot look for every panel.

Class 0 is orange and class 1 is blue, as in TensorFlow Playground, so a learner who
has seen that site reads our plots the same way. Heat maps use the same two colours,
lightened, diverging through white at probability 0.5 (or activation 0).
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QImage

NEGATIVE = "#f59322"   # class 0, negative weights, activation -1
POSITIVE = "#0877bd"   # class 1, positive weights, activation +1
# More classes (six hand signs): keep 0 and 1 as above, then distinct hues.
CLASS_COLORS = [NEGATIVE, POSITIVE, "#2ca02c", "#9467bd", "#d62728", "#8c564b",
                "#e377c2", "#17becf"]
# What a legend calls them: the colour the learner sees, whatever the course called it.
CLASS_COLOR_NAMES = ["orange", "blue", "green", "purple", "red", "brown", "pink", "cyan"]
TEXT = "#333333"
MUTED = "#777777"
ERROR = "#c62828"
GRID_ALPHA = 0.15


def class_color(k: int, alpha: int = 255) -> QColor:
    color = QColor(CLASS_COLORS[int(k) % len(CLASS_COLORS)])
    color.setAlpha(alpha)
    return color


def _mix(color: str, towards_white: float) -> np.ndarray:
    rgb = np.array(QColor(color).getRgb()[:3], dtype=float)
    return rgb + (255.0 - rgb) * towards_white


def diverging_lut(n: int = 256, lightness: float = 0.45) -> np.ndarray:
    """(n, 3) uint8 table: orange (index 0) -> white (middle) -> blue (index n-1).

    ``lightness`` pales the two ends so that data points drawn on top of a heat map
    in the full colours stay visible.
    """
    t = np.linspace(-1.0, 1.0, n)[:, None]
    white = np.full(3, 255.0)
    neg, pos = _mix(NEGATIVE, lightness), _mix(POSITIVE, lightness)
    lut = np.where(t < 0, white + (neg - white) * -t, white + (pos - white) * t)
    return np.clip(np.round(lut), 0, 255).astype(np.uint8)


BACKGROUND_LUT = diverging_lut()


def colorize(values: np.ndarray, low: float, high: float,
             lut: np.ndarray = BACKGROUND_LUT) -> np.ndarray:
    """Map values in [low, high] through ``lut``: (h, w) -> (h, w, 3) uint8 (display only).

    Called for every tile of every live frame, so it avoids numpy helpers whose
    Python overhead (nan_to_num, round) outweighs the work on 32x32 tiles."""
    top = len(lut) - 1
    index = (np.asarray(values, dtype=float) - low) * (top / (high - low)) + 0.5
    index[np.isnan(index)] = top / 2  # unknown values: the neutral middle colour
    np.clip(index, 0, top, out=index)
    return lut[index.astype(np.intp)]


def rgb_to_qimage(rgb: np.ndarray) -> QImage:
    """(h, w, 3) uint8 -> a QImage that owns its pixels (the array may be freed)."""
    rgb = np.ascontiguousarray(rgb, dtype=np.uint8)
    h, w = rgb.shape[:2]
    return QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()


def plot_minimum_width(widget: pg.PlotWidget) -> int:
    """The width below which a plot's title, axes or legend get cut off: pyqtgraph
    lays its scene out at least this wide whatever the widget's size."""
    item = widget.getPlotItem()
    return int(np.ceil(item.effectiveSizeHint(Qt.SizeHint.MinimumSize).width())) + 2


def make_plot(title: str = "", xlabel: str = "", ylabel: str = "",
              parent=None) -> pg.PlotWidget:
    """A white PlotWidget with a title, labelled axes and a faint grid."""
    widget = pg.PlotWidget(parent=parent, background="w")
    style_plot_item(widget.getPlotItem(), title, xlabel, ylabel)
    return widget


def style_plot_item(item: pg.PlotItem, title: str = "", xlabel: str = "",
                    ylabel: str = "") -> None:
    if title:
        item.setTitle(title, color=TEXT, size="11pt")
    for side, label in (("bottom", xlabel), ("left", ylabel)):
        axis = item.getAxis(side)
        axis.setPen(pg.mkPen("#999999"))
        axis.setTextPen(pg.mkPen(TEXT))
        axis.enableAutoSIPrefix(False)  # "cost (x0.001)" confuses more than it helps
        if label:
            item.setLabel(side, label, color=TEXT)
    item.showGrid(x=True, y=True, alpha=GRID_ALPHA)


def boundary_rect(x: np.ndarray, y: np.ndarray) -> QRectF:
    """The rectangle an (ny, nx) image covers so pixel centres land on the grid points."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    dx = (x[-1] - x[0]) / max(len(x) - 1, 1) if len(x) > 1 else 1.0
    dy = (y[-1] - y[0]) / max(len(y) - 1, 1) if len(y) > 1 else 1.0
    return QRectF(x[0] - dx / 2, y[0] - dy / 2, dx * len(x), dy * len(y))


def boundary_image(boundary: dict, discretize: bool = False) -> tuple[np.ndarray, QRectF]:
    """Row-major probability image and its rectangle, grid made ascending in x and y.

    Discretizing only thresholds at 0.5 for display; the engine sent the probabilities.
    """
    x = np.asarray(boundary["x"], dtype=float)
    y = np.asarray(boundary["y"], dtype=float)
    prob = np.asarray(boundary["probability"], dtype=float)
    if len(x) > 1 and x[-1] < x[0]:
        x, prob = x[::-1], prob[:, ::-1]
    if len(y) > 1 and y[-1] < y[0]:
        y, prob = y[::-1], prob[::-1, :]
    if discretize:
        prob = (prob > 0.5).astype(float)
    return prob, boundary_rect(x, y)


def new_boundary_item() -> pg.ImageItem:
    """An ImageItem for P(class 1) heat maps: row-major, fixed levels 0..1, our LUT."""
    item = pg.ImageItem(axisOrder="row-major")
    item.setLookupTable(BACKGROUND_LUT)
    item.setZValue(-10)  # always under the scatter points
    return item


def draw_boundary(item: pg.ImageItem, boundary: dict, discretize: bool = False) -> QRectF:
    prob, rect = boundary_image(boundary, discretize)
    item.setImage(prob, levels=(0.0, 1.0), autoLevels=False)
    item.setRect(rect)
    return rect


def badge_css(color: str) -> str:
    return (f"QLabel {{ background: {color}; color: white; border-radius: 4px;"
            " padding: 1px 6px; font-weight: bold; }")


ERROR_CSS = f"QLabel {{ color: {ERROR}; }}"
MUTED_CSS = f"QLabel {{ color: {MUTED}; }}"
