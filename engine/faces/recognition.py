"""Who is in the picture: detect, encode, match against the residents.

``recognize`` does it for one frame. ``RecognitionWorker`` does it continuously on its
own thread: it takes the grabber's latest frame whenever it is free (frames that came
in meanwhile are skipped, so results are never late by more than one recognition) and
reports each result through ``on_result``.

Large frames are shrunk for the face detector only (``detect_side``): the detector's
cost grows with the pixel count. At 640 (a VGA webcam frame as is) it finds faces from
~75 pixels wide for ~30 ms of CPU; at 480, from ~100 pixels for ~17 ms; at 320 it
missed half of the 100-200 pixel faces of benchmarks/face_pipeline.py. The boxes are
mapped back and the encoder aligns the face on the full-size frame, so the encoding
does not lose detail.

dlib's ResNet forward pass keeps Python's GIL (measured: other threads stall up to
~0.4 s on a busy machine), so on a thread this worker slows every other Python thread
of the process. A UI therefore runs ``recognize`` in a child process
(engine/faces/recognition_process.py, ``start_recognition``); this thread worker is
the fallback where no process can start, and fine for scripts and tests. The detector
does not hold the GIL for long.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import numpy as np

from engine.faces import door_safety, face_quality
from engine.faces.camera import LoopThread, RateMeter
from engine.faces.encoder import ENCODING_SIZE, FaceBox, FaceEncoder
from engine.faces.errors import FaceError
from engine.faces.images import to_rgb
from engine.faces.residents import ResidentStore

DETECT_SIDE = 640
RATE_WINDOW_S = 3.0


@dataclass(frozen=True)
class Detection:
    """One face: where, who (None = not a resident), how far from that resident."""

    box: FaceBox
    name: str | None
    distance: float
    encoding: np.ndarray = field(repr=False, compare=False)
    nearest: str | None = None   # the closest resident even when too far to be accepted
    # Why the door is not sure who this is (face too poor, or two residents too close
    # to call); None when named or simply unknown. See engine/faces/door_safety.py.
    unsure: str | None = None


@dataclass(frozen=True)
class RecognitionResult:
    frame_index: int
    frame: np.ndarray = field(repr=False)
    detections: list[Detection]
    latency_s: float             # detect + encode + match for this frame
    rate_hz: float               # results per second lately
    frame_age_s: float = 0.0     # capture -> result: latency plus waiting for the worker
    # The grabber the frame came from: frame indices start again with every source, so
    # a display tells a late answer about the previous source by this, not by index.
    source: object = field(default=None, repr=False, compare=False)


def locate_scaled(frame: np.ndarray, encoder: FaceEncoder,
                  detect_side: int | None) -> list[FaceBox]:
    """encoder.locate on a copy whose longer side is at most ``detect_side``."""
    height, width = frame.shape[:2]
    longest = max(height, width)
    if not detect_side or longest <= detect_side:
        return list(encoder.locate(frame))
    import cv2
    factor = detect_side / longest
    small = cv2.resize(frame, (max(1, round(width * factor)), max(1, round(height * factor))),
                       interpolation=cv2.INTER_AREA)
    return [box.scaled(1 / factor).clipped(height, width) for box in encoder.locate(small)]


def recognize(frame, encoder: FaceEncoder, store: ResidentStore,
              threshold: float | None = None,
              detect_side: int | None = DETECT_SIDE) -> list[Detection]:
    """Faces of ``frame`` and who they are (``name`` None when farther than threshold)."""
    threshold = encoder.threshold if threshold is None else float(threshold)
    store.check_encoder(encoder)
    frame = to_rgb(frame)
    boxes = locate_scaled(frame, encoder, detect_side)
    if not boxes:
        return []
    encodings = np.asarray(encoder.encode_faces(frame, boxes), dtype=np.float64)
    encodings = encodings.reshape(len(boxes), ENCODING_SIZE)
    detections = []
    for box, encoding, (best, second) in zip(boxes, encodings,
                                             store.two_nearest_many(encodings)):
        # A name only when the door is sure: good face, clearly nearest one resident.
        quality = face_quality.measure(frame, box) if encoder.door_checks_quality else None
        accepted, unsure = door_safety.judge(best, second, threshold, quality,
                                             sure_gap=encoder.door_sure_gap,
                                             margin=encoder.door_margin)
        detections.append(Detection(box, accepted, best[1], encoding, nearest=best[0],
                                    unsure=unsure))
    # largest face first: the person at the door, not someone passing behind
    detections.sort(key=lambda d: d.box.area, reverse=True)
    return detections


class RecognitionWorker(LoopThread):
    """Recognises the grabber's latest frame, again and again, on its own thread.

    ``on_result(RecognitionResult)`` and ``on_error(message)`` are called on the worker
    thread (keep them quick). ``max_rate_hz`` caps the work (None: as fast as it goes).
    """

    thread_name = "face-recognition"

    def __init__(self, grabber, encoder: FaceEncoder, store: ResidentStore,
                 threshold: float | None = None, on_result=None, on_error=None,
                 detect_side: int | None = DETECT_SIDE, max_rate_hz: float | None = None,
                 start: bool = True) -> None:
        self.grabber = grabber
        self.encoder = encoder
        self.store = store
        self.threshold = encoder.threshold if threshold is None else float(threshold)
        self.on_result = on_result
        self.on_error = on_error
        self.detect_side = detect_side
        self.max_rate_hz = max_rate_hz
        self.error: str | None = None
        self.results = 0
        self.last_result: RecognitionResult | None = None
        self._rate = RateMeter(RATE_WINDOW_S, size=64)
        self._stop = threading.Event()
        if start:
            self.start()

    def set_threshold(self, threshold: float) -> None:
        self.threshold = float(threshold)

    def stop(self, timeout_s: float = 5.0) -> None:
        self._halt(timeout_s)

    @property
    def rate_hz(self) -> float:
        return self._rate.rate

    def _run(self) -> None:
        last_index = None
        while not self._stop.is_set():
            item = self.grabber.wait_next(last_index, timeout_s=0.2)
            if item is None:
                if self.grabber.error or self.grabber.finished:
                    self._stop.wait(0.1)   # wait for a retry / a new source, cheaply
                continue
            index, frame, captured_at = item
            last_index = index
            started = time.perf_counter()
            try:
                detections = recognize(frame, self.encoder, self.store, self.threshold,
                                       self.detect_side)
            except FaceError as exc:
                self._fail(str(exc))
                continue
            except Exception as exc:  # keep the door alive; say what broke in one line
                self._fail(f"Face recognition failed: {type(exc).__name__}: {exc}")
                continue
            latency = time.perf_counter() - started
            self.error = None
            now = time.monotonic()
            self._rate.tick(now)
            self.results += 1
            result = RecognitionResult(index, frame, detections, latency, self.rate_hz,
                                       frame_age_s=max(0.0, now - captured_at),
                                       source=self.grabber)
            self.last_result = result
            if self.on_result is not None:
                try:
                    self.on_result(result)
                except Exception:
                    pass  # a listener bug must not stop the door
            if self.max_rate_hz:
                self._stop.wait(max(0.0, 1 / self.max_rate_hz - latency))

    def _fail(self, message: str) -> None:
        repeated = message == self.error
        self.error = message
        if not repeated and self.on_error is not None:
            try:
                self.on_error(message)
            except Exception:
                pass
        self._stop.wait(0.5)  # the same problem would repeat at once: do not spin
