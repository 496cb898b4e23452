"""Frame sources and the latest-frame grabber: files, folders, missing / unplugged cameras."""
from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from engine.faces.camera import (CameraError, CameraSource, FrameGrabber, FrameListSource,
                                 FrameSource, ImageFolderSource, VideoFileSource, open_source)


def frame_with_value(value, size=(48, 64)):
    frame = np.zeros(size + (3,), np.uint8)
    frame[:] = (value, 255 - value, 128)
    return frame


def write_video(path, codec, frames, fps=20):
    import cv2
    height, width = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*codec), fps, (width, height))
    assert writer.isOpened(), codec
    for frame in frames:
        writer.write(frame[:, :, ::-1].copy())
    writer.release()


@pytest.mark.parametrize("codec, suffix", [("mp4v", ".mp4"), ("MJPG", ".avi")])
def test_a_video_file_plays_to_the_end(tmp_path, codec, suffix):
    frames = [frame_with_value(v) for v in range(0, 250, 25)]   # 10 frames
    path = tmp_path / f"door{suffix}"
    write_video(path, codec, frames)
    source = open_source(str(path), fps=0)          # 0: no pacing, as fast as it decodes
    assert isinstance(source, VideoFileSource) and source.description == f"video door{suffix}"
    played = []
    while (frame := source.read()) is not None:
        played.append(frame)
    source.close()
    assert len(played) == 10
    assert played[0].shape == (48, 64, 3) and played[0].dtype == np.uint8
    # RGB, not BGR: the red channel rises, the green one falls (lossy codecs: roughly)
    assert played[-1][..., 0].mean() > played[0][..., 0].mean() + 150
    assert played[-1][..., 1].mean() < played[0][..., 1].mean() - 150


def test_a_video_plays_at_its_frame_rate_through_the_grabber(tmp_path):
    path = tmp_path / "door.avi"
    write_video(path, "MJPG", [frame_with_value(v) for v in range(0, 240, 20)], fps=40)
    grabber = FrameGrabber(open_source(path))
    started = time.monotonic()
    while not grabber.finished and time.monotonic() - started < 5:
        time.sleep(0.02)
    elapsed = time.monotonic() - started
    grabber.stop()
    assert grabber.finished and grabber.error is None
    assert grabber.frames_captured == 12
    assert elapsed >= 11 / 40 * 0.8            # paced, not dumped at once


def test_bad_video_files(tmp_path):
    with pytest.raises(CameraError, match="No camera, video or folder"):
        open_source(tmp_path / "missing.mp4")
    (tmp_path / "fake.mp4").write_text("not a video")
    with pytest.raises(CameraError, match="fake.mp4"):
        open_source(tmp_path / "fake.mp4")


def test_a_folder_of_images_plays_as_a_stream(tmp_path):
    import cv2
    for i in range(3):
        cv2.imwrite(str(tmp_path / f"{i:02d}.png"), frame_with_value(i * 100)[:, :, ::-1])
    (tmp_path / "03.jpg").write_text("broken picture")     # skipped, not fatal
    (tmp_path / "notes.txt").write_text("ignored")
    source = open_source(tmp_path, fps=0, loop=False)
    assert isinstance(source, ImageFolderSource)
    values = []
    while (frame := source.read()) is not None:
        values.append(int(frame[0, 0, 0]))
    assert values == [0, 100, 200]
    assert source.skipped == ["03.jpg"]

    looping = open_source(tmp_path, fps=50)                  # folders loop by default
    grabber = FrameGrabber(looping)
    deadline = time.monotonic() + 3
    while grabber.frames_captured < 8 and time.monotonic() < deadline:
        time.sleep(0.02)
    grabber.stop()
    assert grabber.frames_captured >= 8 and grabber.error is None
    assert 20 <= grabber.fps <= 70                           # paced at ~50 fps

    (tmp_path / "empty").mkdir()
    with pytest.raises(CameraError, match="No pictures"):
        open_source(tmp_path / "empty")
    unreadable = tmp_path / "unreadable"
    unreadable.mkdir()
    (unreadable / "a.jpg").write_text("no")
    with pytest.raises(CameraError, match="None of the pictures"):
        open_source(unreadable).read()


def test_a_held_folder_shows_each_picture_for_a_while(tmp_path):
    # At the door a folder picture stands like a visitor: the same array, repeated at
    # the source's fps for hold_s, so recognition can answer about it several times.
    import cv2
    for i in range(2):
        cv2.imwrite(str(tmp_path / f"{i:02d}.png"), frame_with_value(i * 100)[:, :, ::-1])
    source = open_source(tmp_path, loop=False, hold_s=0.3)
    assert isinstance(source, ImageFolderSource) and source.fps == 15.0
    source._pacer.interval = 0.02                     # faster for the test
    started, frames = time.monotonic(), []
    while (frame := source.read()) is not None:
        frames.append(frame)
    took = time.monotonic() - started
    values = [int(f[0, 0, 0]) for f in frames]
    assert values[0] == 0 and values[-1] == 100 and sorted(values) == values
    first = [f for f in frames if f[0, 0, 0] == 0]
    assert len(first) >= 5 and all(f is first[0] for f in first)   # held: one array
    assert 0.5 <= took < 2.0
    source.reopen()
    assert int(source.read()[0, 0, 0]) == 0


def test_a_missing_camera_is_one_sentence_quickly(capfd):
    started = time.monotonic()
    with pytest.raises(CameraError) as info:
        open_source(99)
    assert time.monotonic() - started < 6
    message = str(info.value)
    assert message == ("No camera found at index 99 "
                       "(is it plugged in and not used by another program?).")
    assert "WARN" not in capfd.readouterr().err         # OpenCV's own warnings are quiet


def test_a_camera_that_never_answers_times_out(monkeypatch):
    import cv2
    release = threading.Event()

    def hanging_capture(target):
        release.wait(5)
        raise RuntimeError("driver gave up")

    monkeypatch.setattr(cv2, "VideoCapture", hanging_capture)
    started = time.monotonic()
    with pytest.raises(CameraError, match="did not answer within 0.3 s"):
        CameraSource(3, open_timeout_s=0.3)
    assert time.monotonic() - started < 2
    release.set()


class FlakySource(FrameSource):
    """A camera that stops after ``good`` frames (unplugged), until it is reopened."""

    description = "test camera"
    live = True

    def __init__(self, good=5, plugged_back=True):
        self.good = good
        self.plugged_back = plugged_back
        self.count = 0
        self.reopened = 0

    def read(self):
        if self.count >= self.good:
            raise CameraError("Camera 0 stopped sending pictures (unplugged, or taken by "
                              "another program?).")
        self.count += 1
        time.sleep(0.005)
        return frame_with_value(self.count % 256)

    def reopen(self):
        if not self.plugged_back:
            raise CameraError("No camera found at index 0.")
        self.reopened += 1
        self.count = 0


def test_unplugged_mid_stream_reports_and_retry_resumes():
    errors = []
    source = FlakySource(good=5)
    grabber = FrameGrabber(source, on_error=errors.append)
    deadline = time.monotonic() + 3
    while grabber.error is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert grabber.error.startswith("Camera 0 stopped sending pictures")
    assert errors == [grabber.error] and not grabber.running
    assert grabber.latest()[0] == 4                 # the last good frame stays visible

    assert grabber.retry() is True
    deadline = time.monotonic() + 3
    while grabber.frames_captured < 10 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert source.reopened == 1 and grabber.frames_captured == 10
    grabber.stop()

    still_gone = FlakySource(good=0, plugged_back=False)
    grabber = FrameGrabber(still_gone, on_error=errors.append)
    time.sleep(0.1)
    assert grabber.retry() is False
    assert grabber.error == "No camera found at index 0."
    grabber.stop()


def test_latest_frame_wins_for_a_slow_consumer():
    frames = [frame_with_value(v) for v in range(200)]
    grabber = FrameGrabber(FrameListSource(frames, fps=400, loop=True))
    seen = []
    last = None
    for _ in range(5):
        item = grabber.wait_next(last, timeout_s=1)
        assert item is not None
        last = item[0]
        seen.append(last)
        time.sleep(0.1)                              # a slow recogniser
    grabber.stop()
    # each wait hands over the newest frame: indices jump by roughly 0.1 s x 400 fps,
    # and the grabber holds one frame, not a queue of everything it captured
    gaps = np.diff(seen)
    assert gaps.min() >= 10
    assert grabber.frames_captured >= seen[-1] + 1
    assert isinstance(grabber.latest()[1], np.ndarray)
    assert not any(isinstance(v, (list, tuple)) and len(v) > 3
                   for v in vars(grabber).values())  # no backlog anywhere


def test_wait_next_returns_none_at_the_end_and_stop_is_prompt():
    grabber = FrameGrabber(FrameListSource([frame_with_value(1)], fps=0))
    first = grabber.wait_next(None, timeout_s=1)
    assert first[0] == 0
    assert grabber.wait_next(0, timeout_s=1) is None and grabber.finished
    slow = FrameGrabber(FrameListSource([frame_with_value(1)], fps=2, loop=True))
    started = time.monotonic()
    slow.stop()
    assert time.monotonic() - started < 1.5 and not slow.running


def test_a_still_picture_plays_as_a_stream(tmp_path):
    import cv2
    path = tmp_path / "me.png"
    cv2.imwrite(str(path), frame_with_value(30)[:, :, ::-1])
    source = open_source(path, fps=0)
    assert source.description == "picture me.png"
    assert np.array_equal(source.read(), source.read())


def test_camera_source_unplugged_and_plugged_back(monkeypatch):
    """CameraSource itself, over a fake OpenCV capture that stops delivering after
    three frames (the cable pulled) and works again once reopened."""
    import cv2
    opened = []

    class FakeCapture:
        def __init__(self, index):
            self.index, self.reads, self.released = index, 0, False
            opened.append(self)

        def isOpened(self):
            return True

        def set(self, prop, value):
            return True

        def read(self):
            self.reads += 1
            if len(opened) == 1 and self.reads > 3:
                return False, None
            return True, np.full((48, 64, 3), (0, 0, 255), np.uint8)   # BGR red

        def release(self):
            self.released = True

    monkeypatch.setattr(cv2, "VideoCapture", FakeCapture)
    errors = []
    grabber = FrameGrabber(open_source(0), on_error=errors.append)
    deadline = time.monotonic() + 3
    while grabber.error is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert errors == ["Camera 0 stopped sending pictures (unplugged, or taken by another "
                      "program?)."]
    index, frame, _ = grabber.latest()
    assert index == 2 and tuple(frame[0, 0]) == (255, 0, 0)            # shown as RGB
    assert grabber.retry() and opened[0].released and len(opened) == 2
    deadline = time.monotonic() + 3
    while grabber.frames_captured < 10 and time.monotonic() < deadline:
        time.sleep(0.01)
    grabber.stop()
    assert grabber.frames_captured >= 10 and grabber.error is None
    assert opened[1].released
