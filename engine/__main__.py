"""Headless runner: ``python -m engine list`` and ``python -m engine run LESSON``.

Exit codes: 0 done, 2 bad input (unknown lesson or setting, unreadable data),
3 the run failed (diverged or an unexpected error), 128 + the signal when Ctrl-C
(130), SIGTERM (143) or SIGHUP (129) stopped it: the run is then recorded as stopped.
Errors are one line on stderr.
Every run is added to the run history the app's Runs tab shows (``--no-history`` skips
it); trouble with the history is a one-line note and never changes the exit code.
"""
from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np

EXIT_BAD_INPUT = 2
EXIT_RUN_FAILED = 3


class _Usage(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one clear line and exit 2, not argparse's usage dump
        raise _Usage(message)


def _to_json(value):
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (np.floating, np.integer)):
        return value.item()
    if isinstance(value, dict):
        return {str(k): _to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_to_json(v) for v in value]
    return value


class ProgressBar:
    """A one-line bar on a terminal's stderr; silent when stderr is not a terminal."""

    def __init__(self, stream=sys.stderr):
        self.stream = stream
        self.enabled = stream.isatty()
        self._last = 0.0

    def __call__(self, event) -> None:
        if not self.enabled or event.kind != "progress":
            return
        now = time.monotonic()
        total = event.data.get("total") or 0
        i = event.data["iteration"] + 1
        if now - self._last < 0.1 and i != total:
            return
        self._last = now
        width = 30
        done = int(width * i / total) if total else 0
        self.stream.write(f"\r[{'#' * done}{'.' * (width - done)}] {i}/{total} "
                          f"cost {event.data['cost']:.6f}")
        if i == total:
            self.stream.write("\n")
        self.stream.flush()


def parse_sets(pairs: list[str]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise _Usage(f"--set needs name=value; got '{pair}'.")
        out[name.strip()] = value.strip()
    return out


LIST_VALUE_WIDTH = 24   # a longer default gets its own line, so the labels stay in line


def _print_settings(rows) -> None:
    """``name = default   label`` in aligned columns, one lesson at a time."""
    rows = [(name, str(default), spec.label) for name, spec, default in rows]
    if not rows:
        return
    name_width = max(len(name) for name, _, _ in rows)
    value_width = min(max(len(value) for _, value, _ in rows), LIST_VALUE_WIDTH)
    for name, value, label in rows:
        if len(value) > value_width:
            print(f"    {name:<{name_width}} = {value}")
            print(f"    {'':<{name_width}}   {'':<{value_width}}  {label}")
        else:
            print(f"    {name:<{name_width}} = {value:<{value_width}}  {label}")


def _print_examples(metrics: dict, result: dict) -> None:
    """What lesson 1.1 computes: the course's example calls and the timing demo."""
    for call, value in (metrics.get("examples") or {}).items():
        text = np.array2string(np.asarray(value), precision=8, separator=", ",
                               max_line_width=200)
        print(f"{call} = {text}")
    timings = result.get("timings")
    if timings:
        print(f"vectorization, vectors of length {timings['n']:,} ({timings['source']}):")
        for name, entry in timings["operations"].items():
            print(f"  {name}: loop {entry['loop_ms']:.3f} ms, vectorized "
                  f"{entry['vectorized_ms']:.3f} ms (speed-up {entry['speedup']:.1f}x"
                  f"{'' if entry['agree'] else ', results DIFFER'})")


def cmd_list(args) -> int:
    from engine.lessons import all_lessons
    from engine.settings import specs
    for lesson in all_lessons():
        if args.json:
            continue
        print(f"{lesson.id:28s} {lesson.section:6s} {lesson.title}")
        if args.verbose:
            _print_settings(specs(lesson.settings))
    if args.json:
        print(json.dumps([{"id": l.id, "section": l.section, "title": l.title,
                           "course": l.course} for l in all_lessons()], indent=2))
    return 0


def record_run(job) -> None:
    """Add the run to the run history the app shows. History is a convenience: any
    trouble is one line on stderr and never changes the exit code."""
    try:
        from engine.run_history import RunHistory, record_job
        with RunHistory() as history:
            run_id = record_job(history, job, source="runner")
            note = history.notice
    except Exception as exc:  # noqa: BLE001 - whatever it is, the run itself is done
        run_id, note = None, f"{type(exc).__name__}: {exc}"
    if note:
        print(f"note: {note}", file=sys.stderr)
    elif run_id is None:
        print("note: this run was not added to the run history.", file=sys.stderr)


def _variant_report(variant: dict) -> dict:
    return {"name": variant.get("name"), "label": variant.get("label"),
            "status": variant.get("status"),
            "train_accuracy": variant.get("train_accuracy"),
            "test_accuracy": variant.get("test_accuracy"),
            "costs": variant.get("course_costs") or variant.get("costs") or []}


def cmd_run(args) -> int:
    from engine.run_signals import Interrupted, StopOnSignal
    with StopOnSignal() as signals:
        try:
            return _run_lesson(args, signals)
        except Interrupted as exc:  # before the run began: nothing to record
            print(f"{exc}; nothing was run.", file=sys.stderr)
            return signals.exit_code


def _provenance(dataset, settings):
    """The data line (real-folds mode says the stand-in plus real folds)."""
    from engine.lesson_runs.data_choice import run_provenance
    return run_provenance(dataset, settings)


def _run_lesson(args, signals) -> int:
    from engine.jobs import Job
    from engine.lessons import get_lesson
    from engine.settings import settings_to_dict

    lesson = get_lesson(args.lesson)
    settings = lesson.make_settings(parse_sets(args.set or []))
    dataset = lesson.load_data(settings) if lesson.load_data else None
    bar = ProgressBar()
    job = Job(lesson, settings, bar, dataset=dataset)
    signals.attach(job.control.stop)   # Ctrl-C / SIGTERM / SIGHUP = the Stop button
    job.run_here()
    signals.ending()
    if not args.no_history:
        record_run(job)
    if signals.signum is not None:
        saved = "" if args.no_history else " and recorded in the run history as stopped"
        print(f"stopped by {signals.name}; the run ended{saved}.", file=sys.stderr)
        return signals.exit_code
    if job.error:
        print(f"error: {job.error}", file=sys.stderr)
        return EXIT_BAD_INPUT if job.bad_input else EXIT_RUN_FAILED
    result = job.result or {}
    provenance, standin = _provenance(dataset, settings)
    report = {
        "lesson": lesson.id,
        "settings": settings_to_dict(settings),
        "dataset": None if not hasattr(dataset, "provenance") else {
            "name": dataset.name, "provenance": provenance, "standin": standin,
            "train_examples": dataset.m_train,
            "test_examples": dataset.m_test},
        "costs": result.get("costs", []),
        "train_accuracy": job.metrics.get("train_accuracy"),
        "test_accuracy": job.metrics.get("test_accuracy"),
        "seconds": round(job.seconds, 4),
        "metrics": job.metrics,
    }
    # detection lessons: the boxes found, the lines predict prints, which detector
    for key in ("timings", "sweep", "course_costs", "output_folder", "network",
                "real_folds", "boxes", "lines", "detector", "picture"):
        if key in result:
            report[key] = result[key]
    if result.get("variants"):  # comparison lessons: each variant's course costs
        report["variants"] = [_variant_report(v) for v in result["variants"]]
    if args.json:
        print(json.dumps(_to_json(report)))
    else:
        for line in report.get("lines", []):   # car detection: predict's lines
            print(line)
        _print_examples(job.metrics, result)
        if "course_costs" in report:   # style transfer: model_nn's three costs
            for c in report["course_costs"]:
                print(f"Iteration {c['iteration']} :\ntotal cost = {c['total']:g}\n"
                      f"content cost = {c['content']:g}\nstyle cost = {c['style']:g}")
        else:
            for i, cost in report["costs"]:
                print(f"Cost after iteration {i}: {cost:f}")
        for variant in report.get("variants", []):
            print(f"{variant['label']}: " + ", ".join(
                f"{key.split('_')[0]} {100 * variant[key]:.2f} %"
                for key in ("train_accuracy", "test_accuracy")
                if variant[key] is not None) + f" ({variant['status']})")
        folds = result.get("real_folds")
        if folds:  # fold mode: each held-out fold's real accuracy, then the summary
            baseline = folds.get("standin_fold_accuracies") or []
            for k, accuracy in enumerate(folds["real_fold_accuracies"]):
                alone = f" (stand-in alone {100 * baseline[k]:.1f} %)" \
                    if k < len(baseline) else ""
                print(f"fold {k + 1} of {folds['folds']}: held-out real accuracy "
                      f"{100 * accuracy:.1f} %{alone}")
            print(f"real folds: mean {100 * folds['real_fold_mean']:.1f} % "
                  f"± {100 * folds['real_fold_std']:.1f} % ({folds['note']})")
        for key in ("train_accuracy", "test_accuracy"):
            if report[key] is not None:
                print(f"{key.replace('_', ' ')}: {100 * report[key]:.2f} %")
        shown = {"train_accuracy", "test_accuracy", "seconds", "iterations"}
        for key, value in job.metrics.items():
            # Lessons without a cost curve (gradient checking, face analysis) report here.
            if key not in shown and not key.endswith(("_accuracy", "_final_cost")) \
                    and isinstance(value, (int, float, str, bool)):
                print(f"{key.replace('_', ' ')}: {value}")
        if dataset is not None and hasattr(dataset, "provenance"):
            print(f"data: {provenance}")
        print(f"seconds: {job.seconds:.2f}")
    return 0


def main(argv: list[str] | None = None) -> int:
    from engine.data.dataset import DataError
    from engine.jobs import quiet_numeric_warnings
    from engine.lessons import UnknownLesson
    from engine.settings import SettingsError

    parser = _Parser(prog="python -m engine",
                     description="Run DL Playground lessons without a window.")
    sub = parser.add_subparsers(dest="command", required=True)
    p_list = sub.add_parser("list", help="list the lessons")
    p_list.add_argument("--json", action="store_true")
    p_list.add_argument("-v", "--verbose", action="store_true",
                        help="also list each lesson's settings and defaults")
    p_run = sub.add_parser("run", help="train or run one lesson")
    p_run.add_argument("lesson")
    p_run.add_argument("--set", action="append", metavar="NAME=VALUE",
                       help="change a setting, e.g. --set learning_rate=0.01")
    p_run.add_argument("--json", action="store_true", help="print one JSON object")
    p_run.add_argument("--no-history", action="store_true",
                       help="do not add this run to the run history")
    quiet_numeric_warnings()
    try:
        args = parser.parse_args(argv)
        return cmd_list(args) if args.command == "list" else cmd_run(args)
    except (_Usage, UnknownLesson, SettingsError, DataError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
