"""Full YOLOv2 at 608x608 (random weights: the timing does not depend on them) on a
720x1280 picture: the lesson path (``YoloDetector.detect``: resize, ``model(x)``,
``yolo_head``, the cached candidates and the NumPy twins, what the car-detection
lesson, ``predict`` and the headless runner call) versus the bare course pipeline
(the same resize, ``model(x)``, ``yolo_head``, ``yolo_eval``), interleaved and
alternating which goes first.

    python benchmarks/yolo_full.py [--repeats 5]

Prints one JSON object; ``ratio`` = the median over back-to-back pairs of lesson
seconds / bare seconds (target <= 1.10), with the ratio of medians and of minimums
beside it. Both return the same boxes (checked).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5)
    # 0: all 1,805 boxes reach the NMS (random weights keep none at the course's .6)
    parser.add_argument("--score-threshold", type=float, default=0.0)
    args = parser.parse_args()

    from PIL import Image

    from engine.keras_models.job_callback import load_tensorflow
    load_tensorflow()
    import tensorflow as tf

    from engine.keras_models.yolo import yolo_eval, yolo_head
    from engine.keras_models.yolo_body import yolo_body
    from engine.keras_models.yolo_detector import YoloDetector
    from engine.keras_models.yolo_utils import COCO_CLASSES, YOLO_ANCHORS, image_to_input

    started = time.perf_counter()
    model = yolo_body()
    build_s = time.perf_counter() - started
    detector = YoloDetector(model, YOLO_ANCHORS, list(COCO_CLASSES), "random weights")
    rng = np.random.default_rng(0)
    picture = Image.fromarray(rng.integers(0, 256, (720, 1280, 3), dtype=np.uint8))
    settings = dict(max_boxes=10, score_threshold=args.score_threshold,
                    iou_threshold=0.5)

    def lesson():
        return detector.detect(picture, **settings)

    def bare():
        x = image_to_input(picture, (608, 608))
        feats = model(x, training=False)
        head = [t[0] for t in yolo_head(feats, YOLO_ANCHORS, 80)]
        return [t.numpy() for t in yolo_eval(head, (720., 1280.), **settings)]

    lesson_result, bare_result = lesson(), bare()      # warm-up (kernels, caches)
    same = all(np.array_equal(a, b) for a, b in zip(
        (lesson_result.scores, lesson_result.boxes, lesson_result.classes), bare_result))
    lesson_s, bare_s, lesson_cpu, bare_cpu = [], [], [], []
    for repeat in range(args.repeats):
        order = (lesson, bare) if repeat % 2 == 0 else (bare, lesson)
        for run in order:
            c0, t0 = time.process_time(), time.perf_counter()
            run()
            wall, cpu = time.perf_counter() - t0, time.process_time() - c0
            (lesson_s if run is lesson else bare_s).append(wall)
            (lesson_cpu if run is lesson else bare_cpu).append(cpu)
    # each pair ran back to back, so the machine's load drifts less within a pair
    # than across the run: the median of the pair ratios is the headline figure
    pair_ratios = [a / b for a, b in zip(lesson_s, bare_s)]

    print(json.dumps({
        "device": "GPU" if tf.config.list_logical_devices("GPU") else "CPU",
        "input": "608x608 from a 720x1280 picture",
        "parameters": int(model.count_params()),
        "build_s": round(build_s, 2),
        "repeats": args.repeats,
        "lesson_s": [round(s, 3) for s in lesson_s],
        "bare_s": [round(s, 3) for s in bare_s],
        "lesson_median_s": round(statistics.median(lesson_s), 3),
        "bare_median_s": round(statistics.median(bare_s), 3),
        "pair_ratios": [round(r, 3) for r in pair_ratios],
        "ratio": round(statistics.median(pair_ratios), 3),
        "ratio_of_medians": round(statistics.median(lesson_s)
                                  / statistics.median(bare_s), 3),
        "ratio_of_minimums": round(min(lesson_s) / min(bare_s), 3),
        # process CPU seconds (all TensorFlow threads): other jobs on a shared
        # machine disturb these far less than wall time
        "lesson_cpu_median_s": round(statistics.median(lesson_cpu), 3),
        "bare_cpu_median_s": round(statistics.median(bare_cpu), 3),
        "cpu_ratio": round(statistics.median(lesson_cpu) / statistics.median(bare_cpu), 3),
        "load_average": [round(v, 1) for v in os.getloadavg()],
        "target_ratio": 1.10,
        "same_boxes": bool(same),
        "boxes_kept": int(len(lesson_result.scores)),
    }, indent=2))


if __name__ == "__main__":
    main()
