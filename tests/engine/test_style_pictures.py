"""The pictures shipped for style transfer, and reading a learner's own picture."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from engine.data import style_pictures
from engine.data.dataset import DataError
from engine.data.style_pictures import (default_picture, fit_picture, read_picture,
                                        shipped_pictures)


def test_shipped_pictures_are_small_readable_and_licensed():
    content = shipped_pictures("content")
    styles = shipped_pictures("style")
    assert [p.name for p in content] == ["chelsea", "astronaut", "coffee", "rocket"]
    assert {p.name for p in styles} == {"brush-strokes", "swirls", "mosaic", "dots"}
    total = 0
    sources = (style_pictures.STYLE_FOLDER / "SOURCES.md").read_text(encoding="utf-8")
    for picture in content + styles:
        image = read_picture(picture.path)
        assert image.dtype == np.uint8 and image.ndim == 3 and image.shape[2] == 3
        assert max(image.shape[:2]) <= 512
        total += picture.path.stat().st_size
        assert picture.path.name in sources   # every shipped file has its source written
    assert total < 2 * 1024 * 1024
    assert default_picture("content").name == "chelsea"
    assert default_picture("style").name == "brush-strokes"


def test_style_pictures_have_strong_colour_and_texture():
    # Weak, grey style pictures give a muddy transfer: each has saturated colour and
    # plenty of local contrast.
    for picture in shipped_pictures("style"):
        image = read_picture(picture.path).astype(np.float64)
        saturation = image.max(axis=2) - image.min(axis=2)
        assert saturation.mean() > 60, picture.name
        edges = np.abs(np.diff(image.mean(axis=2), axis=1)).mean()
        assert edges > 8, picture.name


def test_a_large_picture_is_shrunk_keeping_its_aspect_ratio(tmp_path):
    path = tmp_path / "wide.png"
    Image.new("RGB", (1200, 600), (10, 200, 30)).save(path)
    image = read_picture(path, max_side=300)
    assert image.shape == (150, 300, 3)
    assert tuple(image[0, 0]) == (10, 200, 30)
    assert fit_picture(image, 200).shape == (100, 200, 3)


def test_exif_orientation_is_applied(tmp_path):
    path = tmp_path / "phone.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6   # "rotate 90° clockwise to display"
    Image.new("RGB", (80, 40), (200, 30, 30)).save(path, exif=exif)
    assert read_picture(path).shape == (80, 40, 3)


@pytest.mark.parametrize("mode", ["L", "RGBA", "P", "I;16", "CMYK"])
def test_every_mode_becomes_rgb(tmp_path, mode):
    path = tmp_path / f"picture.{'jpg' if mode == 'CMYK' else 'png'}"
    if mode == "I;16":
        Image.fromarray(np.full((20, 30), 60000, np.uint16)).save(path)
    else:
        Image.new(mode, (30, 20)).save(path)
    image = read_picture(path)
    assert image.shape == (20, 30, 3) and image.dtype == np.uint8


def test_transparent_pixels_are_laid_on_white(tmp_path):
    path = tmp_path / "clear.png"
    Image.new("RGBA", (10, 10), (0, 0, 0, 0)).save(path)
    assert read_picture(path).min() == 255


@pytest.mark.parametrize("write, words", [
    (lambda p: p.write_text("not a picture at all"), "is not a picture"),
    (lambda p: p.write_bytes(b""), "is empty"),
    (lambda p: p.write_bytes(_jpeg_bytes()[:200]), "is not a picture"),
    (lambda p: None, "no such file"),
])
def test_a_bad_file_gives_one_sentence(tmp_path, write, words):
    path = tmp_path / "bad.jpg"
    write(path)
    with pytest.raises(DataError) as caught:
        read_picture(path)
    message = str(caught.value)
    assert words in message and "bad.jpg" in message and "\n" not in message


def test_a_picture_too_large_is_refused_before_decoding(tmp_path, monkeypatch):
    path = tmp_path / "huge.png"
    Image.new("RGB", (200, 100)).save(path)
    monkeypatch.setattr(style_pictures, "MAX_PIXELS", 10_000)
    with pytest.raises(DataError, match="200x100 pixels"):
        read_picture(path)


def test_a_folder_is_not_a_picture(tmp_path):
    with pytest.raises(DataError, match="is not a file"):
        read_picture(tmp_path)


def _jpeg_bytes() -> bytes:
    import io
    buffer = io.BytesIO()
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (64, 64, 3), np.uint8)
                    ).save(buffer, "JPEG")
    return buffer.getvalue()


def test_save_picture_writes_a_png_and_leaves_no_temporary(tmp_path):
    picture = np.random.default_rng(1).integers(0, 255, (30, 40, 3), np.uint8)
    written = style_pictures.save_picture(tmp_path / "painting", picture)
    assert written.name == "painting.png"
    assert np.array_equal(np.asarray(Image.open(written)), picture)
    assert [p.name for p in tmp_path.iterdir()] == ["painting.png"]


def test_save_picture_into_a_missing_folder_says_so(tmp_path):
    with pytest.raises(DataError, match="Cannot write in"):
        style_pictures.save_picture(tmp_path / "nope" / "a.png", np.zeros((4, 4, 3), np.uint8))


def test_time_lapse_is_an_animated_gif_of_every_snapshot(tmp_path):
    frames = [np.full((30, 40, 3), 20 * i, np.uint8) for i in range(6)]
    frames[0] = np.zeros((15, 20, 3), np.uint8)   # an older size is resized to the last
    written = style_pictures.save_time_lapse(tmp_path / "lapse.gif", frames)
    with Image.open(written) as gif:
        assert gif.n_frames == 6 and gif.size == (40, 30)
        gif.seek(5)
        assert np.asarray(gif.convert("RGB"))[0, 0, 0] == 100


def test_time_lapse_without_snapshots_says_so(tmp_path):
    with pytest.raises(DataError, match="no snapshots"):
        style_pictures.save_time_lapse(tmp_path / "x.gif", [])
