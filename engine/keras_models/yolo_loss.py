"""YOLOv2's training loss, as YAD2K's ``yolo_loss`` computes it, with its four terms
kept apart so a page can plot them: coordinates, objectness, no-object and class.

The targets come from ``preprocess_true_boxes`` (also YAD2K's): each ground-truth box
is given to the grid cell holding its centre and to the anchor whose shape matches it
best (IoU of the widths and heights); that anchor is asked for the box's offsets in
the cell, log-ratios of its size to the anchor, objectness 1 and the class. Every
other anchor is pushed towards objectness 0 unless its predicted box already overlaps
a true box by more than 0.6 (then it is not punished for seeing it).
"""
from __future__ import annotations

import numpy as np

OBJECT_SCALE = 5.0
NO_OBJECT_SCALE = 1.0
CLASS_SCALE = 1.0
COORDINATES_SCALE = 1.0
IGNORE_IOU = 0.6
LOSS_TERMS = ("coordinates", "objectness", "no_object", "class")


def preprocess_true_boxes(boxes: np.ndarray, classes: np.ndarray, anchors: np.ndarray,
                          image_size: tuple[int, int], grid: tuple[int, int]):
    """Targets of one image.

    ``boxes`` are (N, 4) corners x1, y1, x2, y2 in pixels of an image of
    ``image_size`` (height, width); ``anchors`` (A, 2) in grid cells. Returns
    ``detectors_mask`` (gh, gw, A, 1) and ``matching_true_boxes`` (gh, gw, A, 5) holding
    (x offset in cell, y offset, log w/anchor w, log h/anchor h, class).
    """
    height, width = image_size
    gh, gw = grid
    num_anchors = len(anchors)
    mask = np.zeros((gh, gw, num_anchors, 1), np.float32)
    matching = np.zeros((gh, gw, num_anchors, 5), np.float32)
    for (x1, y1, x2, y2), cls in zip(boxes, classes):
        cx, cy = (x1 + x2) / 2 / width * gw, (y1 + y2) / 2 / height * gh
        bw, bh = (x2 - x1) / width * gw, (y2 - y1) / height * gh
        if bw <= 0 or bh <= 0:
            continue
        i, j = min(int(cy), gh - 1), min(int(cx), gw - 1)
        inter = np.minimum(anchors[:, 0], bw) * np.minimum(anchors[:, 1], bh)
        ious = inter / (bw * bh + anchors[:, 0] * anchors[:, 1] - inter)
        k = int(np.argmax(ious))
        mask[i, j, k] = 1
        matching[i, j, k] = (cx - j, cy - i, np.log(bw / anchors[k, 0]),
                             np.log(bh / anchors[k, 1]), cls)
    return mask, matching


def true_box_array(boxes: np.ndarray, image_size: tuple[int, int], max_boxes: int):
    """(max_boxes, 4) centre x, y, w, h relative to the image, zero-padded, for the
    no-object term's overlap test (YAD2K's ``true_boxes`` input)."""
    height, width = image_size
    out = np.zeros((max_boxes, 4), np.float32)
    b = np.asarray(boxes, np.float32)[:max_boxes]
    if len(b):
        out[:len(b)] = np.stack([(b[:, 0] + b[:, 2]) / 2 / width, (b[:, 1] + b[:, 3]) / 2 / height,
                                 (b[:, 2] - b[:, 0]) / width, (b[:, 3] - b[:, 1]) / height], -1)
    return out


def decode_head(feats, anchors, num_classes):
    """YAD2K's ``yolo_head`` in TensorFlow (same maths as the course function), kept
    here so the loss does not depend on the lesson module's eager helpers."""
    import tensorflow as tf

    num_anchors = len(anchors)
    shape = tf.shape(feats)
    gh, gw = shape[1], shape[2]
    feats = tf.reshape(feats, [-1, gh, gw, num_anchors, num_classes + 5])
    col = tf.cast(tf.range(gw), feats.dtype)
    row = tf.cast(tf.range(gh), feats.dtype)
    cx, cy = tf.meshgrid(col, row)                     # (gh, gw) each
    index = tf.reshape(tf.stack([cx, cy], -1), [1, gh, gw, 1, 2])
    dims = tf.cast(tf.reshape(tf.stack([gw, gh]), [1, 1, 1, 1, 2]), feats.dtype)
    anchors_t = tf.reshape(tf.constant(anchors, feats.dtype), [1, 1, 1, num_anchors, 2])
    box_xy = (tf.sigmoid(feats[..., :2]) + index) / dims
    box_wh = tf.exp(feats[..., 2:4]) * anchors_t / dims
    box_confidence = tf.sigmoid(feats[..., 4:5])
    box_class_probs = tf.nn.softmax(feats[..., 5:])
    return box_confidence, box_xy, box_wh, box_class_probs, feats


def yolo_loss_terms(yolo_output, true_boxes, detectors_mask, matching_true_boxes,
                    anchors, num_classes, rescore_confidence=False):
    """The four terms of YAD2K's ``yolo_loss``, each summed over the batch and halved
    (their sum is YAD2K's total). Returns a dict keyed by ``LOSS_TERMS``."""
    import tensorflow as tf

    confidence, pred_xy, pred_wh, class_probs, feats = decode_head(
        yolo_output, anchors, num_classes)
    pred_boxes = tf.concat([tf.sigmoid(feats[..., 0:2]), feats[..., 2:4]], -1)
    # overlap of every predicted box with every true box of its image
    pxy, pwh = pred_xy[..., None, :], pred_wh[..., None, :]           # (b,gh,gw,A,1,2)
    t = true_boxes[:, None, None, None, :, :]                         # (b,1,1,1,T,4)
    txy, twh = t[..., 0:2], t[..., 2:4]
    inter_wh = tf.maximum(tf.minimum(pxy + pwh / 2, txy + twh / 2)
                          - tf.maximum(pxy - pwh / 2, txy - twh / 2), 0.0)
    inter = inter_wh[..., 0] * inter_wh[..., 1]
    union = pwh[..., 0] * pwh[..., 1] + twh[..., 0] * twh[..., 1] - inter
    best_ious = tf.reduce_max(inter / tf.maximum(union, 1e-9), axis=-1)[..., None]
    seen = tf.cast(best_ious > IGNORE_IOU, confidence.dtype)
    no_object = NO_OBJECT_SCALE * (1 - seen) * (1 - detectors_mask) * tf.square(confidence)
    target = tf.stop_gradient(best_ious) if rescore_confidence else 1.0
    objects = OBJECT_SCALE * detectors_mask * tf.square(target - confidence)
    classes = tf.one_hot(tf.cast(matching_true_boxes[..., 4], tf.int32), num_classes)
    class_loss = CLASS_SCALE * detectors_mask * tf.square(classes - class_probs)
    coords = COORDINATES_SCALE * detectors_mask * tf.square(matching_true_boxes[..., 0:4]
                                                            - pred_boxes)
    return {"coordinates": 0.5 * tf.reduce_sum(coords),
            "objectness": 0.5 * tf.reduce_sum(objects),
            "no_object": 0.5 * tf.reduce_sum(no_object),
            "class": 0.5 * tf.reduce_sum(class_loss)}
