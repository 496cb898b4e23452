"""Three optimizers walking down a 2-D loss surface, animated.

The engine computes the whole paths once (``engine.numpy_nets.loss_surface``); this
panel only replays them: a QTimer moves three markers along their precomputed
points, each leaving a trail, over a contour map of the surface.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSlider, QVBoxLayout, QWidget

from playground.panels import style

# Same order and colours as the comparison view's curves.
PATH_COLORS = {"gd": "#d62728", "momentum": "#9467bd", "adam": "#2ca02c"}
PATH_LABELS = {"gd": "gradient descent", "momentum": "momentum", "adam": "Adam"}
FRAME_MS = 30          # ~33 frames a second
CONTOUR_LEVELS = 14


def _surface_lut() -> np.ndarray:
    """Pale blue (low) to white (high): the contours and paths stay readable on it."""
    t = np.linspace(0, 1, 256)[:, None]
    low, high = np.array([190, 215, 240.]), np.array([255, 255, 255.])
    return (low + (high - low) * t).astype(np.uint8)


class LossSurfaceView(QWidget):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.paths: dict | None = None
        self.frame = 0
        self.frames = 0
        self.steps_per_frame = 2
        self._contours: list = []

        self.plot_widget = style.make_plot("Loss surface", "w", "b")
        self.plot = self.plot_widget.getPlotItem()
        self.plot.setMenuEnabled(False)
        legend = self.plot.addLegend(offset=(-10, 10), labelTextColor=style.TEXT)
        legend.setBrush(pg.mkBrush(255, 255, 255, 220))
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setLookupTable(_surface_lut())
        self.image.setZValue(-10)
        self.plot.addItem(self.image)
        self.trails, self.markers = {}, {}
        for name, color in PATH_COLORS.items():
            self.trails[name] = self.plot.plot([], [], pen=pg.mkPen(color, width=2),
                                               name=PATH_LABELS[name])
            self.markers[name] = pg.ScatterPlotItem(size=12, brush=pg.mkBrush(color),
                                                    pen=pg.mkPen("k", width=1))
            self.markers[name].setZValue(10)
            self.plot.addItem(self.markers[name])
        self.minimum = pg.ScatterPlotItem(size=14, symbol="+", pen=pg.mkPen("k", width=2))
        self.plot.addItem(self.minimum)

        self.play_button = QPushButton("Pause", objectName="surfacePlay")
        self.play_button.clicked.connect(self.toggle)
        self.restart_button = QPushButton("Restart", objectName="surfaceRestart")
        self.restart_button.clicked.connect(self.restart)
        self.speed = QSlider(Qt.Horizontal, objectName="surfaceSpeed")
        self.speed.setRange(1, 10)
        self.speed.setValue(self.steps_per_frame)
        self.speed.setMaximumWidth(140)
        self.speed.valueChanged.connect(lambda v: setattr(self, "steps_per_frame", v))
        self.status = QLabel("Computing the paths\u2026", objectName="surfaceStatus")
        self.status.setWordWrap(True)
        bar = QHBoxLayout()
        bar.addWidget(self.play_button)
        bar.addWidget(self.restart_button)
        bar.addWidget(QLabel("speed"))
        bar.addWidget(self.speed)
        bar.addWidget(self.status, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot_widget, 1)
        layout.addLayout(bar)

        self.timer = QTimer(self)
        self.timer.setInterval(FRAME_MS)
        self.timer.timeout.connect(self.advance)

    # --- API ---------------------------------------------------------------
    def set_paths(self, paths: dict) -> None:
        """Show a new set of paths (from ``optimizer_paths``) and replay from the start."""
        self.paths = paths
        grid = paths["grid"]
        x, y, cost = grid["x"], grid["y"], np.asarray(grid["cost"], dtype=float)
        shown = np.log10(cost + 1e-3)       # a log scale shows the valley floor too
        self.image.setImage(shown, levels=(shown.min(), shown.max()), autoLevels=False)
        self.image.setRect(style.boundary_rect(x, y))
        for item in self._contours:
            self.plot.removeItem(item)
        self._contours = []
        for level in np.linspace(shown.min(), shown.max(), CONTOUR_LEVELS + 2)[1:-1]:
            curve = pg.IsocurveItem(data=shown.T, level=level, pen=pg.mkPen("#7f9cbf"))
            curve.setParentItem(self.image)
            self._contours.append(curve)
        # IsocurveItem draws in image pixels; the image maps pixels onto (w, b).
        w0, w1, b0, b1 = paths["extent"]
        self.plot.setRange(xRange=(w0, w1), yRange=(b0, b1), padding=0)
        self.minimum.setData([paths["minimum"][0]], [paths["minimum"][1]])
        self.frames = max(len(p["points"]) for p in paths["paths"].values())
        self.restart()

    def restart(self) -> None:
        self.frame = 0
        self._draw()
        if self.paths is not None:
            self.timer.start()
            self.play_button.setText("Pause")

    def toggle(self) -> None:
        if self.timer.isActive():
            self.timer.stop()
            self.play_button.setText("Play")
        elif self.paths is not None:
            if self.frame >= self.frames - 1:
                self.frame = 0
            self.timer.start()
            self.play_button.setText("Pause")

    def stop(self) -> None:
        self.timer.stop()

    def advance(self) -> None:
        """One animation frame: every marker moves ``steps_per_frame`` updates on."""
        if self.paths is None:
            return
        self.frame = min(self.frame + self.steps_per_frame, self.frames - 1)
        self._draw()
        if self.frame >= self.frames - 1:
            self.timer.stop()
            self.play_button.setText("Play")

    # --- internals ---------------------------------------------------------
    def _draw(self) -> None:
        if self.paths is None:
            return
        notes = []
        for name, path in self.paths["paths"].items():
            points = path["points"][: self.frame + 1]
            self.trails[name].setData(points[:, 0], points[:, 1])
            self.markers[name].setData([points[-1, 0]], [points[-1, 1]])
            cost = path["costs"][len(points) - 1]
            state = ""
            if path["diverged"] is not None and self.frame + 1 >= len(path["points"]):
                state = f" \u2014 diverged at step {path['diverged']}"
            notes.append(f"<span style='color:{PATH_COLORS[name]}'>{PATH_LABELS[name]}"
                         f"</span> J = {cost:.3g}{state}")
        self.status.setText(f"step {self.frame} of {self.frames - 1} \u00b7 "
                            f"learning rate {self.paths['learning_rate']:g} \u00b7 "
                            + " \u00b7 ".join(notes))
