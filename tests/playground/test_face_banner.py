"""The door's banner belongs to the picture shown with it ("Welcome home, benoit!" must
not stay over bertrand's picture).

First with a grabber moved by hand, so the order of events is exact: picture A, its
results, picture B, then late results about A, then B's. Then with the real thing: a
folder of two residents' photos played at the door, recognition in its worker, and
every display tick checked.
"""
from __future__ import annotations

import shutil
import time

import numpy as np
import pytest

from engine.faces.camera import DOOR_HOLD_S, ImageFolderSource
from engine.faces.encoder import FaceBox
from engine.faces.images import read_image
from engine.faces.recognition import Detection, RecognitionResult

FACES = __import__("course_paths").faces_folder()   # DL_PLAYGROUND_DATA/faces or ../shared
needs_faces = pytest.mark.skipif(not (FACES / "benoit.jpg").is_file(),
                                 reason="the course's face photos are not in ../shared")


class HandGrabber:
    """Stands in for the engine's FrameGrabber: the test puts the picture 'in front of
    the camera' with ``show``; ``source`` is a real folder source (held pictures)."""

    error = None
    finished = False
    fps = 0.0

    def __init__(self, source) -> None:
        self.source = source
        self._latest = None
        self._count = 0

    def show(self, frame) -> int:
        self._latest = (self._count, frame, time.monotonic())
        self._count += 1
        return self._latest[0]

    def latest(self):
        return self._latest

    def stop(self) -> None:
        pass


def open_page(qtbot, window):
    page = window.open_lesson("face-recognition")
    qtbot.waitUntil(lambda: page.encoder is not None and page.store is not None,
                    timeout=60000)
    return page


def seen(name: str) -> list[Detection]:
    return [Detection(FaceBox(10, 90, 90, 10), name, 0.35, np.zeros(128), nearest=name)]


class BannerWatch:
    """After every display tick: who the banner names, over which picture."""

    def __init__(self, page, person_of) -> None:
        self.page, self.person_of = page, person_of
        self.wrong: list[tuple[str, str]] = []
        self.opened_for: set[str] = set()
        page.timer.timeout.connect(self.check)   # after the page's own tick

    def check(self) -> None:
        door, frame = self.page.door_view, self.page._shown_frame
        if frame is None or door.state not in ("open", "opening") or not door.name:
            return
        person = self.person_of(frame)
        if door.name != person:
            self.wrong.append((door.name, person))
        elif door.state == "open":
            self.opened_for.add(person)


def test_late_results_about_the_previous_picture_change_nothing(qtbot, window, tmp_path):
    page = open_page(qtbot, window)
    page.stop_source()
    page._stop_worker()            # the results below come from the test, in its order
    (tmp_path / "door").mkdir()
    grabber = HandGrabber(_folder_source(tmp_path / "door"))
    benoit_pic = np.full((96, 96, 3), 60, np.uint8)
    bertrand_pic = np.full((96, 96, 3), 200, np.uint8)
    people = {id(benoit_pic): "benoit", id(bertrand_pic): "bertrand"}
    page.grabber = grabber
    page.timer.start()
    watch = BannerWatch(page, lambda frame: people[id(frame)])

    def result_about(index, frame, name):
        result = RecognitionResult(index, frame, seen(name), 0.1, 5.0, source=grabber)
        page._on_result(result)            # as the worker hands it over
        qtbot.waitUntil(lambda: page._seen_result is result, timeout=5000)

    a = grabber.show(benoit_pic)
    qtbot.waitUntil(lambda: page._shown_frame is benoit_pic, timeout=5000)
    for _ in range(page.door.frames_required):
        result_about(a, benoit_pic, "benoit")
    assert page.door_view.is_open and page.door_view.message == "Welcome home, benoit!"
    assert page.video.overlays and page.video.overlays[0].label.startswith("benoit")

    # bertrand's picture replaces benoit's: the banner no longer names benoit
    b = grabber.show(bertrand_pic)
    qtbot.waitUntil(lambda: page._shown_frame is bertrand_pic, timeout=5000)
    assert not page.door_view.is_open and page.door_view.name is None
    assert "benoit" not in page.door_view.message
    assert page.video.overlays == []          # benoit's box is not drawn on bertrand
    # recognition was still busy with benoit's picture: its answers arrive now
    for _ in range(page.door.frames_required + 1):
        result_about(a, benoit_pic, "benoit")
    assert page.door_view.name is None and "benoit" not in page.door_view.message
    assert page.video.overlays == []
    # then the answers about bertrand's picture open the door for him
    for _ in range(page.door.frames_required):
        result_about(b, bertrand_pic, "bertrand")
    assert page.door_view.is_open and page.door_view.message == "Welcome home, bertrand!"
    assert page.arrival_view.names()[:2] == ["bertrand", "benoit"]
    assert watch.wrong == [] and watch.opened_for == {"benoit", "bertrand"}

    # A result about another source (played before this one) changes nothing either.
    other = RecognitionResult(b, bertrand_pic, seen("kian"), 0.1, 5.0, source=object())
    page._on_result(other)
    qtbot.waitUntil(lambda: page._seen_result is other, timeout=5000)
    assert page.door_view.name == "bertrand"
    page.stop_source()


def _folder_source(folder):
    """A real held-picture folder source (only its kind matters here: a folder's
    pictures are each another visitor)."""
    import cv2
    cv2.imwrite(str(folder / "a.png"), np.zeros((8, 8, 3), np.uint8))
    return ImageFolderSource(folder, hold_s=DOOR_HOLD_S)


@needs_faces
def test_a_folder_of_residents_at_the_door(qtbot, window, tmp_path):
    """benoit, then bertrand, each held at the door for DOOR_HOLD_S: the door opens for
    each, and no display tick shows one's name over the other's picture."""
    page = open_page(qtbot, window)
    folder = tmp_path / "door"
    folder.mkdir()
    for name in ("benoit", "bertrand"):
        shutil.copy(FACES / f"{name}.jpg", folder / f"{name}.jpg")
    assert page.import_folder(folder)
    qtbot.waitUntil(lambda: not page.residents.busy, timeout=120000)
    assert sorted(page.residents.names()) == ["benoit", "bertrand"]
    pictures = {name: read_image(folder / f"{name}.jpg") for name in ("benoit", "bertrand")}

    def person_of(frame) -> str:
        return next(n for n, p in pictures.items()
                    if p.shape == frame.shape and np.array_equal(p, frame))

    watch = BannerWatch(page, person_of)
    qtbot.waitUntil(lambda: page.recognition_ready, timeout=60000)
    page.play(str(folder))
    qtbot.waitUntil(lambda: watch.opened_for == {"benoit", "bertrand"} or bool(watch.wrong),
                    timeout=90000)
    # and once more round the loop, where benoit follows bertrand
    qtbot.waitUntil(lambda: page._shown_frame is not None and
                    person_of(page._shown_frame) == "benoit", timeout=30000)
    qtbot.wait(int(1000 * DOOR_HOLD_S / 2))
    assert watch.wrong == [], watch.wrong[:5]
    assert watch.opened_for == {"benoit", "bertrand"}
