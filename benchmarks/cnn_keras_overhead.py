"""Keras overhead of the course 4 CNN lessons: seconds per epoch of each lesson's own
job path versus plain ``model.fit`` on a freshly built identical model.

    python benchmarks/cnn_keras_overhead.py [--lessons cnn-signs,happy-house,resnet50]
        [--repeats 3] [--epochs N] [--resnet-pictures 64]

Job side: ``Job(lesson, settings, listener, dataset=...).start(); wait()``, what the
GUI does, with a listener that only counts events. Everything the lesson does per
epoch is in it: JobCallback's progress events and ``control.checkpoint()`` per batch,
snapshots with the live test accuracy, cnn-signs' own course loop (index-gathered
mini-batches, one ``tf.function`` step, ``float()`` of each batch cost), ResNet50's
batch timing and its test pass at every epoch's end.
Fit side: the same network built afresh, the same compile (optimizer, loss, metrics)
and data, ``model.fit(..., batch_size=same, verbose=0)`` with no callback but a
timestamp one (below).

Per-epoch time, excluding one-off costs (building the model, tracing the training
graph in epoch 1, the final evaluation): the wall clock (``perf_counter``) and the
process CPU time (``process_time``, all threads) are read at the end of every epoch,
and seconds per epoch = (end of epoch N - end of epoch 1) / (N - 1). Fit side: a
callback whose ``on_epoch_end`` only reads the two clocks. Job side: the lesson does
not expose epoch ends to the listener (progress events are throttled to 30 a second),
so the benchmark replaces the job's ``reporter.curve`` list with a list that reads
the two clocks in ``append``: the Reporter appends the epoch's cost exactly once per
epoch (cnn-signs, happy-house; in JobCallback's ``on_epoch_end``) or once per batch
(resnet50's per-batch curve; every ``steps``-th append is an epoch's last batch, and
the epoch's test pass falls between two such marks, so it is counted). No lesson
code is changed; the list costs two clock reads per append.

The runs of a repeat are interleaved, alternating which side goes first. ``ratio`` is
median job s/epoch over median fit s/epoch (target <= 1.10), ``pair_ratios`` the
same per repeat, ``cpu_ratio`` the same in CPU seconds (a busy machine disturbs it
less). ResNet50 trains on a subset (``--resnet-pictures`` training pictures, test
pictures in the course's 1080:120 proportion, no real-test extra), since one full
epoch takes minutes on two cores; the subset is stated in the JSON.
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from engine.jobs import Job  # noqa: E402
from engine.keras_models.job_callback import load_tensorflow  # noqa: E402
from engine.lessons import get_lesson  # noqa: E402

LESSONS = ("cnn-signs", "happy-house", "resnet50")
DEFAULT_EPOCHS = {"cnn-signs": 12, "happy-house": 6, "resnet50": 3}


def _clocks() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


class _TimedCurve(list):
    """The Reporter's cost curve, reading the clocks whenever a point is added."""

    def __init__(self) -> None:
        super().__init__()
        self.marks: list[tuple[float, float]] = []

    def append(self, item) -> None:
        super().append(item)
        self.marks.append(_clocks())


def _per_epoch(marks: list[tuple[float, float]]) -> tuple[float, float]:
    """(wall, cpu) seconds per epoch over epochs 2..N from epoch-end marks."""
    if len(marks) < 2:
        raise SystemExit("--epochs must be at least 2 (epoch 1 holds the one-off costs).")
    n = len(marks) - 1
    return ((marks[-1][0] - marks[0][0]) / n, (marks[-1][1] - marks[0][1]) / n)


def _one_hot(labels, classes: int) -> np.ndarray:
    return np.eye(classes, dtype=np.float32)[np.asarray(labels).reshape(-1)]


def _subset(dataset, pictures: int):
    """The first ``pictures`` training pictures and the course's share of test ones."""
    tests = max(1, round(pictures * 120 / 1080))
    return replace(dataset, X_train=dataset.X_train[:pictures],
                   Y_train=dataset.Y_train[:, :pictures], X_test=dataset.X_test[:tests],
                   Y_test=dataset.Y_test[:, :tests], extra={},
                   provenance=f"{dataset.provenance} [subset: first {pictures} training "
                              f"and {tests} test pictures, no real-test extra]")


def _plan(lesson_id: str, epochs: int, resnet_pictures: int):
    """(lesson, dataset, settings, batch size, build_and_compile) for one lesson.

    ``build_and_compile()`` returns a fresh model compiled the way the lesson compiles
    it, plus the fit inputs (X, Y)."""
    _, keras = load_tensorflow()
    lesson = get_lesson(lesson_id)
    dataset = lesson.load_data()
    if lesson_id == "cnn-signs":
        from engine.keras_models.course_loop import course_adam
        from engine.keras_models.signs_cnn import signs_cnn_model, to_model_input
        batch = 64
        settings = lesson.make_settings({"num_epochs": epochs, "minibatch_size": str(batch)})
        X, Y = to_model_input(dataset.X_train), _one_hot(dataset.Y_train, 6)

        def build():
            model = signs_cnn_model(seed=settings.seed)
            # the course loop's Adam and softmax cross-entropy on logits; it also
            # counts right answers per batch, hence the accuracy metric here
            model.compile(optimizer=course_adam(settings.learning_rate),
                          loss=keras.losses.CategoricalCrossentropy(from_logits=True),
                          metrics=["accuracy"])
            return model
    elif lesson_id == "happy-house":
        from engine.keras_models.happy import build_model, compile_happy_model, to_model_input
        settings = lesson.make_settings({"epochs": epochs})
        batch = int(settings.batch_size)
        X = to_model_input(dataset.X_train)
        Y = dataset.Y_train.reshape(-1, 1).astype(np.float32)

        def build():
            model = build_model(settings.architecture, X.shape[1:], seed=settings.seed)
            compile_happy_model(model, settings.learning_rate)
            return model
    elif lesson_id == "resnet50":
        from engine.keras_models.resnet import ResNet50
        dataset = _subset(dataset, resnet_pictures)
        settings = lesson.make_settings({"epochs": epochs})
        batch = int(settings.batch_size)
        X = np.asarray(dataset.X_train, np.float32) / np.float32(255)
        Y = _one_hot(dataset.Y_train, len(dataset.classes))

        def build():
            model = ResNet50(input_shape=(64, 64, 3), classes=len(dataset.classes))
            model.compile(optimizer=keras.optimizers.Adam(learning_rate=settings.learning_rate),
                          loss="categorical_crossentropy", metrics=["accuracy"])
            return model
    else:
        raise SystemExit(f"Unknown lesson {lesson_id!r}; choose from {', '.join(LESSONS)}.")
    return lesson, dataset, settings, batch, X, Y, build


def _measure(lesson_id: str, epochs: int, repeats: int, resnet_pictures: int) -> dict:
    _, keras = load_tensorflow()
    lesson, dataset, settings, batch, X, Y, build = _plan(lesson_id, epochs, resnet_pictures)
    steps = -(-len(X) // batch)
    events = {"n": 0}

    def listener(event):  # what the GUI bridge does: store, count, return
        events["n"] += 1

    class EpochClock(keras.callbacks.Callback):
        def __init__(self) -> None:
            super().__init__()
            self.marks: list[tuple[float, float]] = []

        def on_epoch_end(self, epoch, logs=None) -> None:
            self.marks.append(_clocks())

    def run_job() -> tuple[float, float, float]:
        t0 = time.perf_counter()
        job = Job(lesson, settings, listener, dataset=dataset)
        curve = job.reporter.curve = _TimedCurve()
        job.start()
        job.wait()
        if job.error:
            raise SystemExit(f"{lesson_id} job failed: {job.error}")
        per_batch = lesson_id == "resnet50"   # its JobCallback records every batch
        marks = curve.marks[steps - 1::steps] if per_batch else curve.marks
        assert len(marks) == epochs, (len(curve.marks), epochs)
        return (*_per_epoch(marks), time.perf_counter() - t0)

    def run_fit() -> tuple[float, float, float]:
        t0 = time.perf_counter()
        model = build()
        clock = EpochClock()
        model.fit(X, Y, batch_size=batch, epochs=epochs, callbacks=[clock], verbose=0)
        return (*_per_epoch(clock.marks), time.perf_counter() - t0)

    out = {"job": [], "fit": []}
    for r in range(repeats):
        order = (("job", run_job), ("fit", run_fit))
        for side, fn in (order if r % 2 == 0 else order[::-1]):
            out[side].append(fn())
            gc.collect()   # drop the finished run's model before the next one
    job_wall = [w for w, _, _ in out["job"]]
    fit_wall = [w for w, _, _ in out["fit"]]
    job_cpu = [c for _, c, _ in out["job"]]
    fit_cpu = [c for _, c, _ in out["fit"]]
    return {
        "epochs": epochs, "batch_size": batch, "steps_per_epoch": steps,
        "training_pictures": int(len(X)), "test_pictures": dataset.m_test,
        "dataset": dataset.provenance,
        "job_s_per_epoch": [round(t, 4) for t in job_wall],
        "fit_s_per_epoch": [round(t, 4) for t in fit_wall],
        "ratio": round(statistics.median(job_wall) / statistics.median(fit_wall), 4),
        "pair_ratios": [round(j / f, 4) for j, f in zip(job_wall, fit_wall)],
        "cpu_s_per_epoch": {"job": [round(t, 4) for t in job_cpu],
                            "fit": [round(t, 4) for t in fit_cpu]},
        "cpu_ratio": round(statistics.median(job_cpu) / statistics.median(fit_cpu), 4),
        "cpu_pair_ratios": [round(j / f, 4) for j, f in zip(job_cpu, fit_cpu)],
        "whole_run_s": {"job": [round(t, 2) for _, _, t in out["job"]],
                        "fit": [round(t, 2) for _, _, t in out["fit"]]},
        "events_per_job_run": events["n"] // repeats,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lessons", default=",".join(LESSONS))
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=None,
                        help="epochs per run for every lesson (default: "
                             + ", ".join(f"{k} {v}" for k, v in DEFAULT_EPOCHS.items()) + ")")
    parser.add_argument("--resnet-pictures", type=int, default=64,
                        help="training pictures of the resnet50 subset (default 64)")
    args = parser.parse_args()
    if args.epochs is not None and args.epochs < 2:
        parser.error("--epochs must be at least 2 (epoch 1 holds the one-off costs)")
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    lessons = [name.strip() for name in args.lessons.split(",") if name.strip()]
    tf, keras = load_tensorflow()
    load_before = os.getloadavg()
    t0 = time.perf_counter()
    results = {}
    for lesson_id in lessons:
        epochs = args.epochs or DEFAULT_EPOCHS.get(lesson_id, 5)
        results[lesson_id] = _measure(lesson_id, epochs, args.repeats, args.resnet_pictures)
        results[lesson_id]["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
        print(f"{lesson_id}: ratio {results[lesson_id]['ratio']}, cpu_ratio "
              f"{results[lesson_id]['cpu_ratio']}", file=sys.stderr, flush=True)
    print(json.dumps({
        "benchmark": "cnn_keras_overhead",
        "method": "per-epoch seconds over epochs 2..N from epoch-end clock reads; job = "
                  "the lesson's Job with a counting listener, fit = fresh identical model, "
                  "model.fit, no callbacks but the clock; interleaved, alternating order",
        "repeats": args.repeats, "cpus": os.cpu_count(),
        "tensorflow": tf.__version__, "keras": keras.__version__,
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "total_s": round(time.perf_counter() - t0, 1),
        "lessons": results,
        "target": "ratio <= 1.10",
    }, indent=2))


if __name__ == "__main__":
    main()
