"""recognize / RecognitionWorker with a tiny stand-in encoder (no dlib, no ../shared)."""
from __future__ import annotations

import threading
import time

import numpy as np

from faces_support import mean_colour_encodings

from engine.faces.camera import FrameGrabber, FrameListSource
from engine.faces.encoder import FaceBox, FaceEncoder
from engine.faces.recognition import RecognitionWorker, locate_scaled, recognize
from engine.faces.residents import ResidentStore


class SquareEncoder(FaceEncoder):
    """'Faces' are bright squares on a black frame; the encoding is the square's colour."""

    name = "square test encoder"
    threshold = 0.6

    def __init__(self):
        self.located_sizes = []

    def locate(self, image):
        self.located_sizes.append(image.shape[:2])
        mask = image.max(axis=2) > 0
        if not mask.any():
            return []
        ys, xs = np.nonzero(mask)
        return [FaceBox(int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1, int(xs.min()))]

    def encode_faces(self, image, boxes):
        return mean_colour_encodings(image, boxes)


def frame_with_square(colour, size=(480, 640), box=(100, 300, 260, 140)):
    frame = np.zeros(size + (3,), np.uint8)
    top, right, bottom, left = box
    frame[top:bottom, left:right] = colour
    return frame


def store_with(tmp_path, encoder):
    store = ResidentStore(tmp_path / "residents.npz")
    store.add_photo("red", frame_with_square((220, 20, 20)), encoder)
    store.add_photo("blue", frame_with_square((20, 20, 220)), encoder)
    return store


def test_recognize_names_faces_and_maps_boxes_back(tmp_path):
    encoder = SquareEncoder()
    store = store_with(tmp_path, encoder)
    big = frame_with_square((215, 25, 20), size=(960, 1280), box=(200, 600, 520, 280))
    encoder.located_sizes.clear()
    [found] = recognize(big, encoder, store, detect_side=640)
    assert encoder.located_sizes == [(480, 640)]            # detected on the small copy
    assert found.name == "red" and found.distance < 0.3
    assert abs(found.box.left - 280) <= 2 and abs(found.box.bottom - 520) <= 2  # full size
    [stranger] = recognize(frame_with_square((20, 220, 20)), encoder, store)
    assert stranger.name is None and stranger.nearest in ("red", "blue")
    assert stranger.distance >= 0.6
    assert recognize(np.zeros((480, 640, 3), np.uint8), encoder, store) == []
    assert locate_scaled(big, encoder, None)[0].right == 600


def test_worker_follows_the_latest_frame_and_the_threshold(tmp_path):
    encoder = SquareEncoder()
    store = store_with(tmp_path, encoder)
    frames = [frame_with_square((220, 20, 20))] * 5 + [frame_with_square((20, 20, 220))] * 5
    grabber = FrameGrabber(FrameListSource(frames, fps=100, loop=True))
    results = []
    worker = RecognitionWorker(grabber, encoder, store, on_result=results.append)
    deadline = time.monotonic() + 5
    while len({r.detections[0].name for r in results}) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert {r.detections[0].name for r in results} == {"red", "blue"}
    indices = [r.frame_index for r in results]
    assert indices == sorted(set(indices))                   # each frame at most once
    assert all(r.source is grabber for r in results)          # which source, for a UI
    worker.set_threshold(0.0)
    count = len(results)
    while len(results) < count + 3 and time.monotonic() < deadline + 5:
        time.sleep(0.01)
    assert results[-1].detections[0].name is None
    assert worker.rate_hz > 0 and results[-1].latency_s >= 0
    worker.stop()
    grabber.stop()
    assert not worker.running


def test_worker_reports_a_wrong_store_once_and_keeps_running(tmp_path):
    store = store_with(tmp_path, SquareEncoder())

    class Other(SquareEncoder):
        name = "another encoder"

    grabber = FrameGrabber(FrameListSource([frame_with_square((220, 20, 20))], fps=50,
                                           loop=True))
    errors = []
    reported = threading.Event()

    def on_error(message):
        errors.append(message)
        reported.set()

    worker = RecognitionWorker(grabber, Other(), store, on_error=on_error)
    assert reported.wait(5)
    time.sleep(0.7)                                           # it would repeat by now
    assert worker.running and len(errors) == 1
    assert "enrolled with square test encoder" in worker.error
    worker.stop()
    grabber.stop()
