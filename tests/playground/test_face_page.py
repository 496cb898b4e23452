"""The Happy House door page, driven as a user drives it: no camera, residents
imported from a folder, a video of a resident (door opens) or of a stranger (door stays
shut), the store surviving a restart or a corrupt file, bad photos, the triplet tab.

Videos are made here from the course's photos (../shared/datasets/faces): each photo
scaled up and pasted on a plain background that drifts slowly, 640x480 MJPG .avi.
Tests needing those photos skip when the folder is absent.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from playground.main_window import MainWindow

FACES = __import__("course_paths").faces_folder()   # DL_PLAYGROUND_DATA/faces or ../shared
RESIDENTS = ["danielle", "younes", "tian", "andrew", "kian", "dan", "sebastiano",
             "bertrand", "kevin", "felix", "benoit", "arnaud"]
needs_faces = pytest.mark.skipif(not (FACES / "younes.jpg").is_file(),
                                 reason="the course's face photos are not in ../shared")


def answer_snapshot_preview(answer) -> list:
    """Click ``answer`` on the snapshot preview when it opens; the list gets its picture."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication
    seen = []

    def look() -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox) and box.objectName() == "snapshotPreview":
            seen.append(box.iconPixmap())
            box.button(answer).click()
        else:
            QTimer.singleShot(20, look)
    QTimer.singleShot(20, look)
    return seen


def write_video(photo: Path, out: Path, frames: int = 90, fps: float = 30.0) -> Path:
    """A 640x480 video of ``photo`` scaled to 240 px, drifting slowly right."""
    import cv2
    face = cv2.imread(str(photo), cv2.IMREAD_COLOR)
    face = cv2.resize(face, (240, 240), interpolation=cv2.INTER_CUBIC)
    writer = cv2.VideoWriter(str(out), cv2.VideoWriter_fourcc(*"MJPG"), fps, (640, 480))
    assert writer.isOpened()
    for i in range(frames):
        frame = np.full((480, 640, 3), (205, 190, 170), np.uint8)
        x = 160 + int(60 * i / frames)
        frame[110:350, x:x + 240] = face
        writer.write(frame)
    writer.release()
    return out


def resident_folder(tmp_path: Path, leave_out: tuple[str, ...] = ()) -> Path:
    folder = tmp_path / "residents"
    folder.mkdir()
    for name in RESIDENTS:
        if name in leave_out:
            continue
        src = next(FACES.glob(f"{name}.*"))
        shutil.copy(src, folder / src.name)
    return folder


def open_page(qtbot, window):
    page = window.open_lesson("face-recognition")
    qtbot.waitUntil(lambda: page.encoder is not None and page.store is not None,
                    timeout=60000)
    return page


def import_residents(qtbot, page, folder: Path, expected: int) -> None:
    assert page.import_folder(folder)
    qtbot.waitUntil(lambda: not page.residents.busy, timeout=120000)
    assert len(page.residents.names()) == expected, page.residents.message_text


def play_and_collect(qtbot, page, video: Path, results: int = 8) -> None:
    """Play ``video`` until ``results`` recognitions with a face came back."""
    qtbot.waitUntil(lambda: page.recognition_ready, timeout=60000)
    page.recognised_names.clear()
    page.play(str(video))
    assert page.loop_box.isChecked()   # the video plays until enough results came back
    qtbot.waitUntil(lambda: len(page.recognised_names) >= results, timeout=120000)


def test_no_camera_says_so_and_retry_does_not_hang(qtbot, window):
    page = open_page(qtbot, window)
    page.play(3)   # no test machine has a fourth camera
    qtbot.waitUntil(lambda: page.retry_button.isVisible(), timeout=20000)
    assert "No camera found" in page.video.message
    assert not page.video.has_frame()
    qtbot.mouseClick(page.retry_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: page.retry_button.isVisible() and
                    "No camera found" in page.video.message, timeout=20000)
    assert page.door_view.state == "closed"
    # the threshold starts at the active encoder's; the smile gate says why it is off
    assert page.threshold == pytest.approx(page.encoder.threshold)
    assert page.encoder.name in page.encoder_box.currentText()
    assert not page.smile_box.isEnabled() and "Happy House model" in page.smile_note.text()


@needs_faces
def test_resident_on_video_opens_the_door(qtbot, window, tmp_path):
    page = open_page(qtbot, window)
    import_residents(qtbot, page, resident_folder(tmp_path), len(RESIDENTS))
    assert "younes" in page.residents.names()
    video = write_video(FACES / "younes.jpg", tmp_path / "younes.avi")
    play_and_collect(qtbot, page, video)
    qtbot.waitUntil(lambda: page.door_view.is_open, timeout=20000)
    named = [n for n in page.recognised_names if n is not None]
    assert named and sum(n == "younes" for n in named) / len(named) >= 0.9, named
    assert page.door_view.name == "younes"
    assert "younes" in page.door_view.message
    assert page.arrival_view.names()[0] == "younes"
    assert page.video.has_frame() and page.video.frames_shown > 5
    qtbot.waitUntil(lambda: any(o.known and o.label.startswith("younes")
                                for o in page.video.overlays), timeout=20000)
    assert "Display" in page.stats.text() and "recognition" in page.stats.text()
    # Clear empties the log (and its file).
    qtbot.mouseClick(page.arrival_view.clear_button, Qt.LeftButton)
    assert page.arrival_view.names() == [] and not page.arrivals.entries()
    # "Take snapshot" enrols the face in the current frame as a second photo.
    page.residents.name_edit.setText("younes")
    seen = answer_snapshot_preview(QMessageBox.StandardButton.Yes)
    qtbot.mouseClick(page.residents.snapshot_button, Qt.LeftButton)
    assert seen and not seen[0].isNull()     # the picture was shown before enrolling
    qtbot.waitUntil(lambda: not page.residents.busy, timeout=60000)
    assert len(page.store.encodings()["younes"]) == 2, page.residents.message_text
    # Leaving the page stops the camera and recognition; coming back starts them again.
    window.open_lesson("numpy-basics")
    assert page.grabber is None and page.worker is None
    window.open_lesson("face-recognition")
    qtbot.waitUntil(lambda: page.grabber is not None and page.worker is not None,
                    timeout=30000)


@needs_faces
def test_stranger_is_not_let_in(qtbot, window, tmp_path):
    page = open_page(qtbot, window)
    import_residents(qtbot, page, resident_folder(tmp_path, leave_out=("danielle",)),
                     len(RESIDENTS) - 1)
    video = write_video(FACES / "danielle.png", tmp_path / "stranger.avi")
    play_and_collect(qtbot, page, video)
    assert not page.door_view.is_open
    assert page.door_view.message.startswith("Not recognised")
    assert all(n is None for n in page.recognised_names), page.recognised_names
    assert page.arrival_view.names() == []


@needs_faces
def test_residents_survive_a_restart(qtbot, tmp_path):
    first = MainWindow()
    qtbot.addWidget(first)
    first.show()
    page = open_page(qtbot, first)
    folder = tmp_path / "two"
    folder.mkdir()
    for name in ("younes", "danielle"):
        src = next(FACES.glob(f"{name}.*"))
        shutil.copy(src, folder / src.name)
    import_residents(qtbot, page, folder, 2)
    # A second photo of younes (the course's camera_0 shot): two photos, one person.
    page.residents.select("younes")
    assert page.residents.target_name() == "younes"
    assert page.residents.add_photos(page.residents.target_name(), [FACES / "camera_0.jpg"])
    qtbot.waitUntil(lambda: not page.residents.busy, timeout=60000)
    counts = {n: len(v) for n, v in page.store.encodings().items()}
    assert counts == {"younes": 2, "danielle": 1}
    first.close()
    second = MainWindow()
    qtbot.addWidget(second)
    second.show()
    page2 = open_page(qtbot, second)
    assert sorted(page2.residents.names()) == ["danielle", "younes"]
    assert {n: len(v) for n, v in page2.store.encodings().items()} == counts
    # rename and delete work and persist as well
    assert "2 photos" in page2.residents.list.item(page2.residents.names().index("younes")).text()
    assert page2.residents.rename_resident("younes", "Younes B.")
    assert page2.residents.delete_resident("danielle")
    assert page2.residents.names() == ["Younes B."]
    # an empty name is refused with a message, nothing changes
    assert not page2.residents.rename_resident("Younes B.", "")
    assert page2.residents.message_text and page2.residents.names() == ["Younes B."]
    assert page2.residents.delete_all_residents()
    assert page2.residents.names() == [] and page2.store.names() == []
    second.close()


def test_not_an_image_is_refused_with_a_message(qtbot, window, tmp_path):
    page = open_page(qtbot, window)
    bad = tmp_path / "notes.jpg"
    bad.write_text("this is not a picture")
    before = page.residents.names()
    assert page.residents.add_photos("mallory", [bad])
    qtbot.waitUntil(lambda: not page.residents.busy, timeout=30000)
    assert "notes.jpg" in page.residents.message_text
    assert page.residents.names() == before
    # and a picture without a face
    blank = tmp_path / "wall.png"
    import cv2
    cv2.imwrite(str(blank), np.full((400, 600, 3), 128, np.uint8))
    assert page.residents.add_photos("mallory", [blank])
    qtbot.waitUntil(lambda: not page.residents.busy, timeout=30000)
    assert "face" in page.residents.message_text.lower()
    assert page.residents.names() == before


def test_corrupt_store_is_reported_and_the_page_still_works(qtbot, tmp_path):
    from engine.faces.residents import ResidentStore
    path = Path(ResidentStore().path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix:
        path.write_bytes(b"\x00garbage, not a resident store")
    else:
        path.mkdir(parents=True, exist_ok=True)
        for f in path.iterdir():
            if f.is_file():
                f.write_bytes(b"\x00garbage")
    win = MainWindow()
    qtbot.addWidget(win)
    win.show()
    page = open_page(qtbot, win)
    assert page.residents.message_text, "the notice about the corrupt file is shown"
    assert page.residents.names() == []
    if (FACES / "kian.jpg").is_file():
        folder = tmp_path / "one"
        folder.mkdir()
        shutil.copy(FACES / "kian.jpg", folder / "kian.jpg")
        import_residents(qtbot, page, folder, 1)
    win.close()


@needs_faces
def test_triplet_tab_follows_alpha_and_threshold(qtbot, window, tmp_path):
    page = open_page(qtbot, window)
    folder = resident_folder(tmp_path)
    shutil.copy(FACES / "camera_0.jpg", folder)       # as in the course's images/ folder
    import_residents(qtbot, page, folder, len(RESIDENTS))
    assert "camera_0" not in page.residents.names()
    assert "camera_0.jpg: skipped, camera shots are visitors" in page.residents.message_text
    assert page.residents.add_photos("younes", [FACES / "camera_0.jpg"])
    qtbot.waitUntil(lambda: not page.residents.busy, timeout=60000)
    page.tabs.setCurrentWidget(page.triplet)
    qtbot.waitUntil(lambda: page.triplet.data is not None and
                    len(page.triplet.data["labels"]) == len(RESIDENTS) + 1, timeout=30000)
    data = page.triplet.data
    assert data["matrix"].shape == (13, 13) and len(data["same"]) == 1
    assert "Photos analysed: enrolled residents (13 photos of 12 people)" in \
        page.triplet.summary.text()
    before = page.triplet.summary.text()
    count = page.triplet.redraw_count
    page.triplet.alpha_slider.setValue(80)
    qtbot.waitUntil(lambda: page.triplet.redraw_count > count, timeout=30000)
    assert page.triplet.summary.text() != before and "0.80" in page.triplet.summary.text()
    rates = page.triplet.rates.text()
    page.threshold_slider.setValue(20)
    assert page.triplet.rates.text() != rates and "0.20" in page.triplet.rates.text()
    assert abs(page.triplet.threshold_line.value() - 0.20) < 1e-9


@needs_faces
def test_camera_shots_give_the_triplet_tab_second_photos(qtbot, window, tmp_path,
                                                         monkeypatch):
    """Residents with one photo each have no triplets; one click compares the course's
    camera shots as second photos, without enrolling them; another leaves them out."""
    monkeypatch.setenv("DL_PLAYGROUND_DATA", str(FACES))   # the course photos are here
    page = open_page(qtbot, window)
    import_residents(qtbot, page, resident_folder(tmp_path), len(RESIDENTS))
    page.tabs.setCurrentWidget(page.triplet)
    qtbot.waitUntil(lambda: page.triplet.data is not None and
                    len(page.triplet.data["labels"]) == len(RESIDENTS), timeout=30000)
    assert "No triplets yet" in page.triplet.summary.text()
    qtbot.waitUntil(lambda: page.triplet.offer.isVisible(), timeout=10000)
    offer = page.triplet.offer_label.text()
    shots = {"camera_0": "younes", "camera_1": "bertrand", "camera_2": "benoit",
             "camera_3": "bertrand", "camera_5": "arnaud"}
    assert all(f"{shot} ({name})" in offer for shot, name in shots.items()), offer
    assert "Nothing is enrolled" in offer
    enrolled = {n: len(v) for n, v in page.store.encodings().items()}

    qtbot.mouseClick(page.triplet.offer_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: page.triplet.data is not None and
                    len(page.triplet.data["labels"]) == len(RESIDENTS) + 5, timeout=60000)
    data = page.triplet.data
    # younes 2 photos, bertrand 3, benoit 2, arnaud 2: 1 + 3 + 1 + 1 same-person pairs
    assert len(data["same"]) == 6 and data["loss"] is not None
    # ordered (anchor, positive) pairs 2 + 6 + 2 + 2, each with the 15-ish others
    assert data["triplets"] == sum(k * (k - 1) * (17 - k) for k in (2, 3, 2, 2))
    summary = page.triplet.summary.text()
    assert "Triplet loss" in summary and "No triplets" not in summary
    assert "enrolled residents and 5 course camera shots (17 photos of 12 people)" in summary
    rows = page.triplet.triplet_labels()
    assert page.triplet.triplet_table.isVisible() and len(rows) == data["triplets"]

    def person(label: str) -> str:
        return label.split(" (")[0]
    assert all(person(a) == person(p) != person(n) and a != p for a, p, n in rows)
    assert ("younes", "younes (camera_0)") in {(a, p) for a, p, _ in rows}
    top = page.triplet.data["triplet_rows"][0]
    assert top["loss"] == max(r["loss"] for r in page.triplet.data["triplet_rows"])
    assert float(page.triplet.triplet_table.item(0, 3).text()) == pytest.approx(top["ap"],
                                                                              abs=1e-3)
    assert "the door and the Residents tab go on without them" in \
        page.triplet.offer_label.text()
    # nothing was enrolled: the store and the Residents tab are as they were
    assert {n: len(v) for n, v in page.store.encodings().items()} == enrolled
    assert "12 residents, 12 photos" in page.residents.count_label.text()

    assert page.triplet.offer_button.text() == "Leave the camera shots out"
    qtbot.mouseClick(page.triplet.offer_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: len(page.triplet.data["labels"]) == len(RESIDENTS) and
                    page.triplet.offer_button.text() == "Use the camera shots",
                    timeout=30000)
    assert "No triplets yet" in page.triplet.summary.text()
    assert page.triplet.triplet_table.rowCount() == 0
