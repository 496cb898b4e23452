"""Face recognition in a child process: the default for a UI.

Why a process: dlib's ResNet forward pass (``compute_face_descriptor``) keeps Python's
GIL for the whole pass, 30-300 ms a face depending on the CPU. On a thread, as
engine.faces.recognition.RecognitionWorker does it, every pass freezes every other
thread of the process: the UI thread and the camera's FrameGrabber with it. Measured
with benchmarks/webcam_page.py on the real page: 5 frames/s displayed instead of 30
while recognising 3 faces a second, and other threads stalled up to ~0.4 s on a busy
machine. In a child process the forward pass has its own interpreter, so the page keeps
painting at the camera's rate.

``ProcessRecognitionWorker`` has the RecognitionWorker interface (``set_threshold``,
``stop``, ``error``, ``rate_hz``, ``results``, ``on_result(RecognitionResult)``) and
runs the engine's ``recognize`` in the child: nothing here re-implements recognition.
The child loads the encoder chosen by name (engine.faces.selection) and reads the
resident store from its file, again whenever ``store_changed()`` is called.

``start_recognition`` is the entry point for a UI: the process, or the thread worker
when no process can be started here (frozen apps, sandboxes). A process that starts
but fails later reports ``broken``; the caller then falls back to the thread worker.
"""
from __future__ import annotations

import multiprocessing as mp
import threading
import time

from engine.faces.camera import RateMeter
from engine.faces.recognition import RATE_WINDOW_S

START_TIMEOUT_S = 60.0     # loading the models (TensorFlow for FaceNet) can take long


def _child(conn, encoder_choice, store_path) -> None:
    """The recognition process: load the encoder once, then answer frames."""
    try:
        from engine.faces.errors import FaceError
        from engine.faces.recognition import recognize
        from engine.faces.residents import ResidentStore
        from engine.faces.selection import encoder_for
        encoder = encoder_for(encoder_choice)
        store = ResidentStore(store_path)
        version = 0
    except Exception as exc:  # noqa: BLE001 - reported to the page in one line
        conn.send(("failed", f"{type(exc).__name__}: {exc}"))
        return
    conn.send(("ready", encoder.name))
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message[0] == "stop":
            return
        _, index, frame, threshold, store_version = message
        started = time.perf_counter()
        try:
            if store_version != version:
                store = ResidentStore(store_path)
                version = store_version
            detections = recognize(frame, encoder, store, threshold)
        except FaceError as exc:
            conn.send(("error", index, str(exc)))
            continue
        except Exception as exc:  # noqa: BLE001
            conn.send(("error", index, f"Face recognition failed: {type(exc).__name__}: "
                                       f"{exc}"))
            continue
        plain = [(d.box.as_tuple(), d.name, float(d.distance), d.encoding, d.nearest,
                  d.unsure)
                 for d in detections]
        conn.send(("result", index, plain, time.perf_counter() - started))


class ProcessRecognitionWorker:
    """Sends the grabber's newest frame to the child whenever the child is free.

    The process outlives sources: ``set_grabber`` switches to another camera / video
    (or None) without paying the child's start-up (models loading) again.
    ``on_result`` is called on the feeding thread (keep it quick).
    """

    def __init__(self, grabber, encoder_choice, store_path, threshold, on_result) -> None:
        self.grabber = grabber
        self.threshold = float(threshold)
        self.on_result = on_result
        self.error: str | None = None
        self.results = 0
        self.encoder_name: str | None = None
        self.failed_to_start = False
        self._store_version = 1
        self._rate = RateMeter(RATE_WINDOW_S, size=64)
        self._stop = threading.Event()
        context = mp.get_context("spawn")   # never fork a process that runs Qt threads
        self._conn, child_conn = context.Pipe()
        self._process = context.Process(target=_child, name="face-recognition",
                                        args=(child_conn, encoder_choice,
                                              None if store_path is None else str(store_path)),
                                        daemon=True)
        self._process.start()
        child_conn.close()
        self._thread = threading.Thread(target=self._run, name="face-recognition-feed",
                                        daemon=True)
        self._thread.start()

    # --- the caller's side ---
    def set_threshold(self, threshold: float) -> None:
        self.threshold = float(threshold)

    def set_grabber(self, grabber) -> None:
        self.grabber = grabber

    @property
    def broken(self) -> bool:
        """The child could not start or died: the caller falls back to a thread."""
        return self.failed_to_start or (not self._stop.is_set() and
                                        not self._thread.is_alive())

    @property
    def ready(self) -> bool:
        """The child has loaded its models and answers frames."""
        return self.encoder_name is not None

    def store_changed(self) -> None:
        """Residents were enrolled / renamed / deleted: the child re-reads the file."""
        self._store_version += 1

    def stop(self, timeout_s: float = 3.0) -> None:
        self._stop.set()
        self._thread.join(timeout_s)
        try:
            self._conn.send(("stop",))
        except (OSError, ValueError):
            pass
        self._process.join(1.0)
        if self._process.is_alive():
            self._process.terminate()   # mid-forward-pass: nothing to save in the child
            self._process.join(1.0)
        self._conn.close()

    @property
    def rate_hz(self) -> float:
        return self._rate.rate

    # --- feeding thread ---
    def _receive(self, timeout_s: float):
        deadline = time.monotonic() + timeout_s
        while not self._stop.is_set():
            if self._conn.poll(0.1):
                return self._conn.recv()
            if not self._process.is_alive():
                raise EOFError("the recognition process ended")
            if time.monotonic() > deadline:
                return None
        return None

    def _run(self) -> None:
        from engine.faces.encoder import FaceBox
        from engine.faces.recognition import Detection, RecognitionResult
        try:
            hello = self._receive(START_TIMEOUT_S)
        except (EOFError, OSError):
            hello = ("failed", "the recognition process could not start")
        if hello is None or hello[0] != "ready":
            if not self._stop.is_set():
                self.error = (hello[1] if hello else "The recognition process did not start.")
                self.failed_to_start = True
            return
        self.encoder_name = hello[1]
        last_index, last_grabber = None, None
        while not self._stop.is_set():
            grabber = self.grabber
            if grabber is None:
                self._stop.wait(0.05)
                continue
            if grabber is not last_grabber:
                last_index, last_grabber = None, grabber
            item = grabber.wait_next(last_index, timeout_s=0.2)
            if item is None:
                if grabber.error or grabber.finished:
                    self._stop.wait(0.1)
                continue
            index, frame, captured_at = item
            last_index = index
            try:
                self._conn.send(("frame", index, frame, self.threshold, self._store_version))
                answer = self._receive(START_TIMEOUT_S)
            except (EOFError, OSError, ValueError, BrokenPipeError):
                if not self._stop.is_set():
                    self.error = "The face recognition process stopped unexpectedly."
                return
            if answer is None or self.grabber is not grabber:
                continue   # timed out, or the source changed meanwhile: a stale answer
            if answer[0] == "error":
                self.error = answer[2]
                self._stop.wait(0.5)
                continue
            _, index, plain, latency = answer
            self.error = None
            detections = [Detection(FaceBox(*box), name, distance, encoding, nearest=nearest,
                                    unsure=unsure)
                          for box, name, distance, encoding, nearest, unsure in plain]
            now = time.monotonic()
            self._rate.tick(now)
            self.results += 1
            result = RecognitionResult(index, frame, detections, latency, self.rate_hz,
                                       frame_age_s=max(0.0, now - captured_at),
                                       source=grabber)
            try:
                self.on_result(result)
            except Exception:  # noqa: BLE001 - a listener bug must not stop the door
                pass


def start_recognition(grabber, encoder, store, threshold, on_result,
                      encoder_choice: str | None = None, use_process: bool = True):
    """The recognition worker for a UI: a ProcessRecognitionWorker (the child loads
    ``encoder_choice`` and reads ``store``'s file), or, when ``use_process`` is False or
    no process can be started here, the thread RecognitionWorker on ``encoder`` and
    ``store`` (None while there is no grabber to read: a thread needs one).
    Returns (worker or None, whether it is a process)."""
    if use_process:
        try:
            return ProcessRecognitionWorker(grabber, encoder_choice, store.path, threshold,
                                            on_result), True
        except (OSError, RuntimeError):   # no processes here (frozen, sandboxed)
            pass
    if grabber is None:
        return None, False
    from engine.faces.recognition import RecognitionWorker
    return RecognitionWorker(grabber, encoder, store, threshold, on_result), False
