"""Distances, accept / reject rates and triplet losses over enrolled photos, and the
face-recognition lesson run that packs them for the analysis tab."""
from __future__ import annotations

import numpy as np
import pytest

from faces_support import faces_data  # noqa: F401

from engine.faces import analysis
from engine.jobs import Job
from engine.lessons import get_lesson

NAMES = ["ann", "ann", "bob", "bob", "cid"]


def toy_encodings():
    # Points on a line (padded to 128-d) so every distance is easy to check by hand.
    x = np.array([0.0, 0.3, 2.0, 2.5, 5.0])
    E = np.zeros((5, 128))
    E[:, 0] = x
    return E


def test_distance_matrix_is_pairwise_l2():
    E = np.random.RandomState(0).randn(6, 128)
    D = analysis.distance_matrix(E)
    expected = np.linalg.norm(E[:, None, :] - E[None, :, :], axis=-1)
    np.testing.assert_allclose(D, expected, atol=1e-10)
    assert np.all(np.diag(D) == 0) and np.allclose(D, D.T)


def test_pair_distances_split_same_and_different_people():
    same, different = analysis.pair_distances(NAMES, toy_encodings())
    np.testing.assert_allclose(sorted(same), [0.3, 0.5])
    np.testing.assert_allclose(sorted(different),
                               sorted([2.0, 2.5, 5.0, 1.7, 2.2, 4.7, 3.0, 2.5]))


def test_accept_reject_rates_at_a_threshold():
    same, different = analysis.pair_distances(NAMES, toy_encodings())
    rates = analysis.accept_reject_rates(same, different, threshold=0.4)
    assert rates["true_accept"] == 0.5 and rates["false_reject"] == 0.5
    assert rates["false_accept"] == 0.0 and rates["true_reject"] == 1.0
    rates = analysis.accept_reject_rates(same, different, threshold=2.1)
    assert rates["true_accept"] == 1.0
    assert rates["false_accept"] == pytest.approx(2 / 8)   # 1.7 and 2.0
    assert rates["same_pairs"] == 2 and rates["different_pairs"] == 8
    empty = analysis.accept_reject_rates([], different, 0.5)
    assert empty["true_accept"] is None and empty["true_reject"] == 1.0


def test_triplets_cover_every_anchor_positive_negative():
    triplets = analysis.triplet_indices(NAMES)
    # ann: 2 ordered (A, P) pairs x 3 negatives, bob: same, cid: no positive
    assert len(triplets) == 12
    for a, p, n in triplets:
        assert a != p and NAMES[a] == NAMES[p] and NAMES[n] != NAMES[a]
    losses, _ = analysis.triplet_losses(NAMES, toy_encodings(), alpha=0.2)
    # anchor ann(0), positive ann(1): pos 0.09; negative bob(2): 4 -> loss 0
    assert np.all(losses == 0)
    losses, triplets = analysis.triplet_losses(NAMES, toy_encodings(), alpha=4.0)
    assert tuple(triplets[0]) == (0, 1, 2)
    assert losses[0] == pytest.approx(max(0.0, 0.3 ** 2 - 2.0 ** 2 + 4.0))


def test_numpy_triplet_losses_agree_with_the_course_triplet_loss():
    from engine.keras_models.facenet import triplet_loss
    rng = np.random.RandomState(1)
    E = rng.randn(9, 128) * 0.1
    E /= np.linalg.norm(E, axis=1, keepdims=True)
    names = ["a", "a", "a", "b", "b", "c", "c", "c", "d"]
    for alpha in (0.2, 1.2):
        losses, t = analysis.triplet_losses(names, E, alpha)
        assert np.any(losses > 0)
        tf_loss = triplet_loss(None, [E[t[:, 0]], E[t[:, 1]], E[t[:, 2]]], alpha=alpha)
        assert float(tf_loss) == pytest.approx(losses.sum(), rel=1e-9)


def test_best_threshold_separates_when_it_can():
    assert 0.5 < analysis.best_threshold([0.3, 0.5], [1.7, 2.0]) < 1.7
    assert analysis.best_threshold([], [1.0]) is None


def _run(overrides=None, dataset=None):
    lesson = get_lesson("face-recognition")
    settings = lesson.make_settings(overrides or {})
    events = []
    job = Job(lesson, settings, events.append, dataset=dataset).run_here()
    return job, events


def test_lesson_analyses_encodings_handed_to_it():
    job, events = _run({"threshold": 1.8, "alpha": 2.0}, dataset=(NAMES, toy_encodings()))
    assert job.error is None, job.error
    assert job.metrics["true_accept"] == 1.0
    assert job.metrics["false_accept"] == pytest.approx(1 / 8)   # only 1.7
    assert job.metrics["triplets"] == 12
    assert job.result["matrix"].shape == (5, 5)
    assert job.result["photos"] == "enrolled residents" == job.metrics["photos"]
    assert len(job.result["rate_curve"]["threshold"]) == len(
        job.result["rate_curve"]["true_accept"])
    assert any(e.kind == "snapshot" and "losses" in e.data for e in events)


def test_lesson_says_what_to_do_without_residents_or_weights():
    job, _ = _run()
    assert job.bad_input and "enrol" in job.error
    job, _ = _run({"encoder": "FaceNet (course weights)"})
    assert job.bad_input and "weights" in job.error and "facenet" in job.error
    assert "\n" not in job.error


def test_lesson_on_the_course_sample_photos(faces_data, monkeypatch):
    monkeypatch.setenv("DL_PLAYGROUND_DATA", str(faces_data.parent))
    job, _ = _run({"threshold": 0.6})
    assert job.error is None, job.error
    assert "sample photos" in job.result["source"]
    # no residents enrolled: the fallback is said, not silent
    assert job.result["photos"] == job.metrics["photos"] == "course sample photos"
    assert "Fewer than two residents" in job.result["note"]
    assert "younes (camera_0)" in job.result["labels"]
    assert len(job.result["names"]) == 17 and job.metrics["same_pairs"] == 6
    # dlib puts every camera shot within 0.6 of its resident's photo
    assert job.metrics["true_accept"] == 1.0
    assert job.metrics["false_accept"] < 0.2
    print(f"\n  dlib on the course photos: {job.metrics}")


def test_lesson_uses_the_enrolled_residents_of_its_encoder():
    from engine.faces.residents import ResidentStore
    from engine.keras_models.facenet import default_encoder
    store = ResidentStore()
    E = toy_encodings() / 5.0     # same-person distances 0.06 and 0.1
    for name, encoding in zip(NAMES, E):
        store.add_encoding(name, encoding, encoder_name=default_encoder().name)
    job, _ = _run({"threshold": 0.08})
    assert job.error is None, job.error
    assert job.result["source"] == "3 enrolled residents"
    assert job.result["photos"] == job.metrics["photos"] == "enrolled residents"
    assert job.result["note"] == ""
    assert sorted(job.result["names"]) == sorted(NAMES)
    assert job.metrics["same_pairs"] == 2 and job.metrics["true_accept"] == 0.5

    store.delete_all()
    store.add_encoding("ann", E[0], encoder_name="another encoder")
    store.add_encoding("bob", E[2], encoder_name="another encoder")
    job, _ = _run()
    assert job.bad_input and "enrolled with another encoder" in job.error


def test_the_page_and_the_lesson_share_one_summary():
    # The door page's triplet tab (summarise_residents over a store's encodings) and the
    # lesson's Job compute the same figures with the same function.
    by_name = {"ann": toy_encodings()[:2], "bob": toy_encodings()[2:4],
               "cid": toy_encodings()[4:]}
    page = analysis.summarise_residents(by_name, threshold=1.8, alpha=2.0)
    assert page["labels"] == ["ann 1", "ann 2", "bob 1", "bob 2", "cid"]
    assert page["names"] == NAMES and page["photos"] == "enrolled residents"
    assert page["triplets"] == 12 and page["rates"]["threshold"] == 1.8
    assert page["loss"] == pytest.approx(page["losses"].sum())
    job, _ = _run({"threshold": 1.8, "alpha": 2.0}, dataset=(NAMES, toy_encodings()))
    np.testing.assert_allclose(job.result["matrix"], page["matrix"])
    assert job.result["rates"] == page["rates"]
    assert job.metrics["triplet_loss"] == pytest.approx(page["loss"])
    assert job.metrics["active_triplets"] == page["active"]


def test_extra_photos_join_the_residents_and_the_hardest_triplets_come_first():
    # One photo each: no triplets. The extra (not enrolled) photos of ann and bob give
    # them a second one; the rows list every triplet, hardest first.
    E = toy_encodings()
    by_name = {"ann": E[:1], "bob": E[2:3], "cid": E[4:]}
    alone = analysis.summarise_residents(by_name, threshold=1.0, alpha=0.2)
    assert alone["loss"] is None and alone["triplet_rows"] == []
    extra = {"names": ["ann", "bob"], "labels": ["ann (camera_0)", "bob (camera_1)"],
             "encodings": np.stack([E[1], E[3]])}
    data = analysis.summarise_residents(by_name, threshold=1.0, alpha=0.2, extra=extra)
    assert data["names"] == ["ann", "bob", "cid", "ann", "bob"]
    assert data["labels"][3:] == ["ann (camera_0)", "bob (camera_1)"]
    assert data["photos"] == "enrolled residents and 2 course camera shots"
    assert data["triplets"] == 12 and len(data["triplet_rows"]) == 12   # 2 x 2 x 3
    rows = data["triplet_rows"]
    margins = [r["ap"] ** 2 - r["an"] ** 2 for r in rows]
    assert margins == sorted(margins, reverse=True)
    # bob (2.0) and bob's shot (2.5) with ann's shot (0.3) as the negative: 0.25 - 2.89
    top = rows[0]
    assert (top["anchor"], top["positive"], top["negative"]) == \
        ("bob", "bob (camera_1)", "ann (camera_0)")
    assert (top["ap"], top["an"]) == (pytest.approx(0.5), pytest.approx(1.7))
    for r in rows:
        assert r["loss"] == pytest.approx(max(r["ap"] ** 2 - r["an"] ** 2 + 0.2, 0.0))
        assert data["labels"][r["a"]] == r["anchor"] and data["labels"][r["n"]] == r["negative"]
    assert len(analysis.triplet_rows(data["labels"], data["matrix"], data["losses"],
                                     data["triplet_indices"], limit=3)) == 3


def test_the_camera_shots_of_enrolled_residents(tmp_path):
    from engine.lesson_runs.face_recognition import camera_shots_of
    for shot in ("camera_0", "camera_1", "camera_3", "camera_5"):
        (tmp_path / f"{shot}.jpg").write_bytes(b"")
    # camera_0 is younes, camera_1 and camera_3 bertrand, camera_5 arnaud (not enrolled)
    assert camera_shots_of(tmp_path, ["Younes", "bertrand", "kian"]) == [
        ("camera_0", "Younes", tmp_path / "camera_0.jpg"),
        ("camera_1", "bertrand", tmp_path / "camera_1.jpg"),
        ("camera_3", "bertrand", tmp_path / "camera_3.jpg")]
    assert camera_shots_of(None, ["younes"]) == []
    assert camera_shots_of(tmp_path, ["kian"]) == []
