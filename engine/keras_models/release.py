"""Letting go of a finished Keras run, so retraining in one session does not grow.

A trained Keras model is tied to more than its Python object: the traced functions
``fit``/``evaluate``/``predict`` build (``train_function`` …) and any ``tf.function``
of ours that closes over it hold TensorFlow graphs and their kernels; layers and
optimizer variables sit in reference cycles that only the cyclic garbage collector
breaks; and Keras keeps per-thread global state (name counters, the Functional-API
graph) while TensorFlow's eager context caches one kernel per op and shape. The issue
measured 14 MB (happy-house) to 49 MB (cnn-signs) of growth per retraining run.

The last of it was TensorFlow's own: when ``fit`` traces its train step, the Keras
optimizer sums the gradients with ``tf.distribute``'s ``all_reduce``, which registers a
custom gradient under a fresh name ("CustomGradient-N") in TensorFlow's process-wide
gradient registry and never unregisters it. The entry's closure holds the traced
``one_step_on_data`` graph, so every run's whole train-step graph (~1,200 operations,
7-8 MB for happy-house) stayed reachable for the life of the process.
``prune_gradient_registry`` drops those entries (benchmarks/README.md, "Keras memory").

``release_run(result)`` is called by a page when it drops a run's result (a new run
replaced it, or the page closes) and by the headless runner when it is done: it drops
the model and the functions, collects the cycles, and clears Keras's session state and
TensorFlow's kernel cache when no other Keras run is going in this process (clearing
them under a running model would only make it rebuild its kernels, but there is no
need to risk that).
"""
from __future__ import annotations

import gc
import sys
import threading

_active = 0
_active_lock = threading.Lock()
_MODEL_FUNCTIONS = ("train_function", "test_function", "predict_function",
                    "make_train_function", "make_test_function", "make_predict_function")


class running_keras:
    """Context manager every job's run is wrapped in (``engine.jobs.Job``), so that
    ``release_run`` knows whether clearing the shared caches is safe now."""

    def __enter__(self):
        global _active
        with _active_lock:
            _active += 1
        return self

    def __exit__(self, *exc):
        global _active
        with _active_lock:
            _active -= 1


def keras_runs_going() -> int:
    return _active


def _is_keras_thing(value) -> bool:
    module = type(value).__module__ or ""
    return module.startswith(("keras", "tensorflow")) or hasattr(value, "get_concrete_function")


def _drop_model_functions(model) -> None:
    for name in ("train_function", "test_function", "predict_function"):
        try:
            setattr(model, name, None)
        except Exception:  # noqa: BLE001 - a model without them, or read-only: fine
            pass


def release_run(result, clear_shared: bool = True, collect: bool = True) -> None:
    """Let go of everything Keras in a finished run's ``result`` dict (in place).
    ``clear_shared=False`` leaves Keras's session state and TensorFlow's kernel cache
    alone (a page, where other threads may be using Keras right now); ``collect=False``
    leaves the garbage collection to the app's own collector (playground/gui_gc.py), so
    the UI thread does not stop for it."""
    if isinstance(result, dict):
        for key in [k for k, v in result.items() if _is_keras_thing(v)]:
            value = result.pop(key)
            if hasattr(value, "layers"):
                _drop_model_functions(value)
            del value
    prune_gradient_registry()
    if not collect:
        return
    gc.collect()
    if clear_shared:
        clear_shared_state()
    return_freed_memory()


def return_freed_memory() -> None:
    """Hand memory that is free again back to the system (glibc only).

    Every job runs on a new thread, and glibc gives threads their own malloc arenas;
    what a run freed stays reserved in them, so the process's size kept growing
    although nothing was alive. ``malloc_trim(0)`` returns it."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc (musl): nothing to do
        pass


def clear_shared_state() -> None:
    """Keras's global state and TensorFlow's kernel cache, when no run is going."""
    if "keras" not in sys.modules or keras_runs_going():
        return
    with _active_lock:
        if _active:
            return
        try:
            import keras
            keras.backend.clear_session(free_memory=True)
        except Exception:  # noqa: BLE001 - releasing memory must never break a page
            pass


def prune_gradient_registry() -> int:
    """Drop the gradient-registry entries that ``all_reduce`` left behind (see the
    module's text); returns how many. Safe while other runs train: such an entry is
    only looked up to differentiate the all-reduced gradients themselves (a second
    derivative of a train step), which no lesson takes. Private TensorFlow structures
    are read defensively: if they change shape, nothing is pruned."""
    if "tensorflow" not in sys.modules:
        return 0
    try:
        from tensorflow.python.framework import ops
        registry = ops._gradient_registry._registry
    except (ImportError, AttributeError):
        return 0
    pruned = 0
    for name in [key for key in list(registry) if str(key).startswith("CustomGradient-")]:
        entry = registry.get(name)
        if isinstance(entry, dict) and _is_all_reduce_gradient(entry.get("type")):
            registry.pop(name, None)
            pruned += 1
    return pruned


def _closure_value(function, name: str):
    code = getattr(function, "__code__", None)
    for var, cell in zip(getattr(code, "co_freevars", ()), getattr(function, "__closure__", None) or ()):
        if var == name:
            try:
                return cell.cell_contents
            except ValueError:   # an empty cell
                return None
    return None


def _is_all_reduce_gradient(registered) -> bool:
    """Whether a registered gradient is custom_gradient's wrapper around the gradient
    of ``ReplicaContext.all_reduce`` (registered -> tape_grad_fn -> grad_fn)."""
    grad_fn = _closure_value(_closure_value(registered, "tape_grad_fn"), "grad_fn")
    return "all_reduce" in getattr(grad_fn, "__qualname__", "")
