"""What the face page runs off the UI thread: loading the encoder and the resident
store, opening a source, the triplet-loss analysis, and recognition in a process.

Recognition in a separate process, for a smooth picture:

dlib's ResNet (``compute_face_descriptor``) keeps Python's GIL for the whole forward
pass: 30-300 ms a face depending on the CPU. Run on a thread, as the engine's
RecognitionWorker does, every pass freezes the UI thread and the camera thread with it
(measured here: display 5 fps instead of 30 while recognising 3 faces a second). In a
child process the forward pass has its own interpreter, so the page keeps painting.

``ProcessRecognitionWorker`` has the RecognitionWorker interface the page uses
(``set_threshold``, ``stop``, ``error``, ``on_result(RecognitionResult)``) and calls the
engine's ``recognize`` in the child: nothing here re-implements recognition. The child
reads the resident store from its file and re-reads it when the page says it changed.
No Qt here (the child must not import it).
"""
from __future__ import annotations

import multiprocessing as mp
import threading
import time
from collections import deque

from engine.user_data import user_data_dir

START_TIMEOUT_S = 60.0
RATE_WINDOW_S = 3.0


def encoder_for(choice: str | None):
    from engine.keras_models import facenet
    if choice == "facenet":
        return facenet.FaceNetEncoder.from_weights()
    return facenet.default_encoder()


def store_path_for(encoder):
    """The embedded encoder uses the default store; another encoder gets its own file,
    because encodings of different networks cannot be compared."""
    from engine.faces.dlib_encoder import DlibEncoder
    if isinstance(encoder, DlibEncoder):
        return None
    slug = "".join(c if c.isalnum() else "-" for c in encoder.name.lower()).strip("-")
    return user_data_dir() / "faces" / f"residents-{slug}.npz"


def load_encoder_and_store(choice: str | None):
    """Worker thread: the chosen encoder (models load here) and its resident store."""
    from engine.faces.residents import ResidentStore
    encoder = encoder_for(choice)
    return encoder, ResidentStore(store_path_for(encoder))


def facenet_available() -> tuple[bool, str]:
    """(weights present, why not) for the course FaceNet; never raises, never loads TF."""
    try:
        from engine.keras_models.facenet_weights import find_facenet_weights
        found = find_facenet_weights()
    except Exception as exc:  # noqa: BLE001 - a missing optional model is not an error
        return False, f"FaceNet is not available ({exc})."
    if found is None:
        return False, ("The course FaceNet weights were not found; import them with "
                       "File → Import course files to compare with the course model.")
    return True, ""


def analyse_residents(encodings: dict, alpha: float, threshold: float) -> dict:
    """Worker thread: everything the Triplet-loss tab draws, from engine.faces.analysis."""
    import numpy as np
    from engine.faces import analysis
    labels, names, rows = [], [], []
    for name, block in encodings.items():
        block = np.asarray(block, dtype=float).reshape(-1, 128)
        for k in range(len(block)):
            labels.append(name if len(block) == 1 else f"{name} {k + 1}")
            names.append(name)
            rows.append(block[k])
    stacked = np.asarray(rows, dtype=float).reshape(-1, 128)
    matrix = analysis.distance_matrix(stacked)
    same, different = analysis.pair_distances(names, stacked)
    data = {"labels": labels, "names": names, "matrix": np.asarray(matrix),
            "same": np.asarray(same), "different": np.asarray(different), "alpha": alpha}
    data.update(triplet_summary(analysis, names, stacked, alpha))
    data["rates"] = rates_of(analysis, data["same"], data["different"], threshold)
    return data


def triplet_summary(analysis, names, stacked, alpha) -> dict:
    import numpy as np
    losses, _triplets = analysis.triplet_losses(names, stacked, alpha=alpha)
    losses = np.asarray(losses, dtype=float).ravel()
    if losses.size == 0:
        return {"loss": None, "triplets": 0, "active": 0}
    return {"loss": float(losses.sum()), "triplets": int(losses.size),
            "active": int((losses > 0).sum())}


def rates_of(analysis, same, different, threshold) -> dict:
    out = dict(analysis.accept_reject_rates(same, different, threshold))
    out["threshold"] = threshold
    return out


def open_source_with(open_source, spec, loop):
    """Worker thread: opening a camera can take seconds (or fail). A folder plays as a
    slide show that holds each picture (see HeldFolderSource)."""
    from pathlib import Path
    if not isinstance(spec, int) and Path(str(spec)).is_dir():
        return spec, HeldFolderSource(spec, loop=bool(loop))
    return spec, open_source(spec, loop=loop)


class HeldFolderSource:
    """The pictures of a folder, each held on screen for ``hold_s`` as a stream of
    ``fps`` frames (the same array again and again).

    The engine's folder source shows each picture once, at 5 per second: recognition
    (0.1-0.5 s) answers after the picture is gone and the door, which wants the same
    resident in 3 results in a row, never opens. Held, a picture is a person standing
    at the door for a moment.
    """

    live = False

    # A little longer than the door stays open (4 s), so each picture gets its own
    # opening rather than walking in under the previous resident's welcome.
    def __init__(self, folder, hold_s: float = 4.5, fps: float = 15.0,
                 loop: bool = True) -> None:
        from engine.faces.camera import ImageFolderSource
        self.inner = ImageFolderSource(folder, fps=None, loop=loop)   # CameraError if empty
        self.description = self.inner.description
        self.hold_s = float(hold_s)
        self.interval = 1.0 / fps
        self._picture = None
        self._until = 0.0

    def read(self):
        now = time.monotonic()
        if self._picture is None or now >= self._until:
            self._picture = self.inner.read()
            if self._picture is None:
                return None          # end of the folder (not looping)
            self._until = now + self.hold_s
        time.sleep(self.interval)
        return self._picture

    def close(self) -> None:
        self.inner.close()

    def reopen(self) -> None:
        self.inner.reopen()
        self._picture = None


def _child(conn, encoder_choice, store_path) -> None:
    """The recognition process: load the encoder once, then answer frames."""
    try:
        from engine.faces.errors import FaceError
        from engine.faces.recognition import recognize
        from engine.faces.residents import ResidentStore
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
        plain = [(d.box.as_tuple(), d.name, float(d.distance), d.encoding, d.nearest)
                 for d in detections]
        conn.send(("result", index, plain, time.perf_counter() - started))


class ProcessRecognitionWorker:
    """Sends the grabber's newest frame to the child whenever the child is free.

    The process outlives sources: ``set_grabber`` switches to another camera / video
    (or None) without paying the child's start-up (models loading) again.
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
        self._times: deque[float] = deque(maxlen=64)
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

    # --- the page's side ---
    def set_threshold(self, threshold: float) -> None:
        self.threshold = float(threshold)

    def set_grabber(self, grabber) -> None:
        self.grabber = grabber

    @property
    def broken(self) -> bool:
        """The child could not start or died: the page falls back to a thread."""
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
        now = time.monotonic()
        times = [t for t in self._times if t >= now - RATE_WINDOW_S]
        if len(times) < 2 or times[-1] <= times[0]:
            return 0.0
        return (len(times) - 1) / (times[-1] - times[0])

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
            detections = [Detection(FaceBox(*box), name, distance, encoding, nearest=nearest)
                          for box, name, distance, encoding, nearest in plain]
            now = time.monotonic()
            self._times.append(now)
            self.results += 1
            result = RecognitionResult(index, frame, detections, latency, self.rate_hz,
                                       frame_age_s=max(0.0, now - captured_at))
            try:
                self.on_result(result)
            except Exception:  # noqa: BLE001 - a listener bug must not stop the door
                pass
