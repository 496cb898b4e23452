"""Worker of the fuzz test: runs fuzz cases under an address-space limit and writes
one JSON line per case (``python tests/fuzz/run_cases.py WORKDIR OUT.jsonl ID...``).

For each case it writes the file (``make_cases``) and drives every boundary that
reads such a file, as the app does:

- course ``.h5`` / ``data.mat``: the importer's own check, the lesson's loader (with
  a good partner file beside it), and ``import_course_files`` over an installed good
  copy (which must stay in place, and the lesson must still load, when refused);
- pictures: "Try your own image" (``load_image_for_model``) and the face path
  (``read_image``).

A refusal is clean when it is a ``LessonError`` whose text is one sentence naming
the file. Each case runs under ``signal.alarm`` (a FIFO must not hang), and the
whole worker under ``RLIMIT_AS`` = its size after imports + ``HEADROOM``, so a
reader that allocates what a bomb declares dies with MemoryError (a failure).
"""
from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parents[1]), str(HERE)]

import numpy as np  # noqa: E402

import make_cases  # noqa: E402

HEADROOM = 768 << 20        # 768 MiB above what the imports take
CASE_SECONDS = 20


def clean_refusal(exc: BaseException, name: str) -> str | None:
    """Why ``exc`` is not a clean one-sentence refusal naming ``name`` (None if it is)."""
    from engine.jobs import LessonError

    text = str(exc)
    if not isinstance(exc, LessonError):
        return f"raw {type(exc).__name__}: {text[:200]}"
    if "\n" in text or "Traceback" in text or len(text) > 400 or not text.endswith("."):
        return f"not one sentence: {text[:300]!r}"
    if name not in text:
        return f"does not name {name}: {text[:200]!r}"
    return None


def _good_h5(folder: Path, set_name: str, split: str, classes="default") -> Path:
    path = folder / f"{split}_{set_name}.h5"
    make_cases._h5(make_cases._good_entries(split, make_cases.SETS[set_name],
                                            classes=classes))(path)
    return path


def _partner_classes(case):
    """The real course files name their classes; a partner must name the same."""
    if case.kind != "h5" or not case.id.endswith("/real-course-file"):
        return "default"
    import h5py
    with h5py.File(make_cases.COURSE / case.name, "r") as f:
        return f["list_classes"][()]


def _good_mat(folder: Path) -> Path:
    path = folder / "data.mat"
    make_cases._savemat(**make_cases._good_field())(path)
    return path


def _load_lesson_data(case):
    """What the lesson does with the course files it finds."""
    if case.kind == "mat":
        from engine.data.two_d import field_dataset
        return field_dataset()
    set_name = case.extra["set"]
    if set_name == "catvnoncat":
        from engine.data.course_files import load_cat_dataset
        return load_cat_dataset()
    if set_name == "signs":
        from engine.data.signs import load_signs_dataset
        return load_signs_dataset()
    from engine.data.happy import load_happy_dataset
    return load_happy_dataset()


def _expect(case, call, check=None) -> dict:
    """Run ``call`` and judge it against the case's expectation."""
    try:
        result = call()
    except Exception as exc:  # judged below: only LessonError counts as a refusal
        if case.expect == "refuse":
            why = clean_refusal(exc, case.name)
            return {"outcome": "refused" if why is None else "failed",
                    "message": str(exc)[:300], "why": why}
        return {"outcome": "failed", "why": f"good file refused: {type(exc).__name__}: "
                                            f"{str(exc)[:300]}"}
    if case.expect == "refuse":
        return {"outcome": "failed", "why": "hostile file was accepted"}
    if check is not None:
        try:
            check(result)
        except AssertionError as exc:
            return {"outcome": "failed", "why": f"read wrongly: {exc}"}
    return {"outcome": "read"}


def run_data_case(case, place: Path) -> dict:
    from engine.data.course_files import check_course_file, import_course_files

    incoming, env, user = place / "incoming", place / "env", place / "user"
    for folder in (incoming, env):
        folder.mkdir()
    path = make_cases.write_case(case, incoming)
    steps = {"check": _expect(case, lambda: check_course_file(path))}

    # the lesson's loader, with a good partner file beside the case's file
    case.write(env / case.name)
    classes = _partner_classes(case)
    if case.kind == "h5":
        other = "test" if case.extra["split"] == "train" else "train"
        _good_h5(env, case.extra["set"], other, classes)
    os.environ["DL_PLAYGROUND_DATA"] = str(env)
    os.environ["DL_PLAYGROUND_USER_DIR"] = str(user)
    steps["lesson"] = _expect(case, lambda: _load_lesson_data(case),
                              lambda data: _assert_dataset(data, case))

    # the importer over a good installed copy (and its good partner)
    installed = user / "datasets"
    installed.mkdir(parents=True)
    if case.kind == "h5":
        _good_h5(installed, case.extra["set"], case.extra["split"], classes)
        _good_h5(installed, case.extra["set"], other, classes)
    else:
        _good_mat(installed)
    before = (installed / case.name).read_bytes()
    del os.environ["DL_PLAYGROUND_DATA"]
    messages = import_course_files(path.parent)
    message = next((m for m in messages if case.name in m), "")
    after = installed / case.name
    if case.expect == "refuse":
        if not message.startswith(f"Skipped {case.name}:") or "\n" in message:
            steps["import"] = {"outcome": "failed", "why": f"import said {message!r}"}
        elif not after.is_file() or after.read_bytes() != before:
            steps["import"] = {"outcome": "failed", "why": "the good installed file changed"}
        else:
            steps["import"] = {"outcome": "refused", "message": message}
    else:
        kept = list(installed.glob(case.name + ".replaced-*"))
        if message.startswith(f"Imported {case.name}") and kept and \
                kept[0].read_bytes() == before:
            steps["import"] = {"outcome": "read", "message": message}
        elif message.startswith(f"{case.name} is already installed"):
            steps["import"] = {"outcome": "read", "message": message}
        else:
            steps["import"] = {"outcome": "failed", "why": f"import said {message!r}"}
    # whatever was imported or refused, the lesson still loads from the user folder
    try:
        _load_lesson_data(case)
    except Exception as exc:
        steps["after-import"] = {"outcome": "failed",
                                 "why": f"lesson broken after import: {str(exc)[:200]}"}
    else:
        steps["after-import"] = {"outcome": "read"}
    return steps


def _assert_dataset(data, case):
    if case.kind == "mat":
        assert data.X_train.shape[0] == 2 and data.Y_train.dtype == np.int64
        assert set(np.unique(data.Y_train)) <= {0, 1}
        return
    n = make_cases.SETS[case.extra["set"]]
    assert data.X_train.shape[1:] == (64, 64, 3) and data.X_train.dtype == np.uint8
    assert data.Y_train.dtype == np.int64 and len(data.classes) == n
    for labels in (data.Y_train, data.Y_test):
        assert labels.min() >= 0 and labels.max() < n


def run_picture_case(case, place: Path) -> dict:
    from engine.data.images import load_image_for_model
    from engine.data.pictures import read_picture
    from engine.faces.images import read_image

    path = make_cases.write_case(case, place)
    steps = {"own-image": _expect(case, lambda: load_image_for_model(path, (64, 64)),
                                  lambda a: _assert(a.shape == (64, 64, 3)
                                                    and a.dtype == np.uint8)),
             "face-photo": _expect(case, lambda: read_image(path), case.check)}
    if case.expect == "read":
        steps["same-pixels"] = _expect(case, lambda: (read_picture(path), read_image(path)),
                                       lambda pair: _assert(np.array_equal(*pair)))
    return steps


def _assert(condition):
    assert condition


def _timeout(signum, frame):
    raise TimeoutError(f"no answer within {CASE_SECONDS} s (hangs)")


def main(workdir: str, out_path: str, ids: list[str]) -> None:
    import engine.data.course_files  # noqa: F401  (imports before the limit is set)
    import engine.data.happy  # noqa: F401
    import engine.data.pictures  # noqa: F401
    import engine.data.signs  # noqa: F401
    import engine.data.two_d  # noqa: F401
    import engine.faces.images  # noqa: F401
    import h5py  # noqa: F401
    import PIL.Image  # noqa: F401
    import scipy.io  # noqa: F401
    import scipy.sparse  # noqa: F401

    with open("/proc/self/status") as f:
        vm = int(next(line for line in f if line.startswith("VmSize:")).split()[1]) * 1024
    limit = vm + HEADROOM
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    signal.signal(signal.SIGALRM, _timeout)
    by_id = {case.id: case for case in make_cases.cases()}
    with open(out_path, "a") as out:
        for case_id in ids:
            case = by_id[case_id]
            place = Path(workdir) / case_id.replace("/", "__")
            place.mkdir(parents=True, exist_ok=True)
            start = time.perf_counter()
            signal.alarm(CASE_SECONDS)
            try:
                runner = run_picture_case if case.kind == "picture" else run_data_case
                steps = runner(case, place)
            except BaseException as exc:  # the worker itself went wrong on this case
                steps = {"worker": {"outcome": "failed", "why": "".join(
                    traceback.format_exception_only(type(exc), exc))[-300:]}}
            finally:
                signal.alarm(0)
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
            out.write(json.dumps({"id": case_id, "expect": case.expect, "steps": steps,
                                  "seconds": round(time.perf_counter() - start, 3),
                                  "peak_rss": peak, "as_limit": limit}) + "\n")
            out.flush()
            shutil.rmtree(place, ignore_errors=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3:])
