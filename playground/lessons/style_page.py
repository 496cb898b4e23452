"""The neural-style-transfer page (course 4, section 3.7): a picture painted live.

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
from PySide6.QtWidgets import QFileDialog, QVBoxLayout, QWidget

from engine.data.style_pictures import save_picture, save_time_lapse
from engine.settings import SettingsError, replace_setting, spec_of
from playground.lessons.base import TrainingPage
from playground.lessons.keras_page import KerasPage
from playground.panels.style_canvas import StyleCanvas
from playground.panels.style_gallery import PictureGallery

COST_INTERVAL_S = 0.1   # cost curves redraw at most 10 times a second


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
        column.addWidget(self.content_gallery)
        column.addWidget(self.style_gallery)
        column.addStretch(1)
        self.tabs.addTab(self.pictures, "Pictures")
        self.content: list = []
        self.styles: list = []
        self._last_cost_draw = 0.0
        self._show_balance_from_settings()
        self.canvas.set_network(self.network_description())

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
        self.styles = list(pictures)
        self.canvas.set_styles([p.image for p in pictures], [p.title for p in pictures])
        self._remember_choice("style", pictures)
        self._pictures_changed()

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
                "style_weights": [1.0 / len(self.styles)] * len(self.styles)}

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
        if run is None and self.painting_input() is None:
            self.controls.set_status("Choose a content photo and a style picture first "
                                     "(Pictures tab).", error=True)
            self._set_state("idle")
            return
        super().start_training(run)

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
