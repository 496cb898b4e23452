"""Lesson 4.5: the course's YOLO functions (TF2 eager) against a plain-Python
reference on hand-made head outputs, the NumPy twins against yolo_eval on random
outputs, the step-through stages, the text helpers and predict()."""
from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from engine.jobs import LessonError


@pytest.fixture(scope="module")
def yolo():
    from engine.keras_models.job_callback import load_tensorflow
    load_tensorflow()
    from engine.keras_models import yolo
    return yolo


# ---- the course's value ------------------------------------------------------------

def test_iou_course_value(yolo):
    assert yolo.iou((2, 1, 4, 3), (1, 2, 3, 4)) == 0.14285714285714285


def test_iou_disjoint_boxes_is_zero(yolo):
    # without the clamp both sides of the "intersection" are negative: area 1, IoU > 0
    assert yolo.iou((0, 0, 1, 1), (2, 2, 3, 3)) == 0
    assert yolo.iou((0, 0, 1, 1), (1, 0, 2, 1)) == 0       # touching edges
    assert yolo.iou((0, 0, 2, 2), (0, 0, 2, 2)) == 1


def test_numpy_iou_matches_course_iou():
    from engine.keras_models.yolo import iou
    from engine.keras_models.yolo_numpy import iou_one_to_many

    rng = np.random.default_rng(3)
    for _ in range(50):
        a, b = np.sort(rng.uniform(0, 10, (2, 2, 2)), axis=1)   # (box, min/max, y/x)
        box_a = (a[0, 0], a[0, 1], a[1, 0], a[1, 1])            # y1, x1, y2, x2
        box_b = (b[0, 0], b[0, 1], b[1, 0], b[1, 1])
        course = iou((box_a[1], box_a[0], box_a[3], box_a[2]),
                     (box_b[1], box_b[0], box_b[3], box_b[2]))
        assert iou_one_to_many(box_a, [box_b])[0] == pytest.approx(course, abs=1e-5)


# ---- hand-made head outputs and a plain-Python reference ----------------------------

GRID, ANCHORS, CLASSES = 3, 2, 3


def _hand_made():
    """A 3x3 grid, 2 anchors, 3 classes; almost every box scores 0.0033, a few are
    placed on purpose (see the comments)."""
    conf = np.full((GRID, GRID, ANCHORS, 1), 0.01, np.float32)
    xy = np.zeros((GRID, GRID, ANCHORS, 2), np.float32)
    wh = np.full((GRID, GRID, ANCHORS, 2), 0.1, np.float32)
    probs = np.full((GRID, GRID, ANCHORS, CLASSES), 1 / 3, np.float32)
    for r, c, a in itertools.product(range(GRID), range(GRID), range(ANCHORS)):
        xy[r, c, a] = ((c + 0.5) / GRID, (r + 0.5) / GRID)

    def put(r, c, a, p_c, class_probs, centre, size):
        conf[r, c, a, 0] = p_c
        probs[r, c, a] = class_probs
        xy[r, c, a] = centre
        wh[r, c, a] = size

    put(1, 1, 0, 0.90, (0.1, 0.8, 0.1), (0.5, 0.5), (0.4, 0.4))      # A: 0.72, class 1
    put(1, 1, 1, 0.85, (0.05, 0.9, 0.05), (0.5, 0.52), (0.35, 0.45))  # B: 0.765, on A
    put(0, 0, 0, 0.95, (0.9, 0.05, 0.05), (0.15, 0.15), (0.2, 0.2))   # C: 0.855, alone
    put(2, 2, 0, 0.50, (0.0, 1.0, 0.0), (0.85, 0.85), (0.1, 0.1))     # D: 0.50
    put(0, 2, 1, 0.70, (0.1, 0.1, 0.8), (0.8, 0.2), (0.2, 0.2))       # E: 0.56
    put(1, 2, 0, 0.90, (0.1, 0.2, 0.7), (0.74, 0.5), (0.3, 0.3))      # F: 0.63, IoU .11 B
    return conf, xy, wh, probs


def _flat(r, c, a):
    return (r * GRID + c) * ANCHORS + a


A, B, C, D, E, F = (_flat(1, 1, 0), _flat(1, 1, 1), _flat(0, 0, 0), _flat(2, 2, 0),
                    _flat(0, 2, 1), _flat(1, 2, 0))


def _reference(outputs, image_shape, max_boxes, score_threshold, iou_threshold):
    """Filter + greedy NMS in plain Python floats, with the course's iou; returns the
    kept flat indices (best first) and their boxes (y1, x1, y2, x2) in pixels."""
    from engine.keras_models.yolo import iou

    conf, xy, wh, probs = (np.asarray(o, np.float64) for o in outputs)
    height, width = image_shape
    candidates = []
    for r, c, a in itertools.product(range(GRID), range(GRID), range(ANCHORS)):
        scores = [conf[r, c, a, 0] * p for p in probs[r, c, a]]
        best = max(range(len(scores)), key=lambda k: (scores[k], -k))
        if scores[best] >= score_threshold:
            (x, y), (w, h) = xy[r, c, a], wh[r, c, a]
            box = ((y - h / 2) * height, (x - w / 2) * width,
                   (y + h / 2) * height, (x + w / 2) * width)
            candidates.append((scores[best], _flat(r, c, a), box))
    candidates.sort(key=lambda t: (-t[0], t[1]))
    kept = []
    for score, index, box in candidates:
        if len(kept) == max_boxes:
            break
        as_xy = (box[1], box[0], box[3], box[2])
        if all(iou(as_xy, (k[2][1], k[2][0], k[2][3], k[2][2])) <= iou_threshold
               for k in kept):
            kept.append((score, index, box))
    return [k[1] for k in kept], np.array([k[2] for k in kept]).reshape(-1, 4)


def _kept_flat_indices(scores, boxes, classes, outputs, image_shape):
    """Which flat grid box each returned row is (matched by exact pixel box)."""
    from engine.keras_models.yolo_numpy import boxes_to_corners_numpy, scale_boxes_numpy

    conf, xy, wh, _ = outputs
    every = scale_boxes_numpy(boxes_to_corners_numpy(xy, wh).reshape(-1, 4), image_shape)
    found = []
    for row in np.asarray(boxes, np.float32):
        matches = np.flatnonzero(np.all(every == row, axis=1))
        assert len(matches) == 1
        found.append(int(matches[0]))
    return found


def test_hand_made_reference_is_what_we_expect():
    outputs = _hand_made()
    kept, _ = _reference(outputs, (720., 1280.), 10, .6, .5)
    assert kept == [C, B, F]         # A is under B (IoU > .5), D and E score < .6
    assert _reference(outputs, (720., 1280.), 10, .5, .5)[0] == [C, B, F, E, D]
    assert _reference(outputs, (720., 1280.), 10, .6, .1)[0] == [C, B]   # F under B
    assert _reference(outputs, (720., 1280.), 2, .6, .5)[0] == [C, B]
    assert _reference(outputs, (720., 1280.), 10, .6, .95)[0] == [C, B, A, F]


SETTINGS = [(10, .6, .5), (10, .5, .5), (10, .6, .1), (2, .6, .5), (10, .6, .95),
            (1, .0, .5), (10, .9, .5)]


@pytest.mark.parametrize("max_boxes,score_threshold,iou_threshold", SETTINGS)
def test_yolo_eval_and_twins_match_reference(yolo, max_boxes, score_threshold,
                                             iou_threshold):
    from engine.keras_models.yolo_numpy import yolo_eval_numpy
    from engine.keras_models.yolo_stages import YoloCandidates

    outputs = _hand_made()
    shape = (720., 1280.)
    expect, expect_boxes = _reference(outputs, shape, max_boxes, score_threshold,
                                      iou_threshold)
    scores, boxes, classes = yolo.yolo_eval(outputs, shape, max_boxes, score_threshold,
                                            iou_threshold)
    assert _kept_flat_indices(scores, boxes, classes, outputs, shape) == expect
    np.testing.assert_allclose(boxes.numpy(), expect_boxes, rtol=1e-5, atol=1e-3)
    twin = yolo_eval_numpy(outputs, shape, max_boxes, score_threshold, iou_threshold)
    for ours, theirs in zip(twin, (scores, boxes, classes)):
        np.testing.assert_array_equal(ours, theirs.numpy())
    stages = YoloCandidates(outputs, shape).stages(score_threshold, iou_threshold,
                                                   max_boxes)
    assert list(stages.kept) == expect
    np.testing.assert_array_equal(stages.final_boxes, boxes.numpy())


def test_filter_boxes_course_function(yolo):
    conf, xy, wh, probs = _hand_made()
    corners = yolo.yolo_boxes_to_corners(xy, wh)
    scores, boxes, classes = yolo.yolo_filter_boxes(conf, corners, probs, threshold=.5)
    # row-major grid order: C (0,0,0), E (0,2,1), A, B (1,1,*), F (1,2,0), D (2,2,0)
    np.testing.assert_allclose(scores.numpy(), [.855, .56, .72, .765, .63, .5],
                               rtol=1e-5)
    assert classes.numpy().tolist() == [0, 2, 1, 1, 2, 1]
    np.testing.assert_allclose(boxes.numpy()[0], [0.05, 0.05, 0.25, 0.25], rtol=1e-5)


def test_non_max_suppression_course_function(yolo):
    scores = np.array([0.9, 0.8, 0.7, 0.6], np.float32)
    boxes = np.array([[0, 0, 10, 10], [1, 1, 11, 11], [20, 20, 30, 30],
                      [0, 0, 10, 9]], np.float32)
    classes = np.array([2, 2, 5, 7])
    s, b, c = yolo.yolo_non_max_suppression(scores, boxes, classes, max_boxes=10,
                                            iou_threshold=0.5)
    assert c.numpy().tolist() == [2, 5]
    s, b, c = yolo.yolo_non_max_suppression(scores, boxes, classes, max_boxes=1)
    assert s.numpy().tolist() == pytest.approx([0.9])


def test_yolo_head_decodes_like_darknet(yolo):
    from engine.keras_models.yolo_numpy import yolo_head_numpy
    from engine.keras_models.yolo_utils import YOLO_ANCHORS

    feats = np.zeros((1, 19, 19, 425), np.float32)
    conf, xy, wh, probs = (t.numpy() for t in yolo.yolo_head(feats, YOLO_ANCHORS, 80))
    assert conf.shape == (1, 19, 19, 5, 1) and probs.shape == (1, 19, 19, 5, 80)
    np.testing.assert_allclose(conf, 0.5)
    np.testing.assert_allclose(probs, 1 / 80, rtol=1e-6)
    # row 2, column 7: centre x = (7 + 0.5) / 19, y = (2 + 0.5) / 19
    np.testing.assert_allclose(xy[0, 2, 7, 3], [7.5 / 19, 2.5 / 19], rtol=1e-6)
    np.testing.assert_allclose(wh[0, 4, 4], YOLO_ANCHORS / 19, rtol=1e-6)
    rng = np.random.default_rng(0)
    feats = rng.normal(0, 2, (19, 19, 425)).astype(np.float32)
    tf_out = yolo.yolo_head(feats[None], YOLO_ANCHORS, 80)
    for ours, theirs in zip(yolo_head_numpy(feats, YOLO_ANCHORS, 80), tf_out):
        np.testing.assert_allclose(ours, theirs.numpy()[0], rtol=1e-5, atol=1e-7)
    for unbatched, batched in zip(yolo.yolo_head(feats, YOLO_ANCHORS, 80), tf_out):
        np.testing.assert_array_equal(unbatched.numpy(), batched.numpy()[0])


def _random_outputs(rng):
    """Head outputs like a real network's: most cells empty, some confident, classes
    peaked, boxes of every size so NMS has work."""
    conf = rng.beta(0.3, 1.5, (19, 19, 5, 1)).astype(np.float32)
    logits = rng.normal(0, 1, (19, 19, 5, 80)) * rng.uniform(0.5, 6, (19, 19, 5, 1))
    probs = np.exp(logits - logits.max(-1, keepdims=True))
    probs = (probs / probs.sum(-1, keepdims=True)).astype(np.float32)
    xy = rng.uniform(0, 1, (19, 19, 5, 2)).astype(np.float32)
    wh = rng.uniform(0.01, 0.6, (19, 19, 5, 2)).astype(np.float32)
    return conf, xy, wh, probs


def test_twins_keep_exactly_yolo_evals_boxes_on_200_random_outputs(yolo):
    from engine.keras_models.yolo_numpy import yolo_eval_numpy
    from engine.keras_models.yolo_stages import YoloCandidates

    rng = np.random.default_rng(2026)
    kept_total = 0
    for trial in range(200):
        outputs = _random_outputs(rng)
        settings = dict(max_boxes=int(rng.integers(1, 30)),
                        score_threshold=float(rng.uniform(0.2, 0.7)),
                        iou_threshold=float(rng.uniform(0.2, 0.8)))
        expect = [t.numpy() for t in yolo.yolo_eval(outputs, (720., 1280.), **settings)]
        twin = yolo_eval_numpy(outputs, (720., 1280.), **settings)
        cached = YoloCandidates(outputs, (720., 1280.)).final(**settings)
        for got in (twin, cached):
            for a, b in zip(got, expect):
                np.testing.assert_array_equal(a, b, err_msg=f"trial {trial}")
        kept_total += len(expect[0])
    assert kept_total > 200       # the trials do keep boxes (not 200 empty answers)


def test_stages_record_every_suppression():
    from engine.keras_models.yolo_numpy import iou_one_to_many
    from engine.keras_models.yolo_stages import YoloCandidates

    outputs = _hand_made()
    candidates = YoloCandidates(outputs, (720., 1280.))
    stages = candidates.stages(.6, .5, 10)
    assert stages.boxes.shape == (GRID * GRID * ANCHORS, 4)
    assert sorted(stages.after_filter.tolist()) == sorted([A, B, C, F])
    assert [s.kept for s in stages.nms_steps] == [C, B, F]
    assert [s.suppressed.tolist() for s in stages.nms_steps] == [[], [A], []]
    expect_iou = iou_one_to_many(stages.boxes[B], stages.boxes[[A]])
    np.testing.assert_array_equal(stages.nms_steps[1].suppressed_iou, expect_iou)
    assert stages.nms_steps[1].suppressed_iou[0] > .5
    assert stages.cell_of(B) == (1, 1, 1)
    assert stages.cell_boxes(1, 1).tolist() == [A, B]
    assert candidates.cell_class_map()[0, 0] == 0 and candidates.cell_class_map()[1, 1] == 1
    # a class switched off in the viewer: B and A (class 1) go, nothing else moves
    only = candidates.stages(.6, .5, 10, allowed_classes={0, 2})
    assert only.kept.tolist() == [C, F]


def test_stages_from_raw_features_match_course_path(yolo):
    from engine.keras_models.yolo_stages import YoloCandidates
    from engine.keras_models.yolo_utils import YOLO_ANCHORS

    feats = np.random.default_rng(5).normal(0, 3, (1, 19, 19, 425)).astype(np.float32)
    head = [t[0] for t in yolo.yolo_head(feats, YOLO_ANCHORS, 80)]
    expect = yolo.yolo_eval(head, (720., 1280.), 10, .3, .5)
    stages = YoloCandidates(head, (720., 1280.)).stages(.3, .5, 10)
    assert stages.boxes.shape == (1805, 4)
    np.testing.assert_array_equal(stages.final_boxes, expect[1].numpy())
    approx = YoloCandidates.from_features(feats, YOLO_ANCHORS, 80, (720., 1280.))
    assert approx.pixel_boxes.shape == (1805, 4)


# ---- yolo_utils -------------------------------------------------------------------

def test_read_classes_and_anchors_course_formats(tmp_path):
    from engine.keras_models.yolo_utils import (COCO_CLASSES, YOLO_ANCHORS,
                                                read_anchors, read_classes)

    assert len(COCO_CLASSES) == 80 and COCO_CLASSES[2] == "car" and COCO_CLASSES[5] == "bus"
    (tmp_path / "coco_classes.txt").write_text("\n".join(COCO_CLASSES) + "\n")
    assert read_classes(tmp_path / "coco_classes.txt") == list(COCO_CLASSES)
    (tmp_path / "yolo_anchors.txt").write_text(
        "0.57273, 0.677385, 1.87446, 2.06253, 3.33843, 5.47434, 7.88282, 3.52778, "
        "9.77052, 9.16828\n")
    np.testing.assert_array_equal(read_anchors(tmp_path / "yolo_anchors.txt"),
                                  YOLO_ANCHORS)
    (tmp_path / "bad.txt").write_text("0.5, 0.6, 1.0\n")
    with pytest.raises(LessonError, match="pairs"):
        read_anchors(tmp_path / "bad.txt")
    (tmp_path / "words.txt").write_text("wide, tall\n")
    with pytest.raises(LessonError, match="numbers"):
        read_anchors(tmp_path / "words.txt")
    (tmp_path / "binary.txt").write_bytes(b"\xff\xfe\x00\x81" * 10)
    with pytest.raises(LessonError, match="not a text file"):
        read_classes(tmp_path / "binary.txt")
    with pytest.raises(LessonError, match="not found"):
        read_classes(tmp_path / "absent.txt")


def test_generate_colors_is_fixed_and_leaves_random_alone():
    import random

    from engine.keras_models.yolo_utils import COCO_CLASSES, generate_colors

    random.seed(7)
    before = random.random()
    random.seed(7)
    colors = generate_colors(COCO_CLASSES)
    assert random.random() == before
    assert colors == generate_colors(COCO_CLASSES) and len(set(colors)) == 80


def test_preprocess_image_and_bad_pictures(tmp_path):
    from PIL import Image

    from engine.keras_models.yolo_utils import preprocess_image

    Image.new("RGBA", (128, 72), (255, 0, 0, 128)).save(tmp_path / "a.png")
    image, data = preprocess_image(tmp_path / "a.png", model_image_size=(608, 608))
    assert image.size == (128, 72) and image.mode == "RGB"
    assert data.shape == (1, 608, 608, 3) and data.dtype == np.float32
    assert data.max() == pytest.approx(1.0)
    (tmp_path / "fake.jpg").write_text("not a picture")
    with pytest.raises(LessonError, match="fake.jpg is not an image"):
        preprocess_image(tmp_path / "fake.jpg", (608, 608))
    with pytest.raises(LessonError, match="not found"):
        preprocess_image(tmp_path / "absent.jpg", (608, 608))


# ---- predict ------------------------------------------------------------------------

def _constant_detector(keras, size=64, grid=2):
    """A model whose every cell predicts one 'car' box of anchor 0 with p_c ~ 1: the
    kernel is zero and the bias carries the prediction."""
    inputs = keras.Input((size, size, 3))
    x = keras.layers.Conv2D(5 * 85, size // grid, strides=size // grid,
                            name="head")(inputs)
    model = keras.Model(inputs, x)
    kernel, bias = model.get_layer("head").get_weights()
    bias[:] = -10.0                       # every other anchor: p_c ~ 0
    bias[4] = 10.0                        # anchor 0: p_c = sigmoid(10)
    bias[0:4] = 0.0                       # centred in its cell, the anchor's size
    bias[5:85] = 0.0
    bias[5 + 2] = 10.0                    # class 2, "car"
    model.get_layer("head").set_weights([np.zeros_like(kernel), bias])
    return model


def test_predict_prints_boxes_and_saves_the_picture(yolo, tmp_path, capsys,
                                                   monkeypatch):
    from PIL import Image

    from engine.keras_models.job_callback import load_tensorflow

    keras = load_tensorflow()[1]
    model = _constant_detector(keras)
    (tmp_path / "images").mkdir()
    Image.new("RGB", (200, 100), (90, 90, 90)).save(tmp_path / "images" / "road.jpg")
    anchors = np.array([[0.5, 0.5]] * 5, np.float32)     # 0.25 of the picture
    monkeypatch.chdir(tmp_path)       # the course's layout: images/ in, out/ out
    scores, boxes, classes = yolo.predict("road.jpg", model, anchors=anchors)
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0] == "Found 4 boxes for road.jpg"
    assert classes.tolist() == [2, 2, 2, 2]
    score = 1 / (1 + math.exp(-10)) * math.exp(10) / (math.exp(10) + 79)
    np.testing.assert_allclose(scores, score, rtol=1e-5)
    # cell (0, 0): x 0.125..0.375 of 200 px, y 0.125..0.375 of 100 px
    assert f"car {score:.2f} (25, 13) (75, 38)" in lines[1:]
    assert f"car {score:.2f} (125, 63) (175, 88)" in lines[1:]
    assert len(lines) == 5
    saved = Image.open(tmp_path / "out" / "road.jpg")
    assert saved.size == (200, 100)
    assert np.asarray(saved).std() > 1      # boxes drawn on the flat grey picture


COURSE_PREDICT = """Found 7 boxes for test.jpg
car 0.60 (925, 285) (1045, 374)
car 0.66 (706, 279) (786, 350)
bus 0.67 (5, 266) (220, 407)
car 0.70 (947, 324) (1280, 705)
car 0.74 (159, 303) (346, 440)
car 0.80 (761, 282) (942, 412)
car 0.89 (367, 300) (745, 648)"""


def test_course_predict_lines_from_its_boxes(capsys):
    """The course's printed result for test.jpg, rebuilt from its seven boxes as
    yolo_eval returns them (best first, (top, left, bottom, right), 720x1280): the
    lines come out in the course's order and format, the right box clipped at 1280."""
    from PIL import Image

    from engine.keras_models.yolo_detector import Detections
    from engine.keras_models.yolo_utils import (COCO_CLASSES, draw_boxes,
                                                generate_colors)

    rows = [line.split() for line in COURSE_PREDICT.splitlines()[1:]][::-1]
    scores = np.array([float(r[1]) for r in rows], np.float32)
    classes = np.array([COCO_CLASSES.index(r[0]) for r in rows])
    boxes = np.array([[int(r[3][:-1]), int(r[2][1:-1]), int(r[5][:-1]) + 0.3,
                       int(r[4][1:-1]) + (20.7 if r[4] == "(1280," else 0.2)]
                      for r in rows], np.float32)
    found = Detections((720., 1280.), scores, boxes, classes, list(COCO_CLASSES), None,
                       None)
    assert "\n".join(found.lines("test.jpg")) == COURSE_PREDICT
    image = Image.new("RGB", (1280, 720))
    draw_boxes(image, scores, boxes, classes, list(COCO_CLASSES),
               generate_colors(COCO_CLASSES))
    assert capsys.readouterr().out.strip() == "\n".join(COURSE_PREDICT.splitlines()[1:])
    assert found.rows()[0] == {"class": "car", "class_index": 2, "score": 0.89,
                               "left": 367, "top": 300, "right": 745, "bottom": 648}
