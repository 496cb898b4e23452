"""Finding, checking and importing the course's data files.

Files are looked up in this order: the folder named by ``DL_PLAYGROUND_DATA``, the
user data folder (``<platformdirs user data>/datasets``), then ``assets/datasets/``
of the checkout. Every problem with a file becomes a ``DataError`` whose one-line
text names the file and what is wrong with it, so the UI can show it as is.
"""
from __future__ import annotations

import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine import limits
from engine.data.dataset import DataError, Dataset
from engine.data.safe_arrays import ArraySpec, check_labels, decode_names, read_h5_arrays
from engine.user_data import user_data_dir

DATA_ENV = "DL_PLAYGROUND_DATA"
ASSETS_DATASETS = Path(__file__).resolve().parents[2] / "assets" / "datasets"

H5_DATASETS = ("catvnoncat", "signs", "happy")
MAT_FILES = ("data.mat",)


def user_datasets_dir() -> Path:
    """Where imported course files are kept (not created here)."""
    return user_data_dir() / "datasets"


def search_folders() -> list[Path]:
    """The folders searched for course files, first match wins."""
    folders = []
    env = os.environ.get(DATA_ENV, "").strip()
    if env:
        folders.append(Path(env).expanduser())
    folders.append(user_datasets_dir())
    folders.append(ASSETS_DATASETS)
    return folders


def find_course_file(name: str) -> Path | None:
    """Path of the course file ``name`` (e.g. ``"train_catvnoncat.h5"``), or None."""
    for folder in search_folders():
        candidate = folder / name
        # lexists, not is_file: a folder, pipe or broken link put there under a course
        # file's name is reported by the reader, not silently replaced by a stand-in
        if os.path.lexists(candidate):
            return candidate
    return None


def course_file_names() -> list[str]:
    """Every file name the importer recognises."""
    names = [f"{split}_{name}.h5" for name in H5_DATASETS for split in ("train", "test")]
    return names + list(MAT_FILES)


# --- reading and checking one h5 file ---

@dataclass(frozen=True)
class CourseSet:
    """What the lessons assume of one course data set's files."""

    description: str
    n_classes: int
    picture: tuple = (64, 64, 3)


# Every lesson that reads these files feeds 64x64x3 pictures to its model (and resizes
# "Try your own image" to 64x64), so files of another size are refused on reading.
COURSE_SETS = {"catvnoncat": CourseSet("cat / non-cat", 2),
               "signs": CourseSet("SIGNS", 6),
               "happy": CourseSet("Happy House", 2)}


def course_set_of(path: Path) -> CourseSet | None:
    """The CourseSet a file named like ``train_signs.h5`` belongs to, if any."""
    stem = path.stem.split("_", 1)[-1]
    return COURSE_SETS.get(stem)


def h5_split_specs(split: str, picture: tuple | None = None) -> list[ArraySpec]:
    """What a course h5 file of ``split`` holds: pictures, one label per picture and
    (required in test files) the class names."""
    height, width, channels = picture or ("h", "w", 3)
    return [
        ArraySpec(f"{split}_set_x", (("m", height, width, channels),), "u", itemsize=1,
                  what="colour images", counts="images"),
        ArraySpec(f"{split}_set_y", (("m",), (1, "m"), ("m", 1)), "iubf",
                  what="one class label per image", counts="labels"),
        ArraySpec("list_classes", (("c",),), "SUiuf", what="class names",
                  required=(split == "test"), max_bytes=limits.MAX_CLASSES * 1024),
    ]


def read_h5_split(path: Path | str, split: str,
                  course_set: CourseSet | None = None
                  ) -> tuple[np.ndarray, np.ndarray, list[str] | None]:
    """Read and check one course h5 file of ``split`` "train" or "test".

    Returns ``(images (m, h, w, 3) uint8, labels (1, m) int64, classes or None)``;
    classes are required in test files (the course reads them from there) and optional
    in train files. Shapes and sizes are checked before anything is read; with a
    ``course_set`` the picture size and number of classes must be the lesson's.
    """
    path = Path(path)
    picture = course_set.picture if course_set else None
    try:
        arrays, dims = read_h5_arrays(path, h5_split_specs(split, picture))
    except DataError as exc:
        if course_set and "'" + split + "_set_x' has shape" in str(exc):
            raise DataError(f"{exc} The {course_set.description} lessons use "
                            f"{'x'.join(map(str, picture))} pictures.") from None
        raise
    x, y = arrays[f"{split}_set_x"], arrays[f"{split}_set_y"]
    if x.shape[0] == 0:
        raise DataError(f"{path.name}: '{split}_set_x' holds no images.")
    if x.shape[1] < 1 or x.shape[2] < 1:
        raise DataError(f"{path.name}: '{split}_set_x' holds empty pictures {x.shape[1:]}.")
    classes = None
    if "list_classes" in arrays:
        classes = decode_names(arrays["list_classes"], path.name)
        if len(classes) < 2:
            raise DataError(f"{path.name}: 'list_classes' must list at least two class "
                            f"names, found {len(classes)}.")
        if len(classes) > limits.MAX_CLASSES:
            raise DataError(f"{path.name}: 'list_classes' names {len(classes):,} classes; "
                            f"at most {limits.MAX_CLASSES} are read.")
    if course_set is not None and classes is not None and len(classes) != course_set.n_classes:
        raise DataError(f"{path.name} names {len(classes)} classes; the "
                        f"{course_set.description} lessons have {course_set.n_classes}.")
    n_classes = len(classes) if classes is not None else \
        (course_set.n_classes if course_set else limits.MAX_CLASSES)
    y = check_labels(y, n_classes, path.name, f"{split}_set_y").reshape(1, -1)
    return x, y, classes


def load_h5_pair(train_path: Path | str, test_path: Path | str, name: str) -> Dataset:
    """Load and cross-check a train/test pair of course h5 files as an images Dataset.

    ``name`` is the course set ("catvnoncat", "signs", "happy"): its picture size and
    number of classes are required. Another name checks only that the files agree."""
    train_path, test_path = Path(train_path), Path(test_path)
    course_set = COURSE_SETS.get(name)
    x_train, y_train, train_classes = read_h5_split(train_path, "train", course_set)
    x_test, y_test, classes = read_h5_split(test_path, "test", course_set)
    if x_train.shape[1:] != x_test.shape[1:]:
        raise DataError(f"{train_path.name} has images of shape {x_train.shape[1:]} but "
                        f"{test_path.name} has {x_test.shape[1:]}.")
    if train_classes is not None and train_classes != classes:
        raise DataError(f"{train_path.name} and {test_path.name} name different classes "
                        f"({', '.join(train_classes)} vs {', '.join(classes)})"[:300] + ".")
    if y_train.max() >= len(classes):
        raise DataError(f"{train_path.name}: labels go up to {y_train.max()} but "
                        f"{test_path.name} names only {len(classes)} classes.")
    if train_path.parent == test_path.parent:
        where = f"from {train_path.parent}"
    else:
        where = f"from {train_path.parent} and {test_path.parent}"
    return Dataset(name=name, kind="images", X_train=x_train, Y_train=y_train,
                   X_test=x_test, Y_test=y_test, classes=classes,
                   provenance=f"Course files {train_path.name} / {test_path.name} {where}",
                   is_standin=False,
                   extra={"train_path": str(train_path), "test_path": str(test_path)})


def load_h5_dataset(name: str) -> Dataset:
    """Find ``train_<name>.h5`` and ``test_<name>.h5`` and load them.

    Raises DataError when either is missing (saying where it looked) or bad.
    """
    paths = []
    for split in ("train", "test"):
        file_name = f"{split}_{name}.h5"
        path = find_course_file(file_name)
        if path is None:
            looked = ", ".join(str(p) for p in search_folders())
            raise DataError(f"{file_name} was not found (looked in: {looked}).")
        paths.append(path)
    return load_h5_pair(paths[0], paths[1], name)


def h5_files_present(name: str) -> bool:
    """True when both files of the h5 dataset ``name`` can be found."""
    return all(find_course_file(f"{split}_{name}.h5") for split in ("train", "test"))


# --- importing from a folder the user picked ---

def real_test_set(file_name: str, description: str, classes: list[str]) -> dict | None:
    """A course test file on its own (e.g. ``test_signs.h5`` without its training
    file), for a lesson that trains on a stand-in and also tests on the real pictures.

    None when the file is not there. A file that is there but damaged or of another
    shape raises DataError: the user put it there and should learn it is unusable
    rather than silently get less. ``classes`` names the file's numbered classes."""
    path = find_course_file(file_name)
    if path is None:
        return None
    images, labels, file_classes = read_h5_split(path, "test", course_set_of(path))
    if images.shape[1:] != (64, 64, 3) or len(file_classes or []) != len(classes):
        raise DataError(f"{path.name} holds {images.shape[1:]} pictures of "
                        f"{len(file_classes or [])} classes; the {description} test set "
                        f"has 64x64x3 pictures of {len(classes)} classes.")
    return {"X": images, "Y": labels, "classes": list(classes),
            "provenance": f"course file {path.name} from {path.parent}"}


def with_real_test(dataset: Dataset, real_test: dict | None) -> Dataset:
    """The stand-in ``dataset`` carrying the real test pictures in
    ``extra["real_test"]`` (and saying so in its provenance) when there are any."""
    if real_test is not None:
        dataset.extra["real_test"] = real_test
        dataset.provenance += (f". Training on the stand-in and also testing on the real "
                               f"{real_test['provenance']} ({real_test['X'].shape[0]} photos)")
    return dataset


def _describe_images(x: np.ndarray, classes: list[str] | None) -> str:
    described = f"{x.shape[0]} images {x.shape[1]}x{x.shape[2]}x{x.shape[3]}"
    return described + (f", {len(classes)} classes" if classes is not None else "")


def _split_and_set(name: str) -> tuple[str, str]:
    split, set_name = Path(name).stem.split("_", 1)
    return split, set_name


def _partner_name(name: str) -> str:
    split, set_name = _split_and_set(name)
    return f"{'test' if split == 'train' else 'train'}_{set_name}.h5"


def check_alone(path: Path, name: str | None = None) -> str:
    """The checks a lesson makes on the course file ``path`` (known as ``name``) on its
    own: returns a short description or raises DataError."""
    name = name or path.name
    if name in MAT_FILES:
        from engine.data.two_d import read_field_file
        train_X, _, test_X, _ = read_field_file(path)
        return f"{train_X.shape[1]} training and {test_X.shape[1]} validation points"
    if name not in course_file_names():
        raise DataError(f"{path.name} is not a course file this app knows.")
    split, set_name = _split_and_set(name)
    x, _, classes = read_h5_split(path, split, COURSE_SETS[set_name])
    return _describe_images(x, classes)


def check_course_file(path: Path | str) -> str:
    """Check one recognised course file as the lessons would (picture size and number
    of classes included); returns a short description or raises DataError."""
    return check_alone(Path(path))


def check_with_partner(path: Path, name: str, partner: Path) -> None:
    """The lesson's checks of the pair ``path`` (to be ``name``) and its ``partner``
    file (train labels within the test file's classes, same picture size)."""
    split, set_name = _split_and_set(name)
    train, test = (path, partner) if split == "train" else (partner, path)
    try:
        load_h5_pair(train, test, set_name)
    except DataError as exc:
        # the files may carry staging names; the user knows them by their real names
        text = str(exc).replace(path.name, name)
        raise DataError(text) from None


def _stage(src: Path, dest_dir: Path) -> Path:
    """A private copy of ``src`` in ``dest_dir`` (same file system, so installing it
    is one atomic rename); only regular files of bounded size are copied."""
    from engine.data.safe_arrays import check_regular_file

    check_regular_file(src)
    dest_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{src.name}.", suffix=".staged", dir=dest_dir)
    try:
        with os.fdopen(fd, "wb") as out, open(src, "rb") as inp:
            shutil.copyfileobj(inp, out, 1 << 20)
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        _remove(Path(tmp_name))
        raise
    return Path(tmp_name)


def _remove(path: Path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def _same_content(a: Path, b: Path) -> bool:
    import filecmp
    try:
        return filecmp.cmp(a, b, shallow=False)
    except OSError:
        return False


def _install(staged: Path, target: Path) -> str:
    """Move ``staged`` over ``target`` atomically, keeping a different old ``target``
    as ``<name>.replaced-<time>``; returns a note about the kept copy ('' if none)."""
    note = ""
    if target.exists():
        backup = target.with_name(f"{target.name}.replaced-{time.strftime('%Y%m%d-%H%M%S')}")
        n = 1
        while backup.exists():
            n += 1
            backup = backup.with_name(f"{target.name}.replaced-"
                                      f"{time.strftime('%Y%m%d-%H%M%S')}-{n}")
        try:
            os.link(target, backup)      # the old file stays in place until the rename
        except OSError:
            shutil.copy2(target, backup)
        note = f"; the copy it replaced is kept as {backup.name}"
    os.replace(staged, target)
    return note


def import_course_files(folder: Path | str) -> list[str]:
    """Check every recognised course file in ``folder`` (and its ``datasets/``
    subfolder) exactly as the lessons will, and install the good ones in the user
    data folder.

    Each file is copied to a private staging file first and the *copy* is checked
    (a file changed during the import cannot slip through): on its own, then with
    its partner (the other file of the pair, imported together or already found),
    as the lesson loads them. A refused file never touches the installed one; an
    accepted file replaces it atomically and the old copy is kept beside it as
    ``<name>.replaced-<time>``. Returns one message per file found.
    """
    folder = Path(folder).expanduser()
    if not folder.is_dir():
        raise DataError(f"{folder} is not a folder.")
    known = course_file_names()
    found: dict[str, Path] = {}
    for place in (folder, folder / "datasets"):
        if place.is_dir():
            for name in known:
                # exists, not is_file: a FIFO or folder of that name gets a sentence too
                if name not in found and os.path.lexists(place / name):
                    found[name] = place / name
    if not found:
        return [f"No course files found in {folder} (looked for {', '.join(known)})."]
    dest_dir = user_datasets_dir()
    messages: dict[str, str] = {}
    staged: dict[str, Path] = {}
    described: dict[str, str] = {}
    try:
        for name, path in found.items():
            try:
                staged[name] = _stage(path, dest_dir)
                described[name] = check_alone(staged[name], name)
            except DataError as exc:
                text = str(exc)
                if name in staged:        # say the file's own name, not the staging one
                    text = text.replace(staged[name].name, name)
                    _remove(staged.pop(name))
                messages[name] = f"Skipped {name}: {text}"
            except OSError as exc:
                messages[name] = (f"Could not copy {name} into {dest_dir}: "
                                  f"{exc.strerror or exc}.")
                _remove(staged.pop(name, Path("/nonexistent")))
        # the pair as the lesson will load it: the partner imported now, else the one
        # found now (if it is usable on its own; a broken one is being replaced anyway)
        for name in [n for n in staged if n not in MAT_FILES]:
            partner_name = _partner_name(name)
            partner = staged.get(partner_name)
            if partner is None and partner_name not in found:
                partner = find_course_file(partner_name)
                if partner is not None:
                    try:
                        check_alone(partner, partner_name)
                    except DataError:
                        partner = None
            if partner is None:
                continue
            try:
                check_with_partner(staged[name], name, partner)
            except DataError as exc:
                text = str(exc).replace(partner.name, partner_name)
                messages[name] = f"Skipped {name}: {text}"
        for name in list(staged):
            if name in messages:          # refused because of its partner
                _remove(staged.pop(name))
                continue
            target = dest_dir / name
            if target.is_file() and _same_content(staged[name], target):
                _remove(staged.pop(name))
                messages[name] = f"{name} is already installed ({described[name]})."
                continue
            try:
                note = _install(staged.pop(name), target)
            except OSError as exc:
                messages[name] = (f"Could not install {name} in {dest_dir}: "
                                  f"{exc.strerror or exc}.")
                continue
            messages[name] = f"Imported {name} ({described[name]}){note}."
    finally:
        for leftover in staged.values():
            _remove(leftover)
    return [messages[name] for name in found]


def load_cat_dataset(seed: int = 0) -> Dataset:
    """The course's cat / non-cat files if both can be found, else the drawn stand-in.

    Files that are present but damaged raise ``DataError`` rather than silently
    falling back, so the user learns that the file they provided is unusable.
    """
    if h5_files_present("catvnoncat"):
        return load_h5_dataset("catvnoncat")
    from engine.data.synthetic import cat_standin

    return cat_standin(seed)
