"""Keras lessons retrained in one session: resident memory (RSS) after each run.

    python benchmarks/keras_memory.py [--lessons happy-house,cnn-signs] [--runs 20]
                                      [--epochs 1]

Each lesson is trained ``--runs`` times in this one process through the job path the
app uses (``Job(...).start()`` on its own thread, then ``wait()``), with a short run (``--epochs``) so the number of
runs, not the length of each, is what is measured. As on a page, the previous run's
result (with its model) stays alive until the next run has finished, then is dropped
and handed to ``engine.keras_models.release.release_run`` (what the pages call). RSS is
read after a ``gc.collect()`` once each run is over.

Reported per lesson: RSS after each run (MB), and the growth per run over the runs
after the warm-up (the first ``--warmup`` runs: TensorFlow builds its kernels and
caches then), as a least-squares slope. Target: flat after warm-up (<= 1 MB/run).
``--no-release`` skips ``release_run`` (the "before" figure). Prints one JSON object.
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        pages = int(fh.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2 ** 20


def slope(values: list[float]) -> float:
    if len(values) < 2:
        return 0.0
    x = np.arange(len(values), dtype=np.float64)
    return float(np.polyfit(x, np.asarray(values), 1)[0])


def measure(lesson_id: str, runs: int, epochs: int, warmup: int, release: bool) -> dict:
    from engine.jobs import Job
    from engine.keras_models.release import release_run
    from engine.lessons import get_lesson

    lesson = get_lesson(lesson_id)
    from engine.settings import specs
    names = {name for name, _spec, _default in specs(lesson.settings)}
    length = "epochs" if "epochs" in names else "num_epochs"   # cnn-signs: num_epochs
    settings = lesson.make_settings({length: epochs})
    dataset = lesson.load_data(settings)
    previous = None
    after = []
    for _ in range(runs):
        # On its own thread, as a page runs it (Keras keeps per-thread global state).
        job = Job(lesson, settings, lambda event: None, dataset=dataset).start()
        job.wait()
        if job.error:
            raise SystemExit(f"{lesson_id}: {job.error}")
        # The page replaces its last result with the new one; the old one is let go.
        old, previous = previous, job.result
        del job
        if release and old is not None:
            release_run(old)
        del old
        gc.collect()
        after.append(round(rss_mb(), 1))
        print(f"{lesson_id} run {len(after)}: {after[-1]} MB", file=sys.stderr, flush=True)
    tail = after[warmup:]
    return {"runs": runs, "epochs": epochs, "release": release, "rss_mb": after,
            "growth_mb_per_run_after_warmup": round(slope(tail), 2),
            "growth_mb_first_to_last_after_warmup": round(tail[-1] - tail[0], 1)
            if tail else 0.0}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lessons", default="happy-house,cnn-signs")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--no-release", action="store_true")
    args = parser.parse_args()
    from engine.jobs import quiet_numeric_warnings
    quiet_numeric_warnings()
    report = {}
    for lesson_id in args.lessons.split(","):
        report[lesson_id] = measure(lesson_id, args.runs, args.epochs, args.warmup,
                                    not args.no_release)
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
