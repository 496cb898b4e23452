"""The neural-style-transfer page (course 4, section 4.7): a picture painted live.

The *Canvas* tab shows the content photo, the style picture(s) and the generated
picture, which the painting job updates several times a second; the balance slider
moves beta/alpha on the running job; the scrubber looks back through the snapshots,
and the picture or the time-lapse (GIF) can be saved. The *Pictures* tab holds the two
galleries: the shipped pictures, your own files (Add… or drag and drop) and webcam
snapshots; select several style pictures to blend them.

The painting is the engine's lesson run on a job (Train / Pause / Step / Stop /
Reset as on every page); the page hands it the chosen pictures as its data and shows
which network paints (the embedded random-feature network, or VGG-19 from the
learner's weights file).
"""
from __future__ import annotations

import html
import os
import time

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QFileDialog, QFrame, QHBoxLayout, QLabel, QPushButton,
                               QScrollArea, QVBoxLayout, QWidget)

from engine.data.style_pictures import save_picture, save_time_lapse
from engine.settings import SettingsError, replace_setting, spec_of
from playground.lessons.base import TrainingPage
from playground.lessons.keras_page import KerasPage
from playground.panels.style_canvas import StyleCanvas
from playground.panels.style_gallery import BlendWeights, PictureGallery

COST_INTERVAL_S = 0.1   # cost curves redraw at most 10 times a second
SIZE_PRESETS = (200, 300, 400)


def _layout_holding(layout, widget):
    """The layout (``layout`` or one nested in it) that holds ``widget`` directly."""
    if layout.indexOf(widget) >= 0:
        return layout
    for i in range(layout.count()):
        child = layout.itemAt(i).layout()
        if child is not None:
            found = _layout_holding(child, widget)
            if found is not None:
                return found
    return None


def _is_file(source: str) -> bool:
    return os.path.sep in source and os.path.isfile(os.path.expanduser(source))


class StylePage(KerasPage):
    length_setting = "num_iterations"
    length_word = "Iteration"     # the painting's optimisation steps, not epochs
    speed_unit = "iteration"

    # --- building ---
    def build_tabs(self) -> None:
        self.canvas = StyleCanvas()
        self.canvas.balance_changed.connect(self._balance_moved)
        self.canvas.save_picture_requested.connect(self._ask_save_picture)
        self.canvas.save_time_lapse_requested.connect(self._ask_save_time_lapse)
        self.canvas.pictures_clicked.connect(lambda: self.tabs.setCurrentWidget(self.pictures))
        self.tabs.addTab(self.canvas, "Canvas")
        self.pictures = QWidget(objectName="stylePictures")
        column = QVBoxLayout(self.pictures)
        self.content_gallery = PictureGallery("content", "Content photo")
        self.style_gallery = PictureGallery("style", "Style picture", multiple=True)
        self.content_gallery.chosen.connect(self._content_chosen)
        self.style_gallery.chosen.connect(self._styles_chosen)
        self.content_gallery.loaded.connect(lambda: self._select_from_settings("content"))
        self.style_gallery.loaded.connect(lambda: self._select_from_settings("style"))
        self.blend = BlendWeights()
        self.blend.setVisible(False)
        self.blend.changed.connect(self._blend_changed)
        column.addWidget(self.content_gallery)
        column.addWidget(self.style_gallery)
        column.addWidget(self.blend)
        column.addLayout(self._size_presets())
        column.addStretch(1)
        self.tabs.addTab(self.pictures, "Pictures")
        self.content: list = []
        self.styles: list = []
        self.style_weights: list[float] = []
        self._last_cost_draw = 0.0
        self._show_balance_from_settings()
        self.canvas.set_network(self.network_description())

    def __init__(self, lesson, parent=None) -> None:
        super().__init__(lesson, parent)
        self._scroll_sidebar()

    def _scroll_sidebar(self) -> None:
        """This lesson has ~20 settings: in a 720-pixel window the sidebar scrolls
        instead of making the window taller than the screen. (Nothing to do when the
        base page already puts the sidebar in a scroll area.)"""
        holder = self.sidebar.parentWidget()
        if holder is not None and isinstance(holder.parentWidget(), QScrollArea):
            return
        bench = _layout_holding(self.work_layout, self.sidebar)
        if bench is None:
            return
        index = bench.indexOf(self.sidebar)
        bench.removeWidget(self.sidebar)
        area = QScrollArea(objectName="styleSidebarScroll")
        area.setWidgetResizable(True)
        area.setFrameShape(QFrame.NoFrame)
        area.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        area.setWidget(self.sidebar)
        width = self.sidebar.sizeHint().width() + area.verticalScrollBar().sizeHint().width()
        area.setMinimumWidth(min(width, self.sidebar.maximumWidth() + 20))
        area.setMaximumWidth(self.sidebar.maximumWidth() + 20)
        bench.insertWidget(index, area, 0)

    def on_tensorflow_ready(self) -> None:
        # The pictures are the page's data (from the galleries), not a loaded dataset.
        if self.controls.state == "idle":
            self.controls.set_status("Ready. Press Train to paint.")

    def add_runs_tab(self) -> None:
        # No "Feature maps" tab: nothing is trained here but the picture itself.
        TrainingPage.add_runs_tab(self)

    def _data_loaded(self, dataset) -> None:
        TrainingPage._data_loaded(self, dataset)   # no feature-map viewer to feed
        self._show_choice()

    def _show_choice(self) -> None:
        """The pictures the next run paints (the galleries' choice, not the settings'
        pictures the lesson loaded at first)."""
        if self.content and self.styles:
            self.provenance.setText("Paints: " + html.escape(
                f"{self.content[0].title} in the style of "
                + " + ".join(p.title for p in self.styles)))

    def show_model(self, model) -> None:
        """Nothing to look into: the picture is what is trained."""

    def network_description(self) -> str:
        return ("The embedded random-feature network paints unless VGG-19 weights are "
                "found (the Network setting); the run says which.")

    # --- pictures ---
    def _select_from_settings(self, kind: str) -> None:
        """Start on the pictures the settings name (the last ones painted, or the
        lesson's defaults); a file named there that is not in the gallery is added."""
        gallery = self.content_gallery if kind == "content" else self.style_gallery
        wanted = [s.strip() for s in str(getattr(self.settings_panel.values(), kind, ""))
                  .split(";") if s.strip()]
        rows = [row for row, picture in enumerate(gallery.pictures())
                if picture.source in wanted]
        if rows:
            gallery.select(*rows)
        for source in wanted:
            if not any(p.source == source for p in gallery.pictures()) and \
                    _is_file(source):
                gallery.add_file(source)

    def _content_chosen(self, pictures: list) -> None:
        self.content = pictures[:1]
        self.canvas.set_content(pictures[0].image, pictures[0].title)
        self._remember_choice("content", [pictures[0]])
        self._pictures_changed()

    def _styles_chosen(self, pictures: list) -> None:
        first = not self.styles    # the first choice restores the saved blend weights
        self.styles = list(pictures)
        self.style_weights = (self._saved_blend(len(pictures)) if first else None) or \
            [1.0] * len(pictures)
        self.blend.set_pictures([p.title for p in pictures], self.style_weights)
        self._show_styles()
        self._remember_choice("style", pictures)
        self._pictures_changed()

    def _saved_blend(self, count: int) -> list[float] | None:
        text = str(getattr(self.settings_panel.values(), "style_blend", ""))
        try:
            weights = [float(w) for w in text.split(";") if w.strip()]
        except ValueError:
            return None
        ok = len(weights) == count and all(w >= 0 for w in weights) and sum(weights) > 0
        return weights if ok else None

    def _blend_changed(self, weights: list) -> None:
        self.style_weights = list(weights)
        self._show_styles()
        if self._has_setting("style_blend"):
            self.settings_panel.set_values(replace_setting(
                self.settings_panel.values(), "style_blend",
                ";".join(f"{w:g}" for w in weights)))
        self._pictures_changed()

    def _show_styles(self) -> None:
        total = sum(self.style_weights) or 1.0
        self.canvas.set_styles([p.image for p in self.styles], [p.title for p in self.styles],
                               [w / total for w in self.style_weights])

    # --- painting size presets ---
    def _size_presets(self) -> QHBoxLayout:
        row = QHBoxLayout()
        row.addWidget(QLabel("<b>Painting size</b> (longer side)"))
        self.size_buttons = {}
        for size in SIZE_PRESETS:
            button = QPushButton(f"{size} px", objectName=f"size{size}")
            button.setCheckable(True)
            button.setToolTip(f"Paint at {size} px on the longer side (the aspect ratio "
                              "is kept). Larger shows more detail and paints slower.")
            button.clicked.connect(lambda _=False, n=size: self._size_chosen(n))
            row.addWidget(button)
            self.size_buttons[size] = button
        row.addStretch(1)
        self.settings_panel.changed.connect(
            lambda name, _v: self._show_size() if name == "size" else None)
        self._show_size()
        return row

    def _size_chosen(self, size: int) -> None:
        if self._has_setting("size") and not self.running:
            self.settings_panel._apply_from_user(
                replace_setting(self.settings_panel.values(), "size", size))
        self._show_size()

    def _show_size(self) -> None:
        current = getattr(self.settings_panel.values(), "size", None)
        for size, button in self.size_buttons.items():
            button.setChecked(size == current)
            button.setEnabled(not self.running)

    def _remember_choice(self, kind: str, pictures: list) -> None:
        """Write the choice into the settings (saved with them, and what the headless
        runner would take); a webcam snapshot has no name to write."""
        sources = [p.source for p in pictures]
        if not all(sources):
            return
        values = replace_setting(self.settings_panel.values(), kind, ";".join(sources))
        if kind == "style":
            values = replace_setting(values, "style_blend", "")
        self.settings_panel.set_values(values)

    def _pictures_changed(self) -> None:
        self._show_choice()
        if self.running:
            self.controls.set_status("New pictures are used from the next Train.")

    def painting_input(self) -> dict | None:
        """What the run paints: the content picture and the style picture(s)."""
        if not self.content or not self.styles:
            return None
        return {"content": self.content[0].image, "content_name": self.content[0].title,
                "styles": [p.image for p in self.styles],
                "style_names": [p.title for p in self.styles],
                "style_weights": list(self.style_weights)}

    def training_data(self):
        return self.painting_input()

    # --- balance: alpha and beta, live ---
    def _has_setting(self, name: str) -> bool:
        try:
            spec_of(self.lesson.settings, name)
        except SettingsError:
            return False
        return True

    def _show_balance_from_settings(self) -> None:
        values = self.settings_panel.values()
        if self._has_setting("alpha") and self._has_setting("beta"):
            self.canvas.balance.set_weights(values.alpha, values.beta)
        self.settings_panel.changed.connect(self._setting_for_balance)

    def _setting_for_balance(self, name: str, _value) -> None:
        if name in ("alpha", "beta"):
            values = self.settings_panel.values()
            self.canvas.balance.set_weights(values.alpha, values.beta)

    def _balance_moved(self, alpha: float, beta: float) -> None:
        if not (self._has_setting("alpha") and self._has_setting("beta")):
            return
        values = replace_setting(replace_setting(self.settings_panel.values(), "alpha",
                                                 alpha), "beta", beta)
        # Through the panel, so the boxes show the values and a running job hears them.
        self.settings_panel._apply_from_user(values)

    # --- running ---
    def start_training(self, run=None) -> None:
        message = ""
        if run is None and self.painting_input() is None:
            message = "Choose a content photo and a style picture first (Pictures tab)."
        elif run is None and not sum(self.style_weights) > 0:
            message = "Give at least one style picture a blend weight above 0 (Pictures tab)."
        if message:
            self.controls.set_status(message, error=True)
            self._set_state("idle")
            return
        super().start_training(run)

    def _set_state(self, state: str) -> None:
        super()._set_state(state)
        if hasattr(self, "size_buttons"):
            self._show_size()

    def before_run(self, settings) -> None:
        super().before_run(settings)
        self.canvas.clear_generated()
        self.canvas.cost_plot.set_iterations(getattr(settings, "num_iterations", None))
        self._last_cost_draw = 0.0

    def on_snapshot(self, data: dict) -> None:
        picture = data.get("picture")
        if picture is not None:
            self.canvas.show_generated(np.asarray(picture), int(data.get("iteration", 0)))
        if data.get("network"):
            size = data.get("size")
            self.canvas.set_network(data["network"], f"({size[1]}x{size[0]} px)"
                                    if size else "")
        now = time.perf_counter()
        if "costs" in data and now - self._last_cost_draw >= COST_INTERVAL_S:
            self._last_cost_draw = now
            self.canvas.cost_plot.update_costs(data["costs"])

    def on_finished(self, data: dict) -> None:
        result = data.get("result") or {}
        if result.get("frames"):
            self.canvas.merge_snapshots(result["frames"])
        if result.get("picture") is not None:
            self.canvas.show_generated(np.asarray(result["picture"]),
                                       int(result.get("iteration", 0)))
        if result.get("costs") is not None:
            self.canvas.cost_plot.update_costs(result["costs"])

    def reset(self) -> None:
        super().reset()
        self.canvas.clear_generated()

    # --- saving ---
    def _ask_save_picture(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save the picture", "painting.png",
                                              "PNG picture (*.png)")
        if path:
            self.save_picture_to(path)

    def _ask_save_time_lapse(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save the time-lapse", "painting.gif",
                                              "Animated GIF (*.gif)")
        if path:
            self.save_time_lapse_to(path)

    def save_picture_to(self, path) -> None:
        picture = self.canvas.shown_picture()
        if picture is None:
            self.controls.set_status("Nothing painted yet.", error=True)
            return
        self.run_in_background(save_picture, path, picture.copy(),
                               done=lambda p: self.controls.set_status(f"Saved {p.name}."))

    def save_time_lapse_to(self, path) -> None:
        frames = self.canvas.time_lapse_frames()
        self.controls.set_status(f"Saving {len(frames)} snapshots…")
        self.run_in_background(save_time_lapse, path, frames,
                               done=lambda p: self.controls.set_status(f"Saved {p.name}."))

    def shutdown(self) -> None:
        TrainingPage.shutdown(self)
        self.content_gallery.shutdown()
        self.style_gallery.shutdown()
