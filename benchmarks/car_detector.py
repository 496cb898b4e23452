"""The embedded car detector: inference per frame, a video with detection running, and
training time per epoch.

    python benchmarks/car_detector.py [--seconds 8] [--frames 40]

- inference: ``Detector.raw_output`` on 640x360 road scenes (resize + network), median
  and p90 ms per frame, then the viewer's re-filter (NumPy twins) on the same output;
- video: the real YOLO viewer (offscreen Qt) playing a 25 fps 640x360 video of road
  scenes through ``VideoDetection`` (reader and detector threads), in the real event
  loop; a 5 ms QTimer heartbeat measures UI stalls (how late each beat fires).
  Targets: display >= 10 fps with detection running, p99 stall <= 50 ms;
  The same heartbeat on an idle event loop, just before, shows what the machine's
  load alone costs;
- training: seconds per batch of 32 scenes (drawing + YOLOv2 loss + Adam step) after
  the first, and the seconds a 512-scene epoch takes at that rate.
Prints one JSON object.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
from PySide6.QtCore import QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from keras_responsiveness import Heartbeat  # noqa: E402


def percentiles(values, *ps):
    return {f"p{p}": round(float(np.percentile(values, p)), 2) for p in ps}


def write_video(path: Path, seconds: float, fps: float = 25.0) -> Path:
    import cv2

    from engine.data.road_scenes import make_scene
    scenes = [make_scene(s, 360, 640).image[..., ::-1] for s in range(12)]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (640, 360))
    for i in range(int(seconds * fps)):
        writer.write(scenes[(i // 10) % len(scenes)])
    writer.release()
    return path


def inference(detector, frames: int) -> dict:
    from engine.data.road_scenes import make_scene
    from engine.keras_models.yolo_stages import YoloCandidates

    images = [make_scene(1000 + k, 360, 640).image for k in range(frames)]
    detector.raw_output(images[0])                        # warm-up
    times, refilter = [], []
    for image in images:
        t0 = time.perf_counter()
        raw = detector.raw_output(image)
        times.append(1000 * (time.perf_counter() - t0))
        t0 = time.perf_counter()
        YoloCandidates.from_features(raw, detector.anchors, 4, image.shape[:2]).stages(
            0.3, 0.5, 10)
        refilter.append(1000 * (time.perf_counter() - t0))
    return {"frames": frames, "ms_per_frame": {"median": round(float(np.median(times)), 2),
                                              **percentiles(times, 90)},
            "decode_and_filter_ms": {"median": round(float(np.median(refilter)), 3),
                                     **percentiles(refilter, 99)}}


def idle_stalls(app, seconds: float) -> dict:
    """The same heartbeat with nothing else on the page: what this machine's load
    alone does to the event loop (measured in the same run, just before the video)."""
    beat = Heartbeat()
    beat.start()
    QTimer.singleShot(int(1000 * seconds), app.quit)
    app.exec()
    return beat.stop()


def video(app, detector, seconds: float) -> dict:
    from playground.panels.video_detection import VideoDetection
    from playground.panels.yolo_viewer import YoloViewer

    path = write_video(Path(tempfile.mkdtemp(prefix="yolo-bench-")) / "drive.avi",
                       seconds + 4)
    viewer = YoloViewer()
    viewer.resize(960, 560)
    viewer.show()
    player = VideoDetection(path, detector.raw_output)

    def show(frame):
        viewer.show_frame(frame)
        player.frame_shown()

    player.frame.connect(show)
    player.detection.connect(lambda out: viewer.set_frame_detection(
        out[0], detector.anchors, detector.class_names, out[1]))
    beat = Heartbeat()
    player.start()
    # one second to start (the first frames, the detector's first call), then measure
    QTimer.singleShot(1000, lambda: (beat.start(),
                                     marks.update(t0=time.perf_counter(),
                                                  paints=viewer.canvas.paints,
                                                  shown=player.frames_shown,
                                                  detections=player.detections)))
    marks: dict = {}
    QTimer.singleShot(int(1000 * (1 + seconds)), app.quit)
    app.exec()
    stall_ms = beat.stop()
    elapsed = time.perf_counter() - marks["t0"]
    shown = player.frames_shown - marks["shown"]
    detections = player.detections - marks["detections"]
    player.stop()
    return {"seconds": round(elapsed, 2), "video_fps": player.fps,
            "display_fps": round(shown / elapsed, 2),
            "canvas_paints_per_s": round((viewer.canvas.paints - marks["paints"]) / elapsed, 2),
            "detections_per_s": round(detections / elapsed, 2),
            "detect_ms_median": round(1000 * float(np.median(player.detect_seconds)), 1),
            "stall_ms": stall_ms}


def training(batches: int) -> dict:
    from engine.keras_models import car_detector as cd
    from engine.keras_models import car_detector_training as tr

    anchors = np.asarray(cd.read_info()["anchors"], np.float32)
    model = cd.build_car_detector()
    trainer = tr.DetectorTrainer(model, anchors, 1e-3)
    seconds, draw = [], []
    for k in range(batches + 1):
        t0 = time.perf_counter()
        batch = tr.make_batch(range(k * 32, k * 32 + 32), anchors)
        t1 = time.perf_counter()
        trainer.train_batch(batch)
        t2 = time.perf_counter()
        if k:                       # the first also traces the training step
            draw.append(t1 - t0)
            seconds.append(t2 - t1)
    per_batch = float(np.median(seconds))
    return {"batch_size": 32, "step_s_median": round(per_batch, 3),
            "draw_s_median": round(float(np.median(draw)), 3),
            # drawing overlaps training in the script (a producer thread)
            "epoch_512_scenes_s": round(per_batch * 16, 1)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--frames", type=int, default=40)
    parser.add_argument("--batches", type=int, default=4)
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])
    from engine.keras_models.detectors import load_embedded_detector
    detector = load_embedded_detector()
    out = {"cpu_count": os.cpu_count(), "load_average": [round(v, 2) for v in os.getloadavg()],
           "inference": inference(detector, args.frames),
           "idle_stall_ms": idle_stalls(app, args.seconds),
           "video": video(app, detector, args.seconds),
           "training": training(args.batches),
           "targets": "video display >= 10 fps with detection running; p99 stall <= 50 ms"}
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
