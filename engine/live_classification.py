"""A trained picture lesson classifying a camera (or video, or folder) frame by frame.

``LiveClassifier`` runs on its own thread beside a ``FrameGrabber``: it takes the newest
frame, asks the lesson's ``classify_image(result, frame)`` for its class probabilities
(the same path as "Try your own image": centre of the frame resized to what the model
was trained on) and keeps only the latest answer, so a slow model drops frames rather
than falling behind. The page polls ``latest()``; inference never runs on the UI thread.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import numpy as np

from engine.faces.camera import FPS_WINDOW_S, FrameGrabber, LoopThread, RateMeter


@dataclass(frozen=True)
class LiveAnswer:
    frame_index: int
    classes: list
    probabilities: np.ndarray     # one per class, summing to 1
    label: str
    latency_s: float              # frame captured -> answer ready


def class_probabilities(verdict: dict, classes: list) -> np.ndarray:
    """Every lesson's verdict as one probability per class: multi-class lessons give
    ``probabilities``; the binary ones give P(class 1) as ``probability``."""
    if verdict.get("probabilities") is not None:
        return np.asarray(verdict["probabilities"], np.float64).reshape(-1)
    p = float(verdict["probability"])   # the binary lessons' P(class 1: cat, happy)
    return np.array([1 - p, p])


class LiveClassifier(LoopThread):
    thread_name = "live-classifier"

    def __init__(self, grabber: FrameGrabber, classify, classes: list) -> None:
        self.grabber = grabber
        self.classify = classify           # frame (RGB uint8) -> the lesson's verdict
        self.classes = list(classes)
        self.error: str | None = None
        self.answers = 0
        self._latest: LiveAnswer | None = None
        self._lock = threading.Lock()
        self._rate = RateMeter(FPS_WINDOW_S)
        self._stop = threading.Event()

    def stop(self, timeout_s: float = 2.0) -> None:
        self._halt(timeout_s)

    def latest(self) -> LiveAnswer | None:
        with self._lock:
            return self._latest

    @property
    def rate(self) -> float:
        """Answers per second over the last couple of seconds."""
        return self._rate.rate

    def _run(self) -> None:
        after = None
        while not self._stop.is_set():
            got = self.grabber.wait_next(after, timeout_s=0.2)
            if got is None:
                if self.grabber.error or self.grabber.finished:
                    return
                continue
            after, frame, captured = got
            try:
                verdict = self.classify(frame)
                probabilities = class_probabilities(verdict, self.classes)
            except Exception as exc:  # noqa: BLE001 - reaches the page as a sentence
                self.error = f"Live classification stopped: {exc}"
                return
            answer = LiveAnswer(after, self.classes, probabilities,
                                str(verdict.get("label", "")),
                                time.monotonic() - captured)
            with self._lock:
                self._latest = answer
                self.answers += 1
            self._rate.tick()
