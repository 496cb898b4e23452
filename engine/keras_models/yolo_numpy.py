"""NumPy twins of the course's YOLO post-processing (``engine.keras_models.yolo``).

The viewer re-filters a cached network output on every slider move; doing that in
NumPy avoids a TensorFlow dispatch per move and keeps TensorFlow out of the UI
process's hot path. The twins keep EXACTLY the boxes ``yolo_eval`` keeps: every step
is the same float32 arithmetic in the same order (score = p_c * c_i, first-index
argmax, ``>=`` threshold, corners, scaling) and the NMS reproduces
``tf.image.non_max_suppression``: candidates by falling score (ties: lower index
first), IoU computed in float32 as TensorFlow's kernel does (min/max of the corners,
0 when a box has no area), a box suppressed when its IoU with a kept box is strictly
above the threshold, at most ``max_boxes`` kept.

No TensorFlow import here.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

F32 = np.float32


def _sigmoid(x):
    return (1.0 / (1.0 + np.exp(-x))).astype(F32)


def _softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return (e / e.sum(axis=-1, keepdims=True)).astype(F32)


def yolo_head_numpy(feats, anchors, num_classes):
    """NumPy ``yolo_head``: feats (S, S, A*(5+C)) or (m, S, S, A*(5+C)) -> the four
    arrays (box_confidence, box_xy, box_wh, box_class_probs) with the same shapes as
    the TensorFlow version (a batch axis only when the input had one). Values agree
    with TensorFlow's to float32 rounding (exp/softmax may differ in the last bit)."""
    feats = np.asarray(feats, dtype=F32)
    batched = feats.ndim == 4
    if not batched:
        feats = feats[None]
    anchors = np.asarray(anchors, dtype=F32).reshape(1, 1, 1, -1, 2)
    num_anchors = anchors.shape[3]
    m, grid_h, grid_w, depth = feats.shape
    if depth != num_anchors * (num_classes + 5):
        raise ValueError(f"the feature map has {depth} channels; {num_anchors} anchors "
                         f"x (5 + {num_classes} classes) = "
                         f"{num_anchors * (num_classes + 5)} expected")
    feats = feats.reshape(m, grid_h, grid_w, num_anchors, num_classes + 5)
    cols, rows = np.meshgrid(np.arange(grid_w, dtype=F32), np.arange(grid_h, dtype=F32))
    conv_index = np.stack([cols, rows], axis=-1).reshape(1, grid_h, grid_w, 1, 2)
    conv_dims = np.array([grid_w, grid_h], dtype=F32)
    box_xy = ((_sigmoid(feats[..., :2]) + conv_index) / conv_dims).astype(F32)
    box_wh = (np.exp(feats[..., 2:4]) * anchors / conv_dims).astype(F32)
    box_confidence = _sigmoid(feats[..., 4:5])
    box_class_probs = _softmax(feats[..., 5:])
    out = (box_confidence, box_xy, box_wh, box_class_probs)
    return out if batched else tuple(a[0] for a in out)


def boxes_to_corners_numpy(box_xy, box_wh):
    """(x, y) centre and (w, h) -> (y_min, x_min, y_max, x_max), float32."""
    box_xy = np.asarray(box_xy, dtype=F32)
    box_wh = np.asarray(box_wh, dtype=F32)
    half = box_wh / F32(2.0)
    mins = box_xy - half
    maxes = box_xy + half
    return np.concatenate([mins[..., 1:2], mins[..., 0:1],
                           maxes[..., 1:2], maxes[..., 0:1]], axis=-1)


def box_class_scores_numpy(box_confidence, box_class_probs):
    """Per box its best class and that class's score p_c * c_i (flattened, row-major
    like the course's boolean_mask): (scores (N,), classes (N,))."""
    box_scores = np.asarray(box_confidence, F32) * np.asarray(box_class_probs, F32)
    box_scores = box_scores.reshape(-1, box_scores.shape[-1])
    classes = np.argmax(box_scores, axis=-1)
    scores = box_scores[np.arange(len(classes)), classes]
    return scores, classes


def filter_boxes_numpy(box_confidence, boxes, box_class_probs, threshold=.6):
    """Twin of ``yolo_filter_boxes``: (scores, boxes, classes) of the boxes whose best
    class score is >= threshold."""
    scores, classes = box_class_scores_numpy(box_confidence, box_class_probs)
    boxes = np.asarray(boxes, F32).reshape(-1, 4)
    mask = scores >= F32(threshold)
    return scores[mask], boxes[mask], classes[mask]


def scale_boxes_numpy(boxes, image_shape):
    """Twin of ``scale_boxes``: corners in fractions -> pixels of (height, width)."""
    height, width = F32(image_shape[0]), F32(image_shape[1])
    return np.asarray(boxes, F32) * np.array([[height, width, height, width]], F32)


def iou_one_to_many(box, boxes):
    """IoU (float32) of one corner box with each of ``boxes``, as TensorFlow's NMS
    kernel computes it: corners may come in either order, a box without area gives 0."""
    box = np.asarray(box, F32)
    boxes = np.asarray(boxes, F32).reshape(-1, 4)
    ymin_i, ymax_i = min(box[0], box[2]), max(box[0], box[2])
    xmin_i, xmax_i = min(box[1], box[3]), max(box[1], box[3])
    ymin_j = np.minimum(boxes[:, 0], boxes[:, 2])
    ymax_j = np.maximum(boxes[:, 0], boxes[:, 2])
    xmin_j = np.minimum(boxes[:, 1], boxes[:, 3])
    xmax_j = np.maximum(boxes[:, 1], boxes[:, 3])
    area_i = (ymax_i - ymin_i) * (xmax_i - xmin_i)
    area_j = (ymax_j - ymin_j) * (xmax_j - xmin_j)
    inter_h = np.maximum(np.minimum(ymax_i, ymax_j) - np.maximum(ymin_i, ymin_j), F32(0))
    inter_w = np.maximum(np.minimum(xmax_i, xmax_j) - np.maximum(xmin_i, xmin_j), F32(0))
    inter = inter_h * inter_w
    with np.errstate(divide="ignore", invalid="ignore"):
        out = inter / ((area_j + area_i) - inter)
    return np.where((area_i <= 0) | (area_j <= 0), F32(0), out).astype(F32)


@dataclass
class NmsStep:
    """One round of greedy NMS: the box kept and the boxes it removed (indices into
    the arrays given to ``nms_numpy``) with their IoU with the kept box."""
    kept: int
    kept_score: float
    suppressed: np.ndarray
    suppressed_iou: np.ndarray


def _corner_table(boxes):
    """(ymin, xmin, ymax, xmax, area) per box, float32, as the NMS kernel orders the
    corners; computed once per NMS call instead of once per round."""
    ymin = np.minimum(boxes[:, 0], boxes[:, 2])
    ymax = np.maximum(boxes[:, 0], boxes[:, 2])
    xmin = np.minimum(boxes[:, 1], boxes[:, 3])
    xmax = np.maximum(boxes[:, 1], boxes[:, 3])
    return ymin, xmin, ymax, xmax, (ymax - ymin) * (xmax - xmin)


def nms_numpy(boxes, scores, max_boxes=10, iou_threshold=0.5, record_steps=False):
    """Twin of ``tf.image.non_max_suppression``: the kept indices, best first (and the
    list of ``NmsStep`` when ``record_steps``)."""
    boxes = np.asarray(boxes, F32).reshape(-1, 4)
    scores = np.asarray(scores, F32).reshape(-1)
    order = np.argsort(-scores, kind="stable")
    threshold = F32(iou_threshold)
    # the table in score order, so each round slices instead of gathering
    ymin, xmin, ymax, xmax, area = (a[order] for a in _corner_table(boxes))
    alive = np.arange(order.size)            # positions (in score order) not removed
    keep, steps = [], []
    zero = F32(0)
    while alive.size and len(keep) < int(max_boxes):
        best, rest = int(alive[0]), alive[1:]
        keep.append(int(order[best]))
        inter = (np.maximum(np.minimum(ymax[best], ymax[rest])
                            - np.maximum(ymin[best], ymin[rest]), zero)
                 * np.maximum(np.minimum(xmax[best], xmax[rest])
                              - np.maximum(xmin[best], xmin[rest]), zero))
        with np.errstate(divide="ignore", invalid="ignore"):
            overlaps = inter / ((area[rest] + area[best]) - inter)
        if area[best] <= 0:
            overlaps[:] = 0
        else:
            overlaps[area[rest] <= 0] = 0
        removed = overlaps > threshold
        if record_steps:
            steps.append(NmsStep(int(order[best]), float(scores[order[best]]),
                                 order[rest[removed]], overlaps[removed]))
        alive = rest[~removed]
    keep = np.asarray(keep, dtype=np.int64)
    return (keep, steps) if record_steps else keep


def non_max_suppression_numpy(scores, boxes, classes, max_boxes=10, iou_threshold=0.5):
    """Twin of ``yolo_non_max_suppression``."""
    keep = nms_numpy(boxes, scores, max_boxes, iou_threshold)
    return (np.asarray(scores)[keep], np.asarray(boxes)[keep].reshape(-1, 4),
            np.asarray(classes)[keep])


def yolo_eval_numpy(yolo_outputs, image_shape=(720., 1280.), max_boxes=10,
                    score_threshold=.6, iou_threshold=.5):
    """Twin of ``yolo_eval`` (one picture's head outputs, no batch axis, or a batch
    of one)."""
    box_confidence, box_xy, box_wh, box_class_probs = yolo_outputs
    boxes = boxes_to_corners_numpy(box_xy, box_wh)
    scores, boxes, classes = filter_boxes_numpy(box_confidence, boxes, box_class_probs,
                                                threshold=score_threshold)
    boxes = scale_boxes_numpy(boxes, image_shape)
    return non_max_suppression_numpy(scores, boxes, classes, max_boxes=max_boxes,
                                     iou_threshold=iou_threshold)
