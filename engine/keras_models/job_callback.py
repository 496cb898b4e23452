"""Keras training as job events, and TensorFlow imported only when it is needed.

``load_tensorflow()`` is the one way the app imports TensorFlow: from the job
thread, from a page's background task, from the headless runner. It is safe to call
from several threads and cheap after the first call.

``JobCallback`` is a ``keras.callbacks.Callback`` that turns training into the job
events of ``engine/snapshots.md``: a progress event per batch (throttled by the
Reporter), the cost curve per epoch, snapshots with the accuracy curve, and a
``control.checkpoint()`` after every batch, which is where pause, single step and
stop act. Stop ends training cleanly the Keras way (``model.stop_training``), so
the lesson goes on to evaluate the partial model. It works with ``model.fit`` and
with any loop that calls the callback hooks (the TensorFlow lesson's own loop).

Neither is defined at import time: importing this module must not import
TensorFlow (tests/engine/test_architecture.py), so ``JobCallback`` is built on first
access through the module's ``__getattr__``.
"""
from __future__ import annotations

import contextlib
import gc
import glob
import importlib.util
import os
import sys
import threading

from engine.jobs import CURVES_ONLY_SNAPSHOT_INTERVAL_S, LessonError, StopRequested

_lock = threading.RLock()  # re-entered when JobCallback is built
_loaded: tuple | None = None

# TensorFlow's C++ start-up lines ("Could not find cuda drivers ...") go straight to
# file descriptor 2 before its logging is configured; set this to see them.
VERBOSE_ENV = "DL_PLAYGROUND_TF_LOGS"


def tensorflow_loaded() -> bool:
    """True once ``load_tensorflow`` has finished (the UI uses it to skip the wait)."""
    return _loaded is not None


def load_tensorflow():
    """Import TensorFlow and Keras (once, thread-safe) and return ``(tf, keras)``.

    Raises LessonError with a readable sentence when TensorFlow is not installed.
    """
    global _loaded
    if _loaded is not None:
        return _loaded
    with _lock:
        if _loaded is None:
            _loaded = _import_on_a_bare_thread()
    return _loaded


def _import_on_a_bare_thread():
    """``_import_tensorflow`` on a short-lived thread of its own.

    Something in TensorFlow's import keeps the Python frames that are on the stack at
    that moment, for good (with ``gc.freeze`` on top): imported from inside a lesson
    run, the run's frame and its locals (the dataset, the first model) stayed alive for
    the life of the process. On a thread of its own only that thread's frames are
    caught."""
    box: dict = {}

    def target() -> None:
        try:
            box["modules"] = _import_tensorflow()
        except BaseException as exc:  # noqa: BLE001 - handed to the caller below
            box["error"] = exc

    thread = threading.Thread(target=target, name="tensorflow-import", daemon=True)
    thread.start()
    thread.join()
    if "error" in box:
        raise box.pop("error")
    return box["modules"]


def _import_tensorflow():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    # Our Keras code uses TensorFlow ops directly (tf.function, GradientTape).
    os.environ["KERAS_BACKEND"] = "tensorflow"
    # The import creates a few million Python objects; with the cyclic collector on,
    # its full collections hold the GIL for 100-500 ms at a time and freeze the window
    # (benchmarks/keras_responsiveness.py). Collect nothing during the import, then
    # freeze what it made so later full collections do not walk it again.
    collecting = gc.isenabled()
    gc.disable()
    try:
        with _quiet_stderr():
            _preload_native_libraries()
            import tensorflow as tf
            import keras
    except ImportError as exc:
        raise LessonError(f"TensorFlow could not be loaded ({exc}); install the "
                          "'tensorflow' package to run the Keras lessons.") from None
    finally:
        gc.freeze()
        if collecting:  # the app keeps it off and collects on the GUI thread
            gc.enable()
    tf.get_logger().setLevel("ERROR")
    try:
        import absl.logging
        absl.logging.set_verbosity(absl.logging.ERROR)
    except ImportError:
        pass
    return tf, keras


def _preload_native_libraries() -> None:
    """Load TensorFlow's big shared libraries without holding the GIL.

    Python holds the GIL while it dlopens an extension module, and TensorFlow's
    first one drags in ~1.2 GB of libraries: a 0.7-1.4 s freeze of the UI thread.
    A ctypes call to dlopen releases the GIL, and the import then finds the
    libraries already mapped. Linux only; anything unexpected just skips this.
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        spec = importlib.util.find_spec("tensorflow")
        if spec is None or not spec.submodule_search_locations:
            return
        root = list(spec.submodule_search_locations)[0]
        libraries = sorted(glob.glob(os.path.join(root, "libtensorflow_framework.so*"))) \
            + sorted(glob.glob(os.path.join(root, "libtensorflow_cc.so*"))) \
            + sorted(glob.glob(os.path.join(root, "python", "lib_pywrap_tensorflow_common.so")))
        libc = ctypes.CDLL(None)
        libc.dlopen.restype = ctypes.c_void_p
        libc.dlopen.argtypes = [ctypes.c_char_p, ctypes.c_int]
        for path in libraries:
            # RTLD_NOW | RTLD_LOCAL: the import later promotes what it needs itself
            libc.dlopen(os.fsencode(path), 2)
    except (OSError, AttributeError, ValueError, ImportError):
        pass


@contextlib.contextmanager
def _quiet_stderr():
    if os.environ.get(VERBOSE_ENV):
        yield
        return
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError, AttributeError):
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def _build_job_callback():
    _, keras = load_tensorflow()

    class JobCallback(keras.callbacks.Callback):
        """Reports a Keras training run to a job and obeys its controls.

        ``on_event``: the job's Reporter; ``control``: its RunControl.
        ``epochs``: the run's length (the progress bar's total).
        ``evaluate``: optional ``() -> {"test_accuracy": ...}`` called for snapshots;
        a ``"train_accuracy"`` it returns wins over the one in Keras's logs.
        ``per_batch_curve``: record the cost curve per batch (long epochs, e.g. a
        ResNet) instead of per epoch (the course's curves).
        """

        def __init__(self, on_event, control, epochs: int, evaluate=None,
                     per_batch_curve: bool = False) -> None:
            super().__init__()
            self.on_event = on_event
            self.control = control
            self.epochs = int(epochs)
            self.evaluate = evaluate
            self.per_batch_curve = per_batch_curve
            self.stopped = False
            self.accuracy_curve: list[tuple] = []
            self._epoch = 0
            self._steps = None
            self._step = 0

        # --- Keras hooks ---
        def on_train_begin(self, logs=None) -> None:
            self._steps = (self.params or {}).get("steps")
            self.on_event.total = self.epochs * self._steps \
                if self.per_batch_curve and self._steps else self.epochs
            # curves only (no decision boundary): fewer, richer snapshots
            self.on_event.snapshot_interval = CURVES_ONLY_SNAPSHOT_INTERVAL_S
            self.on_event.force_snapshot()

        def on_epoch_begin(self, epoch, logs=None) -> None:
            self._epoch = int(epoch)

        def on_train_batch_end(self, batch, logs=None) -> None:
            logs = logs or {}
            cost = float(logs.get("loss", float("nan")))
            if self.per_batch_curve:
                self.on_event.progress(self._step, cost, epoch=self._epoch,
                                       batch=int(batch) + 1, batches=self._steps)
                if self.on_event.snapshot_due():
                    self._snapshot(self._step, logs)
            else:
                # the running cost of this epoch; the curve gets the epoch's own cost
                self.on_event.progress(self._epoch, cost, record=False, epoch=self._epoch,
                                       batch=int(batch) + 1, batches=self._steps)
            self._step += 1
            try:
                self.control.checkpoint()
            except StopRequested:
                self.stopped = True
                self.model.stop_training = True

        def on_epoch_end(self, epoch, logs=None) -> None:
            logs = logs or {}
            if self.per_batch_curve:
                if epoch + 1 == self.epochs:
                    self.on_event.force_snapshot()
                    self._snapshot(self._step - 1, logs)
                return
            self.on_event.progress(int(epoch), float(logs.get("loss", float("nan"))))
            if self.on_event.snapshot_due() or epoch + 1 == self.epochs or self.stopped:
                self._snapshot(int(epoch), logs)

        # --- snapshots ---
        def _snapshot(self, iteration: int, logs: dict) -> None:
            values = {}
            if "accuracy" in logs:
                values["train_accuracy"] = float(logs["accuracy"])
            if "val_accuracy" in logs:
                values["test_accuracy"] = float(logs["val_accuracy"])
            if self.evaluate is not None:
                values.update(self.evaluate())
            train, test = values.get("train_accuracy"), values.get("test_accuracy")
            self.accuracy_curve.append((iteration, train, test))
            self.on_event.snapshot(iteration=iteration, total=self.on_event.total,
                                   train_accuracy=train, test_accuracy=test,
                                   accuracy_curve=list(self.accuracy_curve))

    return JobCallback


def __getattr__(name: str):
    # PEP 562: ``from engine.keras_models.job_callback import JobCallback`` imports
    # TensorFlow then, not when this module is imported.
    if name == "JobCallback":
        with _lock:  # one class, even when two threads ask at once
            if "JobCallback" not in globals():
                globals()["JobCallback"] = _build_job_callback()
        return globals()["JobCallback"]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
