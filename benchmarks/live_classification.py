"""Live classification and "hold to record" on a 640x480 stream standing in for a camera.

    python benchmarks/live_classification.py [--seconds 6] [--fps 30]

A video file at 30 fps (a bright square drifting over a changing background) plays
through ``open_source`` -> ``FrameGrabber``, as the "Your data" tab plays a camera.

1. Live classification, for the ``cnn-signs`` and ``happy-house`` models (the lessons'
   own architectures, trained for one epoch on a few stand-in pictures: the weights do
   not change the cost of an answer): ``LiveClassifier`` answers per second, and each
   answer's latency (frame grabbed -> probabilities ready) p50/p99, beside the bare
   cost of one ``classify_image`` call on the same frames, measured in the same run.
2. Recording while a class button is held, driven on the real ``OwnDataPanel``
   offscreen: pictures stored per second by its record timer (target: its 8/s), alone
   and while live classification runs beside it, and the cost of storing one picture
   (``DatasetDraft.add_frame``: centre crop + resize of a 640x480 frame).
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import tempfile
import time
import types
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("DL_PLAYGROUND_USER_DIR", tempfile.mkdtemp(prefix="dlp-live-"))

import numpy as np  # noqa: E402


def write_video(out: Path, seconds: float, fps: float) -> Path:
    import cv2
    writer = cv2.VideoWriter(str(out), cv2.VideoWriter_fourcc(*"MJPG"), fps, (640, 480))
    frames = int(seconds * fps)
    for i in range(frames):
        frame = np.full((480, 640, 3), (40 + i % 150, 90, 160), np.uint8)
        x = 100 + int(300 * i / max(frames - 1, 1))
        frame[140:340, x:x + 200] = (230, 220, 210)
        writer.write(frame)
    writer.release()
    return out


def trained_result(lesson_id: str) -> tuple:
    """The lesson's model trained for one epoch on a few stand-in pictures."""
    from engine.data.happy import happy_standin
    from engine.data.signs import signs_standin
    from engine.jobs import Job
    from engine.lessons import get_lesson

    lesson = get_lesson(lesson_id)
    settings = lesson.default_settings()
    if lesson_id == "cnn-signs":
        settings = dataclasses.replace(settings, num_epochs=1)
        dataset = signs_standin(0, train_per_class=4, test_per_class=1)
    else:
        settings = dataclasses.replace(settings, epochs=1)
        dataset = happy_standin(0, train_size=16, test_size=4)
    job = Job(lesson, settings, lambda event: None, dataset=dataset).run_here()
    if job.error:
        raise SystemExit(f"{lesson_id}: {job.error}")
    return lesson, job.result


def percentile(values, q):
    return float(np.percentile(np.asarray(values), q)) if values else None


def measure_live(lesson, result, video: Path, seconds: float, fps: float) -> dict:
    from engine.faces.camera import FrameGrabber, open_source
    from engine.live_classification import LiveClassifier

    classify = lambda frame: lesson.classify_image(result, frame)  # noqa: E731
    # the bare cost of one answer, on frames of the same stream, before the live run
    frames = []
    grab = FrameGrabber(open_source(str(video), fps=fps, loop=True))
    deadline = time.monotonic() + 5
    after = None
    while len(frames) < 20 and time.monotonic() < deadline:
        got = grab.wait_next(after, timeout_s=0.5)
        if got is not None:
            after, frame, _ = got
            frames.append(frame)
    grab.stop()
    classify(frames[0])                          # the first call builds the graph
    bare = []
    for frame in frames:
        t0 = time.perf_counter()
        classify(frame)
        bare.append(time.perf_counter() - t0)

    grabber = FrameGrabber(open_source(str(video), fps=fps, loop=True))
    live = LiveClassifier(grabber, classify, result.get("classes") or [])
    live.start()
    time.sleep(1.0)                              # warm: camera open, first answers
    start_answers, t0 = live.answers, time.monotonic()
    latencies, seen = [], None
    while time.monotonic() - t0 < seconds:
        answer = live.latest()
        if answer is not None and answer.frame_index != seen:
            seen = answer.frame_index
            latencies.append(answer.latency_s)
        time.sleep(0.002)
    elapsed = time.monotonic() - t0
    answers = live.answers - start_answers
    camera_fps = grabber.fps
    error = live.error or grabber.error
    live.stop()
    grabber.stop()
    return {"answers_per_s": round(answers / elapsed, 2),
            "camera_fps": round(camera_fps, 2),
            "latency_ms_p50": round(1000 * percentile(latencies, 50), 1),
            "latency_ms_p99": round(1000 * percentile(latencies, 99), 1),
            "classify_image_ms_median": round(1000 * float(np.median(bare)), 2),
            "answers_seen": len(latencies), "error": error}


def measure_recording(lesson, result, video: Path, seconds: float, fps: float,
                      with_live: bool) -> dict:
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from playground.panels.own_data_panel import OwnDataPanel

    app = QApplication.instance() or QApplication([])
    page = types.SimpleNamespace(last_result=result)
    panel = OwnDataPanel(lesson, page)
    if not panel.start_source(str(video), fps=fps, loop=True):
        raise SystemExit(panel.message.text())
    if with_live:
        panel.live_check.setChecked(True)

    def run_loop(s):
        loop = QEventLoop()
        QTimer.singleShot(int(1000 * s), loop.quit)
        loop.exec()
    run_loop(1.0)
    name = panel.draft.classes[-1]
    before = len(panel.draft.pictures[name])
    t0 = time.monotonic()
    panel._start_recording(name)                 # what pressing the button does
    run_loop(seconds)
    panel._stop_recording()
    elapsed = time.monotonic() - t0
    stored = len(panel.draft.pictures[name]) - before
    answers = panel.live.answers if panel.live is not None else None
    panel.shutdown()
    app.processEvents()
    return {"pictures_per_s": round(stored / elapsed, 2), "pictures": stored,
            "live_answers": answers, "live_on": with_live}


def measure_add_frame(video: Path) -> float:
    from engine.data.dataset_draft import DatasetDraft
    import cv2
    capture = cv2.VideoCapture(str(video))
    ok, frame = capture.read()
    capture.release()
    frame = np.ascontiguousarray(frame[..., ::-1])
    draft = DatasetDraft("cnn-signs")
    times = []
    for _ in range(50):
        t0 = time.perf_counter()
        draft.add_frame("0", frame)
        times.append(time.perf_counter() - t0)
    return round(1000 * float(np.median(times)), 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--fps", type=float, default=30.0)
    args = parser.parse_args()
    out: dict = {"seconds": args.seconds, "fps": args.fps, "frame": "640x480",
                 "cpu_count": os.cpu_count(),
                 "load_average": [round(x, 2) for x in os.getloadavg()]}
    with tempfile.TemporaryDirectory() as folder:
        video = write_video(Path(folder) / "camera.avi", 20.0, args.fps)
        results = {}
        for lesson_id in ("cnn-signs", "happy-house"):
            lesson, result = trained_result(lesson_id)
            results[lesson_id] = (lesson, result)
            out[lesson_id] = measure_live(lesson, result, video, args.seconds, args.fps)
        lesson, result = results["happy-house"]
        out["recording"] = {
            "timer_target_per_s": 8.0,
            "alone": measure_recording(lesson, result, video, args.seconds, args.fps,
                                       with_live=False),
            "with_live_happy_house": measure_recording(lesson, result, video,
                                                       args.seconds, args.fps,
                                                       with_live=True),
            "add_frame_ms_median": measure_add_frame(video)}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
