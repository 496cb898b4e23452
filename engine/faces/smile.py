"""The smile check at the Happy House door: the Happy House model on a face crop.

The course's Happy House pictures are 64x64 photos of a head with hair, neck and
some room around it. A face detector's box is much tighter (about eyebrows to
chin): on the 150 real test pictures (test_happy.h5, scaled to 256 px), dlib's
detector found one face in 131, and the picture's side was a median 2.9 times the
box's side (10th-90th percentile 2.4-3.5), the box's centre 0.51 of the way down
and 0.50 across. So ``face_crop`` takes a square 2.9 box sides wide (a 0.95 margin
on each side) centred just above the box's centre, and ``smile_probability``
resizes it to the model's 64x64: the model sees a face framed as in its pictures.

``SmileMeter`` runs the model on its own thread so the door page's UI thread never
waits for TensorFlow: the page submits (frame, box, name) for the face at the door
and reads back the newest probability for that name. Only the newest request is
kept (an older one is out of date by the time the thread is free), and an answer
older than ``stale_s`` counts as no answer.
"""
from __future__ import annotations

import threading
import time

import numpy as np

from engine.faces.encoder import FaceBox

FACE_MARGIN = 0.95     # of the box's side, added on each side (measured, see above)
FOREHEAD_SHIFT = 0.03  # of the box's side: the crop's centre moves up by this much
STALE_S = 1.0


def face_crop(frame: np.ndarray, box: FaceBox, margin: float = FACE_MARGIN) -> np.ndarray:
    """A square RGB crop around ``box`` with ``margin`` on each side. Parts outside
    the frame repeat the frame's edge (a face at the border still gives a full
    square rather than a squashed one)."""
    frame = np.asarray(frame)
    height, width = frame.shape[:2]
    side = max(box.width, box.height)
    if side <= 0:
        raise ValueError("The face box is empty.")
    crop = int(round(side * (1 + 2 * margin)))
    centre_y = (box.top + box.bottom) / 2 - FOREHEAD_SHIFT * side
    centre_x = (box.left + box.right) / 2
    top, left = int(round(centre_y - crop / 2)), int(round(centre_x - crop / 2))
    rows = np.clip(np.arange(top, top + crop), 0, height - 1)
    cols = np.clip(np.arange(left, left + crop), 0, width - 1)
    return np.ascontiguousarray(frame[rows[:, None], cols[None, :], :3])


def smile_probability(model, frame: np.ndarray, box: FaceBox) -> float:
    """P(smile) that the Happy House ``model`` gives the face in ``box``."""
    from engine.keras_models.happy import happy_probability
    return happy_probability(model, face_crop(frame, box))


class SmileMeter:
    """The Happy House model on its own thread; the newest request wins."""

    def __init__(self, model, stale_s: float = STALE_S, clock=time.monotonic) -> None:
        self.model = model
        self.stale_s = float(stale_s)
        self._clock = clock
        self._cond = threading.Condition()
        self._request = None                 # (frame, box, name), newest only
        self._answers: dict[str, tuple[float, float]] = {}   # name -> (p, when)
        self._stopped = False
        self.error: str | None = None        # one line, if the model failed
        self.latency_s = 0.0                 # the last prediction's time
        self.predictions = 0
        self._thread = threading.Thread(target=self._main, name="smile-meter", daemon=True)
        self._thread.start()

    def submit(self, frame: np.ndarray, box: FaceBox, name: str) -> None:
        """Ask for the smile of ``name``'s face in ``frame`` (replaces any waiting
        request). Cheap: the frame is not copied (frames are not written after
        capture)."""
        with self._cond:
            self._request = (frame, box, name)
            self._cond.notify()

    def probability(self, name: str | None) -> float | None:
        """The newest P(smile) for ``name``, or None if none is fresh."""
        if name is None:
            return None
        with self._cond:
            answer = self._answers.get(name)
        if answer is None or self._clock() - answer[1] > self.stale_s:
            return None
        return answer[0]

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait until the waiting request (if any) is answered (tests, benchmarks)."""
        end = time.monotonic() + timeout
        with self._cond:
            while (self._request is not None or self._busy) and not self._stopped:
                left = end - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
        return True

    _busy = False

    def stop(self, wait: bool = True) -> None:
        """End the thread; ``wait=False`` (the UI thread) does not wait for a prediction
        in progress to finish (the thread ends right after it)."""
        with self._cond:
            self._stopped = True
            self._request = None
            self._cond.notify_all()
        if wait:
            self._thread.join(5)

    def _main(self) -> None:
        while True:
            with self._cond:
                while self._request is None and not self._stopped:
                    self._cond.wait()
                if self._stopped:
                    return
                frame, box, name = self._request
                self._request = None
                self._busy = True
            started = time.perf_counter()
            try:
                p = smile_probability(self.model, frame, box)
                error = None
            except Exception as exc:  # noqa: BLE001 - a failing model turns the gate off
                p, error = None, f"The smile model failed: {type(exc).__name__}: {exc}"
            elapsed = time.perf_counter() - started
            with self._cond:
                self._busy = False
                if p is not None:
                    self._answers[name] = (p, self._clock())
                    self.latency_s = elapsed
                    self.predictions += 1
                self.error = error
                self._cond.notify_all()


def _stamp(path) -> tuple:
    """What identifies one saved model: a new save changes the files' times."""
    from engine.keras_models.happy_door_weights import INFO_NAME
    info = path.with_name(INFO_NAME)
    return (str(path), path.stat().st_mtime_ns,
            info.stat().st_mtime_ns if info.exists() else None)


def load_smile_model(known_stamp=None) -> dict:
    """Worker thread: find and load the saved Happy House model for the door.

    Returns ``{"status": "missing"}`` when none is saved (TensorFlow is not imported
    then), ``{"status": "unchanged"}`` when the saved files are the ones of
    ``known_stamp``, else ``{"status": "loaded", "model", "info", "description",
    "stamp"}``. A damaged or mismatched file raises WeightsError (one sentence)."""
    from engine.keras_models.happy_door_weights import describe_door_model, read_door_info
    from engine.weights import get_entry

    entry = get_entry("happy-house")
    path = entry.find()
    if path is None:
        return {"status": "missing"}
    try:
        stamp = _stamp(path)
    except OSError:
        return {"status": "missing"}
    if known_stamp is not None and stamp == known_stamp:
        return {"status": "unchanged"}
    info = read_door_info(path)
    model = entry.load(path)
    # The first call of a Keras model traces it (a second or so): do it here, not
    # when the first resident is at the door.
    smile_probability(model, np.zeros((64, 64, 3), np.uint8), FaceBox(8, 56, 56, 8))
    return {"status": "loaded", "model": model, "info": info, "stamp": stamp,
            "description": describe_door_model(info)}
