"""Data: course-file locator and loaders, the planar generators and the cat stand-in."""
from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pytest

from engine.data import course_files, planar, synthetic
from engine.data.dataset import DataError
from engine.numpy_nets.logistic import optimize, predict


def write_h5(path, split, m=6, *, x=None, y=None, classes=(b"non-cat", b"cat"), skip=()):
    """A small course-style h5 file; ``skip`` leaves keys out."""
    rng = np.random.default_rng(len(str(path)))
    x = rng.integers(0, 256, (m, 64, 64, 3), dtype=np.uint8) if x is None else x
    y = (np.arange(m) % 2).astype(np.int64) if y is None else y
    with h5py.File(path, "w") as f:
        if f"{split}_set_x" not in skip:
            f[f"{split}_set_x"] = x
        if f"{split}_set_y" not in skip:
            f[f"{split}_set_y"] = y
        if classes is not None and "list_classes" not in skip:
            f["list_classes"] = np.array(classes)
    return path


def write_pair(folder, name="catvnoncat", m_train=6, m_test=4):
    train = write_h5(folder / f"train_{name}.h5", "train", m_train)
    test = write_h5(folder / f"test_{name}.h5", "test", m_test)
    return train, test


# --- locator ---

def test_locator_searches_env_then_user_then_assets(data_dirs):
    name = "train_catvnoncat.h5"
    assert course_files.find_course_file(name) is None
    for place in ("assets", "user", "env"):
        (data_dirs[place] / name).write_bytes(b"x")
    assert course_files.find_course_file(name) == data_dirs["env"] / name
    (data_dirs["env"] / name).unlink()
    assert course_files.find_course_file(name) == data_dirs["user"] / name
    (data_dirs["user"] / name).unlink()
    assert course_files.find_course_file(name) == data_dirs["assets"] / name


def test_locator_without_env_var(data_dirs, monkeypatch):
    monkeypatch.delenv("DL_PLAYGROUND_DATA")
    assert course_files.search_folders() == [data_dirs["user"], data_dirs["assets"]]


def test_default_user_folder_is_platformdirs(monkeypatch):
    import platformdirs

    monkeypatch.delenv("DL_PLAYGROUND_USER_DIR", raising=False)
    expected = Path(platformdirs.user_data_dir("dl-playground")) / "datasets"
    assert course_files.user_datasets_dir() == expected


def test_user_folder_override(monkeypatch, tmp_path):
    monkeypatch.setenv("DL_PLAYGROUND_USER_DIR", str(tmp_path))
    assert course_files.user_datasets_dir() == tmp_path / "datasets"


# --- the real files ---

def test_real_cat_files(course_data):
    data = course_files.load_h5_dataset("catvnoncat")
    assert data.kind == "images" and not data.is_standin
    assert data.X_train.shape == (209, 64, 64, 3) and data.X_train.dtype == np.uint8
    assert data.X_test.shape == (50, 64, 64, 3)
    assert data.Y_train.shape == (1, 209) and data.Y_test.shape == (1, 50)
    assert int(data.Y_train.sum()) == 72 and int(data.Y_test.sum()) == 33
    assert data.classes == ["non-cat", "cat"]
    train_x, test_x = data.flattened()
    assert train_x.shape == (12288, 209) and test_x.shape == (12288, 50)
    flat = data.X_train.reshape(data.X_train.shape[0], -1).T
    np.testing.assert_array_equal(flat[0:5, 0], [17, 31, 56, 22, 33])   # [SRC] sanity check
    assert "train_catvnoncat.h5" in data.provenance and str(course_data) in data.provenance
    assert course_files.load_cat_dataset().provenance == data.provenance


def test_load_cat_dataset_falls_back_to_stand_in(data_dirs):
    data = course_files.load_cat_dataset()
    assert data.is_standin and "stand-in" in data.provenance


def test_damaged_cat_files_are_reported_not_replaced(data_dirs):
    train, test = write_pair(data_dirs["user"])
    test.write_bytes(b"\x89HDF\r\n")
    with pytest.raises(DataError, match="test_catvnoncat.h5 is truncated"):
        course_files.load_cat_dataset()


def test_missing_files_say_where_they_were_looked_for(data_dirs):
    with pytest.raises(DataError, match="train_signs.h5 was not found") as err:
        course_files.load_h5_dataset("signs")
    assert str(data_dirs["env"]) in str(err.value)


# --- bad files, each with a specific message ---

def test_good_self_written_pair_loads(tmp_path):
    train, test = write_pair(tmp_path)
    data = course_files.load_h5_pair(train, test, "catvnoncat")
    assert data.X_train.shape == (6, 64, 64, 3) and data.Y_train.shape == (1, 6)
    assert data.Y_test.shape == (1, 4) and data.classes == ["non-cat", "cat"]
    assert data.provenance == (f"Course files train_catvnoncat.h5 / test_catvnoncat.h5 "
                               f"from {tmp_path}")


def test_truncated_file(tmp_path):
    train, test = write_pair(tmp_path, m_train=40)
    size = train.stat().st_size
    with open(train, "r+b") as f:
        f.truncate(size // 2)
    with pytest.raises(DataError, match="train_catvnoncat.h5 is truncated") as err:
        course_files.load_h5_pair(train, test, "catvnoncat")
    assert "\n" not in str(err.value)


def test_not_an_h5_file(tmp_path):
    train, test = write_pair(tmp_path)
    test.write_text("this is not HDF5\n")
    with pytest.raises(DataError, match="test_catvnoncat.h5 is truncated, corrupt or not"):
        course_files.load_h5_pair(train, test, "catvnoncat")


def test_wrong_keys(tmp_path):
    train, test = write_pair(tmp_path)
    with h5py.File(train, "a") as f:
        f["train_x"] = f["train_set_x"][()]
        del f["train_set_x"]
    with pytest.raises(DataError, match=r"train_catvnoncat.h5 has no 'train_set_x' entry "
                                        r"\(it holds: list_classes, train_set_y, train_x\)"):
        course_files.load_h5_pair(train, test, "catvnoncat")


def test_test_file_needs_class_names(tmp_path):
    train, _ = write_pair(tmp_path)
    test = write_h5(tmp_path / "test_catvnoncat.h5", "test", 4, classes=None)
    with pytest.raises(DataError, match="test_catvnoncat.h5 has no 'list_classes'"):
        course_files.load_h5_pair(train, test, "catvnoncat")


def test_wrong_image_shape(tmp_path):
    train, test = write_pair(tmp_path)
    write_h5(train, "train", x=np.zeros((6, 64, 64), np.uint8))
    with pytest.raises(DataError, match=r"train_catvnoncat.h5: 'train_set_x' has shape "
                                        r"\(6, 64, 64\); expected \(m, 64, 64, 3\) \(colour images\)"):
        course_files.load_h5_pair(train, test, "catvnoncat")
    write_h5(train, "train", x=np.zeros((6, 64, 64, 4), np.uint8))
    with pytest.raises(DataError, match="has shape"):
        course_files.load_h5_pair(train, test, "catvnoncat")


def test_wrong_pixel_type(tmp_path):
    train, test = write_pair(tmp_path)
    write_h5(test, "test", 4, x=np.zeros((4, 64, 64, 3), np.float32))
    with pytest.raises(DataError, match="test_catvnoncat.h5: 'test_set_x' holds float32 "
                                        "values; expected uint8"):
        course_files.load_h5_pair(train, test, "catvnoncat")


def test_label_count_mismatch(tmp_path):
    train, test = write_pair(tmp_path)
    write_h5(train, "train", 6, y=np.zeros(5, np.int64))
    with pytest.raises(DataError, match="train_catvnoncat.h5 has 6 images but 5 labels"):
        course_files.load_h5_pair(train, test, "catvnoncat")


def test_labels_outside_the_classes(tmp_path):
    train, test = write_pair(tmp_path)
    write_h5(test, "test", 4, y=np.array([0, 1, 2, 1]))
    with pytest.raises(DataError, match="holds label 2, outside the 2 classes"):
        course_files.load_h5_pair(train, test, "catvnoncat")


def test_train_and_test_image_sizes_must_agree(tmp_path):
    train, test = write_pair(tmp_path)
    write_h5(test, "test", 4, x=np.zeros((4, 16, 16, 3), np.uint8))
    # a set the app does not know: only agreement between the files is checked
    with pytest.raises(DataError, match=r"images of shape \(64, 64, 3\) but test_catvnoncat"):
        course_files.load_h5_pair(train, test, "pictures")
    # a course set: the lessons' 64x64x3 is required of each file
    with pytest.raises(DataError, match=r"test_catvnoncat.h5: 'test_set_x' has shape "
                                        r"\(4, 16, 16, 3\).*use 64x64x3 pictures"):
        course_files.load_h5_pair(train, test, "catvnoncat")


# --- import ---

def test_import_checks_and_copies(tmp_path, data_dirs, monkeypatch):
    user = tmp_path / "fresh" / "datasets"                # not created yet
    monkeypatch.setattr(course_files, "user_datasets_dir", lambda: user)
    source = tmp_path / "download"
    (source / "datasets").mkdir(parents=True)
    write_pair(source / "datasets")
    bad = write_h5(source / "test_signs.h5", "test", 4)
    bad.write_bytes(bad.read_bytes()[:300])
    (source / "notes.txt").write_text("unrelated")
    messages = course_files.import_course_files(source)
    assert len(messages) == 3
    assert any(m.startswith("Imported train_catvnoncat.h5 (6 images 64x64x3") for m in messages)
    assert any(m.startswith("Imported test_catvnoncat.h5 (4 images 64x64x3, 2 classes")
               for m in messages)
    assert any(m.startswith("Skipped test_signs.h5: test_signs.h5 is truncated")
               for m in messages)
    assert sorted(p.name for p in user.iterdir()) == ["test_catvnoncat.h5",
                                                      "train_catvnoncat.h5"]
    # the imported pair is now found and loads
    monkeypatch.delenv("DL_PLAYGROUND_DATA")
    assert course_files.load_h5_dataset("catvnoncat").Y_train.shape == (1, 6)


def test_import_from_a_folder_without_course_files(tmp_path, data_dirs):
    assert course_files.import_course_files(tmp_path / "user") == [
        f"No course files found in {tmp_path / 'user'} (looked for "
        + ", ".join(course_files.course_file_names()) + ")."]
    with pytest.raises(DataError, match="is not a folder"):
        course_files.import_course_files(tmp_path / "missing")


def test_import_checks_data_mat(tmp_path, data_dirs):
    import scipy.io

    source = tmp_path / "src"
    source.mkdir()
    scipy.io.savemat(source / "data.mat", {"X": np.zeros((5, 2)), "y": np.zeros((5, 1)),
                                           "Xval": np.zeros((3, 2)), "yval": np.zeros((2, 1))})
    assert course_files.import_course_files(source) == [
        "Skipped data.mat: data.mat has 3 points in 'Xval' but 2 labels in 'yval'."]


def test_real_files_pass_the_import_check(course_data):
    for name in ("train_catvnoncat.h5", "test_catvnoncat.h5", "test_signs.h5",
                 "test_happy.h5", "data.mat"):
        assert course_files.check_course_file(course_data / name)


# --- planar ---

def test_flower_dataset():
    data = planar.planar_dataset("flower")
    assert data.kind == "points" and data.X_test is None and data.Y_test is None
    assert data.X_train.shape == (2, 400) and data.m_train == 400
    np.testing.assert_allclose(data.X_train[:, 0], [1.20444229, 3.57611415], atol=5e-9)
    assert "seed 1" in data.provenance and "400 points" in data.provenance


@pytest.mark.parametrize("name", ["noisy_circles", "noisy_moons", "blobs",
                                  "gaussian_quantiles"])
def test_extra_planar_datasets(name):
    state = np.random.get_state()[1].copy()
    data = planar.planar_dataset(name)
    np.testing.assert_array_equal(np.random.get_state()[1], state)   # caller's RNG untouched
    assert data.X_train.shape == (2, 200) and data.Y_train.shape == (1, 200)
    assert set(np.unique(data.Y_train)) == {0, 1}
    again = planar.planar_dataset(name)
    np.testing.assert_array_equal(again.X_train, data.X_train)
    assert "200 points" in data.provenance and "seed 1" in data.provenance


def test_blobs_are_folded_into_two_classes():
    np.random.seed(0)
    raw = planar.load_extra_datasets()
    assert len(raw) == 5
    blobs_y = raw[2][1]
    assert set(np.unique(blobs_y)) == set(range(6))
    data = planar.planar_dataset("blobs")
    np.testing.assert_array_equal(data.Y_train[0], blobs_y % 2)   # random_state=5 fixed


def test_unknown_planar_dataset():
    with pytest.raises(DataError, match="Unknown planar dataset 'spiral'"):
        planar.planar_dataset("spiral")


# --- cat stand-in ---

@pytest.fixture(scope="module")
def standin():
    return synthetic.cat_standin(0), None


def test_standin_shapes_classes_and_provenance(standin):
    data, seconds = standin
    assert data.X_train.shape == (209, 64, 64, 3) and data.X_train.dtype == np.uint8
    assert data.X_test.shape == (50, 64, 64, 3) and data.X_test.dtype == np.uint8
    assert data.Y_train.shape == (1, 209) and data.Y_test.shape == (1, 50)
    assert int(data.Y_train.sum()) == 72 and int(data.Y_test.sum()) == 33
    assert data.classes == ["non-cat", "cat"] and data.is_standin
    assert "stand-in" in data.provenance and "not the course data" in data.provenance
    # (how long drawing takes, ~0.5 s, is a benchmark's business: timed asserts fail
    # on a loaded machine)
    # varied: pictures differ from each other and use the whole range
    flat = data.X_train.reshape(209, -1).astype(np.int16)
    assert len({row.tobytes() for row in data.X_train}) == 209
    assert np.abs(flat[0] - flat[1]).mean() > 10
    assert data.X_train.min() < 30 and data.X_train.max() > 225


def test_standin_is_deterministic_per_seed(standin):
    data, _ = standin
    again = synthetic.cat_standin(0)
    np.testing.assert_array_equal(again.X_train, data.X_train)
    np.testing.assert_array_equal(again.Y_test, data.Y_test)
    other = synthetic.cat_standin(1)
    assert not np.array_equal(other.X_train, data.X_train)


def test_standin_is_learnable_but_not_trivially(standin):
    data, _ = standin
    train_x, test_x = data.flattened()
    w, b = np.zeros((train_x.shape[0], 1)), 0
    params, _, _ = optimize(w, b, train_x, data.Y_train, 500, 0.005)
    test_acc = float((predict(params["w"], params["b"], test_x) == data.Y_test).mean())
    train_acc = float((predict(params["w"], params["b"], train_x) == data.Y_train).mean())
    assert 0.7 <= test_acc < 1.0              # 0.74 for seed 0; chance is 0.5
    assert train_acc > test_acc
