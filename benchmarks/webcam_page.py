"""The Happy House door page on a 640x480 stream: display rate, recognition rate, latency.

    python benchmarks/webcam_page.py [--seconds 8] [--faces ../shared/datasets/faces]

A video file stands in for the webcam: a resident's photo (scaled to 240 px, drifting
slowly) on a plain background, 30 fps, long enough to last the measurement. The
residents are imported into a temporary user folder first. Measured on the real page
(offscreen Qt): frames painted per second, recognition results per second and each
result's latency (frame grabbed -> result), as the page shows them.
Targets: display >= 20 fps, recognition >= 5/s, latency <= 200 ms.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402

DEFAULT_FACES = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "faces"


def write_video(photo: Path, out: Path, seconds: float, fps: float = 30.0) -> Path:
    import cv2
    face = cv2.resize(cv2.imread(str(photo), cv2.IMREAD_COLOR), (240, 240),
                      interpolation=cv2.INTER_CUBIC)
    frames = int(seconds * fps)
    writer = cv2.VideoWriter(str(out), cv2.VideoWriter_fourcc(*"MJPG"), fps, (640, 480))
    for i in range(frames):
        frame = np.full((480, 640, 3), (205, 190, 170), np.uint8)
        x = 120 + int(140 * (0.5 - 0.5 * np.cos(2 * np.pi * i / frames)))
        frame[110:350, x:x + 240] = face
        writer.write(frame)
    writer.release()
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=8.0, help="measurement time")
    parser.add_argument("--faces", type=Path, default=DEFAULT_FACES)
    parser.add_argument("--threads", action="store_true",
                        help="recognise on a thread in the app process (the fallback) "
                             "instead of the recognition process")
    args = parser.parse_args()
    if not (args.faces / "younes.jpg").is_file():
        sys.exit(f"error: the course's face photos are not in {args.faces}")
    work = Path(tempfile.mkdtemp(prefix="webcam-bench-"))
    os.environ["DL_PLAYGROUND_USER_DIR"] = str(work / "user")   # never the real user's
    residents = work / "residents"
    residents.mkdir()
    for photo in args.faces.iterdir():
        if photo.suffix in (".jpg", ".png") and not photo.stem.startswith("camera"):
            shutil.copy(photo, residents / photo.name)
    video = write_video(args.faces / "younes.jpg", work / "door.avi", args.seconds + 20)

    from PySide6.QtWidgets import QApplication
    app = QApplication.instance() or QApplication(sys.argv[:1])
    from engine.lessons import get_lesson
    from playground.lessons.face_page import FaceRecognitionPage
    page = FaceRecognitionPage(get_lesson("face-recognition"))
    page.use_process = not args.threads
    page.resize(1250, 850)
    page.show()

    def pump(condition, limit):
        end = time.monotonic() + limit
        while not condition() and time.monotonic() < end:
            app.processEvents()
            time.sleep(0.002)
        return condition()

    if not pump(lambda: page.encoder is not None and page.store is not None, 120):
        sys.exit("error: the encoder did not load")
    page.import_folder(residents)
    pump(lambda: not page.residents.busy and page.residents.names(), 300)

    results = []
    pump(lambda: page.recognition_ready, 60)   # the recognition process is up
    page.play(str(video))
    pump(lambda: page.worker is not None, 60)
    original = page.worker.on_result

    def counting(result):              # worker thread
        results.append((time.perf_counter(), result.latency_s, result.rate_hz))
        original(result)

    page.worker.on_result = counting
    # warm-up: the recognition process starts and loads its models, first detections
    pump(lambda: page.video.frames_shown > 0 and len(results) >= 3, 60)
    pump(lambda: False, 1.0)
    shown0, n0, t0 = page.video.frames_shown, len(results), time.perf_counter()
    pump(lambda: False, args.seconds)
    elapsed = time.perf_counter() - t0
    shown, done = page.video.frames_shown - shown0, results[n0:]
    latencies = sorted(r[1] * 1000 for r in done)
    named = [n for n in page.recognised_names if n is not None]
    report = {
        "benchmark": "webcam_page",
        "stream": "640x480 MJPG video, 30 fps",
        "encoder": page.encoder.name,
        "recognition_in": "thread" if args.threads else "child process",
        "seconds": round(elapsed, 2),
        "display_fps": round(shown / elapsed, 1),
        "recognition_per_s": round(len(done) / elapsed, 2),
        "latency_ms_median": round(statistics.median(latencies), 1) if latencies else None,
        "latency_ms_p95": round(latencies[int(0.95 * (len(latencies) - 1))], 1)
        if latencies else None,
        "page_shows": page.stats.text(),
        "recognised_as_younes": round(sum(n == "younes" for n in named) / len(named), 3)
        if named else None,
        "door": page.door_view.state,
        "cpu_count": os.cpu_count(),
    }
    report["targets_met"] = bool(report["display_fps"] >= 20 and
                                 report["recognition_per_s"] >= 5 and
                                 (report["latency_ms_median"] or 1e9) <= 200)
    page.shutdown()
    page.close()
    shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
