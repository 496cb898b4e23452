"""The course-file importer runs the lessons' own checks (with the partner file),
never installs a file the lessons refuse, and keeps the file it replaces."""
from __future__ import annotations

import h5py
import numpy as np
import pytest

from engine.data import course_files
from engine.data.dataset import DataError


def write_h5(path, split, n_classes=2, m=6, *, x=None, y=None, classes=None):
    rng = np.random.default_rng(m)
    with h5py.File(path, "w") as f:
        f[f"{split}_set_x"] = rng.integers(0, 256, (m, 64, 64, 3), np.uint8) if x is None else x
        f[f"{split}_set_y"] = (np.arange(m) % n_classes) if y is None else y
        f["list_classes"] = np.array([f"c{i}".encode() for i in range(n_classes)]) \
            if classes is None else classes
    return path


@pytest.fixture
def folders(tmp_path, monkeypatch):
    user = tmp_path / "user" / "datasets"
    monkeypatch.setattr(course_files, "user_datasets_dir", lambda: user)
    monkeypatch.setenv("DL_PLAYGROUND_DATA", str(tmp_path / "nothing-here"))
    incoming = tmp_path / "incoming"
    incoming.mkdir()
    return user, incoming


def test_a_replaced_file_is_kept_beside_the_new_one(folders):
    user, incoming = folders
    user.mkdir(parents=True)
    write_h5(user / "train_signs.h5", "train", 6, m=12)
    write_h5(user / "test_signs.h5", "test", 6, m=6)
    old = (user / "train_signs.h5").read_bytes()
    write_h5(incoming / "train_signs.h5", "train", 6, m=18)
    messages = course_files.import_course_files(incoming)
    assert len(messages) == 1 and messages[0].startswith(
        "Imported train_signs.h5 (18 images 64x64x3, 6 classes); the copy it replaced is "
        "kept as train_signs.h5.replaced-")
    kept = list(user.glob("train_signs.h5.replaced-*"))
    assert len(kept) == 1 and kept[0].read_bytes() == old
    assert course_files.load_h5_dataset("signs").m_train == 18
    assert not list(user.glob(".*staged"))            # no staging file left behind
    # the same file again: nothing replaced, nothing kept
    assert course_files.import_course_files(incoming)[0].startswith(
        "train_signs.h5 is already installed")
    assert len(list(user.glob("train_signs.h5.replaced-*"))) == 1


def test_a_file_the_lessons_refuse_never_replaces_the_installed_one(folders):
    user, incoming = folders
    user.mkdir(parents=True)
    good = write_h5(user / "test_signs.h5", "test", 6).read_bytes()
    write_h5(incoming / "test_signs.h5", "test", 10)           # SIGNS has 6 classes
    assert course_files.import_course_files(incoming) == [
        "Skipped test_signs.h5: test_signs.h5 names 10 classes; the SIGNS lessons have 6."]
    assert (user / "test_signs.h5").read_bytes() == good
    assert sorted(p.name for p in user.iterdir()) == ["test_signs.h5"]


def test_the_partner_file_is_checked_too(folders):
    user, incoming = folders
    user.mkdir(parents=True)
    write_h5(user / "test_catvnoncat.h5", "test", classes=np.array([b"non-cat", b"cat"]))
    write_h5(incoming / "train_catvnoncat.h5", "train", classes=np.array([b"dog", b"cat"]))
    message, = course_files.import_course_files(incoming)
    assert message == ("Skipped train_catvnoncat.h5: train_catvnoncat.h5 and "
                       "test_catvnoncat.h5 name different classes (dog, cat vs non-cat, cat).")
    assert not (user / "train_catvnoncat.h5").exists()


def test_a_pair_imported_together_is_checked_together(folders):
    user, incoming = folders
    write_h5(incoming / "train_happy.h5", "train", classes=np.array([0, 1]))
    write_h5(incoming / "test_happy.h5", "test", classes=np.array([1, 0]))
    messages = course_files.import_course_files(incoming)
    assert all(m.startswith("Skipped") and "name different classes" in m for m in messages)
    assert not user.exists() or not any(user.iterdir())


@pytest.mark.parametrize("labels", [
    np.array([0, 1, -1, 0, 1, 0]), np.array([0, 1, 2, 0, 1, 0]),
    np.array([0, 1, 0.5, 0, 1, 0]), np.array([0, 1, 2**64 - 1, 0, 1, 0], np.uint64)])
@pytest.mark.parametrize("split", ["train", "test"])
def test_labels_are_checked_before_casting(folders, labels, split):
    _, incoming = folders
    path = write_h5(incoming / f"{split}_catvnoncat.h5", split, y=labels)
    with pytest.raises(DataError, match=f"'{split}_set_y' holds") as err:
        course_files.check_course_file(path)
    assert "\n" not in str(err.value)


def test_pictures_of_another_size_are_refused_with_the_size_the_lessons_use(folders):
    _, incoming = folders
    path = write_h5(incoming / "train_catvnoncat.h5", "train",
                    x=np.zeros((6, 32, 32, 3), np.uint8))
    with pytest.raises(DataError, match=r"The cat / non-cat lessons use 64x64x3 pictures"):
        course_files.check_course_file(path)


def test_a_memory_bomb_is_refused_before_reading(folders):
    _, incoming = folders
    path = incoming / "train_catvnoncat.h5"
    with h5py.File(path, "w") as f:
        f.create_dataset("train_set_x", shape=(10**6, 64, 64, 3), dtype="u1",
                         chunks=(1, 64, 64, 3), compression="gzip")
        f["train_set_y"] = np.zeros(10**6, np.uint8)
    assert path.stat().st_size < 2_000_000
    with pytest.raises(DataError, match=r"declares shape \(1000000, 64, 64, 3\) "
                                        r"\(11,719 MB\); arrays over 512 MB are not read"):
        course_files.check_course_file(path)
