"""Starting the app, and rendering a lesson page to a PNG without a screen."""
from __future__ import annotations

import argparse
import os
import sys
import time


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dl-playground",
                                     description="DL Playground: the course's lessons, live.")
    parser.add_argument("--lesson", help="open this lesson first (e.g. logistic-regression)")
    parser.add_argument("--screenshot", nargs=2, metavar=("LESSON", "OUT_PNG"),
                        help="render LESSON's page offscreen to OUT_PNG and exit")
    parser.add_argument("--steps", type=int, default=0,
                        help="with --screenshot: train this many iterations first")
    parser.add_argument("--tab", type=int, default=0,
                        help="with --screenshot: which panel tab to show (0 = first)")
    parser.add_argument("--size", default="1500x900",
                        help="with --screenshot: window size WIDTHxHEIGHT")
    return parser


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2


ITERATION_SETTINGS = ("num_iterations", "num_epochs", "epochs")
TRAINING_LIMIT_S = 900


def background_busy(page) -> bool:
    """Is the page still computing something it will show (its background tasks,
    the feature-map viewer's model description and maps)?"""
    if getattr(page, "_tasks", None):
        return True
    viewer = getattr(page, "feature_maps", None)
    return viewer is not None and any(queue.busy for queue in
                                      (viewer.model_queue, viewer.maps_queue))


def screenshot(app, lesson_id: str, out_path: str, steps: int, tab: int, size: str) -> int:
    from engine.lessons import UnknownLesson, get_lesson
    from playground.main_window import MainWindow
    try:
        get_lesson(lesson_id)
        width, height = (int(v) for v in size.lower().split("x"))
    except UnknownLesson as exc:
        return _fail(str(exc))
    except ValueError:
        return _fail(f"--size must look like 1500x900; got '{size}'.")
    from playground.lessons.base import TrainingPage
    from playground.panels.controls import RunControls
    # A screenshot's run is not one of the user's runs: not in the history, and its
    # --steps must not become the lesson's remembered settings. It goes full speed.
    TrainingPage.record_history = False
    TrainingPage.remember_settings = False
    RunControls.animate_default = False
    window = MainWindow()
    window.resize(width, height)
    window.show()
    page = window.open_lesson(lesson_id)
    deadline = time.monotonic() + 120   # opening: data, TensorFlow, equations

    def pump(condition, limit=deadline):
        while not condition() and time.monotonic() < limit:
            app.processEvents()
            time.sleep(0.01)

    if hasattr(page, "dataset"):
        pump(lambda: page.dataset is not None or "color:#c62828" in page.provenance.text())
    # Keras pages import TensorFlow in the background and refuse to train before it is in.
    pump(lambda: getattr(page, "tensorflow_ready", True)
         or getattr(page, "tensorflow_error", None) is not None)
    if steps > 0 and hasattr(page, "start_training"):
        from engine.settings import replace_setting
        settings = page.settings_panel.values()
        # --steps caps whichever length setting the lesson has (iterations or epochs).
        for name in ITERATION_SETTINGS:
            if steps < getattr(settings, name, steps):
                page.settings_panel.set_values(replace_setting(settings, name, steps))
                break
        page.start_training()
        # a run may take minutes (ResNet50 builds for ~40 s before its first batch)
        pump(lambda: not page.running, time.monotonic() + TRAINING_LIMIT_S)
    pump(lambda: page.text.pending_equations == 0)  # equations drawn in the background
    # What the page computes in the background (a layer table, the door model's
    # layers and their feature maps) belongs in the picture, not "Reading…".
    pump(lambda: not background_busy(page), time.monotonic() + 120)
    # a page with its own background work (a detection) says when it has something to show
    ready = getattr(page, "screenshot_ready", None)
    if ready is not None:
        pump(ready, time.monotonic() + 90)
    if hasattr(page, "tabs"):
        page.tabs.setCurrentIndex(min(tab, page.tabs.count() - 1))
    # Let the bridge deliver the last events and the plots repaint.
    pump(lambda: False, time.monotonic() + 0.5)
    if not window.grab().save(out_path):
        return _fail(f"could not write {out_path}.")
    print(out_path)
    window.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from engine.jobs import quiet_numeric_warnings
    quiet_numeric_warnings()
    if args.screenshot:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("DL Playground")
    if args.screenshot:
        return screenshot(app, *args.screenshot, args.steps, args.tab, args.size)
    from playground.main_window import MainWindow
    from playground.safe_slots import install_last_resort
    install_last_resort(app)
    window = MainWindow()
    window.show()
    if args.lesson:
        from engine.lessons import UnknownLesson
        try:
            window.open_lesson(args.lesson)
        except UnknownLesson as exc:
            return _fail(str(exc))
    return app.exec()
