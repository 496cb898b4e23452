"""Every intermediate result of YOLOv2's post-processing on one picture, for the
viewer's step-through and its sliders (NumPy only, no TensorFlow).

``YoloCandidates`` caches what does not depend on the sliders (the S*S*A boxes, their
best class and score, computed once per network output); ``candidates.stages(...)``
then gives, for any score threshold / IoU threshold / max boxes / set of classes:

- all boxes (1,805 for YOLOv2 at 608) with score, class, cell and anchor;
- the boxes left by the score filter;
- NMS round by round: the box kept, the boxes it suppressed and their IoU;
- the final boxes, in the order and pixels ``yolo_eval`` returns them.

With every class allowed the final boxes are exactly ``yolo_eval``'s (the same twins
as ``yolo_numpy``). Box indices are into the flattened (row, column, anchor) grid, so
``cell_of(i)`` finds a box's cell.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from engine.keras_models.yolo_numpy import (F32, NmsStep, box_class_scores_numpy,
                                            boxes_to_corners_numpy, nms_numpy,
                                            scale_boxes_numpy, yolo_head_numpy)


@dataclass
class YoloStages:
    grid_shape: tuple[int, int]       # (rows, columns) of the grid
    num_anchors: int
    image_shape: tuple[float, float]  # (height, width) the pixel boxes refer to
    boxes: np.ndarray                 # (N, 4) every candidate, (y1, x1, y2, x2) pixels
    scores: np.ndarray                # (N,) best class score p_c * c_i
    classes: np.ndarray               # (N,) best class
    confidence: np.ndarray            # (N,) p_c
    after_filter: np.ndarray          # indices of the boxes passing the score filter
    nms_steps: list[NmsStep] = field(default_factory=list)   # indices into all boxes
    kept: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))

    @property
    def final_scores(self):
        return self.scores[self.kept]

    @property
    def final_boxes(self):
        return self.boxes[self.kept]

    @property
    def final_classes(self):
        return self.classes[self.kept]

    def cell_of(self, index: int) -> tuple[int, int, int]:
        """(row, column, anchor) of box ``index``."""
        cell, anchor = divmod(int(index), self.num_anchors)
        row, col = divmod(cell, self.grid_shape[1])
        return row, col, anchor

    def cell_boxes(self, row: int, col: int) -> np.ndarray:
        """Indices of the A boxes of one cell (the anchors in order)."""
        start = (int(row) * self.grid_shape[1] + int(col)) * self.num_anchors
        return np.arange(start, start + self.num_anchors)


class YoloCandidates:
    """One picture's head outputs, reduced once to per-box corners / score / class so
    that a slider move costs a mask, a multiply and the NMS loop."""

    def __init__(self, yolo_outputs, image_shape):
        box_confidence, box_xy, box_wh, box_class_probs = (
            np.asarray(a, F32) for a in yolo_outputs)
        if box_confidence.ndim == 5:          # a batch of one
            if box_confidence.shape[0] != 1:
                raise ValueError("YoloCandidates takes one picture's head outputs")
            box_confidence, box_xy, box_wh, box_class_probs = (
                a[0] for a in (box_confidence, box_xy, box_wh, box_class_probs))
        rows, cols, anchors = box_confidence.shape[:3]
        self.grid_shape = (int(rows), int(cols))
        self.num_anchors = int(anchors)
        self.num_classes = int(box_class_probs.shape[-1])
        self.image_shape = (float(image_shape[0]), float(image_shape[1]))
        self.class_probs = box_class_probs.reshape(-1, self.num_classes)
        self.confidence = box_confidence.reshape(-1)
        self.corners = boxes_to_corners_numpy(box_xy, box_wh).reshape(-1, 4)
        self.scores, self.classes = box_class_scores_numpy(box_confidence,
                                                           box_class_probs)
        self.pixel_boxes = scale_boxes_numpy(self.corners, self.image_shape)

    @classmethod
    def from_features(cls, feats, anchors, num_classes, image_shape):
        """From a raw (S, S, A*(5+C)) map (or a batch of one) through the NumPy head."""
        feats = np.asarray(feats, F32)
        if feats.ndim == 4:
            feats = feats[0]
        return cls(yolo_head_numpy(feats, anchors, num_classes), image_shape)

    def cell_class_map(self) -> np.ndarray:
        """(rows, cols) class of each cell's highest p_c * c_i over its anchors: the
        course's picture with each cell coloured by its most likely class."""
        per_box = self.scores.reshape(*self.grid_shape, self.num_anchors)
        best_anchor = per_box.argmax(axis=-1)
        classes = self.classes.reshape(*self.grid_shape, self.num_anchors)
        return np.take_along_axis(classes, best_anchor[..., None], axis=-1)[..., 0]

    def filter_indices(self, score_threshold=.6, allowed_classes=None) -> np.ndarray:
        mask = self.scores >= F32(score_threshold)
        if allowed_classes is not None:
            mask &= np.isin(self.classes, np.asarray(list(allowed_classes), np.int64))
        return np.flatnonzero(mask)

    def final(self, score_threshold=.6, iou_threshold=.5, max_boxes=10,
              allowed_classes=None):
        """(scores, boxes, classes) as ``yolo_eval`` returns them (the slider path)."""
        idx = self.filter_indices(score_threshold, allowed_classes)
        keep = idx[nms_numpy(self.pixel_boxes[idx], self.scores[idx], max_boxes,
                             iou_threshold)]
        return self.scores[keep], self.pixel_boxes[keep], self.classes[keep]

    def stages(self, score_threshold=.6, iou_threshold=.5, max_boxes=10,
               allowed_classes=None) -> YoloStages:
        idx = self.filter_indices(score_threshold, allowed_classes)
        keep, steps = nms_numpy(self.pixel_boxes[idx], self.scores[idx], max_boxes,
                                iou_threshold, record_steps=True)
        # the steps index the filtered arrays: map them back to all boxes
        steps = [NmsStep(int(idx[s.kept]), s.kept_score, idx[s.suppressed],
                         s.suppressed_iou) for s in steps]
        return YoloStages(self.grid_shape, self.num_anchors, self.image_shape,
                          self.pixel_boxes, self.scores, self.classes, self.confidence,
                          idx, steps, idx[keep])
