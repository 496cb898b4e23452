"""Keras overhead: the TensorFlow lesson (tensorflow-signs) through the lesson/job path
(JobCallback: progress every batch, snapshots with test accuracy, a checkpoint after
every batch, final evaluation) versus the same training loop with no callback, and
``model.fit`` on the same model and data for reference, side by side.

    python benchmarks/keras_overhead.py [--epochs 30] [--repeats 3]

Prints one JSON object; ``ratio`` = job seconds per epoch / plain seconds per epoch
(target <= 1.10); ``cpu_ratio`` is the same in CPU seconds of the process, which a
busy machine disturbs less than wall-clock time. The runs are interleaved,
alternating which goes first; on a noisy shared machine single pairs vary a lot.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from engine.jobs import Job  # noqa: E402
from engine.keras_models.job_callback import load_tensorflow  # noqa: E402
from engine.keras_models.tensorflow_intro import signs_model, train_signs_model  # noqa: E402
from engine.lessons import get_lesson  # noqa: E402

LEARNING_RATE, BATCH = 0.0001, 32


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    tf, keras = load_tensorflow()
    lesson = get_lesson("tensorflow-signs")
    dataset = lesson.load_data()
    X = dataset.X_train.reshape(dataset.m_train, -1).astype(np.float32) / 255
    Y = np.eye(6, dtype=np.float32)[dataset.Y_train.reshape(-1)]
    settings = lesson.make_settings({"epochs": args.epochs, "learning_rate": LEARNING_RATE,
                                     "minibatch_size": str(BATCH)})
    events = {"n": 0}

    def listener(event):  # what the GUI bridge does: store, count, return
        events["n"] += 1

    plain, job, fit = [], [], []          # wall seconds per epoch
    plain_cpu, job_cpu, fit_cpu = [], [], []  # CPU seconds per epoch, all threads

    def timed(wall: list, cpu: list, fn):
        t0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        wall.append((time.perf_counter() - t0) / args.epochs)
        cpu.append((time.process_time() - c0) / args.epochs)
        return out

    def time_plain():
        return timed(plain, plain_cpu, lambda: train_signs_model(
            signs_model(), X, Y, LEARNING_RATE, args.epochs, BATCH)[-1])

    def run_job():
        j = Job(lesson, settings, listener, dataset=dataset).start()
        j.wait()
        assert j.error is None, j.error
        return j.metrics["final_cost"]

    def time_job():
        return timed(job, job_cpu, run_job)

    def run_fit():
        model = signs_model()
        model.compile(optimizer=keras.optimizers.Adam(LEARNING_RATE, epsilon=1e-8),
                      loss=keras.losses.CategoricalCrossentropy(from_logits=True))
        history = model.fit(X, Y, batch_size=BATCH, epochs=args.epochs, shuffle=True,
                            verbose=0)
        return history.history["loss"][-1]

    def time_fit():
        return timed(fit, fit_cpu, run_fit)

    final = {}
    for r in range(args.repeats):
        order = (time_plain, time_job, time_fit) if r % 2 == 0 else \
            (time_fit, time_job, time_plain)
        for fn in order:
            final[fn.__name__] = fn()
    # the job path and the plain loop run the same computation
    assert abs(final["time_job"] - final["time_plain"]) < 1e-3 * abs(final["time_plain"]), final
    print(json.dumps({
        "benchmark": "keras_overhead",
        "lesson": "tensorflow-signs", "epochs": args.epochs, "minibatch_size": BATCH,
        "examples": dataset.m_train, "dataset": dataset.provenance,
        "tensorflow": tf.__version__, "keras": keras.__version__,
        "plain_loop_s_per_epoch": [round(t, 4) for t in plain],
        "job_s_per_epoch": [round(t, 4) for t in job],
        "model_fit_s_per_epoch": [round(t, 4) for t in fit],
        "ratio": round(statistics.median(job) / statistics.median(plain), 4),
        "pair_ratios": [round(j / p, 4) for j, p in zip(job, plain)],
        "cpu_ratio": round(statistics.median(job_cpu) / statistics.median(plain_cpu), 4),
        "cpu_s_per_epoch": {"plain": [round(t, 4) for t in plain_cpu],
                            "job": [round(t, 4) for t in job_cpu],
                            "model_fit": [round(t, 4) for t in fit_cpu]},
        "fit_vs_plain": round(statistics.median(fit) / statistics.median(plain), 4),
        "events_per_run": events["n"] // args.repeats,
        "target": "ratio <= 1.10",
    }, indent=2))


if __name__ == "__main__":
    main()
