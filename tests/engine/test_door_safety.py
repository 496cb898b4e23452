"""The door refuses rather than misnames (engine/faces/door_safety.py, face_quality.py).

The real-photo tests use the course's camera shots that the encoder once named wrong
under the threshold (JPEG quality 20-30): they must now be refused or named right, and
the clean shots must still be named."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from faces_support import (CAMERA_SHOTS, RESIDENTS, _blur, _jpeg, _scale,  # noqa: E402
                           faces_data, resident_file)

from engine.faces import door_safety  # noqa: E402
from engine.faces.door import Door  # noqa: E402
from engine.faces.encoder import FaceBox  # noqa: E402
from engine.faces.face_quality import FaceQuality, measure  # noqa: E402
from engine.faces.recognition import Detection, recognize  # noqa: E402

__all__ = ["faces_data"]

GOOD = FaceQuality(side=80, sharpness=0.05, blockiness=1.0)


def test_a_clear_nearest_resident_is_named():
    assert door_safety.judge(("ann", 0.30), ("bob", 0.55), 0.6, GOOD) == ("ann", None)


def test_nobody_under_the_threshold_is_simply_unknown():
    assert door_safety.judge(("ann", 0.65), ("bob", 0.7), 0.6, GOOD) == (None, None)
    assert door_safety.judge((None, float("inf")), (None, float("inf")), 0.6) == (None, None)


def test_two_residents_too_close_to_call_is_not_sure():
    name, why = door_safety.judge(("ann", 0.40), ("bob", 0.45), 0.6, GOOD)
    assert name is None and "ann" in why and "bob" in why and why.startswith("Not sure")


def test_just_under_the_threshold_is_not_sure():
    name, why = door_safety.judge(("ann", 0.55), ("bob", 0.9), 0.6, GOOD)
    assert name is None and "too near the threshold" in why


@pytest.mark.parametrize("quality,fragment", [
    (FaceQuality(side=15, sharpness=0.05, blockiness=1.0), "too small"),
    (FaceQuality(side=80, sharpness=0.0001, blockiness=1.0), "blurred"),
    (FaceQuality(side=80, sharpness=0.05, blockiness=2.5), "compressed"),
])
def test_a_poor_face_is_not_named(quality, fragment):
    name, why = door_safety.judge(("ann", 0.2), ("bob", 0.9), 0.6, quality)
    assert name is None and fragment in why


def test_quality_measures_follow_blur_and_jpeg_blocks():
    rng = np.random.default_rng(0)
    # a smooth picture with detail: sums of random sinusoids
    yy, xx = np.mgrid[0:96, 0:96] / 96.0
    image = sum(np.sin(2 * np.pi * (rng.uniform(1, 8) * xx + rng.uniform(1, 8) * yy))
                for _ in range(6))
    image = ((image - image.min()) / np.ptp(image) * 255).astype(np.uint8)
    image = np.repeat(image[:, :, None], 3, axis=2)
    box = FaceBox(0, 96, 96, 0)
    sharp, blurred = measure(image, box), measure(_blur(image, 3.0), box)
    assert blurred.sharpness < sharp.sharpness / 3
    assert measure(_jpeg(image, 8), box).blockiness > measure(image, box).blockiness + 0.3
    assert sharp.side == 96 and measure(image, FaceBox(10, 30, 30, 10)).side == 20


def test_the_door_says_not_sure_and_does_not_count_it():
    door = Door(frames_required=2)
    box = FaceBox(0, 100, 100, 0)
    sure = Detection(box, "ann", 0.3, np.zeros(128), nearest="ann")
    unsure = Detection(box, None, 0.45, np.zeros(128), nearest="ann",
                       unsure="Not sure: ann (0.45) or bob (0.48)?")
    assert door.update([sure], now=0).state == "opening"
    status = door.update([unsure], now=0.1)
    assert (status.state, status.name) == ("closed", None)
    assert status.message.startswith("Not sure")
    assert door.update([sure], now=0.2).state == "opening"   # the streak started over


@pytest.fixture(scope="module")
def encoder():
    from engine.faces.dlib_encoder import shared_encoder
    return shared_encoder()


@pytest.fixture(scope="module")
def store(faces_data, encoder, tmp_path_factory):
    from engine.faces.images import read_image
    from engine.faces.residents import ResidentStore
    residents = ResidentStore(tmp_path_factory.mktemp("door") / "residents.npz")
    for name in RESIDENTS:
        residents.add_photo(name, read_image(resident_file(faces_data, name)), encoder)
    return residents


def test_camera_shots_are_named_and_crushed_ones_never_misnamed(faces_data, encoder, store):
    from engine.faces.images import read_image
    named = 0
    for shot, person in CAMERA_SHOTS.items():
        original = read_image(faces_data / f"{shot}.jpg")
        (clean,) = recognize(original, encoder, store)
        named += clean.name == person
        # JPEG 20/30 and a strong blur once gave bertrand's shot to andrew or dan.
        for damaged in (_jpeg(original, 20), _jpeg(original, 30), _blur(original, 1.5),
                        _scale(original, 0.5)):
            for face in recognize(damaged, encoder, store):
                assert face.name in (None, person), (shot, face.name, face.unsure)
    assert named >= 4   # measured 5/5 (benchmarks/door_safety.py)


def test_a_stranger_close_to_a_resident_is_not_named(faces_data, encoder, store,
                                                     tmp_path):
    """Bertrand's camera shot with bertrand not enrolled: benoit is at ~0.58, under the
    encoder's threshold; the door must not let him in as benoit."""
    from engine.faces.images import read_image
    from engine.faces.residents import ResidentStore
    without = ResidentStore(tmp_path / "without.npz")
    for name, encodings in store.encodings().items():
        if name != "bertrand":
            without.add_encoding(name, encodings[0], encoder_name=encoder.name)
    for shot in ("camera_1", "camera_3"):
        for face in recognize(read_image(faces_data / f"{shot}.jpg"), encoder, without):
            assert face.name is None
