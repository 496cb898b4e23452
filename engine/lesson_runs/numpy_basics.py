"""Lesson 1.1: NumPy basics. Nothing to train: the run evaluates the course's
example calls and times loop against vectorized products."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.lessons import COURSE_1, Lesson
from engine.settings import setting

@dataclass
class NumpyBasicsSettings:
    vector_size: int = setting(15, "Vector length for the timing demo", minimum=15,
                               maximum=1_000_000, scale="log",
                               help="15 is the course's example; longer vectors show "
                                    "the speed-up of vectorization.")
    seed: int = setting(1, "Random seed for long vectors", minimum=0, maximum=9999)


def example_calls() -> dict:
    """The course's example calls and what they return."""
    from engine.numpy_nets import basics as b
    x = np.array([1, 2, 3])
    yhat = np.array([.9, 0.2, 0.1, .4, .9])
    y = np.array([1, 0, 0, 1, 1])
    return {
        "sigmoid([1, 2, 3])": b.sigmoid(x).tolist(),
        "sigmoid_derivative([1, 2, 3])": b.sigmoid_derivative(x).tolist(),
        "normalizeRows([[0, 3, 4], [1, 6, 4]])":
            b.normalizeRows(np.array([[0., 3, 4], [1, 6, 4]])).tolist(),
        "softmax([[9, 2, 5, 0, 0], [7, 5, 0, 0, 0]])":
            b.softmax(np.array([[9., 2, 5, 0, 0], [7, 5, 0, 0, 0]])).tolist(),
        "L1": float(b.L1(yhat, y)),
        "L2": float(b.L2(yhat, y)),
    }


def run(hp: NumpyBasicsSettings, on_event, control, dataset=None) -> dict:
    from engine.vectorization import time_products, timing_summary
    on_event.total = 2
    calls = example_calls()
    on_event("snapshot", iteration=0, examples=calls)
    control.checkpoint()
    # 15 is the course's own pair of vectors; anything longer is random digits.
    scale = None if hp.vector_size == 15 else hp.vector_size
    timings = timing_summary(time_products(scale=scale, seed=hp.seed))
    on_event.progress(1, 0.0, record=False)
    return {"metrics": {"examples": calls}, "result": {"timings": timings}}


LESSON = Lesson(
    id="numpy-basics",
    title="Python basics with NumPy",
    course=COURSE_1, section="1.1",
    settings=NumpyBasicsSettings, run=run,
    summary="sigmoid, reshaping, normalising rows, softmax, broadcasting, vectorization.",
)
