"""Face page: "Take snapshot" shows the picture it would enrol and asks first
(issue 12: the hidden Door stream could add someone else's face)."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from test_face_page import answer_snapshot_preview


def panel_with_a_frame(qtbot):
    from playground.panels.residents_panel import ResidentsPanel
    panel = ResidentsPanel()
    qtbot.addWidget(panel)
    frame = np.zeros((120, 160, 3), np.uint8)
    frame[:, :80] = (200, 40, 40)                # a picture to recognise in the preview
    panel.snapshot_source = lambda: frame
    started = []
    panel._run = lambda *args, **kwargs: started.append(args) or True
    panel.name_edit.setText("kian")
    panel.store, panel.encoder = object(), object()   # ready; _run is stubbed above
    panel._update_buttons()
    panel.show()
    return panel, started


def test_declined_snapshot_enrols_nothing(qtbot):
    panel, started = panel_with_a_frame(qtbot)
    seen = answer_snapshot_preview(QMessageBox.StandardButton.No)
    qtbot.mouseClick(panel.snapshot_button, Qt.MouseButton.LeftButton)
    assert seen and seen[0].width() > 100       # the frame was shown, large enough to judge
    assert not started and "not enrolled" in panel.message_text


def test_accepted_snapshot_enrols_the_frame_that_was_shown(qtbot):
    panel, started = panel_with_a_frame(qtbot)
    seen = answer_snapshot_preview(QMessageBox.StandardButton.Yes)
    qtbot.mouseClick(panel.snapshot_button, Qt.MouseButton.LeftButton)
    assert seen and len(started) == 1
    name, frames = started[0][3], started[0][4]
    assert name == "kian" and frames[0][0, 0].tolist() == [200, 40, 40]
