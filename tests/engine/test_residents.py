"""ResidentStore: enrol, rename, delete, import, and keep the file safe on disk."""
from __future__ import annotations

import os
import stat
from pathlib import Path

import numpy as np
import pytest

from faces_support import mean_colour_encodings

from engine.faces.encoder import FaceBox, FaceEncoder
from engine.faces.errors import FaceError, NoFaceFound
from engine.faces.residents import ResidentStore, default_store_path


class ColourEncoder(FaceEncoder):
    """A tiny deterministic encoder for store tests: the picture's mean colour spread
    over 128 numbers. A picture that is all black has 'no face'."""

    name = "colour test encoder"
    threshold = 0.6

    def locate(self, image):
        if image.max() == 0:
            return []
        h, w = image.shape[:2]
        return [FaceBox(0, w, h, 0)]

    def fallback_box(self, image):
        return None

    def encode_faces(self, image, boxes):
        return mean_colour_encodings(image, boxes)


def picture(r, g, b, size=32):
    image = np.zeros((size, size, 3), np.uint8)
    image[:] = (r, g, b)
    return image


def write_picture(path: Path, image) -> None:
    import cv2
    path.parent.mkdir(parents=True, exist_ok=True)
    assert cv2.imwrite(str(path), image[:, :, ::-1])


@pytest.fixture
def store_path(tmp_path):
    return tmp_path / "faces" / "residents.npz"


def test_add_rename_delete_and_reopen(store_path):
    encoder = ColourEncoder()
    store = ResidentStore(store_path)
    assert store.names() == [] and store.encoder_name is None
    assert store.nearest(np.zeros(128)) == (None, float("inf"))
    red = store.add_photo("  Ada  ", picture(200, 10, 10), encoder)
    assert red.shape == (128,)
    store.add_photo("Ada", picture(190, 20, 10), encoder)      # a second photo
    store.add_photo("Bo", picture(10, 10, 200), encoder)
    assert store.names() == ["Ada", "Bo"] and store.photo_count("Ada") == 2
    assert store.encoder_name == encoder.name
    name, distance = store.nearest(encoder.encode_single(picture(195, 15, 10)))
    assert name == "Ada" and distance < 0.3

    store.rename("Bo", "Bob")
    with pytest.raises(FaceError, match="already a resident"):
        store.rename("Bob", "Ada")
    with pytest.raises(FaceError, match="no resident called"):
        store.rename("Zed", "Zoe")
    store.add_encoding("Cy", np.full(128, 0.3))
    store.delete("Cy")
    with pytest.raises(FaceError):
        store.delete("Cy")

    again = ResidentStore(store_path)      # a fresh process would see the same
    assert again.names() == ["Ada", "Bob"] and again.photo_count("Ada") == 2
    assert again.encoder_name == encoder.name and again.notice is None
    for name in ("Ada", "Bob"):
        assert np.array_equal(again.encodings()[name], store.encodings()[name])
    assert again.thumbnails("Ada")[0].shape == (64, 64, 3)

    again.delete_all()
    assert ResidentStore(store_path).names() == []


def test_bad_names_and_encodings_are_refused(store_path):
    store = ResidentStore(store_path)
    for bad in ("", "   ", "a/b", "x" * 61, "bell\x07"):
        with pytest.raises(FaceError):
            store.add_encoding(bad, np.zeros(128))
    with pytest.raises(FaceError, match="128 finite"):
        store.add_encoding("Ada", np.zeros(64))
    with pytest.raises(FaceError, match="128 finite"):
        store.add_encoding("Ada", np.full(128, np.nan))
    with pytest.raises(NoFaceFound):
        store.add_photo("Ada", picture(0, 0, 0), ColourEncoder())
    assert store.names() == [] and not store_path.exists()


def test_another_encoder_is_refused_with_a_message(store_path):
    store = ResidentStore(store_path)
    store.add_photo("Ada", picture(200, 10, 10), ColourEncoder())

    class Other(ColourEncoder):
        name = "another encoder"

    with pytest.raises(FaceError, match="enrolled with colour test encoder"):
        store.add_photo("Bo", picture(10, 10, 200), Other())
    with pytest.raises(FaceError, match="enrolled with colour test encoder"):
        store.add_encoding("Bo", np.zeros(128), encoder_name="another encoder")
    store.delete_all()                       # an empty store takes any encoder
    store.add_photo("Bo", picture(10, 10, 200), Other())
    assert ResidentStore(store_path).encoder_name == "another encoder"


def test_import_folder_files_and_subfolders(tmp_path, store_path):
    folder = tmp_path / "photos"
    write_picture(folder / "ada.jpg", picture(200, 10, 10))
    write_picture(folder / "bo.png", picture(10, 10, 200))
    write_picture(folder / "cy" / "1.jpg", picture(10, 200, 10))
    write_picture(folder / "cy" / "2.jpg", picture(20, 190, 10))
    write_picture(folder / "dark.jpg", picture(0, 0, 0))           # no face
    (folder / "notes.jpg").write_text("not a picture")
    (folder / "readme.txt").write_text("ignored")
    seen = []
    store = ResidentStore(store_path)
    added, problems = store.import_folder(folder, ColourEncoder(),
                                          progress=lambda done, total: seen.append((done, total)))
    assert sorted(added) == ["ada", "bo", "cy"]
    assert store.photo_count("cy") == 2
    assert len(problems) == 2
    assert any(p.startswith("dark.jpg: No face") for p in problems)
    assert any(p.startswith("notes.jpg:") and "not an image" in p for p in problems)
    assert seen[-1] == (6, 6)
    assert ResidentStore(store_path).names() == ["ada", "bo", "cy"]
    with pytest.raises(FaceError, match="Not a folder"):
        store.import_folder(tmp_path / "nowhere", ColourEncoder())
    (tmp_path / "empty").mkdir()
    with pytest.raises(FaceError, match="No .jpg"):
        store.import_folder(tmp_path / "empty", ColourEncoder())


def test_import_folder_skips_the_course_camera_shots(tmp_path, store_path):
    # The course's images/ folder: residents' photos next to door shots camera_<n>.jpg
    folder = tmp_path / "images"
    write_picture(folder / "ada.jpg", picture(200, 10, 10))
    write_picture(folder / "camera_0.jpg", picture(10, 10, 200))
    write_picture(folder / "Camera_12.png", picture(10, 200, 10))
    write_picture(folder / "camera_roll.jpg", picture(20, 190, 10))   # a name after all
    store = ResidentStore(store_path)
    added, problems = store.import_folder(folder, ColourEncoder())
    assert sorted(added) == ["ada", "camera_roll"]
    assert sorted(problems) == sorted(
        [f"{f}: skipped, camera shots are visitors, not residents"
         for f in ("camera_0.jpg", "Camera_12.png")])
    assert "camera_0" not in store.names()
    # only camera shots: nothing enrolled, and each one said, not an error
    only = tmp_path / "shots"
    write_picture(only / "camera_1.jpg", picture(10, 10, 200))
    assert store.import_folder(only, ColourEncoder()) == (
        [], ["camera_1.jpg: skipped, camera shots are visitors, not residents"])


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
def test_files_are_owner_only(store_path):
    store = ResidentStore(store_path)
    store.add_photo("Ada", picture(200, 10, 10), ColourEncoder())
    assert stat.S_IMODE(store_path.stat().st_mode) == 0o600
    assert stat.S_IMODE(store_path.parent.stat().st_mode) == 0o700
    assert [p.name for p in store_path.parent.iterdir()] == ["residents.npz"]  # no temp left


def test_no_pickle_in_the_file(store_path):
    store = ResidentStore(store_path)
    store.add_photo("Ada", picture(200, 10, 10), ColourEncoder())
    with np.load(store_path, allow_pickle=False) as data:   # would raise on object arrays
        assert set(data.files) >= {"names", "encodings", "encoder", "counts"}
        assert data["names"].dtype.kind == "U"


def test_a_corrupt_file_is_moved_aside_with_a_notice(store_path):
    store_path.parent.mkdir(parents=True)
    store_path.write_bytes(b"PK\x03\x04 this is not a real npz file")
    store = ResidentStore(store_path)
    assert store.names() == []
    assert store.notice and "damaged" in store.notice and "moved to" in store.notice
    aside = [p for p in store_path.parent.iterdir() if "damaged" in p.name]
    assert len(aside) == 1 and aside[0].read_bytes().startswith(b"PK\x03\x04 this")
    store.add_photo("Ada", picture(200, 10, 10), ColourEncoder())   # a fresh file works
    assert ResidentStore(store_path).names() == ["Ada"]


def test_inconsistent_arrays_count_as_damage(store_path):
    store_path.parent.mkdir(parents=True)
    np.savez(store_path, version=np.array(1), encoder=np.array("x"), names=np.array(["a"]),
             counts=np.array([2]), encodings=np.zeros((1, 128)),
             thumbnails=np.zeros((1, 64, 64, 3), np.uint8))
    store = ResidentStore(store_path)
    assert store.names() == [] and "damaged" in store.notice


def test_a_crash_while_saving_keeps_the_old_file(store_path, monkeypatch):
    store = ResidentStore(store_path)
    store.add_photo("Ada", picture(200, 10, 10), ColourEncoder())
    before = store_path.read_bytes()

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(FaceError, match="Could not save.*No space left"):
        store.add_photo("Bo", picture(10, 10, 200), ColourEncoder())
    with pytest.raises(FaceError, match="Could not save"):
        store.rename("Ada", "Ada Lovelace")
    with pytest.raises(FaceError, match="Could not save"):
        store.delete_all()
    monkeypatch.undo()
    assert store_path.read_bytes() == before
    assert store.names() == ["Ada"]                 # memory matches the file
    assert [p.name for p in store_path.parent.iterdir()] == ["residents.npz"]
    assert ResidentStore(store_path).names() == ["Ada"]


def test_default_path_is_in_the_user_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("DL_PLAYGROUND_USER_DIR", str(tmp_path / "user"))
    assert default_store_path() == tmp_path / "user" / "faces" / "residents.npz"
    store = ResidentStore()
    store.add_encoding("Ada", np.zeros(128), encoder_name="x")
    assert (tmp_path / "user" / "faces" / "residents.npz").is_file()


def test_nearest_is_the_minimum_over_photos(store_path):
    store = ResidentStore(store_path)
    a, b = np.zeros(128), np.zeros(128)
    b[0] = 1.0
    store.add_encoding("Ada", a, encoder_name="x")
    store.add_encoding("Ada", b, encoder_name="x")
    c = np.zeros(128)
    c[1] = 0.8
    store.add_encoding("Bo", c, encoder_name="x")
    query = np.zeros(128)
    query[0] = 0.9
    name, distance = store.nearest(query)
    assert name == "Ada" and distance == pytest.approx(0.1)
    results = store.nearest_many(np.stack([query, c]))
    assert [r[0] for r in results] == ["Ada", "Bo"]


def test_read_image_normalises_grey_16_bit_and_alpha(tmp_path):
    import cv2

    from engine.faces.images import read_image
    grey = np.arange(64, dtype=np.uint8).reshape(8, 8) * 4
    cv2.imwrite(str(tmp_path / "grey.png"), grey)
    deep = (grey.astype(np.uint16) * 257)
    cv2.imwrite(str(tmp_path / "deep.png"), np.dstack([deep] * 3))
    bgra = np.zeros((8, 8, 4), np.uint8)
    bgra[..., 0], bgra[..., 3] = 200, 0           # blue, fully transparent
    cv2.imwrite(str(tmp_path / "alpha.png"), bgra)
    for name in ("grey.png", "deep.png"):
        image = read_image(tmp_path / name)
        assert image.shape == (8, 8, 3) and image.dtype == np.uint8
        assert np.array_equal(image[..., 0], grey) and np.array_equal(image[..., 2], grey)
    alpha = read_image(tmp_path / "alpha.png")
    assert alpha.shape == (8, 8, 3) and tuple(alpha[0, 0]) == (0, 0, 200)   # RGB, alpha dropped
    with pytest.raises(FaceError, match="Not an image file"):
        read_image(tmp_path)
