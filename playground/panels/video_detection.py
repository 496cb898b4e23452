"""Playing a video file with detection running beside it, off the UI thread.

Two worker threads: the reader decodes frames at the video's own rate (skipping
frames when it falls behind, never queueing them) and hands the newest one to the
page; the detector runs the network on the newest frame whenever it is free. Display
never waits for detection: each frame is drawn with the boxes of the latest
detection (a frame or two older when the network is slower than the video). At most
one frame is in flight to the UI, so a busy UI thread makes the reader drop frames
instead of piling them up.
"""
from __future__ import annotations

import threading
import time
from collections import deque
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Signal

from engine import limits
from playground.bridge import emit_if_alive

MAX_DISPLAY_WIDTH = 960       # larger frames are shrunk once, in the reader thread


class VideoDetection(QObject):
    frame = Signal(object)       # RGB uint8 frame
    detection = Signal(object)   # (raw head output, frame shape)
    failed = Signal(str)
    ended = Signal()

    def __init__(self, path, detect, parent=None) -> None:
        """``detect(frame) -> raw`` runs on the detector thread."""
        super().__init__(parent)
        self.path = Path(path)
        self._detect = detect
        self._stop = threading.Event()
        self._wake = threading.Condition()
        self._newest: np.ndarray | None = None
        self._frame_id = 0
        self._in_flight = False
        self._shown = deque(maxlen=60)       # display times, for the fps
        self._detected = deque(maxlen=30)
        self.fps = 0.0                        # the video's own frame rate
        self.detect_seconds: list[float] = []
        self.frames_shown = 0
        self.detections = 0
        self._threads = [threading.Thread(target=self._read, daemon=True, name="video-read"),
                         threading.Thread(target=self._run_detector, daemon=True,
                                          name="video-detect")]

    def start(self) -> "VideoDetection":
        for t in self._threads:
            t.start()
        return self

    def stop(self, wait: float = 2.0) -> None:
        self._stop.set()
        with self._wake:
            self._wake.notify_all()
        for t in self._threads:
            if t.is_alive() and t is not threading.current_thread():
                t.join(wait)

    @property
    def running(self) -> bool:
        return any(t.is_alive() for t in self._threads) and not self._stop.is_set()

    # --- the UI thread acknowledges each frame it drew ---
    def frame_shown(self) -> None:
        self._in_flight = False
        self.frames_shown += 1
        self._shown.append(time.perf_counter())

    def display_fps(self) -> float:
        return _rate(self._shown)

    def detection_fps(self) -> float:
        return _rate(self._detected)

    # --- threads ---
    def _read(self) -> None:
        import cv2

        capture = cv2.VideoCapture(str(self.path))
        try:
            if not capture.isOpened():
                emit_if_alive(self.failed, f"{self.path.name} is not a video that can be "
                                           "read (try an MP4 or AVI file).")
                return
            w = int(capture.get(cv2.CAP_PROP_FRAME_WIDTH))
            h = int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT))
            if w * h > limits.MAX_PICTURE_PIXELS or max(w, h) > limits.MAX_PICTURE_SIDE:
                emit_if_alive(self.failed, f"{self.path.name} declares {w} x {h} frames: "
                                           "larger than a video here may be.")
                return
            fps = capture.get(cv2.CAP_PROP_FPS)
            self.fps = float(fps) if fps and 1 <= fps <= 120 else 25.0
            period = 1.0 / self.fps
            start = time.perf_counter()
            index = 0
            shown_any = False
            while not self._stop.is_set():
                due = start + index * period
                late = time.perf_counter() - due
                if late > period:               # behind: skip frames without decoding
                    skip = int(late / period)
                    for _ in range(skip):
                        if not capture.grab():
                            break
                    index += skip
                ok, bgr = capture.read()
                if not ok or bgr is None:
                    break
                index += 1
                rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
                if rgb.shape[1] > MAX_DISPLAY_WIDTH:
                    scale = MAX_DISPLAY_WIDTH / rgb.shape[1]
                    rgb = cv2.resize(rgb, (MAX_DISPLAY_WIDTH, int(rgb.shape[0] * scale)),
                                     interpolation=cv2.INTER_AREA)
                with self._wake:
                    self._newest = rgb
                    self._frame_id += 1
                    self._wake.notify_all()
                if not self._in_flight:
                    self._in_flight = True
                    emit_if_alive(self.frame, rgb)
                    shown_any = True
                wait = start + index * period - time.perf_counter()
                if wait > 0:
                    self._stop.wait(wait)
            if not shown_any and not self._stop.is_set():
                emit_if_alive(self.failed, f"{self.path.name} holds no frame that can be "
                                           "decoded.")
        except Exception as exc:  # noqa: BLE001 - a broken file must reach the page
            emit_if_alive(self.failed, f"Reading {self.path.name} failed: {exc}.")
        finally:
            capture.release()
            self._stop.set()
            with self._wake:
                self._wake.notify_all()
            _emit_ended(self)

    def _run_detector(self) -> None:
        seen = 0
        while True:
            with self._wake:
                while self._frame_id == seen and not self._stop.is_set():
                    self._wake.wait(0.5)
                if self._stop.is_set():
                    return
                frame, seen = self._newest, self._frame_id
            try:
                t0 = time.perf_counter()
                raw = self._detect(frame)
                self.detect_seconds.append(time.perf_counter() - t0)
                del self.detect_seconds[:-300]
            except Exception as exc:  # noqa: BLE001 - say it on the page, stop the video
                emit_if_alive(self.failed, f"Detection failed: {exc}")
                self._stop.set()
                return
            self._detected.append(time.perf_counter())
            self.detections += 1
            emit_if_alive(self.detection, (raw, frame.shape))


def _emit_ended(video: VideoDetection) -> None:
    try:
        video.ended.emit()
    except RuntimeError:
        pass


def _rate(times) -> float:
    if len(times) < 2:
        return 0.0
    span = times[-1] - times[0]
    return (len(times) - 1) / span if span > 0 else 0.0
