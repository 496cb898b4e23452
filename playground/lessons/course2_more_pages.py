"""Course 2.1.3 and 2.2 pages: gradient checking, and the three optimizers."""
from __future__ import annotations

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from engine.jobs import Reporter, RunControl
from engine.settings import SettingsError
from playground.lessons.base import TrainingPage
from playground.lessons.course2_pages import ComparisonPage
from playground.panels import style
from playground.panels.gradient_errors import GREEN, RED, GradientErrorsView
from playground.panels.loss_surface import LossSurfaceView
from playground.panels.mini_batches import MiniBatchView


def _quiet_reporter() -> Reporter:
    return Reporter(lambda _event: None)


class GradientCheckingPage(TrainingPage):
    """The check reruns (off the UI thread, in milliseconds) whenever a setting
    changes, so flipping a planted bug flips the verdict at once; "Check again"
    (the Train button) runs it as a recorded job like any lesson."""

    def __init__(self, lesson, parent=None) -> None:
        super().__init__(lesson, parent)
        self._fit_run_controls()

    def _fit_run_controls(self) -> None:
        """A check that runs by itself in milliseconds has nothing to pause, stop,
        step through or show progress of: keep only the button that reruns it."""
        controls = self.controls
        controls.train_button.setText("Check again")
        controls.train_button.setToolTip(
            "Run the gradient check again now and add it to the run history (it "
            "also reruns by itself whenever a setting changes).")
        for widget in (controls.pause_button, controls.stop_button, controls.step_button,
                       controls.reset_button, controls.progress):
            widget.hide()

    def build_tabs(self) -> None:
        self._check_token = 0
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        self.one_d = QLabel("", objectName="oneDCheck")
        self.one_d.setWordWrap(True)
        self.one_d.setStyleSheet("QLabel { padding: 4px; }")
        self.errors = GradientErrorsView()
        self.errors.setObjectName("gradientErrors")
        heading = QLabel("<b>N-dimensional check</b> of the fraud-detection network "
                         "(the course's test case: X 4\u00d73, Y = [1, 1, 0], 47 parameters)")
        heading.setWordWrap(True)
        layout.addWidget(QLabel("<b>1-D check</b>: J(\u03b8) = \u03b8x"))
        layout.addWidget(self.one_d)
        layout.addWidget(heading)
        layout.addWidget(self.errors, 1)
        self.tabs.addTab(box, "Gradient check")

    def on_data(self, dataset) -> None:
        self.run_check()

    # --- the live check ---
    def run_check(self) -> None:
        if self.dataset is None:
            return
        try:
            settings = self.current_settings()
        except SettingsError as exc:
            self.controls.set_status(str(exc), error=True)
            return
        self._check_token += 1
        token = self._check_token
        self.run_in_background(self.lesson.run, settings, _quiet_reporter(), RunControl(),
                               self.dataset, done=lambda out, t=token: self._check_done(out, t))

    def _check_done(self, out: dict, token: int) -> None:
        if token == self._check_token:   # an older check finishing late is stale
            self.show_result(out["result"])

    def _on_setting_changed(self, name: str, value) -> None:
        super()._on_setting_changed(name, value)
        if not self.running:
            self.run_check()

    def on_finished(self, data: dict) -> None:
        result = data.get("result") or {}
        if "check" in result:
            self.show_result(result)

    def show_result(self, result: dict) -> None:
        check = result["check"]
        from engine.numpy_nets.gradient_check import BLOCK_BUG_THRESHOLD
        self.errors.show_report(check, BLOCK_BUG_THRESHOLD)
        d = result["one_d"]
        if d["correct"] is None:
            verdict = (f"<b style='color:{style.MUTED}'>x = 0 makes both gradients 0: "
                       "the relative difference is 0/0 and says nothing. Pick x \u2260 0.</b>")
        else:
            color = GREEN if d["correct"] else RED
            words = "The gradient is correct!" if d["correct"] else "The gradient is wrong!"
            verdict = (f"<b style='color:{color}'>{words}</b> difference = "
                       f"{d['difference']:.12g}")
        self.one_d.setText(
            f"J(\u03b8+\u03b5) = {d['J_plus']:.10g}, J(\u03b8\u2212\u03b5) = "
            f"{d['J_minus']:.10g} \u2192 gradapprox = {d['gradapprox']:.12g}; "
            f"backprop gives dJ/d\u03b8 = x = {d['grad']:g}. {verdict}")
        self.controls.set_status(
            ("Backprop has a mistake" if check["flagged"] else "Backprop is correct")
            + f": difference {check['difference']:.3g}")


class OptimizationPage(ComparisonPage):
    """The comparison view, plus the mini-batches of an epoch and the loss-surface
    animation, both recomputed off the UI thread when their settings change."""

    length_word = "Epoch"
    speed_unit = "epoch"

    SURFACE_SETTINGS = ("learning_rate", "beta", "beta1", "beta2", "epsilon", "surface",
                        "surface_noise")

    def __init__(self, lesson, parent=None) -> None:
        from engine.lesson_runs.optimization import VARIANTS, VIEW_X, VIEW_Y
        self.VARIANTS = list(VARIANTS)
        self.VIEW = (VIEW_X, VIEW_Y)
        self._surface_token = 0
        self._batch_token = 0
        super().__init__(lesson, parent)

    def build_tabs(self) -> None:
        super().build_tabs()
        self.comparison.cost_plot.setLabel("bottom", "epoch", color=style.TEXT)
        self.mini_batches = MiniBatchView()
        self.mini_batches.setObjectName("miniBatchView")
        self.mini_batches.epoch_changed.connect(lambda _epoch: self.refresh_mini_batches())
        self.tabs.addTab(self.mini_batches, "Mini-batches")
        self.surface = LossSurfaceView()
        self.surface.setObjectName("lossSurface")
        self.tabs.addTab(self.surface, "Loss surface")
        self.refresh_surface()

    def on_data(self, dataset) -> None:
        super().on_data(dataset)
        self.refresh_mini_batches()

    def _on_setting_changed(self, name: str, value) -> None:
        super()._on_setting_changed(name, value)
        if name in self.SURFACE_SETTINGS:
            self.refresh_surface()
        if name == "mini_batch_size":
            self.refresh_mini_batches()

    def _settings_or_say(self):
        try:
            return self.current_settings()
        except SettingsError as exc:
            self.controls.set_status(str(exc), error=True)
            return None

    def refresh_surface(self) -> None:
        settings = self._settings_or_say()
        if settings is None:
            return
        self._surface_token += 1
        token = self._surface_token
        self.run_in_background(self.lesson.actions["loss_surface"], settings,
                               _quiet_reporter(), RunControl(),
                               done=lambda out, t=token: self._surface_done(out, t))

    def _surface_done(self, out: dict, token: int) -> None:
        if token == self._surface_token:
            self.surface.set_paths(out["result"])

    def refresh_mini_batches(self) -> None:
        settings = self._settings_or_say()
        if settings is None or self.dataset is None:
            return
        self._batch_token += 1
        token = self._batch_token
        self.run_in_background(self.lesson.actions["mini_batches"], settings,
                               _quiet_reporter(), RunControl(), self.dataset,
                               self.mini_batches.epoch.value(),
                               done=lambda out, t=token: self._batches_done(out, t))

    def _batches_done(self, out: dict, token: int) -> None:
        if token == self._batch_token:
            self.mini_batches.show_view(out["result"])

    def shutdown(self) -> None:
        self.surface.stop()
        super().shutdown()


__all__ = ["GradientCheckingPage", "OptimizationPage"]
