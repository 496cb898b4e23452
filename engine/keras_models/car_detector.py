"""The embedded car detector: a small YOLOv2-style network the project trains itself.

Same output layout and decoding as YOLOv2 (a (S, S, A*(5+C)) feature map decoded by
``yolo_head``), but sized for a CPU: 224x224 input, a 14x14 grid, 5 anchors from
k-means on its training boxes and 4 classes (``CLASS_NAMES`` of the road scenes).
Strided convolutions replace most max-pools because on two CPU cores the early,
full-resolution layers are what a training epoch spends its time on.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from engine.keras_models.model_build import serialised_build
from engine.data.road_scenes import CLASS_NAMES

INPUT_SIZE = 224
GRID = 14
NUM_ANCHORS = 5
NUM_CLASSES = len(CLASS_NAMES)

# (filters, kernel, stride) of each convolution + batch norm + leaky ReLU 0.1
LAYERS = ((16, 3, 2), (32, 3, 2), (64, 3, 2), (64, 3, 1), (128, 3, 2),
          (192, 3, 1), (96, 1, 1), (192, 3, 1))

SHIPPED_DIR = Path(__file__).resolve().parents[2] / "weights" / "car_detector"
SHIPPED_WEIGHTS = SHIPPED_DIR / "car_detector.weights.h5"
SHIPPED_INFO = SHIPPED_DIR / "car_detector.json"


@serialised_build
def build_car_detector(num_anchors: int = NUM_ANCHORS, num_classes: int = NUM_CLASSES):
    """The network: 224x224x3 in [0, 1] -> (14, 14, A*(5+C)) raw head output."""
    from engine.keras_models.job_callback import load_tensorflow

    _, keras = load_tensorflow()
    layers = keras.layers
    x = inputs = keras.Input((INPUT_SIZE, INPUT_SIZE, 3), name="image")
    for k, (filters, size, stride) in enumerate(LAYERS, start=1):
        x = layers.Conv2D(filters, size, strides=stride, padding="same", use_bias=False,
                          name=f"conv{k}")(x)
        # momentum 0.9, not Keras's 0.99: an epoch here is only 16-32 steps, and with
        # 0.99 the moving statistics inference uses lag the weights for hundreds of steps
        x = layers.BatchNormalization(momentum=0.9, name=f"bn{k}")(x)
        x = layers.LeakyReLU(negative_slope=0.1, name=f"leaky{k}")(x)
    head = layers.Conv2D(num_anchors * (5 + num_classes), 1, name="head")
    out = head(x)
    # Start every anchor's objectness near sigmoid(-4) = 0.018: almost all of the
    # 980 anchors hold no object, and starting at 0.5 spends the first epoch (and
    # huge no-object gradients) just learning that.
    kernel, bias = head.get_weights()
    bias.reshape(num_anchors, 5 + num_classes)[:, 4] = -4.0
    head.set_weights([kernel, bias])
    return keras.Model(inputs, out, name="car_detector")


def kmeans_anchors(wh: np.ndarray, k: int = NUM_ANCHORS, seed: int = 0,
                   iterations: int = 100) -> np.ndarray:
    """YOLOv2's anchor choice: k-means on box (w, h) with distance 1 - IoU.

    ``wh`` is (N, 2) in grid cells; returns (k, 2) sorted by area.
    """
    rng = np.random.default_rng(seed)
    centres = wh[rng.choice(len(wh), k, replace=False)].astype(np.float64)
    for _ in range(iterations):
        inter = (np.minimum(wh[:, None, 0], centres[None, :, 0])
                 * np.minimum(wh[:, None, 1], centres[None, :, 1]))
        union = wh[:, None].prod(-1) + centres[None].prod(-1) - inter
        nearest = np.argmax(inter / union, axis=1)
        new = np.array([np.median(wh[nearest == j], axis=0) if np.any(nearest == j)
                        else centres[j] for j in range(k)])
        if np.allclose(new, centres):
            break
        centres = new
    return centres[np.argsort(centres.prod(-1))]


def preprocess(images: np.ndarray) -> np.ndarray:
    """uint8 (N, 224, 224, 3) RGB -> float32 in [0, 1], as the network was trained."""
    return np.asarray(images, np.float32) / 255.0


def read_info(path: Path = SHIPPED_INFO) -> dict:
    """How the shipped detector was trained (anchors, data, AP); {} if absent."""
    try:
        return json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return {}


def head_numpy(raw: np.ndarray, anchors: np.ndarray, num_classes: int = NUM_CLASSES):
    """``yolo_head`` in NumPy for one image's raw output (S, S, A*(5+C)): returns
    box_confidence (S,S,A,1), box_xy, box_wh (S,S,A,2, relative to the image) and
    box_class_probs (S,S,A,C)."""
    raw = np.asarray(raw, np.float64)
    gh, gw = raw.shape[:2]
    feats = raw.reshape(gh, gw, len(anchors), 5 + num_classes)
    cx, cy = np.meshgrid(np.arange(gw), np.arange(gh))
    index = np.stack([cx, cy], -1)[:, :, None, :]
    dims = np.array([gw, gh], np.float64)
    sig = lambda v: 1.0 / (1.0 + np.exp(-v))  # noqa: E731
    box_xy = (sig(feats[..., :2]) + index) / dims
    box_wh = np.exp(np.clip(feats[..., 2:4], -20, 20)) * np.asarray(anchors) / dims
    logits = feats[..., 5:] - feats[..., 5:].max(-1, keepdims=True)
    probs = np.exp(logits)
    probs /= probs.sum(-1, keepdims=True)
    return sig(feats[..., 4:5]), box_xy, box_wh, probs


def boxes_per_class_nms(raw, anchors, image_shape, score_threshold=0.005,
                        iou_threshold=0.45, max_boxes=100):
    """All boxes of one raw output, scored p_c x best class probability, with
    non-max suppression inside each class: what average precision is measured on.
    Returns corner boxes (x1, y1, x2, y2) in pixels of ``image_shape`` (h, w)."""
    from engine.keras_models.detection_metrics import box_iou

    conf, xy, wh, probs = head_numpy(raw, anchors)
    scores_all = conf * probs
    classes = scores_all.argmax(-1).ravel()
    scores = scores_all.max(-1).ravel()
    h, w = image_shape
    boxes = np.concatenate([xy - wh / 2, xy + wh / 2], -1).reshape(-1, 4) * [w, h, w, h]
    keep = scores >= score_threshold
    boxes, scores, classes = boxes[keep], scores[keep], classes[keep]
    out = []
    for cls in np.unique(classes):
        idx = np.nonzero(classes == cls)[0]
        idx = idx[np.argsort(-scores[idx])]
        while len(idx):
            out.append(idx[0])
            if len(idx) == 1:
                break
            idx = idx[1:][box_iou(boxes[idx[0]], boxes[idx[1:]]) <= iou_threshold]
    out = np.array(sorted(out, key=lambda i: -scores[i])[:max_boxes], int)
    return boxes[out].reshape(-1, 4), scores[out], classes[out]
