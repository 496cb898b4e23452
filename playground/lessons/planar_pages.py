"""Pages with 2-D data: the planar lesson (1.3) and the step-by-step builder (1.4)."""
from __future__ import annotations

import dataclasses

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget)

from engine.jobs import Reporter, RunControl
from engine.settings import replace_setting
from playground.lessons.base import TrainingPage
from playground.panels.dataset_viewer import DatasetViewer
from playground.panels.live_plots import BoundaryGrid, DecisionBoundaryPlot, HiddenUnitsView
from playground.panels.network_builder import NetworkBuilder


class PointsPage(TrainingPage):
    """A live decision boundary over the points; click / shift-click adds points."""

    def build_boundary(self) -> QWidget:
        self.boundary_plot = DecisionBoundaryPlot()
        self.boundary_plot.point_added.connect(self._note_points)
        self.points_note = QLabel("")
        self.points_note.setObjectName("pointsNote")
        self.points_note.setStyleSheet("color:#555")
        # Points added by hand can be taken back one by one (Ctrl+Z) or all at once.
        self.undo_point_button = QPushButton("Undo point", objectName="undoPointButton")
        self.undo_point_button.setToolTip("Remove the last point you added (Ctrl+Z).")
        self.undo_point_button.clicked.connect(self.undo_point)
        self.clear_points_button = QPushButton("Clear added points",
                                               objectName="clearPointsButton")
        self.clear_points_button.setToolTip("Remove every point you added by hand.")
        self.clear_points_button.clicked.connect(self.clear_points)
        QShortcut(QKeySequence.StandardKey.Undo, self.boundary_plot, self.undo_point,
                  context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        row = QHBoxLayout()
        row.addWidget(self.points_note, 1)
        row.addWidget(self.undo_point_button)
        row.addWidget(self.clear_points_button)
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.boundary_plot, 1)
        layout.addLayout(row)
        return box

    def undo_point(self) -> None:
        self.boundary_plot.undo_last_point()
        self._note_points()

    def clear_points(self) -> None:
        self.boundary_plot.clear_user_points()
        self._note_points()

    def data_key(self, settings):
        return settings.dataset, settings.hold_out

    def on_data(self, dataset) -> None:
        self.boundary_plot.clear_user_points()  # they belonged to the previous data
        self._note_points()
        self.boundary_plot.set_points(dataset.X_train, dataset.Y_train, dataset.X_test,
                                      dataset.Y_test)

    def _added_points(self) -> np.ndarray:
        """(3, k): x, y and class of the points clicked into the boundary plot."""
        columns = [(x, y, k) for k, (xs, ys) in self.boundary_plot.user_points().items()
                   for x, y in zip(xs, ys)]
        return np.array(columns, dtype=float).reshape(-1, 3).T

    def _note_points(self, *_point) -> None:
        n = self._added_points().shape[1]
        self.points_note.setText(f"{n} point{'s' if n > 1 else ''} added; the next Train "
                                 "uses them." if n else "")
        for button in (self.undo_point_button, self.clear_points_button):
            button.setVisible(n > 0)

    def training_data(self):
        extra = self._added_points()
        if extra.shape[1] == 0 or self.dataset is None:
            return self.dataset
        ds = self.dataset
        return dataclasses.replace(
            ds, X_train=np.hstack([ds.X_train, extra[:2]]),
            Y_train=np.hstack([ds.Y_train, extra[2:].astype(ds.Y_train.dtype)]),
            provenance=f"{ds.provenance} + {extra.shape[1]} points added by hand")

    def on_snapshot(self, data: dict) -> None:
        if "boundary" in data:
            self.boundary_plot.update_boundary(data["boundary"])

    def clear_results(self) -> None:
        super().clear_results()
        self.boundary_plot.clear_boundary()

    def on_finished(self, data: dict) -> None:
        boundary = (data.get("result") or {}).get("boundary")
        if boundary is not None:
            self.boundary_plot.update_boundary(boundary)


class PlanarPage(PointsPage):
    def build_tabs(self) -> None:
        self.hidden_view = HiddenUnitsView()
        # A small tile beside the network's boundary. The label above names it, and
        # the big plot's legend and check boxes serve both: a title as long as
        # "Logistic regression" set a minimum width the tile does not get at laptop
        # sizes (title and axis were cut off), and a second legend hid its data.
        self.baseline_plot = DecisionBoundaryPlot(title="", interactive=False)
        self.baseline_plot.setObjectName("baselinePlot")
        self.baseline_plot.legend.setVisible(False)
        self.baseline_plot.show_test.hide()
        self.baseline_plot.discretize.hide()
        self.baseline_label = QLabel("Logistic regression (scikit-learn): computing…")
        self.baseline_label.setObjectName("baselineLabel")
        self.baseline_label.setWordWrap(True)
        baseline = QWidget()
        column = QVBoxLayout(baseline)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.baseline_label)
        column.addWidget(self.baseline_plot, 1)
        # The network's boundary large on the left; beside it what its hidden units
        # see and, for comparison, the scikit-learn baseline; the curves below.
        tab = QWidget()
        grid = QVBoxLayout(tab)
        grid.setContentsMargins(0, 0, 0, 0)
        side = QVBoxLayout()
        side.addWidget(self.hidden_view, 1)
        side.addWidget(baseline, 1)
        top = QHBoxLayout()
        top.addWidget(self.build_boundary(), 3)
        top.addLayout(side, 2)
        self.boundary_plot.show_test.toggled.connect(self.baseline_plot.show_test.setChecked)
        self.boundary_plot.discretize.toggled.connect(self.baseline_plot.discretize.setChecked)
        self.baseline_plot.setMinimumSize(150, 120)
        bottom = QHBoxLayout()
        bottom.addWidget(self.cost_plot)
        bottom.addWidget(self.accuracy_plot)
        grid.addLayout(top, 5)
        grid.addLayout(bottom, 2)
        self.tabs.addTab(tab, "Training")
        self.tabs.addTab(self.build_sweep(), "Hidden-layer sweep")
        self.viewer = DatasetViewer()
        self.tabs.addTab(self.viewer, "Dataset")

    def build_sweep(self) -> QWidget:
        box = QWidget()
        layout = QVBoxLayout(box)
        bar = QHBoxLayout()
        self.sweep_button = QPushButton("Run the sweep (1, 2, 3, 4, 5, 20, 50 units)")
        self.sweep_button.setObjectName("sweepButton")
        self.sweep_button.clicked.connect(self.start_sweep)
        bar.addWidget(self.sweep_button)
        bar.addWidget(QLabel("5,000 iterations each, learning rate 1.2, as in the course."))
        bar.addStretch(1)
        layout.addLayout(bar)
        self.sweep_grid = BoundaryGrid()
        layout.addWidget(self.sweep_grid, 1)
        return box

    def on_data(self, dataset) -> None:
        super().on_data(dataset)
        self.viewer.set_dataset(dataset)
        self.baseline_plot.set_points(dataset.X_train, dataset.Y_train)
        self.sweep_grid.clear()
        self.sweep_grid.set_points(dataset.X_train, dataset.Y_train)
        self.baseline_label.setText("Logistic regression (scikit-learn): computing…")
        self.run_in_background(self.lesson.actions["baseline"], self.current_settings(),
                               Reporter(lambda _event: None), RunControl(), dataset,
                               done=self._baseline_done)

    def clear_results(self) -> None:
        super().clear_results()
        self.hidden_view.update_hidden(None, None)
        self.sweep_grid.clear()
        if self.dataset is not None:
            self.sweep_grid.set_points(self.dataset.X_train, self.dataset.Y_train)

    def _baseline_done(self, out: dict) -> None:
        result = out["result"]
        self.baseline_plot.update_boundary(result["boundary"])
        self.baseline_label.setText(f"Logistic regression (scikit-learn): "
                                    f"{100 * result['accuracy']:.0f}% correct")

    def start_sweep(self) -> None:
        if self.running or self.dataset is None:
            return
        self.sweep_grid.clear()
        self.sweep_grid.set_points(self.dataset.X_train, self.dataset.Y_train)
        self._shown_tiles = 0
        self.start_training(run=self.lesson.actions["sweep"])

    def on_snapshot(self, data: dict) -> None:
        super().on_snapshot(data)
        if "hidden" in data:
            self.hidden_view.update_hidden(data["hidden"], data.get("weights", {}),
                                           data.get("boundary"))
        for tile in data.get("sweep", [])[getattr(self, "_shown_tiles", 0):]:
            self.sweep_grid.add_result(tile["title"], tile["boundary"], tile["accuracy"])
            self._shown_tiles += 1

    def on_finished(self, data: dict) -> None:
        result = data.get("result") or {}
        if "sweep" in result:
            self.on_snapshot({"sweep": result["sweep"]})
            return
        super().on_finished(data)


class StepByStepPage(PointsPage):
    def build_sidebar(self, layout: QVBoxLayout) -> None:
        self.builder = NetworkBuilder()
        self.builder.layers_changed.connect(self._layers_changed)
        layout.addWidget(self.builder)
        self._sync_builder()

    def _sync_builder(self) -> None:
        self.builder.set_network(2, self.settings_panel.values().hidden_layers, 1, "sigmoid",
                                 activations=("relu", "tanh", "sigmoid"))

    def _layers_changed(self, layers) -> None:
        self.settings_panel.set_values(replace_setting(self.settings_panel.values(),
                                                       "hidden_layers", layers))

    def _on_setting_changed(self, name, value) -> None:
        if name == "hidden_layers":  # reset to defaults, or a loaded settings file
            self._sync_builder()
        super()._on_setting_changed(name, value)

    def build_tabs(self) -> None:
        self.tabs.addTab(self.plots_widget(self.build_boundary()), "Training")
        self.viewer = DatasetViewer()
        self.tabs.addTab(self.viewer, "Dataset")

    def on_data(self, dataset) -> None:
        super().on_data(dataset)
        self.viewer.set_dataset(dataset)

    def _set_state(self, state: str) -> None:
        super()._set_state(state)
        self.builder.setEnabled(state not in ("running", "paused", "stopping"))
