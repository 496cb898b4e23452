"""The "Train on" chooser of a picture lesson and the "Real folds" result view: the
chooser sets the data settings and the page says which data it uses; a fold run says
"Fold k of n" while it trains and shows each fold, the mean and the stand-in alone."""
from __future__ import annotations

import dataclasses

import h5py
import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from engine.data.course_files import user_datasets_dir, with_real_test
from engine.data.own_datasets import own_datasets_dir, split_pictures, write_dataset

HAPPY = ["not happy", "happy"]


def _real_test_file(m=20):
    folder = user_datasets_dir()
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(3)
    with h5py.File(folder / "test_happy.h5", "w") as f:
        f["test_set_x"] = rng.integers(0, 255, (m, 64, 64, 3), dtype=np.uint8)
        f["test_set_y"] = np.arange(m).reshape(1, -1) % 2
        f["list_classes"] = np.array([b"0", b"1"])


def _own_dataset(name):
    rng = np.random.default_rng(0)
    pictures = {c: [rng.integers(0, 255, (64, 64, 3), dtype=np.uint8) for _ in range(4)]
                for c in HAPPY}
    return write_dataset(own_datasets_dir() / f"happy-{name}.h5",
                         *split_pictures(pictures, HAPPY), HAPPY)


def _open(qtbot, window):
    page = window.open_lesson("happy-house")
    qtbot.waitUntil(lambda: page.tensorflow_ready and page.dataset is not None,
                    timeout=120000)
    return page


def _pick(qtbot, chooser, start):
    """Choose an entry the way a user does: select it in the combo box."""
    index = next(i for i in range(chooser.combo.count())
                 if chooser.combo.itemText(i).startswith(start))
    chooser.combo.setCurrentIndex(index)
    chooser.combo.activated.emit(index)


def test_the_chooser_sets_the_data_and_the_page_says_which(qtbot, window, tmp_path,
                                                           monkeypatch):
    _real_test_file()
    _own_dataset("door")
    broken = own_datasets_dir() / "happy-broken.h5"
    broken.write_bytes(b"this is not an h5 file")
    page = _open(qtbot, window)
    chooser = page.data_chooser
    entries = [chooser.combo.itemText(i) for i in range(chooser.combo.count())]
    assert entries == ["Stand-in, no course files (default)",
                       "Your dataset: broken", "Your dataset: door",
                       "Stand-in + real test photos in 5 folds", "Other file…"]
    _pick(qtbot, chooser, "Your dataset: door")
    assert page.settings_panel.values().data.endswith("happy-door.h5")
    qtbot.waitUntil(lambda: "Your dataset happy-door.h5" in page.provenance.text(),
                    timeout=30000)
    _pick(qtbot, chooser, "Stand-in + real")
    values = page.settings_panel.values()
    assert (values.data, values.real_folds) == ("", 5)
    qtbot.waitUntil(lambda: page.dataset is not None and page.dataset.is_standin,
                    timeout=30000)
    assert "Stand-in + real folds (not the course's split)" in page.provenance.text()
    # typed into the settings by hand: the chooser follows
    page.settings_panel._apply_from_user(dataclasses.replace(values, real_folds=0))
    assert chooser.combo.currentText().endswith("(default)")
    assert "real folds" not in page.provenance.text()
    # "Other file…": any dataset file, picked in a file dialog
    elsewhere = write_dataset(tmp_path / "shared-smiles.h5",
                              *split_pictures({c: [np.full((64, 64, 3), 9 * k, np.uint8)] * 3
                                               for k, c in enumerate(HAPPY)}, HAPPY), HAPPY)
    from PySide6.QtWidgets import QFileDialog
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *a, **k: (str(elsewhere), "")))
    _pick(qtbot, chooser, "Other file")
    assert page.settings_panel.values().data == str(elsewhere)
    assert chooser.combo.currentText() == "File: shared-smiles.h5"
    qtbot.waitUntil(lambda: "Your dataset shared-smiles.h5" in page.provenance.text(),
                    timeout=30000)
    # an unreadable file: one sentence, moved aside, back to the usual data
    _pick(qtbot, chooser, "Your dataset: broken")
    qtbot.waitUntil(lambda: "moved aside" in chooser.message.text(), timeout=30000)
    assert chooser.message.isVisible() and not broken.exists()
    assert page.settings_panel.values().data == ""
    assert "Your dataset: broken" not in [chooser.combo.itemText(i)
                                          for i in range(chooser.combo.count())]
    qtbot.waitUntil(lambda: page.dataset is not None and page.dataset.is_standin and
                    "Training on the stand-in" in page.provenance.text(), timeout=30000)


def test_a_fold_run_says_its_fold_and_shows_every_fold_beside_the_stand_in(qtbot, window):
    _real_test_file(m=12)
    page = _open(qtbot, window)
    from engine.data.happy import happy_standin
    # a small stand-in keeps the three trainings (2 folds + the stand-in alone) short
    page.dataset = with_real_test(happy_standin(0, train_size=32, test_size=8),
                                  page.dataset.extra["real_test"])
    _pick(qtbot, page.data_chooser, "Stand-in + real")
    values = page.settings_panel.values()
    page.settings_panel.set_values(dataclasses.replace(values, epochs=1, real_folds=2))
    statuses = []
    page.bridge.progress.connect(lambda _d: statuses.append(page.controls.status.text()))
    partial = []     # the table after each fold: it fills while the others train
    page.bridge.other.connect(lambda kind, _d: partial.append(
        (kind, page.fold_results.table.rowCount(), page.fold_results.summary.text())
        if kind == "fold_done" else (kind, None, None)))
    qtbot.mouseClick(page.findChild(QPushButton, "trainButton"), Qt.LeftButton)
    qtbot.waitUntil(lambda: page.running, timeout=5000)
    assert not page.data_chooser.isEnabled()        # no changing the data mid-run
    qtbot.waitUntil(lambda: not page.running and page.last_result is not None,
                    timeout=300000)
    assert any(s.startswith("Fold 1 of 2 · ") for s in statuses), statuses
    assert any(s.startswith("Fold 2 of 2 · ") for s in statuses), statuses
    assert page.data_chooser.isEnabled()
    done = [p for p in partial if p[0] == "fold_done"]
    assert [rows for _k, rows, _s in done] == [2, 3]      # fold rows + the mean row
    assert "1 of 2 folds so far" in done[0][2]
    assert [k for k, _r, _s in partial].count("fold") == 3   # 2 folds + the stand-in
    view = page.fold_results
    assert page.tabs.currentWidget() is view and \
        page.tabs.tabText(page.tabs.currentIndex()) == "Real folds"
    folds = page.last_result["real_folds"]
    assert view.table.rowCount() == 3
    for row, accuracy in enumerate(folds["real_fold_accuracies"]):
        assert view.table.item(row, 2).text() == f"{100 * accuracy:.1f}%"
        assert view.table.item(row, 3).text() == \
            f"{100 * folds['standin_fold_accuracies'][row]:.1f}%"
    assert view.table.item(2, 0).text() == "mean ± spread"
    assert "Not the course's split" in view.summary.text()
    assert view.bars.folds == folds["real_fold_accuracies"]
    status = page.controls.status.text()
    assert status.startswith("Finished: held-out real accuracy") and \
        "not the course's split" in status
    from engine.run_history import shared_history
    qtbot.waitUntil(lambda: bool(shared_history().runs("happy-house")), timeout=10000)
    assert shared_history().runs("happy-house")[0].dataset.startswith(
        "Stand-in + real folds (not the course's split)")
