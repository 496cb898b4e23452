"""The Happy House door (lesson 4.4 face recognition): webcam, residents, triplet loss.

Threads: the engine's FrameGrabber reads the camera on its own thread and keeps only
the newest frame; the engine's recognition worker (a child process, see
engine/faces/recognition_process.py; a thread as the fallback) takes the newest frame
whenever it is free and hands back a RecognitionResult. Neither touches Qt. A 30 Hz
QTimer on the UI thread picks up both (the grabber's ``latest()`` and the result the
worker left in a slot), so display never waits for recognition: the newest frame is
drawn with the boxes of the newest result. Each result carries the frame (and the
grabber) it was computed on: one about a picture no longer on screen (a folder moved
on, another source started) is dropped, and a folder's next picture starts the door
afresh, so the door's banner never names the previous visitor over the next one.
Opening a camera (which can take seconds) and loading the encoder run on
BackgroundTasks. Everything stops when the page is hidden or closed.

The triplet tab: with nobody photographed twice there are no triplets; where the
course's face photos are among the data folders, the tab offers the labelled camera
shots (camera_0 is younes, ...) as second photos of the residents they show. One click
encodes them (BackgroundTask) and adds them to the analysis only: the resident store,
and so the door, stays as the user enrolled it, and a second click leaves them out.

The smile gate: a Happy House model saved from that lesson's page is looked for (and
loaded, TensorFlow included) on a BackgroundTask when the page starts and each time it
is shown again; an engine SmileMeter thread then measures the smile of the recognised
face at the door, and the door reads its newest probability.
"""
from __future__ import annotations

import json
import threading
import time
from collections import deque
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QFileDialog, QWidget

from engine.faces.analysis import rates_at, summarise_residents
from engine.faces.camera import DOOR_HOLD_S, ImageFolderSource, open_source
from engine.faces.recognition_process import ProcessRecognitionWorker, start_recognition
from engine.faces.selection import (EMBEDDED, FACENET, facenet_available,
                                    load_encoder_and_store)
from engine.faces.smile import SmileMeter, load_smile_model
from engine.user_data import user_data_dir
from playground.bridge import BackgroundTask
from playground.lessons.base import LessonPage
from playground.panels.panel_tabs import PanelTabs
from playground.panels.door_panel import (CAMERAS, SOURCE_FOLDER, SOURCE_VIDEO,
                                          THRESHOLD_SCALE, DoorPanel)
from playground.panels.residents_panel import ResidentsPanel
from playground.panels.triplet_panel import TripletPanel
from playground.panels.video_view import FaceOverlay
from playground.safe_slots import guarded

DISPLAY_INTERVAL_MS = 33
ARRIVAL_REPEAT_S = 30.0     # the same resident again within this time: not a new arrival
NO_CAMERA = "No camera found — play a video or a folder instead."


def _open_source(spec, loop):
    """Worker thread: opening a camera can take seconds (or fail). A folder holds each
    picture like a visitor standing at the door (DOOR_HOLD_S)."""
    return spec, open_source(spec, loop=loop, hold_s=DOOR_HOLD_S)


def _ui_state_file() -> Path:
    return user_data_dir() / "settings" / "face-recognition-door.json"


class FaceRecognitionPage(LessonPage):
    def __init__(self, lesson, parent=None) -> None:
        super().__init__(lesson, parent)
        self.encoder = None
        self.store = None
        self.door = None
        self.arrivals = None
        self.grabber = None
        self.worker = None
        self.source_spec = 0
        self.source_error = ""
        self._result_lock = threading.Lock()
        self._latest_result = None        # written by the worker thread, read by _tick
        self._seen_result = None          # the newest result _tick picked up (stats)
        self._shown_result = None         # the newest one about the picture on screen
        self._shown_index = None
        self._shown_frame = None
        self._shown_error = ""
        self._last_result_time = 0.0
        self._last_arrival: tuple[str | None, float] = (None, 0.0)
        self._display_times: deque[float] = deque(maxlen=90)
        self._tasks: list[BackgroundTask] = []
        self._opening = None
        self._active = False
        self._closed = False
        self._analysis_pending = False
        self._analysis_task = None
        self.recognised_names: list[str | None] = []   # per result, for tests / benchmark
        self.last_status = None
        self.smile_meter: SmileMeter | None = None
        self.smile_info: dict | None = None       # the saved model's JSON (architecture…)
        self.smile_description = ""
        self.smile_error = ""
        self._smile_stamp = None                  # which saved files the meter holds
        self._smile_task = None
        self.tabs = PanelTabs()
        self.work_layout.addWidget(self.tabs, 1)
        self.tabs.addTab(self._build_door_tab(), "Door")
        self.residents = ResidentsPanel()
        self.residents.snapshot_source = self.current_frame
        self.residents.thumbnail_source = self._thumbnail
        self.residents.changed.connect(self._residents_changed)
        self.residents.import_button.clicked.disconnect()
        self.residents.import_button.clicked.connect(self._choose_import_folder)
        self.residents.course_button.clicked.connect(self.enrol_course_residents)
        self.tabs.addTab(self.residents, "Residents")
        self.triplet = TripletPanel()
        self.triplet.alpha_changed.connect(lambda _a: self.refresh_analysis())
        self.triplet.threshold_dragged.connect(self.set_threshold)
        self.triplet.offer_clicked.connect(self._camera_shots_clicked)
        self.camera_shots_on = False      # the user asked for the camera shots
        self._camera_shots = None         # their encodings (engine dict), or None
        self._shots_task = None
        self.tabs.addTab(self.triplet, "Triplet loss")
        self.tabs.currentChanged.connect(self._tab_changed)
        self.timer = QTimer(self)
        self.timer.setInterval(DISPLAY_INTERVAL_MS)
        self.timer.timeout.connect(self._tick)
        self._encoder_choice = None
        # dlib holds the GIL while it encodes a face: recognise in a child process so
        # the picture stays smooth (engine/faces/recognition_process.py); a thread is
        # the fallback when no process can start or the process breaks.
        self.use_process = True
        self._load_encoder(None)
        self.check_smile_model()

    # ------------------------------------------------------------------ Door tab
    def _build_door_tab(self) -> QWidget:
        panel = DoorPanel()
        self.door_panel = panel
        for name in ("source_box", "loop_box", "retry_button", "demo_button", "encoder_box",
                     "video", "stats", "door_view", "threshold_slider", "threshold_label",
                     "smile_box", "smile_note", "arrival_view"):
            setattr(self, name, getattr(panel, name))
        self.source_box.activated.connect(self._source_picked)
        self.retry_button.clicked.connect(self.retry)
        self.demo_button.clicked.connect(self.play_demo)
        self.encoder_box.activated.connect(self._encoder_picked)
        self.threshold_slider.valueChanged.connect(
            lambda v: self.set_threshold(v / THRESHOLD_SCALE))
        self.smile_box.toggled.connect(self._smile_toggled)
        self.arrival_view.clear_requested.connect(self.clear_arrivals)
        return panel

    @property
    def threshold(self) -> float:
        return self.threshold_slider.value() / THRESHOLD_SCALE

    def set_threshold(self, value: float) -> None:
        steps = int(round(value * THRESHOLD_SCALE))
        if self.threshold_slider.value() != steps:
            self.threshold_slider.setValue(steps)   # comes back here through the signal
            return
        self.threshold_label.setText(f"{value:.2f}")
        if self.worker is not None:
            self.worker.set_threshold(value)
        self.triplet.set_threshold(value)
        self._update_rates()

    # ------------------------------------------------------------------ encoder + store
    def _load_encoder(self, choice: str | None) -> None:
        self._encoder_choice = choice
        self.encoder_box.setEnabled(False)
        self.residents.set_context(None, None)
        self._run(load_encoder_and_store, choice, done=self._encoder_ready,
                  error=self._encoder_failed)

    def _encoder_ready(self, loaded) -> None:
        encoder, store = loaded
        if self._closed:
            return
        self.encoder, self.store = encoder, store
        from engine.faces.door import ArrivalLog, Door
        if self.door is None:
            self.door = Door()
            self.arrivals = ArrivalLog()
            self.arrival_view.set_entries(self.arrivals.entries())
            self._init_smile()
        self._fill_encoder_box()
        self.set_threshold(float(encoder.threshold))
        self.residents.set_context(store, encoder)
        if self._camera_shots is not None and self._camera_shots["encoder"] != encoder.name:
            self._camera_shots = None      # another encoder's numbers: encode them again
        notice = getattr(store, "notice", "") or ""
        if notice:
            self.residents.show_message(notice, "error")
            self.video.set_message(notice)
        self._update_demo_button()
        self._start_worker()
        # the camera shots the user asked for, in this encoder's numbers
        if not (self.camera_shots_on and self._camera_shots is None
                and self.use_camera_shots()):
            self.refresh_analysis()

    def _encoder_failed(self, message: str) -> None:
        if self._closed:
            return
        if self._encoder_choice == FACENET:
            # The course model could not load (weights, TensorFlow): back to the
            # embedded encoder, and say why.
            self.residents.show_message(f"FaceNet could not be loaded: {message}", "error")
            self._load_encoder(None)
            return
        self.encoder_box.clear()
        self.encoder_box.addItem("No encoder", None)
        self.video.set_message(f"The face encoder could not be loaded: {message}")
        self.residents.show_message(message, "error")

    def _fill_encoder_box(self) -> None:
        self.encoder_box.blockSignals(True)
        self.encoder_box.clear()
        from engine.faces.dlib_encoder import DlibEncoder
        embedded = isinstance(self.encoder, DlibEncoder)
        self.encoder_box.addItem(self.encoder.name if embedded else
                                 "dlib ResNet-34 (embedded)", EMBEDDED)
        ok, why = facenet_available()
        self.encoder_box.addItem("FaceNet (course)" if embedded else self.encoder.name,
                                 FACENET)
        if not ok:
            item = self.encoder_box.model().item(1)
            item.setEnabled(False)
            item.setToolTip(why)
        self.encoder_box.setCurrentIndex(0 if embedded else 1)
        self.encoder_box.setToolTip(f"Active encoder: {self.encoder.name} "
                                    f"(threshold {self.encoder.threshold:g})")
        self.encoder_box.setEnabled(True)
        self.encoder_box.blockSignals(False)

    def _encoder_picked(self, index: int) -> None:
        choice = self.encoder_box.itemData(index)
        current = EMBEDDED if self._is_embedded() else FACENET
        if choice and choice != current:
            self._stop_worker()
            self.encoder = None
            self._load_encoder(choice)

    def _is_embedded(self) -> bool:
        from engine.faces.dlib_encoder import DlibEncoder
        return isinstance(self.encoder, DlibEncoder)

    # ------------------------------------------------------------------ smile gate
    def check_smile_model(self) -> None:
        """Look for (and load) the saved Happy House model on a worker thread."""
        if self._smile_task is not None or self._closed:
            return
        self._smile_task = self._run(load_smile_model, self._smile_stamp,
                                     done=self._smile_loaded, error=self._smile_failed)

    def _smile_loaded(self, loaded: dict) -> None:
        self._smile_task = None
        if self._closed:
            return
        status = loaded["status"]
        if status == "unchanged":
            return
        self._stop_smile_meter()
        self.smile_error = ""
        if status == "loaded":
            self.smile_meter = SmileMeter(loaded["model"])
            self.smile_info = loaded["info"]
            self.smile_description = loaded["description"]
            self._smile_stamp = loaded["stamp"]
        self._init_smile()

    def _smile_failed(self, message: str) -> None:
        self._smile_task = None
        if not self._closed:
            self._smile_off(message)

    def _smile_off(self, message: str) -> None:
        """A saved model that cannot be used: one line, and the gate stays off."""
        self._stop_smile_meter()
        self.smile_error = f"The smile check is off: {message}"
        self._init_smile()

    def _stop_smile_meter(self, wait: bool = False) -> None:
        if self.smile_meter is not None:
            self.smile_meter.stop(wait=wait)
        self.smile_meter, self.smile_info, self._smile_stamp = None, None, None
        self.smile_description = ""

    def _init_smile(self) -> None:
        from engine.faces.door import SMILE_MODEL_MISSING
        available = self.smile_meter is not None
        if not available and self.smile_box.isChecked():
            self.smile_box.setChecked(False)       # no model: the gate is off
        self.smile_box.setEnabled(available)
        # still looking (loading a saved model imports TensorFlow: seconds)
        looking = "Looking for a saved Happy House model…" \
            if self._smile_task is not None and not self.smile_error else ""
        note = "" if available else (self.smile_error or looking or SMILE_MODEL_MISSING)
        if available:
            self.smile_box.setToolTip(f"Open only for a resident who smiles, judged by "
                                      f"{self.smile_description}.")
        else:
            self.smile_box.setToolTip(note)
        self.smile_note.setText(note)
        self.smile_note.setVisible(bool(note))
        if self.door is not None:
            self.door.smile_available = available
            self.door.smile_required = available and self.smile_box.isChecked()
        self.door_panel.show_smile(None, self._smile_gate_on())

    def _smile_gate_on(self) -> bool:
        return self.door is not None and self.door.smile_gate_active

    def _smile_toggled(self, on: bool) -> None:
        if self.door is not None:
            self.door.smile_required = on
        self.door_panel.show_smile(None, self._smile_gate_on())

    def _smile_for(self, result) -> float | None:
        """Ask the meter about the recognised face at the door and return the newest
        answer it has for that resident (None: none fresh yet)."""
        meter = self.smile_meter
        if meter is None or not self._smile_gate_on():
            return None
        if meter.error:
            self._smile_off(meter.error)
            return None
        named = [d for d in result.detections if d.name is not None]
        if not named:
            return None
        face = max(named, key=lambda d: d.box.area)
        meter.submit(result.frame, face.box, face.name)
        return meter.probability(face.name)

    def _thumbnail(self, name: str):
        """The first enrolled photo's thumbnail (the store keeps a small face crop)."""
        thumbs = self.store.thumbnails(name) if self.store is not None else []
        return thumbs[0] if len(thumbs) else None

    # ------------------------------------------------------------------ sources
    def _source_picked(self, index: int) -> None:
        data = self.source_box.itemData(index)
        if data == SOURCE_VIDEO:
            path, _ = QFileDialog.getOpenFileName(
                self, "Video file", "", "Videos (*.mp4 *.avi *.mov *.mkv *.webm);;All files (*)")
            if path:
                self.play(path)
            else:
                self._select_source_item(self.source_spec)   # cancelled: show what plays
        elif data == SOURCE_FOLDER:
            folder = QFileDialog.getExistingDirectory(self, "Folder of images")
            if folder:
                self.play(folder)
            else:
                self._select_source_item(self.source_spec)
        elif isinstance(data, str):
            self.play(data)           # the file / folder playing: play it again
        else:
            self.play(int(data))

    def play(self, spec) -> None:
        """Start showing a source: a camera index, a video file or a folder of images."""
        self.stop_source()
        self.source_spec = spec
        self.source_error = ""
        self.retry_button.hide()
        self.retry_button.setText("Retry")
        self._select_source_item(spec)
        label = f"camera {spec}" if isinstance(spec, int) else Path(str(spec)).name
        self.video.set_frame(None)
        self.video.set_message(f"Opening {label}…")
        self.door_view.set_status("closed", None, "Waiting for a face…")
        if self.door is not None:
            self.door.reset()
            self.last_status = None
        loop = None if isinstance(spec, int) else self.loop_box.isChecked()
        self._opening = self._run(_open_source, spec, loop,
                                  done=self._source_opened, error=self._source_failed)

    def _select_source_item(self, spec) -> None:
        """Show what plays: a camera's entry, or the file / folder's name as an entry."""
        box = self.source_box
        if box.count() > CAMERAS + 2:        # the previous file's entry
            box.removeItem(CAMERAS)
        if isinstance(spec, int):
            index = box.findData(spec)
            if index >= 0:
                box.setCurrentIndex(index)
            return
        path = Path(str(spec))
        box.insertItem(CAMERAS, f"{path.name}{'/' if path.is_dir() else ''}", str(spec))
        box.setItemData(CAMERAS, str(spec), Qt.ToolTipRole)
        box.setCurrentIndex(CAMERAS)

    def _source_opened(self, opened) -> None:
        spec, source = opened
        if self._closed or not self._active or spec != self.source_spec:
            source.close()     # the page was hidden or another source picked meanwhile
            return
        from engine.faces.camera import FrameGrabber
        self.grabber = FrameGrabber(source)     # starts its thread
        self.video.set_message("")
        self._shown_error = ""
        self._update_demo_button()
        self._start_worker()
        if not self.timer.isActive():
            self.timer.start()

    def _source_failed(self, message: str) -> None:
        if self._closed:
            return
        self.source_error = message
        text = message
        if isinstance(self.source_spec, int):
            # The engine's sentence says which camera and why; the page says what to do.
            detail = "" if message.startswith("No camera found") else f"\n{message}"
            text = (f"{NO_CAMERA}{detail}\nPick another camera, or “Video file…” / "
                    f"“Folder of images…” under Source.")
        self.video.set_frame(None)
        self.video.set_message(text)
        self.retry_button.show()
        self._update_demo_button()

    def retry(self) -> None:
        """Open the source again (a camera plugged back in, a video played again)."""
        self.play(self.source_spec)

    def stop_source(self) -> None:
        if isinstance(self.worker, ProcessRecognitionWorker):
            self.worker.set_grabber(None)     # keep the process for the next source
        else:
            self._stop_worker()
        if self.grabber is not None:
            self.grabber.stop()
            self.grabber = None
        with self._result_lock:
            self._latest_result = None    # about the source just stopped
        self._shown_result = None
        self._shown_index = None
        self._shown_frame = None
        self._display_times.clear()

    def _start_worker(self) -> None:
        """Recognise the current source. The recognition process starts as soon as the
        encoder is loaded (its models take seconds to load) and serves every source."""
        if self.encoder is None or not self._active:
            return
        if self.worker is None:
            with self._result_lock:
                self._latest_result = None
            self._shown_result = self._seen_result = None
            self.worker, self.use_process = start_recognition(
                self.grabber, self.encoder, self.store, self.threshold, self._on_result,
                encoder_choice=self._encoder_choice, use_process=self.use_process)
        elif isinstance(self.worker, ProcessRecognitionWorker):
            self.worker.set_grabber(self.grabber)

    @property
    def recognition_ready(self) -> bool:
        worker = self.worker
        return worker is not None and getattr(worker, "ready", True)

    def _check_worker(self) -> None:
        """A recognition process that could not start or died: recognise on a thread
        instead (jerkier picture, same answers)."""
        worker = self.worker
        if isinstance(worker, ProcessRecognitionWorker) and worker.broken:
            self.use_process = False
            self._stop_worker()
            self._start_worker()

    def _stop_worker(self) -> None:
        if self.worker is not None:
            self.worker.stop()
            self.worker = None

    def _on_result(self, result) -> None:
        """Worker thread: leave the newest result for the display timer."""
        with self._result_lock:
            self._latest_result = result

    def current_frame(self):
        latest = self.grabber.latest() if self.grabber is not None else None
        return None if latest is None else latest[1]

    # ------------------------------------------------------------------ display
    def _tick(self) -> None:
        grabber = self.grabber
        if grabber is None:
            return
        self._check_worker()
        worker_error = self.worker.error if self.worker is not None else None
        error = grabber.error or worker_error or (
            "End of the video: press Play again to watch it again."
            if grabber.finished else "")
        if error != self._shown_error:
            self._shown_error = error
            self.video.set_message(error)
            self.retry_button.setVisible(bool(grabber.error or grabber.finished))
            self.retry_button.setText("Play again" if grabber.finished else "Retry")
        # The result first, the frame second: the frame read is then at least as new
        # as the one the result was computed on, and the result is judged against the
        # picture that will be on screen with it.
        with self._result_lock:
            result = self._latest_result
        latest = grabber.latest()
        if latest is not None and latest[0] != self._shown_index:
            new_picture = self._is_new_picture(latest[1])
            self._shown_index, self._shown_frame = latest[0], latest[1]
            if new_picture:
                self._new_visitor()
            self.video.set_frame(latest[1], self._overlays())
            self._display_times.append(time.perf_counter())
        if result is not None and result is not self._seen_result:
            self._seen_result = result
            if self._result_current(result):
                self._shown_result = result
                self._new_result(result)
            # else: about a picture no longer shown (or older than one the door has
            # seen); its names would lag the picture, so it changes nothing
        self._door_idle()
        self._show_stats()

    def _overlays(self) -> list[FaceOverlay]:
        result = self._shown_result
        if result is None or not self._result_fits(result):
            return []
        out = []
        for d in result.detections:
            b = d.box
            if d.name:
                label = f"{d.name}  {d.distance:.2f}"
            elif getattr(d, "unsure", None):   # the door will not name a doubtful face
                label = f"not sure  {d.distance:.2f}"
            else:
                label = (f"unknown  {d.distance:.2f}" if d.distance is not None and
                         d.distance < 10 else "unknown")
            out.append(FaceOverlay(b.top, b.right, b.bottom, b.left, label, d.name is not None))
        return out

    def _result_current(self, result) -> bool:
        """May the door act on this result? Only on one about the scene on screen: of
        the source now playing (frame indices start again with each source); for a
        folder, about the very picture shown (each picture is another visitor); for a
        camera or video, one scene, any result not older than the last one used (the
        newest word on that scene, however slow recognition is)."""
        if self._shown_index is None or not self._same_source(result):
            return False
        if self._folder_playing():
            return result.frame is self._shown_frame   # the same picture (held: same array)
        last = self._shown_result
        return last is None or result.frame_index >= last.frame_index

    def _result_fits(self, result) -> bool:
        """May this result's boxes be drawn on the frame on screen? A camera moves
        little between frames, so boxes up to ~1 s old still sit near the face; the
        pictures of a folder are all different, so there only the same frame will do."""
        if self._shown_index is None or not self._same_source(result):
            return False
        if self._folder_playing():
            return result.frame is self._shown_frame
        fps = self.grabber.fps or 30.0
        return abs(self._shown_index - result.frame_index) <= max(2, int(fps))

    def _same_source(self, result) -> bool:
        """Computed on a frame of the grabber now playing (results made elsewhere, as
        in scripts, carry no source and pass)."""
        source = getattr(result, "source", None)
        return self.grabber is not None and (source is None or source is self.grabber)

    def _folder_playing(self) -> bool:
        return self.grabber is not None and isinstance(self.grabber.source,
                                                       ImageFolderSource)

    def _is_new_picture(self, frame) -> bool:
        """A folder holds each picture as the same array for a while: another array is
        the next visitor. (A camera's frames are one continuous scene.)"""
        return (self._folder_playing() and self._shown_frame is not None
                and frame is not self._shown_frame)

    def _new_visitor(self) -> None:
        """The next picture of a folder: whoever the door knew is gone. The banner
        waits for a result about this picture instead of naming the previous one."""
        if self.door is not None:
            self.door.reset()
        self.last_status = None
        self.door_view.set_status("closed", None, "Looking at the new picture…")
        self.door_panel.show_smile(None, self._smile_gate_on())

    def _new_result(self, result) -> None:
        self.video.set_overlays(self._overlays())
        names = [d.name for d in result.detections]
        if names:
            self.recognised_names.append(names[0] if len(names) == 1 else
                                         next((n for n in names if n), None))
        if self.door is None:
            return
        smile = self._smile_for(result)
        self._show_door(self.door.update(result.detections, time.monotonic(), smile=smile))
        self._last_result_time = time.monotonic()

    def _show_door(self, status) -> None:
        self.last_status = status
        self.door_view.set_status(status.state, status.name, status.message)
        if status.state != "open" or status.smile is not None:
            # an open door keeps showing the smile that opened it
            self.door_panel.show_smile(status.smile, self._smile_gate_on())
        if status.just_opened:
            self._arrived(status.name)

    def _door_idle(self) -> None:
        """No result for a while (video ended, source stopped): nobody at the door, so
        let an open door close when its time is up."""
        if self.door is None or self.last_status is None or self.last_status.state != "open":
            return
        if time.monotonic() - self._last_result_time >= 1.0:
            self._show_door(self.door.update([], time.monotonic()))

    def _arrived(self, name: str) -> None:
        """Log an arrival; someone standing at the door (the door re-opens every few
        seconds for them) is logged once, not at every opening."""
        when = time.time()
        if self._last_arrival[0] == name and when - self._last_arrival[1] < ARRIVAL_REPEAT_S:
            self._last_arrival = (name, when)
            return
        self._last_arrival = (name, when)
        if self.arrivals is not None:
            try:
                self.arrivals.append(name, when)
            except OSError:
                pass   # the log is a convenience; the door still opens
        self.arrival_view.add_entry(name, when)

    def clear_arrivals(self) -> None:
        self._last_arrival = (None, 0.0)
        if self.arrivals is not None:
            self.arrivals.clear()
        self.arrival_view.set_entries([])

    def display_fps(self) -> float:
        times = self._display_times
        if len(times) < 2:
            return 0.0
        window = [t for t in times if t >= times[-1] - 2.0]
        if len(window) < 2:
            return 0.0
        return (len(window) - 1) / (window[-1] - window[0])

    def stats_values(self) -> dict:
        result = self._seen_result
        return {"display_fps": self.display_fps(),
                "recognition_hz": float(getattr(result, "rate_hz", 0.0) or 0.0),
                "latency_s": float(getattr(result, "latency_s", 0.0) or 0.0),
                "capture_fps": float(getattr(self.grabber, "fps", 0.0) or 0.0)
                if self.grabber is not None else 0.0}

    def _show_stats(self) -> None:
        s = self.stats_values()
        parts = [f"Display {s['display_fps']:.0f} fps"]
        if self.worker is not None:
            parts.append(f"recognition {s['recognition_hz']:.1f}/s, "
                         f"latency {1000 * s['latency_s']:.0f} ms")
        if s["capture_fps"]:
            parts.append(f"source {s['capture_fps']:.0f} fps")
        if self.encoder is not None:
            parts.append(self.encoder.name)
        self.stats.setText("  ·  ".join(parts))

    # ------------------------------------------------------------------ residents
    def _choose_import_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder of residents' photos "
                                                  "(one file per person, named after them)")
        if folder:
            self.import_folder(folder)

    def import_folder(self, folder) -> bool:
        started = self.residents.import_folder(folder)
        if started:
            self._remember({"demo_folder": str(Path(folder).resolve())})
        return started

    def sample_folder(self) -> Path | None:
        """The course's face photos, when they are among the data folders."""
        try:
            from engine.lesson_runs.face_recognition import sample_faces_folder
            return sample_faces_folder()
        except Exception:  # noqa: BLE001 - the sample is optional
            return None

    def enrol_course_residents(self) -> bool:
        """The course's residents, with the labelled camera shots as second photos."""
        folder = self.sample_folder()
        if folder is None:
            return False
        from engine.lesson_runs.face_recognition import sample_photos
        started = self.residents.add_named_photos(sample_photos(folder))
        if started:
            self._remember({"demo_folder": str(folder.resolve())})
        return started

    def _residents_changed(self) -> None:
        if isinstance(self.worker, ProcessRecognitionWorker):
            self.worker.store_changed()
        self._update_demo_button()
        self.refresh_analysis()

    def _remember(self, values: dict) -> None:
        path = _ui_state_file()
        try:
            state = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        except (OSError, ValueError):
            state = {}
        state.update(values)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(state), encoding="utf-8")
        except OSError:
            pass   # remembering is a convenience

    def demo_folder(self) -> Path | None:
        try:
            state = json.loads(_ui_state_file().read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        folder = Path(state.get("demo_folder", "")) if state.get("demo_folder") else None
        return folder if folder is not None and folder.is_dir() else None

    def _update_demo_button(self) -> None:
        has_residents = self.store is not None and bool(self.store.names())
        self.residents.course_button.setVisible(not has_residents and
                                                self.sample_folder() is not None)
        show = self.demo_folder() is not None and has_residents
        self.demo_button.setVisible(show and (self.grabber is None or
                                              bool(self.source_error)))

    def play_demo(self) -> None:
        folder = self.demo_folder()
        if folder is not None:
            self.play(str(folder))

    # ------------------------------------------------------------------ triplet loss
    def _tab_changed(self, index: int) -> None:
        if self.tabs.widget(index) is self.triplet and self._analysis_pending:
            self.refresh_analysis()

    def refresh_analysis(self) -> None:
        """Recompute the triplet-loss tab (off the UI thread); coalesces while busy."""
        if self.store is None:
            return
        if self._analysis_task is not None:
            self._analysis_pending = True
            return
        encodings = self.store.encodings()
        if not encodings:
            self.triplet.clear("Enrol residents on the Residents tab to compare "
                               "their encodings.")
            return
        self._analysis_pending = False
        self._analysis_task = self._run(summarise_residents, encodings, self.threshold,
                                        self.triplet.alpha, self._shots_in_use(),
                                        done=self._analysis_done,
                                        error=self._analysis_failed)

    def _analysis_done(self, data: dict) -> None:
        self._analysis_task = None
        if self._closed:
            return
        self.triplet.show_analysis(data)
        self.triplet.set_threshold(self.threshold)
        self.triplet.set_rates(data.get("rates", {}))
        self._update_shot_offer(data)
        if self._analysis_pending:
            self.refresh_analysis()

    def _analysis_failed(self, message: str) -> None:
        self._analysis_task = None
        self.triplet.set_message(message, error=True)

    # --- the course's camera shots as second photos (triplet tab only) ---
    def offered_camera_shots(self) -> list:
        """(shot, resident, path) of the course's camera shots of enrolled residents,
        when the course's face photos are among the data folders."""
        if self.store is None:
            return []
        from engine.lesson_runs.face_recognition import camera_shots_of
        return camera_shots_of(self.sample_folder(), self.store.names())

    def _shots_in_use(self):
        """The encoded camera shots of people still enrolled, or None."""
        shots = self._camera_shots
        if not self.camera_shots_on or shots is None or self.store is None:
            return None
        residents = set(self.store.names())
        keep = [i for i, name in enumerate(shots["names"]) if name in residents]
        return {**shots, "names": [shots["names"][i] for i in keep],
                "labels": [shots["labels"][i] for i in keep],
                "encodings": shots["encodings"][keep]}

    def _update_shot_offer(self, data: dict) -> None:
        """Offer the camera shots while nobody has two photos; once they are in, say
        which they are and that a click leaves them out."""
        if self._shots_task is not None:
            return                 # "Encoding…" until they are in
        used = self._shots_in_use()
        if used is not None and used["names"]:
            listed = ", ".join(used["labels"])
            skipped = (" Not used: " + "; ".join(used["problems"])
                       if used["problems"] else "")
            self.triplet.set_offer(
                f"Compared here as second photos: {listed}, the course's camera shots. "
                f"They are not enrolled: the door and the Residents tab go on without "
                f"them.{skipped}", "Leave the camera shots out")
            return
        offered = self.offered_camera_shots() if data.get("loss") is None else []
        if len(self.store.names() if self.store else []) < 2 or not offered:
            self.triplet.set_offer("")
            return
        listed = ", ".join(f"{shot} ({name})" for shot, name, _ in offered)
        self.triplet.set_offer(
            f"The course's camera shots show residents: {listed}. Compare them here "
            f"as second photos of those residents? Nothing is enrolled: the door and "
            f"the Residents tab stay as they are.",
            "Use the camera shots")

    def _camera_shots_clicked(self) -> None:
        if self.camera_shots_on:
            self.leave_out_camera_shots()
        else:
            self.use_camera_shots()

    def use_camera_shots(self) -> bool:
        """Encode the offered camera shots (off the UI thread) and add them to the
        triplet analysis; False when there are none or no encoder yet."""
        shots = self.offered_camera_shots()
        if not shots or self.encoder is None or self._shots_task is not None:
            return False
        from engine.lesson_runs.face_recognition import encode_camera_shots
        self.camera_shots_on = True
        self.triplet.offer_button.setEnabled(False)
        self.triplet.offer_label.setText(f"Encoding {len(shots)} camera shots…")
        self._shots_task = self._run(encode_camera_shots, self.encoder, shots,
                                     done=self._camera_shots_encoded,
                                     error=self._camera_shots_failed)
        return True

    def _camera_shots_encoded(self, shots: dict) -> None:
        self._shots_task = None
        if self._closed:
            return
        if self.encoder is None or shots["encoder"] != self.encoder.name:
            # the encoder changed meanwhile: encode them again with the new one
            if self.camera_shots_on and self.encoder is not None:
                self.use_camera_shots()
            return
        self._camera_shots = shots
        if shots["problems"] and not shots["names"]:
            self.camera_shots_on = False
            self.triplet.set_offer("The camera shots could not be used: "
                                   + "; ".join(shots["problems"]))
            return
        self.refresh_analysis()

    def _camera_shots_failed(self, message: str) -> None:
        self._shots_task = None
        self.camera_shots_on = False
        if not self._closed:
            self.triplet.set_offer(f"The camera shots could not be encoded: {message}")

    def leave_out_camera_shots(self) -> None:
        """Back to the enrolled photos alone (the offer comes back)."""
        self.camera_shots_on = False
        self.refresh_analysis()

    def _update_rates(self) -> None:
        data = self.triplet.data
        if not data:
            return
        self.triplet.set_rates(rates_at(data["same"], data["different"], self.threshold))

    # ------------------------------------------------------------------ plumbing
    def _run(self, fn, *args, done, error) -> BackgroundTask:
        task = BackgroundTask(fn, *args, parent=self)
        task.done.connect(done)
        task.error.connect(error)
        task.done.connect(lambda _v, t=task: self._forget(t))
        task.error.connect(lambda _m, t=task: self._forget(t))
        self._tasks.append(task)
        return task.start()

    def _forget(self, task) -> None:
        if task in self._tasks:
            self._tasks.remove(task)

    @guarded("start the door")
    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self._active and not self._closed:
            self._active = True
            self._start_worker()
            self.play(self.source_spec)
            self.check_smile_model()      # saved from the Happy House page meanwhile?

    @guarded("pause the door")
    def hideEvent(self, event) -> None:
        super().hideEvent(event)
        if self._active:
            self._active = False
            self.timer.stop()
            self.stop_source()
            self._stop_worker()
            self.video.set_message("Paused while the page is hidden.")

    def shutdown(self) -> None:
        self._closed = True
        self._active = False
        self.timer.stop()
        self.stop_source()
        self._stop_worker()
        self._stop_smile_meter(wait=True)
        for task in list(self._tasks):
            task.wait(5)
