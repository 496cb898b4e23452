"""Engine overhead: deep-cat-classifier's L-layer run through the lesson/job path
versus a bare loop over the same course functions (the lesson's backward pass skips
the unused gradient w.r.t. the pixels, so the bare loop does too), side by side.

    python benchmarks/engine_overhead.py [--iterations 2500] [--repeats 2]

Prints one JSON object; ``ratio`` = job seconds / bare seconds (target <= 1.10).
The two are interleaved, alternating which goes first, so machine noise and drift
hit both; on a noisy 2-core machine single pairs vary by several per cent.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.jobs import Job  # noqa: E402
from engine.lessons import get_lesson  # noqa: E402
from engine.numpy_nets.deep import (L_model_backward_with, L_model_forward,  # noqa: E402
                                    compute_cost, initialize_parameters_deep_app,
                                    update_parameters)

LAYERS = [12288, 20, 7, 5, 1]


def bare_loop(X, Y, iterations: int) -> float:
    parameters = initialize_parameters_deep_app(LAYERS)
    costs = []
    for i in range(iterations):
        AL, caches = L_model_forward(X, parameters)
        cost = compute_cost(AL, Y)
        grads = L_model_backward_with(AL, Y, caches, ["relu"] * 3, input_grad=False)
        parameters = update_parameters(parameters, grads, 0.0075)
        if i % 100 == 0:
            costs.append(cost)
    return float(cost)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--iterations", type=int, default=2500)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    lesson = get_lesson("deep-cat-classifier")
    dataset = lesson.load_data()
    X, _ = dataset.flattened()
    settings = lesson.make_settings({"num_iterations": args.iterations})
    events = {"n": 0}

    def listener(event):  # what the GUI bridge does: store, count, return
        events["n"] += 1

    bare, job = [], []

    def time_bare():
        t0 = time.perf_counter()
        cost = bare_loop(X, dataset.Y_train, args.iterations)
        bare.append(time.perf_counter() - t0)
        return cost

    def time_job():
        t0 = time.perf_counter()
        j = Job(lesson, settings, listener, dataset=dataset).start()
        j.wait()
        job.append(time.perf_counter() - t0)
        return j.metrics["final_cost"]

    for r in range(args.repeats):
        # Alternate which goes first so warm-up and drift hit both sides alike.
        first, second = (time_bare, time_job) if r % 2 == 0 else (time_job, time_bare)
        costs = {first(), second()}
        assert max(costs) - min(costs) < 1e-9, "both paths must compute the same"
    print(json.dumps({
        "benchmark": "engine_overhead",
        "lesson": "deep-cat-classifier", "layers": LAYERS, "iterations": args.iterations,
        "dataset": dataset.provenance,
        "bare_seconds": [round(t, 3) for t in bare],
        "job_seconds": [round(t, 3) for t in job],
        "ratio": round(statistics.median(job) / statistics.median(bare), 4),
        "pair_ratios": [round(j / b, 4) for j, b in zip(job, bare)],
        "events_per_run": events["n"] // args.repeats,
        "target": "ratio <= 1.10",
    }, indent=2))


if __name__ == "__main__":
    main()
