"""Vectorized vs loop convolution (course 4, lesson 3.1): the course's loop ``conv_forward`` +
``conv_backward`` against ``conv_forward_fast`` + ``conv_backward_fast`` on a batch of
8 RGB 64x64 images with 8 3x3 filters (stride 1, pad 1); the same for max and average
pooling (f 2, stride 2) on the conv output.

    python benchmarks/conv_vectorized.py [--repeats 3] [--fast-repeats 20]

Prints one JSON object. Loop and fast runs are interleaved (each loop run is followed
by a burst of fast runs), so machine noise hits both; ``speedup`` is the ratio of the
medians (target >= 50 for conv forward + backward). Every pair is also checked equal to
1e-10. The fast conv is timed twice, on NumPy's default BLAS threads and on one
thread (what the lesson's run uses; its matrix products are thin).
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

from engine.numpy_nets.convolution import (conv_backward, conv_forward,  # noqa: E402
                                           pool_backward, pool_forward)
from engine.numpy_nets.convolution_fast import (conv_backward_fast,  # noqa: E402
                                                conv_forward_fast, pool_backward_fast,
                                                pool_forward_fast)

SHAPE = (8, 64, 64, 3)
FILTERS = (3, 3, 3, 8)
CONV_HP = {"stride": 1, "pad": 1}
POOL_HP = {"f": 2, "stride": 2}


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def conv_pass(forward, backward, A_prev, W, b, dZ):
    Z, cache = forward(A_prev, W, b, CONV_HP)
    return (Z, *backward(dZ, cache))


def pool_pass(forward, backward, A_prev, dA, mode):
    A, cache = forward(A_prev, POOL_HP, mode=mode)
    return A, backward(dA, cache, mode=mode)


def max_difference(xs, ys) -> float:
    return max(float(np.max(np.abs(x - y))) for x, y in zip(xs, ys))


def blas_limit(threads):
    import contextlib
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(limits=threads, user_api="blas") if threads else \
        contextlib.nullcontext()


def blas_threads() -> int | None:
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return None
    return max((p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"),
               default=None)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3, help="loop runs of each kind")
    parser.add_argument("--fast-repeats", type=int, default=20,
                        help="fast runs after each loop run")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    A_prev = rng.standard_normal(SHAPE)
    W, b = rng.standard_normal(FILTERS), rng.standard_normal((1, 1, 1, FILTERS[3]))
    Z, _ = conv_forward_fast(A_prev, W, b, CONV_HP)
    dZ = rng.standard_normal(Z.shape)
    pooled, _ = pool_forward_fast(Z, POOL_HP)
    dA = rng.standard_normal(pooled.shape)

    cases = {
        "conv": (lambda: conv_pass(conv_forward, conv_backward, A_prev, W, b, dZ),
                 lambda: conv_pass(conv_forward_fast, conv_backward_fast, A_prev, W, b, dZ)),
        "pool_max": (lambda: pool_pass(pool_forward, pool_backward, Z, dA, "max"),
                     lambda: pool_pass(pool_forward_fast, pool_backward_fast, Z, dA, "max")),
        "pool_average": (lambda: pool_pass(pool_forward, pool_backward, Z, dA, "average"),
                         lambda: pool_pass(pool_forward_fast, pool_backward_fast, Z, dA,
                                           "average")),
    }
    times = {name: {"loop": [], "fast": [], "fast_one_blas_thread": []} for name in cases}
    worst = {name: 0.0 for name in cases}
    for _ in range(args.repeats):
        for name, (loop, fast) in cases.items():
            seconds, want = timed(loop)
            times[name]["loop"].append(seconds)
            for _ in range(args.fast_repeats):
                seconds, got = timed(fast)
                times[name]["fast"].append(seconds)
                with blas_limit(1):
                    times[name]["fast_one_blas_thread"].append(timed(fast)[0])
            worst[name] = max(worst[name], max_difference(got, want))
            assert worst[name] < 1e-10, f"{name}: fast and loop differ by {worst[name]}"

    report = {"benchmark": "conv_vectorized", "input": list(SHAPE),
              "filters": list(FILTERS), "conv_hparameters": CONV_HP,
              "pool_hparameters": POOL_HP,
              "blas_threads": blas_threads(), "repeats": args.repeats,
              "fast_repeats": args.fast_repeats}
    for name in cases:
        medians = {k: statistics.median(v) for k, v in times[name].items()}
        report[name] = {
            "loop_median_s": round(medians["loop"], 4),
            "fast_median_ms": round(1000 * medians["fast"], 3),
            "fast_one_blas_thread_median_ms": round(1000 * medians["fast_one_blas_thread"], 3),
            "speedup": round(medians["loop"] / medians["fast"], 1),
            "speedup_one_blas_thread": round(medians["loop"] / medians["fast_one_blas_thread"],
                                             1),
            "max_abs_difference": worst[name],
        }
    report["target"] = "conv speedup >= 50"
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
