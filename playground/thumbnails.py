"""Make the welcome page's lesson pictures: ``python -m playground.thumbnails``.

Each lesson page is opened offscreen, trained briefly where it trains (a short run of
its own settings, so the picture shows what the page is about: a bent boundary, curves,
feature maps), and its bench is saved as a small PNG in assets/thumbnails/. Run it
again after a page changes its look; pass lesson ids to redo only those.
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

OUT_DIR = Path(__file__).resolve().parents[1] / "assets" / "thumbnails"
WIDTH, HEIGHT = 448, 252          # twice the map's icon size: sharp on a HiDPI screen
WINDOW = (1600, 1000)
SHORT_RUN = {"num_iterations": 400, "num_epochs": 3, "epochs": 2}
RUN_LIMIT_S = 120


def _pump(app, condition, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.01)


def _short_run(page) -> None:
    from engine.settings import replace_setting
    settings = page.settings_panel.values()
    for name, value in SHORT_RUN.items():
        if hasattr(settings, name) and getattr(settings, name) > value:
            settings = replace_setting(settings, name, value)
    page.settings_panel.set_values(settings)
    page.start_training()


def make_thumbnail(app, window, lesson_id: str, out_dir: Path = OUT_DIR) -> Path:
    page = window.open_lesson(lesson_id)
    if hasattr(page, "dataset"):
        _pump(app, lambda: page.dataset is not None or "c62828" in page.provenance.text(), 90)
        _pump(app, lambda: getattr(page, "tensorflow_ready", True), 90)
        if page.dataset is not None and lesson_id != "resnet50":   # ResNet50: minutes
            _short_run(page)
            _pump(app, lambda: not page.running, RUN_LIMIT_S)
            if page.running:
                page.stop()
    _pump(app, lambda: False, 1.0)
    from PySide6.QtCore import Qt
    picture = page.work_area.grab().scaled(WIDTH, HEIGHT, Qt.AspectRatioMode.KeepAspectRatio,
                                           Qt.TransformationMode.SmoothTransformation)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{lesson_id}.png"
    picture.save(str(path), "PNG")
    return path


def _private_user_folder() -> None:
    """The short runs must not replace the learner's remembered settings: use a fresh
    user folder, still reading the course files from the real one."""
    import tempfile

    from engine.data.course_files import DATA_ENV, user_datasets_dir
    if not os.environ.get(DATA_ENV) and user_datasets_dir().is_dir():
        os.environ[DATA_ENV] = str(user_datasets_dir())
    os.environ["DL_PLAYGROUND_USER_DIR"] = tempfile.mkdtemp(prefix="dl-playground-thumbs-")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from engine.lessons import UnknownLesson, get_lesson, lesson_ids
    from playground.lessons.base import TrainingPage
    from playground.main_window import MainWindow
    ids = argv or lesson_ids()
    try:
        for lesson_id in ids:
            get_lesson(lesson_id)
    except UnknownLesson as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    _private_user_folder()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    TrainingPage.record_history = False   # a thumbnail's run is not one of the user's runs
    window = MainWindow()
    window.resize(*WINDOW)
    window.show()
    for lesson_id in ids:
        print(make_thumbnail(app, window, lesson_id), flush=True)
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
