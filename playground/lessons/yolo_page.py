"""Lesson 4.5's page: car detection with YOLO.

- "Detect": the YOLO viewer on a built-in road scene, your picture, a folder of
  pictures or a video; the network runs once per picture (off the UI thread) and the
  sliders, class check boxes and the step-through re-filter its cached output.
- "Train the detector": Train / Pause / Step / Stop train the small network on fresh
  road scenes (the lesson's ``train`` action); the four YOLOv2 loss terms are plotted
  per batch and the predictions on one fixed validation scene are redrawn after every
  epoch. Runs go to the run history; a finished run becomes the active detector.

Which detector is active, and what it was trained on, is always said in the sidebar.
"""
from __future__ import annotations

import html
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import (QFileDialog, QGroupBox, QHBoxLayout, QLabel, QPushButton,
                               QSpinBox, QSplitter, QVBoxLayout, QWidget)
from PySide6.QtCore import Qt

from engine.lesson_runs.car_detection import (BUILTIN_SCENE_SIZE, DETECTOR_EMBEDDED,
                                              DETECTOR_YOLOV2)
from engine.settings import replace_setting
from playground.panels.controls import COMPACT_BUTTON_CSS
from playground.lessons.keras_page import KerasPage
from playground.panels import style
from playground.panels.detection_canvas import DetectionCanvas, DrawnBox
from playground.panels.video_detection import VideoDetection
from playground.panels.yolo_viewer import YoloViewer

PICTURE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".gif", ".tif", ".tiff", ".webp")
TERM_COLORS = {"coordinates": "#1f77b4", "objectness": "#2ca02c", "no_object": "#ff7f0e",
               "class": "#9467bd"}


# --- worker-thread functions (no Qt) ---
def load_embedded():
    from engine.keras_models.detectors import load_embedded_detector
    return load_embedded_detector()


def load_user_yolov2(path):
    from engine.keras_models.detectors import load_yolov2
    return load_yolov2(path)


def detect_picture(detector, source, name):
    """(image, raw output, name) for a path or an array."""
    from engine.data.pictures import read_picture

    image = read_picture(source) if not isinstance(source, np.ndarray) else source
    return image, detector.raw_output(image), name


def draw_scene(seed: int):
    from engine.data.road_scenes import make_scene
    return make_scene(seed, *BUILTIN_SCENE_SIZE).image


class CarDetectionPage(KerasPage):
    length_setting = "epochs"

    def __init__(self, lesson, parent=None) -> None:
        self.detector = None
        self.video: VideoDetection | None = None
        self.folder: list[Path] = []
        self.folder_index = 0
        self._detecting = False
        self._pending = None
        super().__init__(lesson, parent)
        self.settings_panel.changed.connect(self._setting_to_viewer)
        self.viewer.score_slider.valueChanged.connect(self._viewer_to_settings)
        self.viewer.iou_slider.valueChanged.connect(self._viewer_to_settings)
        self.viewer.max_slider.valueChanged.connect(self._viewer_to_settings)
        self._setting_to_viewer()
        self.controls.set_status("Loading TensorFlow and the detector…")

    # --- sidebar: which detector ---
    def build_sidebar(self, layout: QVBoxLayout) -> None:
        super().build_sidebar(layout)
        box = QGroupBox("Active detector")
        inner = QVBoxLayout(box)
        self.detector_status = QLabel("Loading the embedded detector…",
                                      objectName="detectorStatus")
        self.detector_status.setWordWrap(True)
        self.detector_status.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.yolo_button = QPushButton("Use YOLOv2 weights…", objectName="useYoloV2")
        self.yolo_button.setToolTip("Pick the course's yolo.h5, or a Darknet .cfg (its "
                                    ".weights beside it): checked layer by layer.")
        self.yolo_button.clicked.connect(self.choose_yolov2)
        self.embedded_button = QPushButton("Use the embedded detector",
                                           objectName="useEmbedded")
        self.embedded_button.clicked.connect(self.use_embedded)
        inner.addWidget(self.detector_status)
        inner.addWidget(self.yolo_button)
        inner.addWidget(self.embedded_button)
        layout.addWidget(box)

    # --- tabs ---
    def build_tabs(self) -> None:
        detect = QWidget()
        column = QVBoxLayout(detect)
        column.setContentsMargins(0, 0, 0, 0)
        bar = QHBoxLayout()
        bar2 = QHBoxLayout()
        self.open_button = QPushButton("Picture…", objectName="openPicture")
        self.open_button.setToolTip("Open a picture of your own.")
        self.folder_button = QPushButton("Folder…", objectName="openFolder")
        self.folder_button.setToolTip("Open a folder of pictures; ◀ ▶ walk through it.")
        self.prev_button = QPushButton("◀", objectName="folderPrev")
        self.next_picture_button = QPushButton("▶", objectName="folderNext")
        self.video_button = QPushButton("Video…", objectName="openVideo")
        self.video_button.setToolTip("Play a video file with detection running beside it.")
        self.stop_video_button = QPushButton("Stop", objectName="stopVideo")
        self.scene_spin = QSpinBox(objectName="sceneSeed")
        self.scene_spin.setRange(0, 100_000)
        self.scene_spin.setValue(1)
        self.scene_spin.setPrefix("scene ")
        self.scene_button = QPushButton("Draw scene", objectName="drawScene")
        self.scene_button.setToolTip("A built-in, procedurally drawn road scene.")
        self.save_button = QPushButton("Save…", objectName="saveAnnotated")
        self.save_button.setToolTip("Save the picture with its final boxes drawn.")
        self.open_button.clicked.connect(self.choose_picture)
        self.folder_button.clicked.connect(self.choose_folder)
        self.prev_button.clicked.connect(lambda: self.step_folder(-1))
        self.next_picture_button.clicked.connect(lambda: self.step_folder(1))
        self.video_button.clicked.connect(self.choose_video)
        self.stop_video_button.clicked.connect(self.stop_video)
        self.scene_button.clicked.connect(lambda: self.show_scene(self.scene_spin.value()))
        self.save_button.clicked.connect(self.choose_save)
        # two short rows, so the tab fits beside the settings on a 1280-pixel screen
        for w in (self.scene_spin, self.scene_button, self.open_button, self.folder_button):
            bar.addWidget(w)
        bar.addStretch(1)
        for w in (self.prev_button, self.next_picture_button, self.video_button,
                  self.stop_video_button, self.save_button):
            bar2.addWidget(w)
        bar2.addStretch(1)
        for w in (self.prev_button, self.next_picture_button):
            w.setStyleSheet(COMPACT_BUTTON_CSS)   # arrow-sized, not Fusion's 80 px
        self.prev_button.setEnabled(False)
        self.next_picture_button.setEnabled(False)
        self.stop_video_button.setEnabled(False)
        self.detect_status = QLabel(objectName="detectStatus")
        self.detect_status.setWordWrap(True)
        self.viewer = YoloViewer()
        column.addLayout(bar)
        column.addLayout(bar2)
        column.addWidget(self.detect_status)
        column.addWidget(self.viewer, 1)
        self.tabs.addTab(detect, "Detect")
        self.tabs.addTab(self._training_tab(), "Train the detector")

    def _training_tab(self) -> QWidget:
        tab = QWidget()
        column = QVBoxLayout(tab)
        column.setContentsMargins(0, 0, 0, 0)
        note = QLabel("Train / Pause / Step / Stop in the sidebar train the small network "
                      "on fresh road scenes with YOLOv2's loss (settings: Training epochs, "
                      "Scenes per epoch, Start from). The validation scene on the right is "
                      "redrawn after every epoch: dashed white = the true boxes.",
                      objectName="trainNote")
        note.setWordWrap(True)
        note.setStyleSheet(style.MUTED_CSS)
        column.addWidget(note)
        split = QSplitter(Qt.Horizontal)
        plots = QWidget()
        plot_column = QVBoxLayout(plots)
        plot_column.setContentsMargins(0, 0, 0, 0)
        self.terms_plot = style.make_plot("Loss terms (per picture)", "batch", "loss")
        self.terms_plot.addLegend(offset=(-5, 5))
        self.term_curves = {k: self.terms_plot.plot([], [], pen=pg.mkPen(c, width=1.5), name=k)
                            for k, c in TERM_COLORS.items()}
        plot_column.addWidget(self.terms_plot, 3)
        self.accuracy_plot.plot.setTitle("Held-out mAP@0.5 (%)")
        self.accuracy_plot.setToolTip("Mean average precision at IoU 0.5 on the held-out "
                                      "road scenes after each epoch (the 'train' line).")
        self.accuracy_plot.plot.setLabel("left", "mAP (%)")
        self.accuracy_plot.plot.setLabel("bottom", "epoch")
        plot_column.addWidget(self.accuracy_plot, 2)
        # The splitter would squeeze the plots below what their titles, axes and
        # legend need (they were cut off at 1280x720): it stops at that width instead.
        plots.setMinimumWidth(max(style.plot_minimum_width(self.terms_plot),
                                  style.plot_minimum_width(self.accuracy_plot.plot_widget)))
        split.addWidget(plots)
        self.validation = DetectionCanvas()
        self.validation.setObjectName("validationCanvas")
        self.validation.set_message("The validation scene appears when training starts.")
        self.validation_caption = QLabel(objectName="validationCaption")
        self.validation_caption.setWordWrap(True)
        right = QWidget()
        rc = QVBoxLayout(right)
        rc.setContentsMargins(0, 0, 0, 0)
        rc.addWidget(self.validation, 1)
        rc.addWidget(self.validation_caption)
        split.addWidget(right)
        split.setSizes([420, 520])
        column.addWidget(split, 1)
        return tab

    # --- settings <-> viewer sliders ---
    def _setting_to_viewer(self, name=None, value=None) -> None:
        if name == "image":     # a path typed into the Picture box
            if value:
                self.open_picture(value)
            return
        if name not in (None, "score_threshold", "iou_threshold", "max_boxes", "detector"):
            return
        s = self.settings_panel.values()
        self.viewer.set_thresholds(s.score_threshold, s.iou_threshold, s.max_boxes)
        if name == "detector" and value == DETECTOR_YOLOV2 and \
                (self.detector is None or self.detector.embedded):
            self.load_registered_yolov2()
        elif name == "detector" and value == DETECTOR_EMBEDDED and \
                self.detector is not None and not self.detector.embedded:
            self.use_embedded()

    def _viewer_to_settings(self) -> None:
        s = self.settings_panel.values()
        for key, value in (("score_threshold", self.viewer.score_threshold),
                           ("iou_threshold", self.viewer.iou_threshold),
                           ("max_boxes", self.viewer.max_boxes)):
            if getattr(s, key) != value:
                s = replace_setting(s, key, value)
        self.settings_panel.set_values(s)

    # --- the detector ---
    def on_tensorflow_ready(self) -> None:
        self.controls.set_status("Ready: Train trains the detector (Train the detector "
                                 "tab); the Detect tab shows what it finds.")
        self.run_in_background(load_embedded, done=self._detector_ready,
                               error=self._detector_failed)

    def _detector_ready(self, detector) -> None:
        self.detector = detector
        self.detector_status.setText(html.escape(detector.description))
        self.detector_status.setStyleSheet("")
        s = self.settings_panel.values()
        wanted = DETECTOR_EMBEDDED if detector.embedded else DETECTOR_YOLOV2
        if s.detector != wanted:
            self.settings_panel.set_values(replace_setting(s, "detector", wanted))
        if self.video is not None:
            return
        if self.viewer.image is None:
            self.show_scene(self.scene_spin.value())
        else:   # the picture on show, through the new detector
            self._detect(self.viewer.image, self.viewer.picture_name or "picture")

    def _detector_failed(self, message: str) -> None:
        self.detector_status.setText(f"<span style='color:{style.ERROR}'>"
                                     f"{html.escape(message)}</span>")
        self.controls.set_status(message, error=True)

    def use_embedded(self) -> None:
        self.detector_status.setText("Loading the embedded detector…")
        self.run_in_background(load_embedded, done=self._detector_ready,
                               error=self._detector_failed)

    def load_registered_yolov2(self, path=None) -> None:
        self.detector_status.setText("Loading YOLOv2 (checking every layer)…")
        self.run_in_background(load_user_yolov2, path, done=self._detector_ready,
                               error=self._yolov2_failed)

    def _yolov2_failed(self, message: str) -> None:
        first = message.strip().splitlines()[0] if message.strip() else "Failed."
        self.controls.set_status(first, error=True)
        active = self.detector.description if self.detector is not None else ""
        self.detector_status.setText(f"<span style='color:{style.ERROR}'>{html.escape(first)}"
                                     f"</span><br>Still active: {html.escape(active)}")
        s = self.settings_panel.values()
        if self.detector is None or self.detector.embedded:
            self.settings_panel.set_values(replace_setting(s, "detector", DETECTOR_EMBEDDED))

    def choose_yolov2(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "YOLOv2 weights", "", "YOLOv2 (*.h5 *.hdf5 *.cfg *.weights);;All files (*)")
        if path:
            self.load_registered_yolov2(path)

    # --- pictures ---
    def show_scene(self, seed: int) -> None:
        self.stop_video()
        self.run_in_background(draw_scene, int(seed),
                               done=lambda img, s=seed: self._detect(img, f"road scene {s}"),
                               error=self._say_error)

    def choose_picture(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "A picture", "", "Pictures (*.jpg *.jpeg *.png *.bmp *.gif *.tif *.tiff "
                                   "*.webp);;All files (*)")
        if path:
            self.open_picture(path)

    def open_picture(self, path) -> None:
        self.stop_video()
        self._detect(path, Path(path).name)

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "A folder of pictures")
        if folder:
            self.open_folder(folder)

    def open_folder(self, folder) -> None:
        try:
            files = sorted(p for p in Path(folder).iterdir()
                           if p.suffix.lower() in PICTURE_SUFFIXES and p.is_file())
        except OSError as exc:
            self._say_error(f"Could not list {folder}: {exc.strerror or exc}.")
            return
        if not files:
            self._say_error(f"{Path(folder).name} holds no pictures (JPEG, PNG, …).")
            return
        self.folder, self.folder_index = files, 0
        self.prev_button.setEnabled(len(files) > 1)
        self.next_picture_button.setEnabled(len(files) > 1)
        self.open_picture(files[0])

    def step_folder(self, direction: int) -> None:
        if self.folder:
            self.folder_index = (self.folder_index + direction) % len(self.folder)
            self.open_picture(self.folder[self.folder_index])

    def _detect(self, source, name: str) -> None:
        if self.detector is None:
            if isinstance(source, np.ndarray):
                self.viewer.canvas.set_picture(source)
                self.viewer.image = source
            self.viewer.show_message("The detector is still loading…")
            return
        if self._detecting:            # one at a time: the newest request waits
            self._pending = (source, name)
            return
        self._detecting = True
        where = f" ({self.folder_index + 1} of {len(self.folder)})" \
            if self.folder and name == self.folder[self.folder_index].name else ""
        self.detect_status.setText(f"Detecting in {html.escape(name)}{where}…")
        self.run_in_background(detect_picture, self.detector, source, name,
                               done=self._detected, error=self._detect_failed)

    def _detected(self, out) -> None:
        image, raw, name = out
        self._detecting = False
        if self._next_pending():
            return
        d = self.detector
        self.viewer.set_detection(image, raw, d.anchors, d.class_names, name)
        self.detect_status.setText(f"{html.escape(name)}: {image.shape[1]}x{image.shape[0]} "
                                   f"picture, detector: {html.escape(d.name)}. The sliders "
                                   "re-filter this output without running the network.")

    def _detect_failed(self, message: str) -> None:
        self._detecting = False
        if self._next_pending():
            return
        self._say_error(message)

    def _next_pending(self) -> bool:
        if self._pending is None:
            return False
        source, name = self._pending
        self._pending = None
        self._detect(source, name)
        return True

    def _say_error(self, message: str) -> None:
        first = message.strip().splitlines()[0] if message.strip() else "Failed."
        self.detect_status.setText(f"<span style='color:{style.ERROR}'>"
                                   f"{html.escape(first)}</span>")
        self.controls.set_status(first, error=True)

    def choose_save(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save the annotated picture",
                                              "detections.png", "PNG (*.png);;JPEG (*.jpg)")
        if path:
            self.detect_status.setText(html.escape(self.viewer.save_annotated(path)))

    # --- video ---
    def choose_video(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "A video", "",
                                              "Videos (*.mp4 *.avi *.mov *.mkv *.webm);;"
                                              "All files (*)")
        if path:
            self.open_video(path)

    def open_video(self, path) -> None:
        self.stop_video()
        if self.detector is None:
            self._say_error("The detector is still loading; try again in a moment.")
            return
        detector = self.detector
        self.video = VideoDetection(path, detector.raw_output, self)
        self.video.frame.connect(self._video_frame)
        self.video.detection.connect(
            lambda out, d=detector: self.viewer.set_frame_detection(
                out[0], d.anchors, d.class_names, out[1]))
        self.video.failed.connect(self._video_failed)
        self.video.ended.connect(self._video_ended)
        self.stop_video_button.setEnabled(True)
        self.viewer.picture_name = Path(path).name
        self.detect_status.setText(f"Playing {html.escape(Path(path).name)}…")
        self.video.start()

    def _video_frame(self, frame) -> None:
        if self.video is None:
            return
        self.viewer.show_frame(frame)
        self.video.frame_shown()
        if self.video.frames_shown % 10 == 0:
            self.detect_status.setText(
                f"Playing {html.escape(self.viewer.picture_name)}: display "
                f"{self.video.display_fps():.1f} fps (video {self.video.fps:.0f} fps), "
                f"detection {self.video.detection_fps():.1f} fps.")

    def _video_failed(self, message: str) -> None:
        self._say_error(message)
        self.stop_video()

    def _video_ended(self) -> None:
        self.stop_video_button.setEnabled(False)

    def stop_video(self) -> None:
        if self.video is not None:
            self.video.stop()
            self.video = None
        self.stop_video_button.setEnabled(False)

    # --- training ---
    def start_training(self, run=None) -> None:
        super().start_training(self.lesson.actions["train"] if run is None else run)

    def before_run(self, settings) -> None:
        super().before_run(settings)
        for curve in self.term_curves.values():
            curve.setData([], [])
        self.accuracy_plot.set_iterations(max(int(settings.epochs), 1))
        self.cost_plot.plot.setLabel("bottom", "batch")
        self.tabs.setCurrentIndex(1)

    # The curve is per batch: "iteration" counts batches (TrainingPage draws the bar,
    # the pace and the paused status from this text).
    progress_counts_batches = True

    def progress_text(self, data: dict) -> str:
        epochs = getattr(self.job.settings, "epochs", "?") if self.job else "?"
        return (f"Epoch {int(data.get('epoch', 0)) + 1} of {epochs}, batch "
                f"{data.get('batch')} of {data.get('batches')} — loss {data['cost']:.3f}")

    def on_snapshot(self, data: dict) -> None:
        for key, curve in self.term_curves.items():
            points = data.get("loss_terms", {}).get(key) or []
            if points:
                xy = np.asarray(points, float)
                curve.setData(xy[:, 0], xy[:, 1])
        if data.get("ap_curve"):
            self.accuracy_plot.update_accuracy([(e, m) for e, m in data["ap_curve"]])
        if "validation_image" in data:
            self._show_validation(data)

    def _show_validation(self, data: dict) -> None:
        from engine.keras_models.yolo_utils import generate_colors
        names = self.detector.class_names if self.detector is not None and \
            self.detector.embedded else ["car", "bus/truck", "person", "traffic light"]
        colors = generate_colors(names)
        boxes = [DrawnBox((y1, x1, y2, x2), (255, 255, 255), style="dashed")
                 for x1, y1, x2, y2 in data["validation_truth"]]
        for (x1, y1, x2, y2), score, cls in zip(data["validation_boxes"],
                                                data["validation_scores"],
                                                data["validation_classes"]):
            boxes.append(DrawnBox((y1, x1, y2, x2), colors[int(cls)],
                                  f"{names[int(cls)]} {score:.2f}"))
        self.validation.set_picture(data["validation_image"])
        self.validation.set_message("")
        self.validation.set_overlay(boxes)
        ap = f"; held-out mAP@0.5 {100 * data['ap_curve'][-1][1]:.1f}%" \
            if data.get("ap_curve") else ""
        self.validation_caption.setText(f"After epoch {data.get('epoch', 0)}: "
                                        f"{len(data['validation_boxes'])} boxes with score "
                                        f"≥ 0.3{ap}.")

    def on_finished(self, data: dict) -> None:
        result = data.get("result") or {}
        model = result.get("model")
        if model is None:
            return
        from engine.keras_models.detectors import Detector
        names = ["car", "bus/truck", "person", "traffic light"]
        ap = ", ".join(f"{k} {v:.2f}" for k, v in (result.get("ap") or {}).items()
                       if v is not None)
        self._detector_ready(Detector(
            model, result["anchors"], names, "your trained detector",
            f"Your trained detector (this run: {data.get('metrics', {}).get('epochs', 0)} "
            f"epoch(s) on fresh road scenes). Held-out AP@0.5: {ap}.", True))

    def screenshot_ready(self) -> bool:
        """A detection is on show (or a sentence saying why not)."""
        return self.viewer.stages is not None or style.ERROR in self.detect_status.text() \
            or self.tensorflow_error is not None

    def shutdown(self) -> None:
        self.stop_video()
        super().shutdown()
