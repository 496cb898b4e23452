"""The learner's own datasets (course h5 layout) and the real-folds mode."""
from __future__ import annotations

import json

import h5py
import numpy as np
import pytest

from engine.__main__ import main
from engine.data.dataset import DataError, Dataset
from engine.data.own_datasets import load_own_dataset, split_pictures, square_picture, \
    write_dataset
from engine.data.real_folds import stratified_folds
from engine.jobs import Reporter, RunControl
from engine.lessons import get_lesson
from engine.lesson_runs.data_choice import run_with_data_choice, with_data_choice

SIGNS = ["0", "1", "2", "3", "4", "5"]


def _pictures(per_class: int, classes=SIGNS, seed=0) -> dict:
    """Pictures of different colour per class, so a network can tell them apart."""
    rng = np.random.default_rng(seed)
    out = {}
    for k, name in enumerate(classes):
        base = np.zeros((64, 64, 3), np.uint8)
        base[..., k % 3] = 60 + 30 * k
        out[name] = [np.clip(base + rng.integers(0, 20, base.shape), 0, 255).astype(np.uint8)
                     for _ in range(per_class)]
    return out


def test_folds_are_stratified_disjoint_and_cover_every_picture():
    labels = np.repeat(np.arange(6), 20)            # test_signs.h5: 20 of each digit
    np.random.default_rng(3).shuffle(labels)
    folds = stratified_folds(labels, 5)
    together = np.concatenate(folds)
    assert sorted(together) == list(range(labels.size))          # each exactly once
    for fold in folds:
        counts = np.bincount(labels[fold], minlength=6)
        assert counts.tolist() == [4] * 6                        # 1/5 of every class
    assert all(np.array_equal(a, b) for a, b in zip(folds, stratified_folds(labels, 5)))
    uneven = stratified_folds(np.array([0] * 7 + [1] * 3), 3)
    for value in (0, 1):
        per_fold = [int(np.sum(np.array([0] * 7 + [1] * 3)[f] == value)) for f in uneven]
        assert max(per_fold) - min(per_fold) <= 1
    with pytest.raises(DataError, match="between 2 and"):
        stratified_folds(labels, 1)
    with pytest.raises(DataError, match="cannot be split"):
        stratified_folds(np.array([0, 1]), 3)


def test_square_picture_crops_the_centre_and_resizes():
    tall = np.zeros((200, 100, 3), np.uint8)
    tall[50:150] = 255                      # the centre square is white
    out = square_picture(tall)
    assert out.shape == (64, 64, 3) and out.dtype == np.uint8
    assert out.min() > 250
    with pytest.raises(DataError, match="RGB uint8"):
        square_picture(np.zeros((10, 10), np.uint8))


def test_a_saved_dataset_reads_back_through_the_lessons_loader(tmp_path):
    X_train, Y_train, X_test, Y_test = split_pictures(_pictures(5), SIGNS, 0.2)
    assert X_train.shape == (24, 64, 64, 3) and X_test.shape == (6, 64, 64, 3)
    assert sorted(np.bincount(Y_test[0]).tolist()) == [1] * 6
    path = write_dataset(tmp_path / "signs-mine.h5", X_train, Y_train, X_test, Y_test, SIGNS)
    with h5py.File(path) as f:   # the course's own keys
        assert set(f) == {"train_set_x", "train_set_y", "test_set_x", "test_set_y",
                          "list_classes"}
    dataset = load_own_dataset(path, "signs")
    assert dataset.classes == SIGNS and not dataset.is_standin
    assert np.array_equal(dataset.X_train, X_train) and np.array_equal(dataset.Y_test, Y_test)
    assert "Your dataset signs-mine.h5" in dataset.provenance
    lesson = get_lesson("cnn-signs")
    settings = lesson.make_settings({"data": str(path)})
    assert lesson.load_data(settings).provenance == dataset.provenance


def test_bad_datasets_get_one_sentence(tmp_path):
    pictures = _pictures(3)
    pictures["4"] = []
    with pytest.raises(DataError, match="class '4' has no pictures"):
        split_pictures(pictures, SIGNS)
    wrong = tmp_path / "wrong.h5"
    with h5py.File(wrong, "w") as f:
        f["pictures"] = np.zeros((3, 64, 64, 3), np.uint8)
    with pytest.raises(DataError, match="train_set_x"):
        load_own_dataset(wrong, "signs")
    with pytest.raises(DataError, match="No dataset file"):
        load_own_dataset(tmp_path / "missing.h5", "signs")
    happy = write_dataset(tmp_path / "happy.h5", *split_pictures(_pictures(3, ["a", "b"]),
                                                                 ["a", "b"]), ["a", "b"])
    with pytest.raises(DataError, match="2 classes"):
        load_own_dataset(happy, "signs")          # a happy/not-happy file for SIGNS


def test_headless_trains_on_a_dataset_file(tmp_path, capsys):
    path = write_dataset(tmp_path / "signs-mine.h5", *split_pictures(_pictures(4), SIGNS),
                         SIGNS)
    assert main(["run", "cnn-signs", "--set", f"data={path}", "--set", "num_epochs=2",
                 "--no-history", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["dataset"]["provenance"].startswith("Your dataset signs-mine.h5")
    assert report["dataset"]["train_examples"] == 18 and report["metrics"]["epochs"] == 2
    assert main(["run", "cnn-signs", "--set", f"data={tmp_path / 'nope.h5'}",
                 "--no-history"]) == 2
    assert "No dataset file" in capsys.readouterr().err


def _toy_lesson_run(hp, on_event, control, dataset=None):
    """A nearest-class-mean classifier on mean colour: trains in no time, so the
    fold machinery itself is what this test exercises."""
    def features(X):
        return np.asarray(X, np.float64).mean(axis=(1, 2))
    labels = dataset.Y_train[0]
    means = np.stack([features(dataset.X_train[labels == k]).mean(axis=0)
                      for k in range(len(dataset.classes))])

    def predict(X):
        d = ((features(X)[:, None, :] - means[None]) ** 2).sum(axis=2)
        return np.argmin(d, axis=1)
    on_event.progress(0, 1.0)
    test = predict(dataset.X_test)
    metrics = {"test_accuracy": float(np.mean(test == dataset.Y_test[0]))}
    result = {}
    real = dataset.extra.get("real_test")
    if real is not None and dataset.is_standin:
        predicted = predict(real["X"])
        result["real_test"] = {"test_predictions": predicted.reshape(1, -1)}
    return {"metrics": metrics, "result": result}


def test_fold_mode_trains_once_per_fold_and_scores_the_held_out_photos():
    pictures = _pictures(10, ["no", "yes"])
    real_pictures = _pictures(10, ["no", "yes"], seed=1)
    X_s, Y_s, _, _ = split_pictures(pictures, ["no", "yes"], 0.0)
    X_r, Y_r, _, _ = split_pictures(real_pictures, ["no", "yes"], 0.0)
    X_s = X_s // 2     # the "stand-in" looks darker than the "real photos"
    standin = Dataset("toy", "images", X_s, Y_s, X_s[:2], Y_s[:, :2], ["no", "yes"],
                      "toy stand-in", is_standin=True,
                      extra={"real_test": {"X": X_r, "Y": Y_r, "provenance": "toy photos"}})

    @with_data_choice
    class Settings:
        pass
    hp = Settings(real_folds=4)
    events = []
    reporter = Reporter(lambda e: events.append(e))
    out = run_with_data_choice(_toy_lesson_run, lambda s: standin)(
        hp, reporter, RunControl(), dataset=None)
    folds = out["result"]["real_folds"]
    assert folds["folds"] == 4 and sum(folds["fold_sizes"]) == 20
    assert len(folds["real_fold_accuracies"]) == 4
    assert len(folds["standin_fold_accuracies"]) == 4
    assert out["metrics"]["real_fold_mean"] == pytest.approx(
        np.mean(folds["real_fold_accuracies"]))
    assert [e.data["fold"] for e in events if e.kind == "fold_done"] == [0, 1, 2, 3]
    assert "Not the course's split" in folds["note"]
    with pytest.raises(DataError, match="1 fold"):
        run_with_data_choice(_toy_lesson_run, lambda s: standin)(
            Settings(real_folds=1), reporter, RunControl())


def test_a_draft_adds_frames_files_and_folders_then_saves_a_loadable_file(tmp_path):
    from PIL import Image

    from engine.data.dataset_draft import DatasetDraft

    draft = DatasetDraft("happy-house")
    assert draft.classes == ["not happy", "happy"]
    frame = np.zeros((480, 640, 3), np.uint8)
    assert draft.add_frame("happy", frame).shape == (64, 64, 3)
    folder = tmp_path / "faces"
    for name in ("happy", "Not Happy"):
        (folder / name).mkdir(parents=True)
        for i in range(3):
            Image.fromarray(np.full((80, 100, 3), 40 * i, np.uint8)).save(
                folder / name / f"{i}.png")
    (folder / "happy" / "notes.png").write_text("not a picture")
    added, problems = draft.import_folder(folder)
    assert added == 6 and len(problems) == 1 and "notes.png" in problems[0]
    assert draft.counts() == {"not happy": 3, "happy": 4}
    draft.delete("happy", 0)
    assert draft.counts()["happy"] == 3
    path = draft.save(draft.default_path("my faces"), test_fraction=0.34)
    assert path.name == "happy-my-faces.h5"
    again = DatasetDraft("happy-house")
    again.load(path)
    assert again.counts() == draft.counts()
    (folder / "sad").mkdir()
    with pytest.raises(DataError, match="sad"):
        DatasetDraft("happy-house").import_folder(folder)
    draft.clear("happy")
    with pytest.raises(DataError, match="class 'happy' has no pictures"):
        draft.save(path)
    assert load_own_dataset(path, "happy").m_train > 0      # the good file is still there
