"""Loop versus vectorised products: the timing demo of lesson 1.1 (Python basics with numpy).

The course compares a hand-written Python loop with NumPy's vectorised call for four
products of two vectors ``x1`` and ``x2``: the dot product, the outer product, the
elementwise product and a "general dot" ``W x1`` with ``W = np.random.rand(3, len(x1))``.
On the course's 15-element vectors both take a fraction of a millisecond; ``scale``
repeats the demo on long random vectors, where the loop falls behind by orders of
magnitude.

No Qt here: the playground calls :func:`time_products` on a background thread.
"""

from __future__ import annotations

import time
from typing import Callable, Sequence

import numpy as np

# The two vectors printed in the course (catalog 1.1, "Vectorization demo").
COURSE_X1 = [9, 2, 5, 0, 0, 7, 5, 0, 0, 0, 9, 2, 5, 0, 0]
COURSE_X2 = [9, 2, 2, 9, 0, 9, 2, 5, 0, 0, 9, 2, 5, 0, 0]

OPERATIONS = ("dot", "outer", "elementwise", "general_dot")

OPERATION_LABELS = {
    "dot": "dot product",
    "outer": "outer product",
    "elementwise": "elementwise multiplication",
    "general_dot": "general dot W·x1",
}

# A looped outer product of two 1,000,000-element vectors would need 10^12 steps and
# 8 TB of memory, so on long vectors the outer product uses the first entries only.
MAX_OUTER_LENGTH = 1000

# On long vectors one pass of a Python loop already takes long enough to measure well.
_LONG_VECTOR = 100_000


# ---------------------------------------------------------------------------
# The classic loops, written the way the course writes them.

def loop_dot(x1: Sequence[float], x2: Sequence[float]) -> float:
    dot = 0
    for i in range(len(x1)):
        dot += x1[i] * x2[i]
    return dot


def loop_outer(x1: Sequence[float], x2: Sequence[float]) -> np.ndarray:
    outer = np.zeros((len(x1), len(x2)))
    for i in range(len(x1)):
        for j in range(len(x2)):
            outer[i, j] = x1[i] * x2[j]
    return outer


def loop_elementwise(x1: Sequence[float], x2: Sequence[float]) -> np.ndarray:
    mul = np.zeros(len(x1))
    for i in range(len(x1)):
        mul[i] = x1[i] * x2[i]
    return mul


def loop_general_dot(W: np.ndarray, x1: Sequence[float]) -> np.ndarray:
    rows = W.tolist()  # plain lists, so the loop measures Python, not array indexing
    gdot = np.zeros(W.shape[0])
    for i in range(len(rows)):
        row = rows[i]
        total = 0.0
        for j in range(len(x1)):
            total += row[j] * x1[j]
        gdot[i] = total
    return gdot


# ---------------------------------------------------------------------------

def _best_ms(fn: Callable[[], object], repeats: int) -> tuple[object, float]:
    """Run ``fn`` ``repeats`` times; return its result and the fastest time in ms."""
    best = float("inf")
    result = None
    for _ in range(max(1, repeats)):
        start = time.perf_counter()
        result = fn()
        elapsed = time.perf_counter() - start
        best = min(best, elapsed)
    # perf_counter can report 0 for a sub-resolution call on some platforms
    return result, max(best * 1000.0, 1e-6)


def _agree(a: object, b: object) -> bool:
    a_arr = np.asarray(a, dtype=float)
    b_arr = np.asarray(b, dtype=float)
    return a_arr.shape == b_arr.shape and bool(np.allclose(a_arr, b_arr, rtol=1e-9, atol=1e-9))


def time_products(
    x1: Sequence[float] | None = None,
    x2: Sequence[float] | None = None,
    repeats: int = 5,
    scale: int | None = None,
    seed: int | None = None,
) -> dict:
    """Time the loop and the vectorised version of the course's four products.

    Args:
        x1, x2: vectors of the same length; default to the course's 15-element vectors.
        repeats: each version runs this many times and the fastest run counts. On vectors
            of 100,000 entries or more the loops run once (one pass is long enough).
        scale: when given, ``x1`` and ``x2`` are replaced by random integer vectors
            (0..9) of this length, so the speed difference becomes visible.
        seed: seeds the random vectors and ``W`` (the course leaves ``W`` unseeded).

    Returns:
        ``{"n": len(x1), "repeats": repeats, "loop_repeats": ..., "source": "course" |
        "given" | "random", "operations": {name: entry}}`` where ``name`` runs through
        :data:`OPERATIONS` in order and each entry holds ``loop_result``,
        ``vectorized_result``, ``agree`` (bool), ``loop_ms``, ``vectorized_ms``,
        ``speedup`` (loop_ms / vectorized_ms) and ``length`` (how many entries of each
        vector the operation used; only the outer product on long vectors uses fewer).
    """
    rng = np.random.default_rng(seed)
    if scale is not None:
        scale = int(scale)
        if scale < 1:
            raise ValueError(f"scale must be a positive length, got {scale}")
        v1 = rng.integers(0, 10, size=scale)
        v2 = rng.integers(0, 10, size=scale)
        source = "random"
    else:
        if x1 is None and x2 is None:
            x1, x2, source = COURSE_X1, COURSE_X2, "course"
        elif x1 is None or x2 is None:
            raise ValueError("give both x1 and x2, or neither")
        else:
            source = "given"
        v1 = np.asarray(x1)
        v2 = np.asarray(x2)
        if v1.ndim != 1 or v2.ndim != 1:
            raise ValueError("x1 and x2 must be one-dimensional")
        if v1.shape != v2.shape:
            raise ValueError(f"x1 and x2 must have the same length ({v1.size} vs {v2.size})")
        if v1.size == 0:
            raise ValueError("x1 and x2 must not be empty")

    n = int(v1.size)
    repeats = max(1, int(repeats))
    loop_repeats = 1 if n >= _LONG_VECTOR else repeats
    # The course's loops walk Python lists; the vectorised calls get arrays.
    # Converting between the two is not part of the timing.
    l1, l2 = v1.tolist(), v2.tolist()
    W = rng.random((3, n))

    k = min(n, MAX_OUTER_LENGTH)
    o1, o2 = v1[:k], v2[:k]
    lo1, lo2 = l1[:k], l2[:k]

    plans = {
        "dot": (lambda: loop_dot(l1, l2), lambda: np.dot(v1, v2), n),
        "outer": (lambda: loop_outer(lo1, lo2), lambda: np.outer(o1, o2), k),
        "elementwise": (lambda: loop_elementwise(l1, l2), lambda: np.multiply(v1, v2), n),
        "general_dot": (lambda: loop_general_dot(W, l1), lambda: np.dot(W, v1), n),
    }

    operations: dict[str, dict] = {}
    for name in OPERATIONS:
        loop_fn, vec_fn, length = plans[name]
        loop_result, loop_ms = _best_ms(loop_fn, loop_repeats)
        vec_result, vec_ms = _best_ms(vec_fn, repeats)
        operations[name] = {
            "label": OPERATION_LABELS[name],
            "loop_result": loop_result,
            "vectorized_result": vec_result,
            "agree": _agree(loop_result, vec_result),
            "loop_ms": loop_ms,
            "vectorized_ms": vec_ms,
            "speedup": loop_ms / vec_ms,
            "length": length,
        }

    return {
        "n": n,
        "repeats": repeats,
        "loop_repeats": loop_repeats,
        "source": source,
        "operations": operations,
    }


def timing_summary(result: dict) -> dict:
    """The numbers of a :func:`time_products` result without the (possibly huge)
    result arrays: plain floats, ints and bools, ready for JSON."""
    return {
        "n": int(result["n"]),
        "repeats": int(result["repeats"]),
        "loop_repeats": int(result["loop_repeats"]),
        "source": result["source"],
        "operations": {
            name: {
                "loop_ms": float(entry["loop_ms"]),
                "vectorized_ms": float(entry["vectorized_ms"]),
                "speedup": float(entry["speedup"]),
                "agree": bool(entry["agree"]),
                "length": int(entry["length"]),
            }
            for name, entry in result["operations"].items()
        },
    }
