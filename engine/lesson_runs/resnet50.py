"""Lesson 4.4: Residual Networks, the course's ResNet50 trained on SIGNS.

A run starts either from the course's fresh network (every kernel
``glorot_uniform(seed=0)``) or from the pretrained ``ResNet50.h5`` found through the
weights registry (``engine/weights.py``), and then trains it with the course's
``compile(optimizer='adam', loss='categorical_crossentropy', metrics=['accuracy'])``
and ``fit`` (2 epochs, batch 32), or only evaluates it ("evaluate only": the
course's ``load_model`` + ``evaluate``).

One epoch of ResNet50 is long on a CPU (minutes), so the cost curve is recorded per
batch, and the first few batches are timed to tell the learner early how long an
epoch and the whole run will take (``seconds_per_epoch_estimate`` on every progress
event and snapshot from then on). The test accuracy is computed once per epoch, not
between batches: one forward pass of the test pictures costs seconds here.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from engine.data.images import load_image_for_model
from engine.lesson_runs.common import add_real_test, sign_verdict
from engine.lesson_runs.data_choice import data_loader, run_with_data_choice, \
    with_data_choice
from engine.lessons import COURSE_4, Lesson
from engine.settings import setting

START_SCRATCH = "scratch (glorot seed 0)"
START_PRETRAINED = "pretrained ResNet50.h5"
BATCH_SIZES = ("4", "8", "16", "32", "64", "128")
# Batches timed after the first (which also builds the training graph) for the estimate.
TIMED_BATCHES = 3


@dataclass
class ResNetSettings:
    epochs: int = setting(2, "Epochs", minimum=1, maximum=40,
                          help="Passes over the 1080 training pictures; the course runs 2 "
                               "(and says about 20 give much better results).")
    batch_size: str = setting("32", "Batch size", choices=BATCH_SIZES,
                              help="Pictures per Adam step; the course uses 32.")
    learning_rate: float = setting(0.001, "Learning rate", minimum=1e-6, maximum=0.1,
                                   scale="log",
                                   help="Adam's step size; the course keeps Keras's "
                                        "default 0.001.")
    start_from: str = setting(START_SCRATCH, "Start from",
                              choices=(START_SCRATCH, START_PRETRAINED),
                              help="A fresh network, or the course's ResNet50.h5 (trained "
                                   "by the course staff on SIGNS with a GPU).")
    evaluate_only: bool = setting(False, "Evaluate only",
                                  help="Test the starting network as it is: with the "
                                       "pretrained file this is the course's load_model + "
                                       "evaluate (test accuracy 0.87 on the real photos).")


def course_data(settings=None):
    from engine.data.signs import load_signs_dataset
    return load_signs_dataset()


# the learner's own dataset when the 'data' setting names one
load_data = data_loader(course_data, "signs")


def _inputs(images: np.ndarray) -> np.ndarray:
    """uint8 pictures (m, 64, 64, 3) -> the float32 /255 the network takes."""
    return np.asarray(images, np.float32) / np.float32(255)


def _one_hot(labels: np.ndarray, classes: int) -> np.ndarray:
    return np.eye(classes, dtype=np.float32)[np.asarray(labels).reshape(-1)]


def _probabilities(model, images: np.ndarray, chunk: int = 64) -> np.ndarray:
    """(m, classes) softmax outputs in inference mode (batch norm's moving averages).

    Called eagerly, chunk by chunk: ``model.predict`` would first trace a graph of the
    whole network (tens of seconds on a busy CPU, again for each new batch shape),
    while eager calls cost only the arithmetic."""
    if len(images) == 0:
        return np.zeros((0, model.output_shape[-1]))
    out = [np.asarray(model(_inputs(images[i:i + chunk]), training=False), np.float64)
           for i in range(0, len(images), chunk)]
    return np.concatenate(out, axis=0)


def _results(probabilities: np.ndarray, labels) -> dict:
    labels = np.asarray(labels).reshape(-1)
    predicted = np.argmax(probabilities, axis=1)
    true_p = np.clip(probabilities[np.arange(len(labels)), labels], 1e-12, 1.0)
    return {"accuracy": float(np.mean(predicted == labels)) if len(labels) else None,
            # categorical cross-entropy, the "Loss" model.evaluate prints
            "loss": float(-np.mean(np.log(true_p))) if len(labels) else None,
            "test_predictions": predicted.reshape(1, -1),
            # the probability the model gives its own answer (the captions show it)
            "test_probabilities": probabilities.max(axis=1).reshape(1, -1),
            "test_class_probabilities": probabilities.T,
            "misclassified": [int(i) for i in np.flatnonzero(predicted != labels)]}


def estimate_text(seconds_per_epoch: float, epochs: int, extra: float = 0.0) -> str:
    """"about 250 s per epoch, 8.9 min for the run"; ``extra``: the rest of the run
    (building the training graph once, the final evaluation)."""
    total = seconds_per_epoch * epochs + extra
    run = f"{total / 60:.1f} min" if total >= 60 else f"{total:.0f} s"
    return f"about {seconds_per_epoch:.0f} s per epoch, {run} for the run"


class _EstimateReporter:
    """The job's Reporter with the time estimate added to every progress event and
    snapshot once it is known (the bridge keeps only the latest of each, so a key sent
    once could be lost). Everything else goes straight to the Reporter."""

    def __init__(self, reporter) -> None:
        object.__setattr__(self, "_reporter", reporter)
        object.__setattr__(self, "extra", {})

    def __getattr__(self, name):
        return getattr(self._reporter, name)

    def __setattr__(self, name, value) -> None:
        setattr(self._reporter, name, value)

    def progress(self, iteration, cost, record=True, **metrics) -> None:
        self._reporter.progress(iteration, cost, record, **{**self.extra, **metrics})

    def snapshot(self, **data) -> None:
        self._reporter.snapshot(**{**self.extra, **data})


def _timing_callback(keras, reporter: _EstimateReporter, epochs: int, test_accuracy,
                     test_pictures: int, final_pictures: int, batch_size: int):
    """A Keras callback that times batches (for the estimate) and tests the model at
    each epoch's end. It runs before JobCallback, so JobCallback's last snapshot
    already has the fresh test accuracy. ``final_pictures``: how many pictures are
    classified after training (train, test and real test sets), part of the run."""

    class Timing(keras.callbacks.Callback):
        def __init__(self) -> None:
            super().__init__()
            self.batch_seconds: list[float] = []   # compute time of each batch
            self.epoch_seconds: list[float] = []   # wall time of each epoch + its test
            self.test_accuracy = None
            self.fit_accuracy = None   # what model.fit prints ("acc"), batch statistics
            self._t_batch = self._t_epoch = 0.0
            # seconds to classify one picture; until measured, a forward pass is taken
            # to cost about a third of a training step
            self.inference_seconds = None

        def steps(self) -> int:
            return int((self.params or {}).get("steps") or 1)

        def on_epoch_begin(self, epoch, logs=None) -> None:
            self._t_epoch = time.perf_counter()

        def on_train_batch_begin(self, batch, logs=None) -> None:
            self._t_batch = time.perf_counter()

        def on_train_batch_end(self, batch, logs=None) -> None:
            # compute time only: pauses happen in JobCallback's hook, after this one
            self.batch_seconds.append(time.perf_counter() - self._t_batch)
            steps = self.steps()
            timed = self.batch_seconds[1:1 + TIMED_BATCHES]
            if "seconds_per_epoch_estimate" not in reporter.extra and (
                    len(timed) == min(TIMED_BATCHES, steps - 1) or steps == 1):
                # the first batch also traced the training graph: it is left out of
                # the per-batch time, and counted once as start-up time
                per_batch = float(np.mean(timed)) if timed else self.batch_seconds[0]
                if self.inference_seconds is None:
                    self.inference_seconds = per_batch / max(batch_size, 1) / 3
                self._set_estimate(per_batch * steps, measured=False)

        def on_epoch_end(self, epoch, logs=None) -> None:
            if logs and "accuracy" in logs:
                self.fit_accuracy = float(logs["accuracy"])
            t_test = time.perf_counter()
            self.test_accuracy = test_accuracy()
            test_seconds = time.perf_counter() - t_test
            self.inference_seconds = test_seconds / max(test_pictures, 1)
            self.epoch_seconds.append(time.perf_counter() - self._t_epoch)
            if len(self.epoch_seconds) == 1:
                # epoch 1 includes the start-up: use its batches after the first
                later = self.batch_seconds[1:]
                seconds = float(np.mean(later)) * self.steps() + test_seconds if later \
                    else self.epoch_seconds[0]
            else:
                seconds = float(np.mean(self.epoch_seconds[1:]))
            self._set_estimate(seconds, measured=True)

        def startup_seconds(self) -> float:
            """How much longer the first batch took than the others (graph building)."""
            later = self.batch_seconds[1:1 + TIMED_BATCHES]
            if not later:
                return 0.0
            return max(0.0, self.batch_seconds[0] - float(np.mean(later)))

        def _set_estimate(self, seconds: float, measured: bool) -> None:
            # the run: building the graph once, the epochs, then the final evaluation
            startup = self.startup_seconds()
            final = (self.inference_seconds or 0.0) * final_pictures
            reporter.extra.update({
                "seconds_per_epoch_estimate": seconds,
                "run_seconds_estimate": seconds * epochs + startup + final,
                "startup_seconds": startup,
                "final_evaluation_seconds_estimate": final,
                "estimate_measured": measured,
                "estimate_text": estimate_text(seconds, epochs, startup + final)})
            # no event of its own: JobCallback's progress for this batch, right after
            # this hook, and every later progress event and snapshot carry it

    return Timing()


def _start_model(hp: ResNetSettings):
    from engine.keras_models.resnet import ResNet50
    from engine.weights import get_entry

    if hp.start_from == START_PRETRAINED:
        # missing: the registry's one-line "No ... found. ... Put it in ..." message
        return get_entry("resnet50").load()
    return ResNet50(input_shape=(64, 64, 3), classes=6)


def run(hp: ResNetSettings, on_event, control, dataset=None) -> dict:
    from engine.keras_models.job_callback import JobCallback, load_tensorflow

    dataset = dataset or load_data(hp)
    _, keras = load_tensorflow()
    classes = len(dataset.classes)
    model = _start_model(hp)
    if model.output_shape[-1] != classes:
        from engine.jobs import LessonError
        raise LessonError(f"This ResNet50 answers {model.output_shape[-1]} classes; the "
                          f"data has {classes}.")
    reporter = _EstimateReporter(on_event)
    epochs = 0 if hp.evaluate_only else int(hp.epochs)
    metrics: dict = {}
    timing = None
    if epochs:
        X_train = _inputs(dataset.X_train)
        Y_train = _one_hot(dataset.Y_train, classes)
        test_labels = dataset.Y_test.reshape(-1)

        def test_accuracy() -> float:
            return _results(_probabilities(model, dataset.X_test), test_labels)["accuracy"]

        real = dataset.extra.get("real_test") if dataset.is_standin else None
        final_pictures = len(dataset.X_train) + len(dataset.X_test) + \
            (len(real["X"]) if real is not None else 0)
        timing = _timing_callback(keras, reporter, epochs, test_accuracy,
                                  len(dataset.X_test), final_pictures, int(hp.batch_size))
        callback = JobCallback(
            reporter, control, epochs, per_batch_curve=True,
            evaluate=lambda: {} if timing.test_accuracy is None
            else {"test_accuracy": timing.test_accuracy})
        # the course's compile, with the learning rate as a setting (Adam's default 0.001)
        model.compile(optimizer=keras.optimizers.Adam(learning_rate=hp.learning_rate),
                      loss='categorical_crossentropy', metrics=['accuracy'])
        model.fit(X_train, Y_train, epochs=epochs, batch_size=int(hp.batch_size),
                  callbacks=[timing, callback], verbose=0)
        metrics["final_cost"] = on_event.curve[-1][1] if on_event.curve else None
        metrics["epochs"] = len(timing.epoch_seconds)
        metrics["iterations"] = len(on_event.curve)
        if timing.fit_accuracy is not None:
            metrics["fit_train_accuracy"] = timing.fit_accuracy
        if timing.epoch_seconds:
            metrics["first_epoch_seconds"] = timing.epoch_seconds[0]
        for key in ("seconds_per_epoch_estimate", "startup_seconds"):
            if key in reporter.extra:
                metrics[key] = reporter.extra[key]
        if reporter.extra.get("estimate_measured"):
            metrics["seconds_per_epoch"] = reporter.extra["seconds_per_epoch_estimate"]
    else:
        metrics.update(final_cost=None, epochs=0, iterations=0)
    # Stopped or not, the model as it is now is evaluated (the partial model).
    train = _results(_probabilities(model, dataset.X_train), dataset.Y_train)
    test = _results(_probabilities(model, dataset.X_test), dataset.Y_test)
    metrics.update(train_accuracy=train["accuracy"], test_accuracy=test["accuracy"],
                   test_cost=test["loss"])
    result = {"model": model, "classes": list(dataset.classes),
              "start_from": hp.start_from, "evaluate_only": bool(hp.evaluate_only),
              "costs": [[i, c] for i, c in on_event.curve],
              "accuracy_curve": list(callback.accuracy_curve) if epochs else [],
              "epoch_seconds": list(timing.epoch_seconds) if timing else [],
              **{k: v for k, v in test.items() if k not in ("accuracy", "loss")}}
    add_real_test(dataset, metrics, result,
                  lambda X, Y: _results(_probabilities(model, X), Y), loss_key="real_test_cost")
    return {"metrics": metrics, "result": result}


def classify_image(result: dict, source) -> dict:
    """The network's sign (0-5) for a picture of your own (any size, resized to 64x64)."""
    image = load_image_for_model(source, (64, 64))
    probabilities = _probabilities(result["model"], image[None])[0]
    return sign_verdict(probabilities, result.get("classes"), image)


def steps_per_epoch(pictures: int, batch_size) -> int:
    """Batches in one epoch (the page sizes its per-batch plots with it)."""
    return max(1, math.ceil(pictures / int(batch_size)))


LESSON = Lesson(
    id="resnet50",
    title="Residual Networks",
    course=COURSE_4, section="4.4",
    settings=with_data_choice(ResNetSettings), run=run_with_data_choice(run, load_data),
    load_data=load_data,
    summary="Skip connections let a 50-layer network train: the course's ResNet50 "
            "on the hand signs, from scratch or from its pretrained weights.",
    kind="keras",
    classify_image=classify_image,
)
