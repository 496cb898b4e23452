"""YOLO viewer re-filtering: a slider move re-filters one picture's 1,805 cached boxes
(19x19 cells x 5 anchors, 80 classes) with the NumPy twins, without running the
network. Also checks, on 200 random head outputs, that the twins keep exactly the
boxes the course's TensorFlow ``yolo_eval`` keeps, and times both side by side.

    python benchmarks/yolo_postprocess.py [--moves 2000] [--outputs 200]

Prints one JSON object: per-move latency p50 / p99 (ms, wall clock and the thread's CPU time) of
``YoloCandidates.final``
(the slider path) and ``.stages`` (the step-through, recording every NMS round) over
moves that sweep the score threshold down to 0.05 (hundreds of candidates for the
NMS), the IoU threshold and max boxes; TensorFlow ``yolo_eval`` vs the NumPy
``yolo_eval_numpy`` from the head outputs (median ms and their ratio); and how many of
the random outputs gave identical (scores, boxes, classes). Target: p99 <= 30 ms.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.keras_models.yolo_numpy import yolo_eval_numpy  # noqa: E402
from engine.keras_models.yolo_stages import YoloCandidates  # noqa: E402

IMAGE_SHAPE = (720., 1280.)


def random_outputs(rng):
    """Head outputs like a trained network's: most cells empty, some confident,
    peaked class probabilities, boxes of every size (so NMS has work)."""
    conf = rng.beta(0.3, 1.5, (19, 19, 5, 1)).astype(np.float32)
    logits = rng.normal(0, 1, (19, 19, 5, 80)) * rng.uniform(0.5, 6, (19, 19, 5, 1))
    probs = np.exp(logits - logits.max(-1, keepdims=True))
    probs = (probs / probs.sum(-1, keepdims=True)).astype(np.float32)
    xy = rng.uniform(0, 1, (19, 19, 5, 2)).astype(np.float32)
    wh = rng.uniform(0.01, 0.6, (19, 19, 5, 2)).astype(np.float32)
    return conf, xy, wh, probs


def percentile(values, q):
    return float(np.percentile(np.asarray(values) * 1000.0, q))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--moves", type=int, default=2000)
    parser.add_argument("--outputs", type=int, default=200)
    args = parser.parse_args()
    rng = np.random.default_rng(0)

    # --- slider moves on one cached output ---
    outputs = random_outputs(rng)
    started = time.perf_counter()
    candidates = YoloCandidates(outputs, IMAGE_SHAPE)
    cache_ms = (time.perf_counter() - started) * 1000
    moves = [(float(rng.uniform(0.05, 0.9)), float(rng.uniform(0.1, 0.9)),
              int(rng.integers(1, 51))) for _ in range(args.moves)]
    final_times, final_cpu, stage_times, kept, filtered = [], [], [], [], []
    for score, iou, max_boxes in moves:
        c0 = time.thread_time()
        t0 = time.perf_counter()
        result = candidates.final(score, iou, max_boxes)
        t1 = time.perf_counter()
        final_cpu.append(time.thread_time() - c0)
        stages = candidates.stages(score, iou, max_boxes)
        t2 = time.perf_counter()
        final_times.append(t1 - t0)
        stage_times.append(t2 - t1)
        kept.append(len(result[0]))
        filtered.append(len(stages.after_filter))

    # --- twins vs yolo_eval on random outputs, timed side by side ---
    from engine.keras_models.job_callback import load_tensorflow
    load_tensorflow()
    from engine.keras_models.yolo import yolo_eval

    same, tf_times, np_times = 0, [], []
    yolo_eval(outputs)                       # first call builds TensorFlow's kernels
    for trial in range(args.outputs):
        head = random_outputs(rng)
        settings = dict(max_boxes=int(rng.integers(1, 30)),
                        score_threshold=float(rng.uniform(0.2, 0.7)),
                        iou_threshold=float(rng.uniform(0.2, 0.8)))
        order = (0, 1) if trial % 2 else (1, 0)     # alternate which runs first
        results = [None, None]
        for which in order:
            t0 = time.perf_counter()
            if which == 0:
                results[0] = [t.numpy() for t in yolo_eval(head, IMAGE_SHAPE, **settings)]
                tf_times.append(time.perf_counter() - t0)
            else:
                results[1] = yolo_eval_numpy(head, IMAGE_SHAPE, **settings)
                np_times.append(time.perf_counter() - t0)
        if all(np.array_equal(a, b) for a, b in zip(*results)):
            same += 1

    print(json.dumps({
        "boxes_per_picture": int(candidates.scores.size),
        "cache_build_ms": round(cache_ms, 3),
        "moves": args.moves,
        "slider_final_ms": {"p50": round(percentile(final_times, 50), 3),
                            "p99": round(percentile(final_times, 99), 3),
                            "max": round(percentile(final_times, 100), 3)},
        # CPU time of the same calls: wall-clock tails on a loaded machine are mostly
        # waiting for a core
        "slider_final_cpu_ms": {"p50": round(percentile(final_cpu, 50), 3),
                                "p99": round(percentile(final_cpu, 99), 3)},
        "slider_stages_ms": {"p50": round(percentile(stage_times, 50), 3),
                             "p99": round(percentile(stage_times, 99), 3),
                             "max": round(percentile(stage_times, 100), 3)},
        "boxes_after_score_filter": {"median": statistics.median(filtered),
                                     "max": max(filtered)},
        "boxes_kept": {"median": statistics.median(kept), "max": max(kept)},
        "target_p99_ms": 30,
        "random_outputs": args.outputs,
        "twins_equal_yolo_eval": same,
        "yolo_eval_tf_median_ms": round(percentile(tf_times, 50), 3),
        "yolo_eval_numpy_median_ms": round(percentile(np_times, 50), 3),
        "ratio_numpy_over_tf": round(statistics.median(np_times)
                                     / statistics.median(tf_times), 3),
    }, indent=2))


if __name__ == "__main__":
    main()
