"""Letting go of a finished Keras run (engine/keras_models/release.py).

A retrained Keras lesson grew the process by megabytes a run: TensorFlow's gradient
registry kept every traced train step alive through the custom gradient that
``tf.distribute``'s all_reduce registers while ``fit`` traces. These tests train small
models the way the pages do (a job thread each) and check the run is really gone.
"""
from __future__ import annotations

import gc
import threading
import weakref

import numpy as np
import pytest

from engine.keras_models.release import keras_runs_going, prune_gradient_registry, \
    release_run, running_keras


@pytest.fixture(autouse=True, scope="module")
def tensorflow_loaded():
    # Loaded here, not inside the first run: the import freezes (gc.freeze) what exists
    # then, and a run function caught on the stack at that moment would keep its model.
    from engine.keras_models.job_callback import load_tensorflow
    load_tensorflow()


def _all_reduce_entries() -> list[str]:
    from tensorflow.python.framework import ops
    from engine.keras_models.release import _is_all_reduce_gradient
    registry = ops._gradient_registry._registry
    return [name for name, entry in list(registry.items())
            if str(name).startswith("CustomGradient-") and _is_all_reduce_gradient(entry["type"])]


def _train_once(out: dict) -> None:
    from engine.keras_models.job_callback import load_tensorflow
    _, keras = load_tensorflow()
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 4)).astype(np.float32)
    y = (x[:, :1] > 0).astype(np.float32)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="relu"),
                              keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="binary_crossentropy")
    model.fit(x, y, epochs=1, batch_size=16, verbose=0)
    out["model"] = model


def _run_on_a_thread() -> dict:
    out: dict = {}
    thread = threading.Thread(target=_train_once, args=(out,))
    thread.start()
    thread.join()
    return out


def test_fit_leaves_an_all_reduce_gradient_that_release_removes():
    result = _run_on_a_thread()
    # what TensorFlow does on its own (if a release fixes this upstream, the pruning
    # below is simply a no-op and this line is the one to drop)
    assert _all_reduce_entries(), "fit no longer registers all_reduce gradients"
    model_ref = weakref.ref(result["model"])
    release_run(result)
    assert "model" not in result
    assert _all_reduce_entries() == []
    gc.collect()
    assert model_ref() is None, "the released model is still alive"


def test_retraining_keeps_no_traced_graph_of_earlier_runs():
    from tensorflow.python.framework.func_graph import FuncGraph

    def graphs() -> int:
        gc.collect()
        return sum(isinstance(o, FuncGraph) for o in gc.get_objects())

    release_run(_run_on_a_thread())     # warm-up: TensorFlow's one-off caches
    before = graphs()
    for _ in range(3):
        release_run(_run_on_a_thread())
    assert graphs() <= before, "each retraining run leaves its traced graphs behind"


def test_pruning_twice_is_harmless_and_keeps_other_gradients():
    from tensorflow.python.framework import ops
    registered = len(ops._gradient_registry._registry)
    prune_gradient_registry()
    assert prune_gradient_registry() == 0
    assert len(ops._gradient_registry._registry) <= registered
    assert ops._gradient_registry.lookup("MatMul") is not None   # TF's own gradients stay


def test_jobs_count_as_running_while_they_run():
    from engine.jobs import Job
    from engine.lessons import get_lesson

    seen = []

    def run(settings, reporter, control):
        seen.append(keras_runs_going())
        return {"metrics": {}, "result": {}}

    lesson = get_lesson("numpy-basics")
    Job(lesson, lesson.make_settings({}), lambda event: None, run=run).run_here()
    assert seen == [1] and keras_runs_going() == 0
    with running_keras():
        assert keras_runs_going() == 1
    assert keras_runs_going() == 0


def test_loading_tensorflow_inside_a_run_does_not_keep_the_run_alive():
    # In a fresh interpreter: TensorFlow is already loaded in this one.
    import subprocess
    import sys
    from pathlib import Path

    script = """
import gc, sys, threading, weakref
class Data: pass
ref = []
def a_run():
    data = Data()                      # stands for the run's dataset and model
    ref.append(weakref.ref(data))
    from engine.keras_models.job_callback import load_tensorflow
    load_tensorflow()
thread = threading.Thread(target=a_run); thread.start(); thread.join()
gc.collect()
sys.exit(0 if ref[0]() is None else 3)
"""
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", script], cwd=root, timeout=300,
                          capture_output=True, text=True)
    assert done.returncode == 0, "the run that first loaded TensorFlow is kept alive " \
                                 + done.stderr[-500:]
