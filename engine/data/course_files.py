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
from pathlib import Path

import numpy as np

from engine.data.dataset import DataError, Dataset
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
        if candidate.is_file():
            return candidate
    return None


def course_file_names() -> list[str]:
    """Every file name the importer recognises."""
    names = [f"{split}_{name}.h5" for name in H5_DATASETS for split in ("train", "test")]
    return names + list(MAT_FILES)


# --- reading and checking one h5 file ---

def _read_key(f, key: str, path: Path) -> np.ndarray:
    import h5py

    if key not in f:
        present = ", ".join(sorted(f.keys())) or "nothing"
        raise DataError(f"{path.name} has no '{key}' entry (it holds: {present}).")
    node = f[key]
    if not isinstance(node, h5py.Dataset):
        raise DataError(f"{path.name}: '{key}' is a group, not an array.")
    return np.array(node[()])


def _decode_classes(raw: np.ndarray, path: Path) -> list[str]:
    if raw.ndim != 1 or raw.shape[0] < 2:
        raise DataError(f"{path.name}: 'list_classes' must list at least two class "
                        f"names, found shape {raw.shape}.")
    out = []
    for item in raw:
        out.append(item.decode("utf-8", "replace") if isinstance(item, bytes) else str(item))
    return out


def read_h5_split(path: Path | str, split: str) -> tuple[np.ndarray, np.ndarray, list[str] | None]:
    """Read and check one course h5 file of ``split`` "train" or "test".

    Returns ``(images (m, h, w, 3) uint8, labels (1, m), classes or None)``; classes are
    required in test files (the course reads them from there) and optional in train files.
    """
    import h5py

    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path.name} was not found at {path.parent}.")
    try:
        with h5py.File(path, "r") as f:
            x = _read_key(f, f"{split}_set_x", path)
            y = _read_key(f, f"{split}_set_y", path)
            has_classes = "list_classes" in f
            if split == "test" or has_classes:
                classes = _decode_classes(_read_key(f, "list_classes", path), path)
            else:
                classes = None
    except OSError as exc:
        reason = str(exc).split("(")[-1].rstrip(")") if "(" in str(exc) else str(exc)
        raise DataError(f"{path.name} is truncated, corrupt or not an HDF5 file "
                        f"({reason}).") from None

    key = f"'{split}_set_x'"
    if x.ndim != 4 or x.shape[-1] != 3:
        raise DataError(f"{path.name}: {key} has shape {x.shape}; expected colour "
                        f"images of shape (m, height, width, 3).")
    if x.dtype != np.uint8:
        raise DataError(f"{path.name}: {key} holds {x.dtype} values; expected uint8 "
                        f"pixels (0..255).")
    if x.shape[0] == 0:
        raise DataError(f"{path.name}: {key} holds no images.")
    if y.ndim == 2 and 1 in y.shape:
        y = y.reshape(-1)
    if y.ndim != 1:
        raise DataError(f"{path.name}: '{split}_set_y' has shape {y.shape}; expected one "
                        f"label per image.")
    if y.dtype.kind not in "iub":
        raise DataError(f"{path.name}: '{split}_set_y' holds {y.dtype} values; expected "
                        f"integer class labels.")
    if y.shape[0] != x.shape[0]:
        raise DataError(f"{path.name} has {x.shape[0]} images but {y.shape[0]} labels.")
    y = y.astype(np.int64).reshape((1, y.shape[0]))
    if classes is not None and (y.min() < 0 or y.max() >= len(classes)):
        raise DataError(f"{path.name}: labels range over {y.min()}..{y.max()} but "
                        f"'list_classes' names only {len(classes)} classes.")
    return x, y, classes


def load_h5_pair(train_path: Path | str, test_path: Path | str, name: str) -> Dataset:
    """Load and cross-check a train/test pair of course h5 files as an images Dataset."""
    train_path, test_path = Path(train_path), Path(test_path)
    x_train, y_train, train_classes = read_h5_split(train_path, "train")
    x_test, y_test, classes = read_h5_split(test_path, "test")
    if x_train.shape[1:] != x_test.shape[1:]:
        raise DataError(f"{train_path.name} has images of shape {x_train.shape[1:]} but "
                        f"{test_path.name} has {x_test.shape[1:]}.")
    if train_classes is not None and train_classes != classes:
        raise DataError(f"{train_path.name} and {test_path.name} name different classes "
                        f"({train_classes} vs {classes}).")
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
    images, labels, file_classes = read_h5_split(path, "test")
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


def _check_mat(path: Path) -> str:
    import scipy.io

    try:
        data = scipy.io.loadmat(str(path))
    except Exception as exc:  # scipy raises several types for a damaged file
        raise DataError(f"{path.name} is not a readable MATLAB file ({exc}).") from None
    for key in ("X", "y", "Xval", "yval"):
        if key not in data:
            raise DataError(f"{path.name} has no '{key}' entry.")
    for x_key, y_key in (("X", "y"), ("Xval", "yval")):
        x, y = data[x_key], data[y_key]
        if x.ndim != 2 or x.shape[1] != 2:
            raise DataError(f"{path.name}: '{x_key}' has shape {x.shape}; expected "
                            f"(m, 2) points.")
        if y.size != x.shape[0]:
            raise DataError(f"{path.name} has {x.shape[0]} points in '{x_key}' but "
                            f"{y.size} labels in '{y_key}'.")
    return f"{data['X'].shape[0]} training and {data['Xval'].shape[0]} validation points"


def check_course_file(path: Path | str) -> str:
    """Check one recognised course file; returns a short description or raises DataError."""
    path = Path(path)
    if path.name in MAT_FILES:
        return _check_mat(path)
    split = path.name.split("_", 1)[0]
    if split not in ("train", "test") or path.suffix != ".h5":
        raise DataError(f"{path.name} is not a course file this app knows.")
    x, _, classes = read_h5_split(path, split)
    described = f"{x.shape[0]} images {x.shape[1]}x{x.shape[2]}x{x.shape[3]}"
    if classes is not None:
        described += f", {len(classes)} classes"
    return described


def _atomic_copy(src: Path, dest_dir: Path) -> Path:
    dest_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{src.name}.", suffix=".tmp", dir=dest_dir)
    try:
        with os.fdopen(fd, "wb") as out, open(src, "rb") as inp:
            shutil.copyfileobj(inp, out, 1 << 20)
            out.flush()
            os.fsync(out.fileno())
        target = dest_dir / src.name
        os.replace(tmp_name, target)
    except BaseException:
        try:
            os.unlink(tmp_name)
        except OSError:
            pass
        raise
    return target


def import_course_files(folder: Path | str) -> list[str]:
    """Check every recognised course file in ``folder`` (and its ``datasets/``
    subfolder) and copy the good ones into the user data folder.

    Returns one message per file found (imported, or skipped with the reason).
    """
    folder = Path(folder).expanduser()
    if not folder.is_dir():
        raise DataError(f"{folder} is not a folder.")
    known = course_file_names()
    found: dict[str, Path] = {}
    for place in (folder, folder / "datasets"):
        if place.is_dir():
            for name in known:
                if name not in found and (place / name).is_file():
                    found[name] = place / name
    if not found:
        return [f"No course files found in {folder} (looked for {', '.join(known)})."]
    dest_dir = user_datasets_dir()
    messages = []
    for name, path in found.items():
        try:
            described = check_course_file(path)
        except DataError as exc:
            messages.append(f"Skipped {name}: {exc}")
            continue
        try:
            _atomic_copy(path, dest_dir)
        except OSError as exc:
            messages.append(f"Could not copy {name} into {dest_dir}: {exc.strerror or exc}.")
            continue
        messages.append(f"Imported {name} ({described}).")
    return messages


def load_cat_dataset(seed: int = 0) -> Dataset:
    """The course's cat / non-cat files if both can be found, else the drawn stand-in.

    Files that are present but damaged raise ``DataError`` rather than silently
    falling back, so the user learns that the file they provided is unusable.
    """
    if h5_files_present("catvnoncat"):
        return load_h5_dataset("catvnoncat")
    from engine.data.synthetic import cat_standin

    return cat_standin(seed)
