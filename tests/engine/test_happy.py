"""Lesson 3.3 (Keras, the Happy House): the course's HappyModel and its anomaly, the
drawn faces, the real test file, training through the Job path and "is this face
happy?"."""
from __future__ import annotations

import time

import h5py
import numpy as np
import pytest

from engine.data.dataset import DataError, Dataset
from engine.jobs import Job
from engine.lessons import get_lesson


@pytest.fixture(scope="module")
def happy():
    from engine.keras_models import happy
    return happy


def _layers(built) -> list[tuple[str, str]]:
    return [(type(layer).__name__, layer.name) for layer in built.layers]


def _totals(built) -> tuple[int, int, int]:
    from engine.keras_models.summary import parameter_totals
    totals = parameter_totals(built)
    return totals["total"], totals["trainable"], totals["non_trainable"]


# --- the models ---

def test_course_happy_model_is_the_printed_summary(happy):
    built = happy.HappyModel((64, 64, 3))
    assert built.name == "HappyModel"
    kinds = [kind for kind, _ in _layers(built)]
    assert kinds == ["InputLayer", "ZeroPadding2D", "Conv2D", "BatchNormalization",
                     "Activation", "MaxPooling2D", "Flatten", "Dense"]
    names = [name for _, name in _layers(built)]
    assert names[2:4] == ["conv3", "bn3"] and names[5] == "max_pool3" and names[7] == "fc"
    shapes = [tuple(layer.output.shape) for layer in built.layers]
    assert shapes[1] == (None, 66, 66, 3) and shapes[2] == (None, 64, 64, 32)
    assert shapes[5] == (None, 32, 32, 32) and shapes[6] == (None, 32768)
    assert shapes[7] == (None, 1)
    assert [layer.count_params() for layer in built.layers] == [0, 0, 896, 128, 0, 0, 0,
                                                                32769]
    assert _totals(built) == (33793, 33729, 64)
    assert built.layers[-1].activation.__name__ == "sigmoid"


def test_chained_happy_model_links_the_three_blocks(happy):
    built = happy.HappyModel((64, 64, 3), chained=True)
    names = [name for _, name in _layers(built)]
    for block in (1, 2, 3):
        assert {f"conv{block}", f"bn{block}", f"max_pool{block}"} <= set(names)
    assert [built.get_layer(f"conv{b}").filters for b in (1, 2, 3)] == [8, 16, 32]
    assert tuple(built.get_layer("max_pool3").output.shape) == (None, 8, 8, 32)
    # conv 224 + 1168 + 4640, batch norm 32 + 64 + 128, fc 8*8*32 + 1
    assert _totals(built) == (8305, 8193, 112)


def test_example_model(happy):
    built = happy.model((64, 64, 3))
    assert built.name == "HappyModel"
    assert tuple(built.get_layer("conv0").output.shape) == (None, 64, 64, 32)
    assert tuple(built.get_layer("max_pool").output.shape) == (None, 32, 32, 32)
    # conv0 7*7*3*32 + 32, bn0 4*32, fc 32*32*32 + 1
    assert _totals(built) == (4736 + 128 + 32769, 4736 + 64 + 32769, 64)


def test_compile_is_the_courses(happy):
    built = happy.build_model("course", seed=1)
    happy.compile_happy_model(built)
    optimizer = built.optimizer
    assert type(optimizer).__name__ == "Adam"
    assert float(optimizer.learning_rate) == pytest.approx(0.001)
    assert optimizer.beta_1 == 0.9 and optimizer.beta_2 == 0.999
    assert optimizer.epsilon == pytest.approx(1e-8)
    assert built.loss == "binary_crossentropy"
    with pytest.raises(ValueError, match="architecture"):
        happy.build_model("resnet")


def test_happy_probability_of_any_size_crop(happy):
    built = happy.build_model("course", seed=2)
    crop = np.random.default_rng(0).integers(0, 256, (90, 70, 3), dtype=np.uint8)
    p = happy.happy_probability(built, crop)
    assert 0.0 <= p <= 1.0
    # the same crop resized by hand gives the same answer
    from PIL import Image
    resized = np.asarray(Image.fromarray(crop).resize((64, 64), Image.BILINEAR))
    assert p == pytest.approx(float(happy.predict_probabilities(built, resized[None])[0]),
                              abs=1e-6)


# --- the drawn faces ---

def test_standin_shapes_balance_and_determinism():
    from engine.data.happy import _standin_arrays, happy_standin

    _standin_arrays.cache_clear()
    start = time.process_time()        # CPU time: the test machine is shared
    ds = happy_standin(seed=0)
    seconds = time.process_time() - start
    assert ds.X_train.shape == (600, 64, 64, 3) and ds.X_train.dtype == np.uint8
    assert ds.X_test.shape == (150, 64, 64, 3) and ds.Y_test.shape == (1, 150)
    assert ds.classes == ["not happy", "happy"] and ds.is_standin
    assert "stand-in" in ds.provenance.lower()
    assert np.bincount(ds.Y_train[0]).tolist() == [300, 300]
    assert np.bincount(ds.Y_test[0]).tolist() == [75, 75]
    # pictures differ from each other (skin, scene, place, light): not one template
    assert ds.X_train.reshape(600, -1).std(axis=0).mean() > 25
    assert len({ds.X_train[i].tobytes() for i in range(600)}) == 600
    assert seconds < 5, f"750 pictures took {seconds:.1f} s of CPU"   # ~2 s
    _standin_arrays.cache_clear()
    again = happy_standin(seed=0)
    np.testing.assert_array_equal(again.X_train, ds.X_train)
    np.testing.assert_array_equal(again.Y_test, ds.Y_test)
    other = happy_standin(seed=1, train_size=20, test_size=10)
    assert not np.array_equal(other.X_train, ds.X_train[:20])


def test_smiles_differ_where_the_mouth_is():
    """A smile's teeth make the mouth region brighter and more varied than a closed
    mouth; the rest of the picture is the same on average for both classes."""
    from engine.data.happy_faces import happy_face_pictures

    rng = np.random.default_rng(4)
    labels = np.arange(200) % 2
    images = happy_face_pictures(rng, labels).astype(np.float64)
    mouth = images[:, 32:44, 24:40].std(axis=(1, 2, 3))
    assert mouth[labels == 1].mean() > mouth[labels == 0].mean() + 2.5
    brightest = images[:, 32:44, 24:40].max(axis=(1, 2, 3))           # the teeth
    assert brightest[labels == 1].mean() > brightest[labels == 0].mean() + 5
    corner = images[:, :12, :12].mean(axis=(1, 2, 3))
    assert abs(corner[labels == 1].mean() - corner[labels == 0].mean()) < 12


def test_jittered_pictures_vary_but_keep_the_face():
    from engine.data.happy import jitter_pictures, happy_standin

    images = happy_standin(seed=2, train_size=40, test_size=2).X_train
    first = jitter_pictures(images, np.random.default_rng(5))
    assert first.shape == images.shape and first.dtype == np.uint8
    np.testing.assert_array_equal(first, jitter_pictures(images, np.random.default_rng(5)))
    assert not np.array_equal(first, jitter_pictures(images, np.random.default_rng(6)))
    # each picture is altered, but stays close to its own original (a shift of a few
    # pixels and another exposure), far closer than to the other pictures
    a, b = images.astype(np.float64), first.astype(np.float64)
    assert all(not np.array_equal(images[i], first[i]) for i in range(40))
    brightness = lambda x: x.mean(axis=(1, 2, 3))
    assert np.std(brightness(b) / brightness(a)) > 0.1          # exposures differ widely
    own = np.corrcoef(a.mean(axis=3).reshape(40, -1), b.mean(axis=3).reshape(40, -1))
    same = np.diag(own[:40, 40:])
    assert np.median(same) > np.median(own[:40, 40:]) + 0.1


def test_jittered_batches_are_new_every_epoch_and_deterministic(happy):
    from engine.data.happy import happy_standin

    ds = happy_standin(seed=2, train_size=20, test_size=2)
    labels = ds.Y_train.reshape(-1, 1).astype(np.float32)
    batches = happy.jittered_batches(ds.X_train, labels, 8, seed=3)
    assert len(batches) == 3                                      # 8 + 8 + 4
    x0, y0 = batches[0]
    assert x0.shape == (8, 64, 64, 3) and x0.dtype == np.float32 and y0.shape == (8, 1)
    assert 0 <= x0.min() and x0.max() <= 1
    assert batches[2][0].shape[0] == 4
    epoch_one = np.concatenate([batches[i][1] for i in range(3)])
    assert sorted(epoch_one.ravel()) == sorted(labels.ravel())   # every picture once
    again = happy.jittered_batches(ds.X_train, labels, 8, seed=3)
    np.testing.assert_array_equal(again[0][0], x0)
    batches.on_epoch_end()                                       # the next epoch
    assert not np.array_equal(batches[0][0], x0)
    other = happy.jittered_batches(ds.X_train, labels, 8, seed=4)
    assert not np.array_equal(other[0][0], x0)


def test_real_test_file_is_carried_along(course_data):
    from engine.data.happy import load_happy_dataset

    ds = load_happy_dataset()
    assert ds.is_standin                          # train_happy.h5 is not there
    real = ds.extra["real_test"]
    assert real["X"].shape == (150, 64, 64, 3) and real["Y"].shape == (1, 150)
    assert np.bincount(real["Y"][0]).tolist() == [66, 84]
    assert real["classes"] == ["not happy", "happy"]
    assert "test_happy.h5" in ds.provenance


def test_both_real_files_are_used_when_present(data_dirs):
    from engine.data.happy import load_happy_dataset

    rng = np.random.default_rng(0)
    for split, m in (("train", 12), ("test", 6)):
        with h5py.File(data_dirs["env"] / f"{split}_happy.h5", "w") as f:
            f[f"{split}_set_x"] = rng.integers(0, 256, (m, 64, 64, 3), dtype=np.uint8)
            f[f"{split}_set_y"] = np.arange(m) % 2
            f["list_classes"] = np.array([0, 1])
    ds = load_happy_dataset()
    assert not ds.is_standin and ds.m_train == 12 and ds.m_test == 6
    assert ds.classes == ["not happy", "happy"] and "real_test" not in ds.extra


def test_damaged_real_test_file_is_reported(data_dirs):
    from engine.data.happy import load_happy_dataset

    (data_dirs["env"] / "test_happy.h5").write_bytes(b"not an h5 file")
    with pytest.raises(DataError, match="test_happy.h5"):
        load_happy_dataset()
    with h5py.File(data_dirs["env"] / "test_happy.h5", "w") as f:
        f["test_set_x"] = np.zeros((4, 32, 32, 3), np.uint8)
        f["test_set_y"] = np.zeros(4, np.int64)
        f["list_classes"] = np.arange(2)
    with pytest.raises(DataError, match="64x64x3"):
        load_happy_dataset()


# --- the Job path ---

def small_faces(seed: int = 3, train_size: int = 64, test_size: int = 24) -> Dataset:
    from engine.data.happy import happy_standin
    return happy_standin(seed=seed, train_size=train_size, test_size=test_size)


def _run_job(settings: dict, dataset, control_hook=None):
    lesson = get_lesson("happy-house")
    events = []
    job = Job(lesson, lesson.make_settings(settings), events.append, dataset=dataset)
    if control_hook:
        control_hook(job)
    return job, events


def test_lesson_trains_through_the_job_and_answers_for_a_picture():
    dataset = small_faces()
    # with the varied pictures (a new jittered copy every epoch, fed as a PyDataset)
    job, events = _run_job({"epochs": 3, "batch_size": 16, "learning_rate": 0.0003,
                            "vary_pictures": True}, dataset)
    job.run_here()
    assert job.error is None, job.error
    kinds = [e.kind for e in events]
    assert kinds[0] == "started" and kinds[-1] == "finished"
    progress = [e.data for e in events if e.kind == "progress"]
    assert any(p.get("batches") == 4 for p in progress)              # 64 / 16
    finished = events[-1].data
    assert finished["stopped"] is False
    curve = finished["curve"]
    assert [i for i, _ in curve] == [0, 1, 2] and all(np.isfinite(c) for _, c in curve)
    assert curve[2][1] < curve[0][1]                  # the cost falls: it learns
    metrics, result = finished["metrics"], finished["result"]
    assert metrics["epochs"] == 3 and metrics["final_cost"] == pytest.approx(curve[2][1])
    assert 0 <= metrics["train_accuracy"] <= 1
    assert result["model"].name == "HappyModel"
    assert result["classes"] == ["not happy", "happy"]
    assert result["test_predictions"].shape == (1, 24)
    assert result["test_probabilities"].shape == (1, 24)
    wrong = result["misclassified"]
    assert metrics["test_accuracy"] == pytest.approx(1 - len(wrong) / 24)
    assert sum(row["params"] for row in result["layers"]) == 33793
    lesson = get_lesson("happy-house")
    verdict = lesson.classify_image(result, dataset.X_test[0])
    assert verdict["label"] in ("happy", "not happy") and 0 <= verdict["probability"] <= 1
    assert verdict["image"].shape == (64, 64, 3)
    assert verdict["happy"] == (verdict["label"] == "happy")


def test_classify_image_rejects_a_file_that_is_not_a_picture(tmp_path, happy):
    note = tmp_path / "notes.txt"
    note.write_text("not a picture")
    result = {"model": happy.build_model("course", seed=1),
              "classes": ["not happy", "happy"]}
    with pytest.raises(DataError, match="notes.txt is not an image"):
        get_lesson("happy-house").classify_image(result, str(note))
    big = tmp_path / "face.png"
    from PIL import Image
    Image.fromarray(np.full((200, 150, 3), 120, np.uint8)).save(big)
    verdict = get_lesson("happy-house").classify_image(result, str(big))
    assert verdict["image"].shape == (64, 64, 3)


def test_stop_ends_training_and_evaluates_the_partial_model():
    passed = {"n": 0}

    def hook(job):
        original = job.control.checkpoint

        def checkpoint():
            if passed["n"] == 5:
                job.control.stop()
            original()
            passed["n"] += 1
        job.control.checkpoint = checkpoint

    job, events = _run_job({"epochs": 50, "batch_size": 16}, small_faces(), hook)
    job.run_here()
    assert passed["n"] == 5                          # no batch after the one that saw Stop
    finished = events[-1]
    assert finished.kind == "finished" and finished.data["stopped"] is True
    # 4 batches an epoch: stopped in the second epoch, which Keras's fit still closes
    # (on_epoch_end with the cost of the batches it ran)
    assert [i for i, _ in finished.data["curve"]] == [0, 1]
    assert "model" in finished.data["result"]
    assert 0 <= finished.data["metrics"]["test_accuracy"] <= 1


def test_real_photos_are_evaluated_on_a_standin_run(course_data):
    from engine.data.happy import load_happy_dataset

    full = load_happy_dataset()
    small = small_faces()
    small.extra["real_test"] = full.extra["real_test"]
    # the course's own fit (no varied pictures), on the chained model
    job, events = _run_job({"epochs": 1, "architecture": "chained"}, small)
    job.run_here()
    assert job.error is None, job.error
    metrics, result = events[-1].data["metrics"], events[-1].data["result"]
    assert 0 <= metrics["real_test_accuracy"] <= 1 and metrics["real_test_loss"] > 0
    real = result["real_test"]
    assert real["test_predictions"].shape == (1, 150)
    assert "test_happy.h5" in real["provenance"]
    assert metrics["real_test_accuracy"] == pytest.approx(1 - len(real["misclassified"]) / 150)


def test_settings_are_the_courses():
    hp = get_lesson("happy-house").default_settings()
    assert (hp.architecture, hp.learning_rate, hp.epochs, hp.batch_size) == \
        ("course", 0.001, 20, 16)
    assert hp.vary_pictures is False                # the course's fit by default
    lesson = get_lesson("happy-house")
    assert lesson.kind == "keras" and lesson.section == "4.3"

