"""The procedural road scenes the embedded detector trains on, its YOLOv2 loss and the
AP@0.5 measure it is judged by."""
from __future__ import annotations

import numpy as np
import pytest

from engine.data.road_scenes import (BIG_VEHICLE, CAR, CLASS_NAMES, PERSON, TRAFFIC_LIGHT,
                                     make_scene, training_scene)
from engine.keras_models.detection_metrics import (ap_per_class, average_precision,
                                                   box_iou, mean_ap, recall_at)
from engine.keras_models.yolo_loss import preprocess_true_boxes, true_box_array


def test_a_scene_is_the_same_for_its_seed_and_differs_between_seeds():
    a, b, c = make_scene(7, 180, 320), make_scene(7, 180, 320), make_scene(8, 180, 320)
    assert a.image.shape == (180, 320, 3) and a.image.dtype == np.uint8
    assert np.array_equal(a.image, b.image) and np.array_equal(a.boxes, b.boxes)
    assert not np.array_equal(a.image, c.image)


def test_boxes_lie_inside_the_picture_and_classes_are_known():
    for seed in range(40):
        scene = make_scene(seed, 216, 384)
        assert scene.boxes.dtype == np.float32 and scene.boxes.shape[1] == 4
        assert len(scene.boxes) == len(scene.classes)
        x1, y1, x2, y2 = scene.boxes.T
        assert np.all(x1 >= 0) and np.all(y1 >= 0) and np.all(x2 <= 384) and np.all(y2 <= 216)
        assert np.all(x2 - x1 >= 6) and np.all(y2 - y1 >= 6)
        assert set(scene.classes.tolist()) <= set(range(len(CLASS_NAMES)))


def test_scenes_hold_every_class_in_varied_sizes_and_lighting():
    scenes = [training_scene(s) for s in range(120)]
    classes = np.concatenate([s.classes for s in scenes])
    counts = np.bincount(classes, minlength=4)
    assert counts[CAR] > counts[BIG_VEHICLE] > 0 and counts[PERSON] > 0 \
        and counts[TRAFFIC_LIGHT] > 0
    widths = np.concatenate([s.boxes[s.classes == CAR, 2] - s.boxes[s.classes == CAR, 0]
                             for s in scenes])
    assert widths.min() < 15 and widths.max() > 80          # far and near cars
    brightness = [s.image.mean() for s in scenes]
    assert max(brightness) - min(brightness) > 40           # dusk and bright days
    # people are taller than wide, traffic lights too; vehicles seen from behind are not
    for cls in (PERSON, TRAFFIC_LIGHT):
        b = np.concatenate([s.boxes[s.classes == cls] for s in scenes])
        assert np.median((b[:, 3] - b[:, 1]) / (b[:, 2] - b[:, 0])) > 1.5


def test_an_object_mostly_hidden_behind_a_nearer_one_is_not_ground_truth():
    # every scene's ground truth is a subset of what was drawn: boxes of the same class
    # never coincide exactly (a fully hidden duplicate would)
    for seed in range(30):
        s = make_scene(seed)
        for i in range(len(s.boxes)):
            for j in range(i + 1, len(s.boxes)):
                assert box_iou(s.boxes[i], s.boxes[j:j + 1])[0] < 0.95


def test_targets_put_each_box_in_its_centre_cell_and_best_anchor():
    anchors = np.array([[1.0, 1.0], [3.0, 2.0], [0.5, 2.0]])
    boxes = np.array([[32, 48, 64, 64], [100, 100, 196, 164], [0, 0, 8, 32]], np.float32)
    mask, match = preprocess_true_boxes(boxes, np.array([0, 1, 3]), anchors, (224, 224),
                                        (14, 14))
    assert mask.shape == (14, 14, 3, 1) and match.shape == (14, 14, 3, 5)
    assert mask.sum() == 3
    # box 0: centre (48, 56) px -> cell column 3, row 3.5 -> row 3; 2x1 cells -> anchor 0
    assert mask[3, 3, 0, 0] == 1
    np.testing.assert_allclose(match[3, 3, 0], [0.0, 0.5, np.log(2.0), np.log(1.0), 0])
    # box 1: 6x4 cells, best matched by the (3, 2) anchor, class 1
    assert mask[8, 9, 1, 0] == 1 and match[8, 9, 1, 4] == 1
    # box 2: a tall thin box -> the tall anchor
    assert mask[1, 0, 2, 0] == 1 and match[1, 0, 2, 4] == 3
    true = true_box_array(boxes, (224, 224), 5)
    np.testing.assert_allclose(true[0], [48 / 224, 56 / 224, 32 / 224, 16 / 224], rtol=1e-6)
    assert np.all(true[3:] == 0)


def test_loss_terms_match_a_plain_numpy_reading_of_yad2k():
    pytest.importorskip("tensorflow")
    from engine.keras_models.yolo_loss import yolo_loss_terms

    rng = np.random.default_rng(0)
    anchors = np.array([[1.0, 1.5], [2.5, 2.0]], np.float32)
    classes = 3
    raw = rng.normal(0, 1, (2, 4, 4, 2 * (5 + classes))).astype(np.float32)
    boxes = [np.array([[10, 20, 40, 50], [60, 5, 90, 60]], np.float32),
             np.array([[0, 0, 100, 100]], np.float32)]
    labels = [np.array([0, 2]), np.array([1])]
    masks, matches, trues = [], [], []
    for b, c in zip(boxes, labels):
        m, t = preprocess_true_boxes(b, c, anchors, (100, 100), (4, 4))
        masks.append(m)
        matches.append(t)
        trues.append(true_box_array(b, (100, 100), 3))
    mask, match, true = np.stack(masks), np.stack(matches), np.stack(trues)
    terms = {k: float(v) for k, v in yolo_loss_terms(raw, true, mask, match, anchors,
                                                      classes).items()}
    # the same sums, one anchor at a time
    sig = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
    expect = dict.fromkeys(terms, 0.0)
    f = raw.reshape(2, 4, 4, 2, 5 + classes).astype(np.float64)
    for n in range(2):
        for i in range(4):
            for j in range(4):
                for a in range(2):
                    v = f[n, i, j, a]
                    xy = (sig(v[:2]) + [j, i]) / 4
                    wh = np.exp(v[2:4]) * anchors[a] / 4
                    conf = sig(v[4])
                    probs = np.exp(v[5:]) / np.exp(v[5:]).sum()
                    pred = np.array([*(xy - wh / 2), *(xy + wh / 2)])
                    best = 0.0
                    for t in true[n]:
                        tb = np.array([*(t[:2] - t[2:] / 2), *(t[:2] + t[2:] / 2)])
                        if t[2] > 0:
                            best = max(best, box_iou(pred, tb[None])[0])
                    m = mask[n, i, j, a, 0]
                    expect["no_object"] += 0.5 * (1 - (best > 0.6)) * (1 - m) * conf ** 2
                    expect["objectness"] += 0.5 * 5 * m * (1 - conf) ** 2
                    onehot = np.eye(classes)[int(match[n, i, j, a, 4])]
                    expect["class"] += 0.5 * m * np.sum((onehot - probs) ** 2)
                    target = np.array([*sig(v[:2]), *v[2:4]])
                    expect["coordinates"] += 0.5 * m * np.sum((match[n, i, j, a, :4] - target) ** 2)
    for key in terms:
        assert terms[key] == pytest.approx(expect[key], rel=1e-4), key


def test_average_precision_of_perfect_partial_and_wrong_detections():
    truth = [(np.array([[0, 0, 10, 10], [20, 20, 30, 30]]), np.array([0, 0])),
             (np.array([[0, 0, 10, 10]]), np.array([1]))]
    perfect = [(truth[0][0], np.array([0.9, 0.8]), np.array([0, 0])),
               (truth[1][0], np.array([0.7]), np.array([1]))]
    assert ap_per_class(perfect, truth, 3) == {0: 1.0, 1: 1.0, 2: None}
    assert mean_ap(ap_per_class(perfect, truth, 3)) == 1.0
    # one hit and, scored higher, one false alarm: precision 1/2 at recall 1/2
    half = [(np.array([[50, 50, 60, 60], [0, 0, 10, 10]]), np.array([0.9, 0.5]),
             np.array([0, 0])), (np.zeros((0, 4)), np.zeros(0), np.zeros(0))]
    ap = ap_per_class(half, truth, 2)
    assert ap[0] == pytest.approx(0.25) and ap[1] == 0.0
    # a duplicate of a found box counts as a false positive, not a second hit
    dup = [(np.array([[0, 0, 10, 10], [0, 0, 10, 10]]), np.array([0.9, 0.8]),
            np.array([0, 0])), (np.zeros((0, 4)), np.zeros(0), np.zeros(0))]
    assert ap_per_class(dup, truth, 1)[0] == pytest.approx(0.5)
    assert recall_at(dup, truth, 0) == 0.5
    assert average_precision(np.array([0.5, 1.0]), np.array([1.0, 0.5])) == pytest.approx(0.75)


def test_iou_of_disjoint_boxes_is_zero():
    assert box_iou(np.array([0, 0, 1, 1]), np.array([[2, 2, 3, 3]]))[0] == 0.0
