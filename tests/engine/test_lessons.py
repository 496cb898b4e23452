"""Every lesson through the one path the GUI and the runner use (Lesson.run in a Job),
checked against the course's headline figures on the real files, and on the stand-ins."""
from __future__ import annotations

import pytest

from engine.jobs import Job
from engine.lessons import get_lesson, lesson_ids


def run_lesson(lesson_id, **overrides):
    lesson = get_lesson(lesson_id)
    settings = lesson.make_settings(overrides)
    dataset = lesson.load_data(settings) if lesson.load_data else None
    events = []
    job = Job(lesson, settings, events.append, dataset=dataset).run_here()
    assert job.error is None, job.error
    return job, dataset, events


def costs_at(job, *iterations):
    curve = dict(job.reporter.curve)
    return [curve[i] for i in iterations]


def test_registry_ids_match_the_issue():
    assert lesson_ids() == ["numpy-basics", "logistic-regression", "planar-one-hidden-layer",
                            "deep-step-by-step", "deep-cat-classifier",
                            "initialization", "regularization", "gradient-checking",
                            "optimization", "tensorflow-signs", "cnn-step-by-step", "cnn-signs",
                            "happy-house", "resnet50", "car-detection", "face-recognition",
                            "neural-style-transfer"]
    sections = {"numpy-basics": "1.1", "initialization": "2.1", "optimization": "2.2",
                "tensorflow-signs": "2.3", "cnn-step-by-step": "4.1", "cnn-signs": "4.2",
                "happy-house": "4.3", "resnet50": "4.4", "car-detection": "4.5",
                "face-recognition": "4.6", "neural-style-transfer": "4.7"}
    for lesson_id in lesson_ids():
        lesson = get_lesson(lesson_id)
        assert lesson.id == lesson_id and lesson.title
        assert lesson.section.startswith(sections.get(lesson_id, lesson.section[:3]))
        # numbered as its course's: "4.1" under "Course 4 — …", never the catalog's "3.1"
        course_number = lesson.course.split()[1]
        assert lesson.section.split(".")[0] == course_number, (lesson_id, lesson.section)


def test_logistic_regression_course_run(course_data):
    job, dataset, _ = run_lesson("logistic-regression")
    assert not dataset.is_standin
    assert costs_at(job, 0, 100, 1900) == pytest.approx([0.693147, 0.584508, 0.140872],
                                                        abs=1e-6)
    assert job.metrics["train_accuracy"] == pytest.approx(0.9904306220095694)
    assert job.metrics["test_accuracy"] == pytest.approx(0.70)
    assert len(job.result["misclassified"]) == 15


def test_planar_course_run():
    job, dataset, _ = run_lesson("planar-one-hidden-layer")
    assert dataset.m_train == 400
    assert costs_at(job, 0, 1000, 2000) == pytest.approx([0.693048, 0.288083, 0.254385],
                                                         abs=1e-6)
    assert job.metrics["train_accuracy"] == pytest.approx(0.90, abs=0.01)


def test_planar_baseline_and_sweep_actions(monkeypatch):
    import engine.lesson_runs.planar as planar
    lesson = get_lesson("planar-one-hidden-layer")
    settings = lesson.default_settings()
    baseline = Job(lesson, settings, lambda e: None,
                   run=lesson.actions["baseline"]).run_here()
    assert baseline.metrics["train_accuracy"] == pytest.approx(0.47, abs=0.005)
    monkeypatch.setattr(planar, "SWEEP_SIZES", (1, 3))
    sweep = Job(lesson, settings, lambda e: None, run=lesson.actions["sweep"]).run_here()
    tiles = sweep.result["sweep"]
    assert [t["title"] for t in tiles] == ["Logistic regression", "1 hidden unit",
                                           "3 hidden units"]
    # the catalog's reproduced sweep: 1 unit 67.5 %, 3 units 90.75 %
    assert tiles[1]["accuracy"] == pytest.approx(0.675)
    assert tiles[2]["accuracy"] == pytest.approx(0.9075)


def test_two_layer_cat_model(course_data):
    job, _, _ = run_lesson("deep-cat-classifier", model="two_layer_model",
                           hidden_layers="7")
    assert costs_at(job, 0, 100, 2400) == pytest.approx(
        [0.6930497356599891, 0.6464320953428849, 0.04855478562877018], abs=1e-9)
    assert job.metrics["train_accuracy"] == pytest.approx(1.0)
    assert job.metrics["test_accuracy"] == pytest.approx(0.72)


def test_L_layer_cat_model(course_data):
    job, _, events = run_lesson("deep-cat-classifier")
    assert costs_at(job, 0, 100, 200, 2400) == pytest.approx(
        [0.771749, 0.672053, 0.648263, 0.092878], abs=1e-6)
    assert job.metrics["train_accuracy"] == pytest.approx(0.985645933014)
    assert job.metrics["test_accuracy"] == pytest.approx(0.8)
    snapshots = [e for e in events if e.kind == "snapshot"]
    assert snapshots and "accuracy_curve" in snapshots[-1].data
    assert [c[0] for c in job.result["costs"]] == list(range(0, 2500, 100))


def test_image_lessons_run_on_the_standin_without_course_files():
    for lesson_id in ("logistic-regression", "deep-cat-classifier"):
        job, dataset, _ = run_lesson(lesson_id, num_iterations=300)
        assert dataset.is_standin and "stand-in" in dataset.provenance
        assert dataset.X_train.shape == (209, 64, 64, 3)
        assert job.metrics["train_accuracy"] > 0.7


def test_step_by_step_learns_the_flower():
    job, _, events = run_lesson("deep-step-by-step", num_iterations=3000)
    assert job.metrics["train_accuracy"] > 0.85
    assert any("boundary" in e.data for e in events if e.kind == "snapshot")


def test_step_by_step_with_the_x001_initialisation_and_mixed_activations():
    job, _, _ = run_lesson("deep-step-by-step", num_iterations=50, initialization="x0.01",
                           hidden_layers="5:sigmoid,3:relu")
    W = job.result["parameters"]
    assert W["W1"].shape == (5, 2) and W["W2"].shape == (3, 5) and W["W3"].shape == (1, 3)


def test_numpy_basics_examples():
    job, _, _ = run_lesson("numpy-basics")
    examples = job.metrics["examples"]
    assert examples["sigmoid([1, 2, 3])"] == pytest.approx([0.73105858, 0.88079708,
                                                            0.95257413])
    assert examples["L1"] == pytest.approx(1.1) and examples["L2"] == pytest.approx(0.43)
    ops = job.result["timings"]["operations"]
    assert set(ops) >= {"dot", "outer", "elementwise"} and all(o["agree"]
                                                                 for o in ops.values())


def test_own_image_classification(tmp_path):
    from PIL import Image
    from engine.data.dataset import DataError
    job, dataset, _ = run_lesson("logistic-regression", num_iterations=50)
    lesson = get_lesson("logistic-regression")
    picture = tmp_path / "mine.jpg"
    Image.fromarray(dataset.X_train[0]).resize((300, 200)).save(picture)
    verdict = lesson.classify_image(job.result, picture)
    assert verdict["label"] in ("cat", "non-cat") and 0 <= verdict["probability"] <= 1
    assert verdict["image"].shape == (64, 64, 3)
    text = tmp_path / "notes.png"
    text.write_text("not a picture")
    with pytest.raises(DataError, match="notes.png is not an image"):
        lesson.classify_image(job.result, text)
