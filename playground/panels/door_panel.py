"""The Door tab's widgets: source picker, live video, stats, the Happy House door,
threshold, smile gate and the arrivals log. The page wires them to the engine."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QCheckBox, QComboBox, QGridLayout, QHBoxLayout, QLabel,
                               QPushButton, QSlider, QSplitter, QVBoxLayout, QWidget)

from playground.panels.arrival_log import ArrivalLogView
from playground.panels.happy_door import HappyDoor
from playground.panels.video_view import VideoView

CAMERAS = 4                 # camera indices offered: 0..3
THRESHOLD_SCALE = 100       # slider steps per unit of distance
SOURCE_VIDEO, SOURCE_FOLDER = "video", "folder"


class DoorPanel(QWidget):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        outer = QHBoxLayout(self)
        outer.setContentsMargins(4, 4, 4, 4)
        split = QSplitter(Qt.Horizontal)
        left = QWidget()
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        row.addWidget(QLabel("Source"))
        self.source_box = QComboBox()
        self.source_box.setObjectName("sourceBox")
        # Wide enough for a video's file name (the full path is its tooltip).
        self.source_box.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
        self.source_box.setMinimumContentsLength(26)
        for i in range(CAMERAS):
            self.source_box.addItem(f"Camera {i}", i)
        self.source_box.addItem("Video file…", SOURCE_VIDEO)
        self.source_box.addItem("Folder of images…", SOURCE_FOLDER)
        row.addWidget(self.source_box)
        self.loop_box = QCheckBox("Loop")
        self.loop_box.setObjectName("loopBox")
        self.loop_box.setToolTip("Play video files and folders again and again.")
        self.loop_box.setChecked(True)
        row.addWidget(self.loop_box)
        self.retry_button = QPushButton("Retry")
        self.retry_button.setObjectName("retryButton")
        self.retry_button.hide()
        row.addWidget(self.retry_button)
        self.demo_button = QPushButton("Play the residents' photos")
        self.demo_button.setObjectName("demoButton")
        self.demo_button.setToolTip("Play the folder you imported residents from, "
                                    "one photo after another, as if they came to the door.")
        self.demo_button.hide()
        row.addWidget(self.demo_button)
        row.addStretch(1)
        lv.addLayout(row)
        self.video = VideoView()
        self.video.set_message("Starting…")
        lv.addWidget(self.video, 1)
        self.stats = QLabel("")
        self.stats.setObjectName("doorStats")
        self.stats.setStyleSheet("color:#555")
        lv.addWidget(self.stats)
        split.addWidget(left)

        right = QWidget()
        rv = QVBoxLayout(right)
        rv.setContentsMargins(0, 0, 0, 0)
        self.door_view = HappyDoor()
        rv.addWidget(self.door_view, 3)
        grid = QGridLayout()
        # The encoder sits with the threshold it is judged by, not in the source row:
        # beside the source, Loop and Retry it was squeezed at laptop sizes
        # ("dlib ResNet-34 (em").
        self.encoder_box = QComboBox()
        self.encoder_box.setObjectName("encoderBox")
        self.encoder_box.addItem("Loading encoder…", None)
        self.encoder_box.setEnabled(False)
        self.encoder_box.setSizeAdjustPolicy(QComboBox.AdjustToContents)
        grid.addWidget(QLabel("Encoder"), 0, 0)
        grid.addWidget(self.encoder_box, 0, 1, 1, 2)
        grid.addWidget(QLabel("Threshold"), 1, 0)
        self.threshold_slider = QSlider(Qt.Horizontal)
        self.threshold_slider.setObjectName("thresholdSlider")
        self.threshold_slider.setRange(10, 150)
        self.threshold_slider.setValue(60)
        self.threshold_slider.setToolTip("Two faces closer than this (L2 distance between "
                                         "encodings) are the same person.")
        grid.addWidget(self.threshold_slider, 1, 1)
        self.threshold_label = QLabel("0.60")
        self.threshold_label.setMinimumWidth(34)
        grid.addWidget(self.threshold_label, 1, 2)
        self.smile_box = QCheckBox("Smile required")
        self.smile_box.setObjectName("smileBox")
        self.smile_box.setEnabled(False)       # until a Happy House model is found
        self.smile_box.setToolTip("Looking for a Happy House model…")
        grid.addWidget(self.smile_box, 2, 0, 1, 2)
        # P(smile) of the face at the door, shown while the gate is on
        self.smile_level = QLabel("")
        self.smile_level.setObjectName("smileLevel")
        self.smile_level.setMinimumWidth(34)
        self.smile_level.hide()
        grid.addWidget(self.smile_level, 2, 2)
        self.smile_note = QLabel("")
        self.smile_note.setObjectName("smileNote")
        self.smile_note.setWordWrap(True)
        self.smile_note.setStyleSheet("color:#777; font-size:8.5pt")
        self.smile_note.hide()
        grid.addWidget(self.smile_note, 3, 0, 1, 3)
        rv.addLayout(grid)
        self.arrival_view = ArrivalLogView()
        rv.addWidget(self.arrival_view, 2)
        split.addWidget(right)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        split.setSizes([700, 300])
        outer.addWidget(split)

    def show_smile(self, probability: float | None, on: bool) -> None:
        """The smile probability the door used (the engine measured it), while the gate
        is on; "…" while the face at the door has not been measured yet."""
        self.smile_level.setVisible(on)
        if not on:
            return
        if probability is None:
            self.smile_level.setText("smile …")
            self.smile_level.setToolTip("No fresh smile measurement for the face at the "
                                        "door yet.")
            return
        colour = "#2e7d32" if probability >= 0.5 else "#b26a00"
        self.smile_level.setText(f"<span style='color:{colour}'>smile "
                                 f"<b>{probability:.2f}</b></span>")
        self.smile_level.setToolTip("The Happy House model's probability that the face "
                                    "at the door smiles; 0.5 or more opens the door.")
