"""Average precision of a detector at IoU 0.5, per class (PASCAL VOC's all-point AP).

For each class, the detections of all images are sorted by score; walking down the
list, a detection is a true positive when it overlaps a not-yet-matched ground-truth
box of its class in its image by at least ``iou_threshold``, else a false positive.
AP is the area under the precision-recall curve with precision made monotone (the
envelope), as PASCAL VOC 2010+ and COCO's AP50 compute it.
"""
from __future__ import annotations

import numpy as np


def box_iou(box: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """IoU of one corner box (x1, y1, x2, y2) with each of ``boxes`` (N, 4)."""
    iw = np.clip(np.minimum(box[2], boxes[:, 2]) - np.maximum(box[0], boxes[:, 0]), 0, None)
    ih = np.clip(np.minimum(box[3], boxes[:, 3]) - np.maximum(box[1], boxes[:, 1]), 0, None)
    inter = iw * ih
    union = ((box[2] - box[0]) * (box[3] - box[1])
             + (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1]) - inter)
    return inter / np.maximum(union, 1e-9)


def average_precision(recall: np.ndarray, precision: np.ndarray) -> float:
    """Area under the precision envelope (all points)."""
    r = np.concatenate([[0.0], recall, [1.0]])
    p = np.concatenate([[0.0], precision, [0.0]])
    p = np.maximum.accumulate(p[::-1])[::-1]
    steps = np.nonzero(r[1:] != r[:-1])[0]
    return float(np.sum((r[steps + 1] - r[steps]) * p[steps + 1]))


def ap_per_class(detections, ground_truth, num_classes: int,
                 iou_threshold: float = 0.5) -> dict[int, float | None]:
    """AP of each class over a set of images.

    ``detections``: per image ``(boxes (N, 4), scores (N,), classes (N,))``;
    ``ground_truth``: per image ``(boxes (M, 4), classes (M,))``. A class with no
    ground truth anywhere gets ``None`` (no AP is defined).
    """
    result = {}
    for cls in range(num_classes):
        truth = [np.asarray(b, np.float64)[np.asarray(c) == cls] for b, c in ground_truth]
        total = sum(len(t) for t in truth)
        if total == 0:
            result[cls] = None
            continue
        found = []
        for img, (boxes, scores, classes) in enumerate(detections):
            pick = np.asarray(classes) == cls
            for box, score in zip(np.asarray(boxes, np.float64)[pick], np.asarray(scores)[pick]):
                found.append((float(score), img, box))
        found.sort(key=lambda item: -item[0])
        used = [np.zeros(len(t), bool) for t in truth]
        hits = np.zeros(len(found))
        for n, (_, img, box) in enumerate(found):
            if len(truth[img]) == 0:
                continue
            ious = box_iou(box, truth[img])
            best = int(np.argmax(ious))
            if ious[best] >= iou_threshold and not used[img][best]:
                used[img][best] = True
                hits[n] = 1
        tp = np.cumsum(hits)
        fp = np.cumsum(1 - hits)
        recall = tp / total
        precision = tp / np.maximum(tp + fp, 1e-9)
        result[cls] = average_precision(recall, precision)
    return result


def mean_ap(per_class: dict[int, float | None]) -> float:
    values = [v for v in per_class.values() if v is not None]
    return float(np.mean(values)) if values else 0.0


def recall_at(detections, ground_truth, cls: int, iou_threshold: float = 0.5) -> float:
    """Fraction of the ground-truth boxes of ``cls`` that some detection of ``cls``
    overlaps by at least ``iou_threshold`` (each detection used once)."""
    total = hit = 0
    for (boxes, _scores, classes), (tboxes, tclasses) in zip(detections, ground_truth):
        truth = np.asarray(tboxes, np.float64)[np.asarray(tclasses) == cls]
        mine = np.asarray(boxes, np.float64)[np.asarray(classes) == cls]
        used = np.zeros(len(mine), bool)
        total += len(truth)
        for t in truth:
            if len(mine) == 0:
                break
            ious = box_iou(t, mine)
            ious[used] = -1
            best = int(np.argmax(ious))
            if ious[best] >= iou_threshold:
                used[best] = True
                hit += 1
    return hit / total if total else 1.0
