"""Pictures the model got wrong, each with what it is and what the model said.

Filled once when a run finishes (not a 30 Hz plot), so plain labels in a scroll area
are simpler than a graphics scene and give free text selection and wrapping.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QGridLayout, QLabel, QScrollArea, QVBoxLayout, QWidget

from playground.panels import style
from playground.safe_slots import guarded

SCALE = 2            # 64x64 course pictures are tiny; 2x keeps them recognisable
MAX_SHOWN = 120      # beyond this a grid stops being informative and only costs memory


class MisclassifiedGrid(QWidget):
    def __init__(self, parent=None, title: str = "Misclassified test pictures") -> None:
        super().__init__(parent)
        self.columns = 1
        self.tiles: list[QWidget] = []
        self._title = title
        self.title = QLabel(f"<b>{title}</b>")
        self.empty = QLabel("Nothing to show yet: misclassified pictures appear here "
                            "when a run finishes.", objectName="emptyState")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.empty.setStyleSheet(style.MUTED_CSS)
        self.canvas = QWidget()
        self.grid = QGridLayout(self.canvas)
        self.grid.setSpacing(10)
        self.grid.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setWidget(self.canvas)
        self.scroll.hide()
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.empty, 1)
        layout.addWidget(self.scroll, 1)
        self.captions: list[str] = []

    def show_images(self, images, true_labels, predicted_labels, probabilities,
                    classes) -> None:
        """images (k, h, w, 3) uint8; labels and P(class 1) as (k,) or (1, k)."""
        self._clear()
        images = np.asarray(images)
        k = 0 if images.ndim < 4 else images.shape[0]
        if k == 0:
            self.title.setText(f"<b>{self._title}</b>")
            self.empty.setText("No misclassified test pictures: the model got every "
                               "one right.")
            self.empty.show()
            self.scroll.hide()
            return
        true = np.asarray(true_labels).reshape(-1).astype(int)
        pred = np.asarray(predicted_labels).reshape(-1).astype(int)
        prob = None if probabilities is None else np.asarray(probabilities,
                                                             dtype=float).reshape(-1)

        def name(c: int) -> str:
            return classes[c] if 0 <= c < len(classes) else f"class {c}"

        for n in range(min(k, MAX_SHOWN)):
            picture = QLabel()
            image = style.rgb_to_qimage(images[n][..., :3])
            picture.setPixmap(QPixmap.fromImage(image).scaled(
                image.width() * SCALE, image.height() * SCALE,
                Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.FastTransformation))
            picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
            p = "" if prob is None else f" (p={prob[n]:.2f})"
            text = f"true: {name(true[n])} / predicted: {name(pred[n])}{p}"
            self.captions.append(text)
            caption = QLabel(f"true: <b>{name(true[n])}</b><br>predicted: "
                             f"<span style='color:{style.ERROR}'>{name(pred[n])}</span>"
                             + (f"<br><span style='color:{style.MUTED}'>p = {prob[n]:.2f}"
                                "</span>" if prob is not None else ""))
            caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
            caption.setToolTip(text)
            tile = QWidget()
            tile_layout = QVBoxLayout(tile)
            tile_layout.setContentsMargins(0, 0, 0, 0)
            tile_layout.addWidget(picture)
            tile_layout.addWidget(caption)
            self.tiles.append(tile)
        if k > MAX_SHOWN:
            more = QLabel(f"\u2026 and {k - MAX_SHOWN} more")
            more.setStyleSheet(style.MUTED_CSS)
            self.tiles.append(more)
        self._place_tiles(force=True)
        self.title.setText(f"<b>{self._title} ({k})</b>")
        self.empty.hide()
        self.scroll.show()

    def _place_tiles(self, force: bool = False) -> None:
        """As many columns as fit the width: no sideways scrolling for captions."""
        if not self.tiles:
            return
        tile_width = max(t.sizeHint().width() for t in self.tiles) + self.grid.spacing()
        # Our own width, not the viewport's: the scroll area may still be hidden here.
        columns = max(1, (self.width() - 40) // max(tile_width, 1))
        if columns == self.columns and not force:
            return
        self.columns = columns
        for tile in self.tiles:
            self.grid.removeWidget(tile)
        for n, tile in enumerate(self.tiles):
            self.grid.addWidget(tile, n // columns, n % columns)

    @guarded("fit this view to its new size")
    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._place_tiles()

    def _clear(self) -> None:
        self.captions = []
        for tile in self.tiles:
            self.grid.removeWidget(tile)
            tile.setParent(None)
            tile.deleteLater()
        self.tiles = []
