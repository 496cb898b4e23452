"""Which data a picture lesson trains on: the course's files (or their stand-in), a
dataset of the learner's own, or the stand-in plus the real test photos in k folds.

Each picture lesson declares ``settings=with_data_choice(TheSettings)``,
``load_data=data_loader(load_data, SET)`` and ``run=run_with_data_choice(run, load)``:
two settings appear (``data``: a dataset file, empty for the lesson's usual data;
``real_folds``: 0 off, else the number of folds), the headless runner takes
``--set data=PATH.h5`` and ``--set real_folds=5``, and the page and run history read
the dataset's provenance line, which always says which data was used.
"""
from __future__ import annotations

import dataclasses

import numpy as np

from engine.data.dataset import DataError
from engine.data.real_folds import DEFAULT_FOLDS, fold_dataset, fold_summary, \
    real_photos_of, stratified_folds
from engine.jobs import Reporter
from engine.settings import setting


def with_data_choice(settings_cls):
    """The lesson's settings dataclass plus ``data`` and ``real_folds``."""
    @dataclasses.dataclass
    class WithDataChoice(settings_cls):
        data: str = setting("", "Dataset file", kind="text",
                            help="Empty: the course's files, or the stand-in where they "
                                 "are missing. Or the path of a dataset you made (an h5 "
                                 "file in the course's layout).")
        real_folds: int = setting(0, "Real folds", minimum=0, maximum=10,
                                  help="Not the course's split. 0: off. 2 to 10: split "
                                       "the real test photos into this many folds and, "
                                       "for each fold, train on the stand-in plus the "
                                       "other folds and score the held-out one.")

    WithDataChoice.__name__ = settings_cls.__name__
    WithDataChoice.__qualname__ = settings_cls.__qualname__
    WithDataChoice.__doc__ = settings_cls.__doc__
    return WithDataChoice


def data_loader(load_data, set_name: str):
    """``load_data(settings)`` that reads the learner's dataset when one is named.

    A file in the learner's own datasets folder that cannot be read is moved aside
    (kept, renamed) so the chooser stops offering it; a file elsewhere is only refused."""
    def load(settings=None):
        path = getattr(settings, "data", "") if settings is not None else ""
        if path:
            from engine.data.own_datasets import load_own_dataset
            try:
                return load_own_dataset(path, set_name)
            except DataError as exc:
                raise DataError(_moved_aside(path, str(exc))) from None
        return load_data(settings)

    load.__doc__ = load_data.__doc__
    return load


def run_with_data_choice(run, load):
    """The lesson's ``run``, or its fold mode when ``real_folds`` is 2 or more;
    ``load(settings)`` is the lesson's (data-choosing) loader."""
    def run_chosen(hp, on_event, control, dataset=None):
        folds = int(getattr(hp, "real_folds", 0) or 0)
        if folds == 0:
            return run(hp, on_event, control, dataset=dataset)
        if folds == 1:
            raise DataError("Real folds must be 0 (off) or between 2 and 10; 1 fold "
                            "would leave nothing to test on.")
        if getattr(hp, "data", ""):
            raise DataError("Real-folds mode trains on the stand-in plus the real test "
                            "photos; clear the dataset file to use it.")
        return run_real_folds(run, hp, on_event, control,
                              dataset if dataset is not None else load(hp), folds)

    run_chosen.__doc__ = run.__doc__
    return run_chosen


def _fold_reporter(on_event, fold: int, folds: int) -> Reporter:
    """A fresh reporter per fold (its own curve and progress), whose events carry
    the fold so the page can say "fold 2 of 5"."""
    def emit(event):
        on_event(event.kind, fold=fold, folds=folds, **event.data)
    return Reporter(emit)


def run_real_folds(run, hp, on_event, control, dataset, folds: int) -> dict:
    """Train once per fold on the stand-in plus the other folds, score the held-out
    real photos; also score the stand-in-alone model on the same folds (the baseline
    the real photos improve on). Returns the last fold's result for the page."""
    base = dataset
    real = real_photos_of(base)
    real_X, real_Y = np.asarray(real["X"]), np.asarray(real["Y"]).reshape(1, -1)
    split = stratified_folds(real_Y, folds)
    accuracies, sizes = [], []
    out = None
    for fold in range(folds):
        fold_data = fold_dataset(base, real_X, real_Y, split, fold, real["provenance"])
        on_event("fold", fold=fold, folds=folds, provenance=fold_data.provenance,
                 held_out=int(split[fold].size))
        out = run(hp, _fold_reporter(on_event, fold, folds), control, dataset=fold_data)
        accuracies.append(float(out["metrics"]["test_accuracy"]))
        sizes.append(int(split[fold].size))
        on_event("fold_done", fold=fold, folds=folds, accuracy=accuracies[-1],
                 held_out=sizes[-1])
        if control.stop_requested:
            break
    # The stand-in alone, trained once (it does not depend on the fold), scored on
    # every held-out fold: the baseline beside the real-folds figures.
    baseline = None
    if not control.stop_requested:
        on_event("fold", fold=folds, folds=folds, provenance="the stand-in alone")
        alone = run(hp, _fold_reporter(on_event, folds, folds), control, dataset=base)
        predicted = alone["result"].get("real_test", {}).get("test_predictions")
        if predicted is not None:
            predicted = np.asarray(predicted).reshape(-1)
            baseline = [float(np.mean(predicted[f] == real_Y[0, f]))
                        for f in split[:len(accuracies)]]
    summary = fold_summary(accuracies, baseline)
    metrics = dict(out["metrics"])
    metrics.update(summary)
    # the run's test figure is the mean held-out real accuracy, not the last fold's
    metrics["test_accuracy"] = summary["real_fold_mean"]
    metrics["real_folds"] = folds
    metrics["folds_done"] = len(accuracies)
    result = dict(out["result"])
    # the last fold's per-picture answers index its held-out fold, not the page's
    # test pictures: drop them so no page shows them against the wrong pictures
    for key in ("misclassified", "real_test"):
        result.pop(key, None)
    result["real_folds"] = {**summary, "fold_sizes": sizes, "folds": folds,
                            "note": "Not the course's split: each real photo is scored "
                                    "once, by a model trained on the stand-in plus the "
                                    "other folds."}
    return {"metrics": metrics, "result": result}


# --- the data chooser and the provenance line ---

@dataclasses.dataclass(frozen=True)
class DataOption:
    """One entry of a picture lesson's data chooser: the settings it stands for."""
    label: str
    data: str = ""
    real_folds: int = 0
    help: str = ""


def _moved_aside(path: str, message: str) -> str:
    """Move an unreadable file of the learner's datasets folder aside; the sentence
    to show (the reason, and where the file went)."""
    from pathlib import Path

    from engine.data.own_datasets import move_aside, own_datasets_dir

    file = Path(path).expanduser()
    try:
        inside = file.is_file() and file.resolve().parent == own_datasets_dir().resolve()
    except OSError:
        inside = False
    if not inside:
        return message
    try:
        target = move_aside(file)
    except OSError as exc:
        return f"{message} (It could not be moved aside: {exc.strerror or exc}.)"
    return f"{message} The file was moved aside as {target.name}, so it is not offered again."


def real_folds_possible(set_name: str) -> bool:
    """Real-folds mode is for sets whose training file is missing (the lesson trains
    on the stand-in) while the course's real test file is there."""
    from engine.data.course_files import find_course_file

    if set_name not in ("signs", "happy"):   # only these stand-ins carry the real photos
        return False
    return find_course_file(f"train_{set_name}.h5") is None and \
        find_course_file(f"test_{set_name}.h5") is not None


def data_options(lesson_id: str) -> list[DataOption]:
    """What a picture lesson can train on, first the lesson's usual data."""
    from engine.data.course_files import find_course_file
    from engine.data.own_datasets import LESSON_SETS, list_own_datasets

    set_name = LESSON_SETS[lesson_id]
    usual = "Course files" if find_course_file(f"train_{set_name}.h5") else \
        "Stand-in, no course files"
    options = [DataOption(f"{usual} (default)",
                          help="The lesson's usual data: the course's files when they are "
                               "in the data folder, else the drawn stand-in.")]
    for path in list_own_datasets(set_name):
        options.append(DataOption(f"Your dataset: {path.stem[len(set_name) + 1:]}",
                                  data=str(path), help=str(path)))
    if real_folds_possible(set_name):
        options.append(DataOption(
            f"Stand-in + real test photos in {DEFAULT_FOLDS} folds",
            real_folds=DEFAULT_FOLDS,
            help="Not the course's split: the real test photos are split into "
                 f"{DEFAULT_FOLDS} folds; each fold is scored by a model trained on the "
                 "stand-in plus the other folds."))
    return options


def run_provenance(dataset, settings) -> tuple[str | None, bool | None]:
    """The data line a run is recorded and shown with, and whether it is the stand-in:
    in real-folds mode the job's dataset is the plain stand-in, but the model trained
    on the stand-in plus real photos, which the line must say."""
    text = getattr(dataset, "provenance", None)
    standin = getattr(dataset, "is_standin", None)
    folds = int(getattr(settings, "real_folds", 0) or 0)
    if folds >= 2 and not getattr(settings, "data", "") and standin:
        real = (getattr(dataset, "extra", None) or {}).get("real_test")
        source = f" of {real['provenance']}" if real else ""
        return (f"Stand-in + real folds (not the course's split): the real test "
                f"photos{source} in {folds} folds, each scored by a model trained on "
                f"the stand-in plus the other folds; also the stand-in alone on the "
                f"same folds", False)
    return text, standin
