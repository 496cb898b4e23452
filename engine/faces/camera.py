"""Frame sources for the door: a webcam, a video file or a folder of pictures.

``open_source(spec)`` gives a :class:`FrameSource` whose ``read()`` returns the next RGB
frame, ``None`` at the end of a file, and raises :class:`CameraError` (one sentence)
when a camera fails. Files and folders are paced at their frame rate so they play like
a camera. :class:`FrameGrabber` reads a source on its own thread and keeps only the
latest frame: a slow consumer (face recognition at ~5 frames/s) never builds a queue
and always sees the newest picture, which is what a door camera needs.
"""
from __future__ import annotations

import abc
import os
import threading
import time
from collections import deque
from pathlib import Path

import numpy as np

from engine.faces.errors import CameraError, FaceError
from engine.faces.images import IMAGE_SUFFIXES, list_images, read_image, to_rgb

OPEN_TIMEOUT_S = 5.0          # a busy / broken camera driver can block open() forever
CAMERA_FAILED_READS = 5       # a few failed reads in a row mean the camera is gone
FOLDER_FPS = 5.0
HELD_FPS = 15.0               # a held folder picture is repeated like a camera's frames
# A folder played at the door holds each picture a little longer than the door stays
# open (4 s), so each picture gets its own opening rather than walking in under the
# previous resident's welcome.
DOOR_HOLD_S = 4.5
FPS_WINDOW_S = 2.0
# FFmpeg's log level is read once, when OpenCV first uses FFmpeg (also for writing):
# set it as soon as the camera code is imported. See quiet_opencv.
os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")   # AV_LOG_QUIET


def quiet_opencv() -> None:
    """Hide OpenCV's own stderr warnings (e.g. 'can't open camera by index'): the app
    reports the problem in one sentence instead. FFmpeg's own messages (e.g. 'moov atom
    not found' for a broken .mp4) obey an environment variable that OpenCV reads when it
    first uses FFmpeg, hence before any capture is opened."""
    os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")   # AV_LOG_QUIET
    import cv2
    try:
        cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)
    except AttributeError:  # very old builds
        pass


def _open_capture(target, timeout_s: float, what: str):
    """cv2.VideoCapture(target) on a helper thread, bounded by ``timeout_s``."""
    import cv2
    quiet_opencv()
    box: dict = {}
    abandoned = threading.Event()

    def opener():
        try:
            capture = cv2.VideoCapture(target)
        except Exception as exc:  # cv2.error on odd backends
            box["error"] = exc
            return
        if abandoned.is_set():  # the caller gave up: do not leak the device
            capture.release()
        else:
            box["capture"] = capture

    thread = threading.Thread(target=opener, name="camera-open", daemon=True)
    thread.start()
    thread.join(timeout_s)
    if thread.is_alive():
        abandoned.set()
        raise CameraError(f"The {what} did not answer within {timeout_s:g} s "
                          "(is another program using it?).")
    capture = box.get("capture")
    if capture is None or not capture.isOpened():
        if capture is not None:
            capture.release()
        return None
    return capture


class RateMeter:
    """Events per second over the last ``window_s`` seconds (frames captured, results
    made). ``tick()`` from one thread, ``rate`` from any: deque appends are atomic."""

    def __init__(self, window_s: float, size: int = 120) -> None:
        self.window_s = window_s
        self._times: deque[float] = deque(maxlen=size)

    def tick(self, now: float | None = None) -> None:
        self._times.append(time.monotonic() if now is None else now)

    @property
    def rate(self) -> float:
        now = time.monotonic()
        times = [t for t in list(self._times) if t >= now - self.window_s]
        if len(times) < 2 or times[-1] <= times[0]:
            return 0.0
        return (len(times) - 1) / (times[-1] - times[0])


class LoopThread:
    """A daemon thread that runs ``self._run`` until ``self._stop`` is set: the start /
    stop / running of the FrameGrabber and the RecognitionWorker."""

    thread_name = "loop"
    _thread: threading.Thread | None = None

    def start(self) -> None:
        if self.running:
            return
        self._stop.clear()
        self._on_start()
        self._thread = threading.Thread(target=self._run, name=self.thread_name, daemon=True)
        self._thread.start()

    def _on_start(self) -> None:
        """Reset what a new run starts from (called before the thread starts)."""

    def _halt(self, timeout_s: float) -> None:
        """Ask the loop to stop and wait for it (not from the loop's own thread)."""
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout_s)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _run(self) -> None:
        raise NotImplementedError


class FrameSource(abc.ABC):
    """Frames, one at a time. ``read()``: RGB uint8 frame, or None at the end."""

    description: str = "frames"
    live: bool = False            # a camera (frames come at their own pace)

    @abc.abstractmethod
    def read(self) -> np.ndarray | None:
        ...

    def close(self) -> None:
        pass

    def reopen(self) -> None:
        """Start again after a failure (FrameGrabber.retry). CameraError if impossible."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class _Pacer:
    """Sleeps so that frames come out at ``fps`` (None: as fast as they are read)."""

    def __init__(self, fps: float | None) -> None:
        self.interval = 1.0 / fps if fps and fps > 0 else 0.0
        self.next_time = None

    def wait(self) -> None:
        if not self.interval:
            return
        now = time.monotonic()
        if self.next_time is None or self.next_time < now - self.interval:
            self.next_time = now  # first frame, or we fell behind: do not burst
        elif self.next_time > now:
            time.sleep(self.next_time - now)
        self.next_time += self.interval


class _CaptureSource(FrameSource):
    """A source read through a cv2.VideoCapture (``self._capture``)."""

    _capture = None

    def close(self) -> None:
        if self._capture is not None:
            self._capture.release()
            self._capture = None

    def reopen(self) -> None:
        self.close()
        self._open_again()

    def _open_again(self) -> None:
        raise NotImplementedError


class CameraSource(_CaptureSource):
    """A webcam by device index (0 is usually the built-in one)."""

    live = True

    def __init__(self, index: int, width: int | None = 640, height: int | None = 480,
                 open_timeout_s: float = OPEN_TIMEOUT_S) -> None:
        self.index = int(index)
        self.size = (width, height)
        self.open_timeout_s = open_timeout_s
        self.description = f"camera {self.index}"
        self._capture = None
        self._open()

    def _open(self) -> None:
        import cv2
        capture = _open_capture(self.index, self.open_timeout_s, f"camera {self.index}")
        if capture is None:
            raise CameraError(f"No camera found at index {self.index} "
                              "(is it plugged in and not used by another program?).")
        width, height = self.size
        if width and height:
            capture.set(cv2.CAP_PROP_FRAME_WIDTH, width)
            capture.set(cv2.CAP_PROP_FRAME_HEIGHT, height)
        self._capture = capture

    def read(self) -> np.ndarray | None:
        if self._capture is None:
            raise CameraError(f"Camera {self.index} is closed.")
        for _ in range(CAMERA_FAILED_READS):
            ok, frame = self._capture.read()
            if ok and frame is not None:
                return to_rgb(frame, assume_bgr=True)
            time.sleep(0.05)
        raise CameraError(f"Camera {self.index} stopped sending pictures "
                          "(unplugged, or taken by another program?).")

    def _open_again(self) -> None:
        self._open()


class VideoFileSource(_CaptureSource):
    """A video file played at its own frame rate (or ``fps``; 0 = as fast as possible)."""

    def __init__(self, path, fps: float | None = None, loop: bool = False) -> None:
        import cv2
        self.path = Path(path)
        self.loop = loop
        self.description = f"video {self.path.name}"
        if not self.path.is_file():
            raise CameraError(f"Video file not found: {self.path}")
        self._capture = _open_capture(str(self.path), OPEN_TIMEOUT_S, f"video {self.path.name}")
        if self._capture is None:
            raise CameraError(f"{self.path.name} is not a video OpenCV can play.")
        file_fps = self._capture.get(cv2.CAP_PROP_FPS) or 0.0
        self.fps = (fps if fps is not None else
                    file_fps if 0 < file_fps <= 240 else 25.0)
        self._pacer = _Pacer(self.fps)
        self._frames_read = 0

    def read(self) -> np.ndarray | None:
        import cv2
        if self._capture is None:
            return None
        ok, frame = self._capture.read()
        if not ok and self.loop and self._frames_read:
            self._capture.set(cv2.CAP_PROP_POS_FRAMES, 0)
            ok, frame = self._capture.read()
        if not ok or frame is None:
            if not self._frames_read:
                raise CameraError(f"{self.path.name} has no frames OpenCV can decode.")
            return None
        self._frames_read += 1
        self._pacer.wait()
        return to_rgb(frame, assume_bgr=True)

    def _open_again(self) -> None:
        self.__init__(self.path, self.fps, self.loop)


class ImageFolderSource(FrameSource):
    """The pictures of a folder (sorted by name) played as a stream.

    ``hold_s``: hold each picture on screen for that long, as a stream of ``fps``
    frames (the same array again and again: a consumer can tell a held picture by
    identity). Shown once each at 5 per second, a picture is gone before recognition
    (0.1-0.5 s) answers, and the door, which wants the same resident in 3 results in
    a row, never opens; held, a picture is a person standing at the door for a moment.
    """

    def __init__(self, folder, fps: float | None = FOLDER_FPS, loop: bool = True,
                 hold_s: float | None = None) -> None:
        self.folder = Path(folder)
        self.loop = loop
        self.hold_s = float(hold_s) if hold_s else None
        self.fps = HELD_FPS if self.hold_s and fps is None else fps
        if not self.folder.is_dir():
            raise CameraError(f"Folder not found: {self.folder}")
        self.files = list_images(self.folder)
        if not self.files:
            raise CameraError(f"No pictures (.jpg, .png, ...) in {self.folder}.")
        self.description = f"folder {self.folder.name} ({len(self.files)} pictures)"
        self.skipped: list[str] = []
        self._position = 0
        self._held: np.ndarray | None = None
        self._held_until = 0.0
        self._pacer = _Pacer(self.fps)

    def read(self) -> np.ndarray | None:
        if not self.hold_s:
            frame = self._next_picture()
        else:
            now = time.monotonic()
            if self._held is None or now >= self._held_until:
                self._held = self._next_picture()
                self._held_until = now + self.hold_s
            frame = self._held
        if frame is not None:
            self._pacer.wait()
        return frame

    def _next_picture(self) -> np.ndarray | None:
        attempts = 0
        while attempts < len(self.files):
            if self._position >= len(self.files):
                if not self.loop:
                    return None
                self._position = 0
            path = self.files[self._position]
            self._position += 1
            attempts += 1
            try:
                return read_image(path)
            except FaceError:
                if path.name not in self.skipped:
                    self.skipped.append(path.name)  # one bad file must not stop the show
        # a whole round of files without one readable picture
        if len(self.skipped) >= len(self.files):
            raise CameraError(f"None of the pictures in {self.folder.name} can be read.")
        return None

    def reopen(self) -> None:
        self._position = 0
        self._held = None


class FrameListSource(FrameSource):
    """Frames already in memory (tests, benchmarks, a still picture shown as a stream)."""

    def __init__(self, frames, fps: float | None = None, loop: bool = False,
                 description: str = "pictures") -> None:
        self.frames = [to_rgb(f) for f in frames]
        if not self.frames:
            raise CameraError("No frames to play.")
        self.loop = loop
        self.description = description
        self._position = 0
        self._pacer = _Pacer(fps)

    def read(self) -> np.ndarray | None:
        if self._position >= len(self.frames):
            if not self.loop:
                return None
            self._position = 0
        frame = self.frames[self._position]
        self._position += 1
        self._pacer.wait()
        return frame

    def reopen(self) -> None:
        self._position = 0


def open_source(spec, fps: float | None = None, loop: bool | None = None,
                hold_s: float | None = None) -> FrameSource:
    """A camera index (int or digits), a video file, a folder or a picture -> FrameSource.

    ``fps`` overrides the pace of files and folders; ``loop`` replays them (folders loop
    by default, videos do not); ``hold_s`` holds each picture of a folder that long
    (see ImageFolderSource; the door uses DOOR_HOLD_S).
    """
    if isinstance(spec, (int, np.integer)) or (isinstance(spec, str) and spec.strip().isdigit()):
        return CameraSource(int(spec))
    path = Path(spec)
    if path.is_dir():
        if fps is None and not hold_s:
            fps = FOLDER_FPS
        return ImageFolderSource(path, fps=fps, loop=True if loop is None else loop,
                                 hold_s=hold_s)
    if not path.exists():
        raise CameraError(f"No camera, video or folder at {path}.")
    if path.suffix.lower() in IMAGE_SUFFIXES:
        try:
            still = read_image(path)
        except FaceError as exc:
            raise CameraError(str(exc)) from None
        return FrameListSource([still], fps=FOLDER_FPS if fps is None else fps,
                               loop=True if loop is None else loop,
                               description=f"picture {path.name}")
    return VideoFileSource(path, fps=fps, loop=bool(loop))


class FrameGrabber(LoopThread):
    """Reads a source on its own thread, keeping only the latest frame.

    ``latest()`` -> (frame_index, frame, timestamp) or None; ``wait_next(after)`` blocks
    until a newer frame than ``after`` exists. A failure stops reading, sets ``error``
    (one sentence) and calls ``on_error(message)`` on the grabber thread; ``retry()``
    reopens the source and starts again. ``finished`` is set at the end of a file.
    """

    def __init__(self, source: FrameSource, on_error=None, start: bool = True) -> None:
        self.source = source
        self.on_error = on_error
        self.error: str | None = None
        self.finished = False
        self.frames_captured = 0
        self._cond = threading.Condition()
        self._latest: tuple[int, np.ndarray, float] | None = None
        self._rate = RateMeter(FPS_WINDOW_S)
        self._stop = threading.Event()
        if start:
            self.start()

    # -- control -----------------------------------------------------------------------

    thread_name = "frame-grabber"

    def _on_start(self) -> None:
        self.error, self.finished = None, False

    def stop(self, timeout_s: float = 2.0) -> None:
        """Stop reading and close the source (a blocked driver read is abandoned)."""
        self._stop.set()
        with self._cond:
            self._cond.notify_all()     # wake wait_next callers at once
        self._halt(timeout_s)
        try:
            self.source.close()
        except Exception:
            pass

    def retry(self) -> bool:
        """Reopen the source after an error (e.g. the camera was plugged back in)."""
        self._halt(2.0)
        try:
            self.source.reopen()
        except FaceError as exc:
            self._report(str(exc))
            return False
        self.start()
        return True

    # -- frames ------------------------------------------------------------------------

    def latest(self) -> tuple[int, np.ndarray, float] | None:
        with self._cond:
            return self._latest

    def wait_next(self, after: int | None, timeout_s: float = 0.5):
        """The latest frame if newer than frame index ``after`` (waits up to timeout)."""
        deadline = time.monotonic() + timeout_s
        with self._cond:
            while True:
                latest = self._latest
                if latest is not None and (after is None or latest[0] > after):
                    return latest
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self._stop.is_set() or self.error or self.finished:
                    return None
                self._cond.wait(remaining)

    @property
    def fps(self) -> float:
        """Frames captured per second over the last couple of seconds."""
        return self._rate.rate

    # -- thread ------------------------------------------------------------------------

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                frame = self.source.read()
            except FaceError as exc:
                self._report(str(exc))
                return
            except Exception as exc:  # a driver error we do not know: still one sentence
                self._report(f"The {self.source.description} failed: {exc}")
                return
            if frame is None:
                with self._cond:
                    self.finished = True
                    self._cond.notify_all()
                return
            now = time.monotonic()
            with self._cond:
                index = self.frames_captured
                self.frames_captured += 1
                self._latest = (index, frame, now)
                self._rate.tick(now)
                self._cond.notify_all()

    def _report(self, message: str) -> None:
        with self._cond:
            self.error = message
            self._cond.notify_all()
        if self.on_error is not None:
            try:
                self.on_error(message)
            except Exception:
                pass  # a listener bug must not kill the grabber's error path
