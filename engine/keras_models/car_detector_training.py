"""Training the embedded car detector on procedural road scenes, one epoch at a time.

Used by ``weights/train_car_detector.py`` (the shipped weights) and by the lesson's
"Train the detector" tab. Each epoch draws fresh scenes (seeds ``epoch * n + k``), so
the network never sees the same picture twice; the held-out set uses seeds from
``HELD_OUT_SEED`` on, which training never reaches.
"""
from __future__ import annotations

import queue
import threading

import numpy as np

from engine.data.road_scenes import training_scene
from engine.keras_models import car_detector as cd
from engine.keras_models.detection_metrics import ap_per_class, mean_ap
from engine.keras_models.yolo_loss import (LOSS_TERMS, preprocess_true_boxes, true_box_array,
                                           yolo_loss_terms)

HELD_OUT_SEED = 900_000_000
ANCHOR_SEED = 800_000_000
MAX_TRUE_BOXES = 24


def anchors_from_scenes(count: int = 1500, seed: int = ANCHOR_SEED) -> np.ndarray:
    """k-means anchors (grid cells) on the boxes of ``count`` training scenes."""
    wh = []
    for s in range(seed, seed + count):
        b = training_scene(s).boxes
        wh.append(np.stack([b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]], -1))
    wh = np.concatenate(wh) * cd.GRID / cd.INPUT_SIZE
    return cd.kmeans_anchors(wh)


def make_batch(seeds, anchors):
    """Images and YOLO targets of the scenes ``seeds``."""
    images, true, masks, matching = [], [], [], []
    size = (cd.INPUT_SIZE, cd.INPUT_SIZE)
    for s in seeds:
        scene = training_scene(int(s))
        images.append(scene.image)
        m, t = preprocess_true_boxes(scene.boxes, scene.classes, anchors, size,
                                     (cd.GRID, cd.GRID))
        masks.append(m)
        matching.append(t)
        true.append(true_box_array(scene.boxes, size, MAX_TRUE_BOXES))
    return (cd.preprocess(np.stack(images)), np.stack(true), np.stack(masks),
            np.stack(matching))


def batches(epoch: int, scenes: int, batch_size: int, anchors, seed_base: int = 0):
    """The epoch's batches, drawn one ahead in a thread (drawing overlaps training)."""
    seeds = seed_base + epoch * scenes + np.arange(scenes)
    chunks = [seeds[k:k + batch_size] for k in range(0, scenes, batch_size)]
    q: queue.Queue = queue.Queue(maxsize=2)
    done = threading.Event()    # the consumer stopped (Stop pressed, an error)

    def put(item) -> bool:
        while not done.is_set():
            try:
                q.put(item, timeout=0.25)
                return True
            except queue.Full:
                continue
        return False

    def produce():
        for chunk in chunks:
            if not put(make_batch(chunk, anchors)):
                return
        put(None)

    threading.Thread(target=produce, daemon=True, name="scene-batches").start()
    try:
        while (item := q.get()) is not None:
            yield item
    finally:
        done.set()


class DetectorTrainer:
    """A model, its optimizer and a compiled training step returning the four terms."""

    def __init__(self, model, anchors, learning_rate=1e-3):
        from engine.keras_models.job_callback import load_tensorflow

        tf, keras = load_tensorflow()
        self.model, self.anchors = model, np.asarray(anchors, np.float32)
        self.optimizer = keras.optimizers.Adam(learning_rate)
        anchors_c = self.anchors

        @tf.function(reduce_retracing=True)
        def step(x, true, mask, matching):
            with tf.GradientTape() as tape:
                out = model(x, training=True)
                terms = yolo_loss_terms(out, true, mask, matching, anchors_c, cd.NUM_CLASSES)
                total = tf.add_n(list(terms.values())) / tf.cast(tf.shape(x)[0], tf.float32)
            grads = tape.gradient(total, model.trainable_variables)
            grads, _ = tf.clip_by_global_norm(grads, 10.0)
            self.optimizer.apply_gradients(zip(grads, model.trainable_variables))
            return terms

        self._step = step

    def set_learning_rate(self, value: float) -> None:
        self.optimizer.learning_rate.assign(value)

    def train_batch(self, batch) -> dict[str, float]:
        """One optimizer step; the loss terms per image."""
        x = batch[0]
        terms = self._step(*batch)
        return {k: float(v) / len(x) for k, v in terms.items()}


def predict_raw(model, images: np.ndarray, batch_size: int = 32) -> np.ndarray:
    """Raw head outputs of uint8 images (N, 224, 224, 3)."""
    out = [np.asarray(model(cd.preprocess(images[k:k + batch_size]), training=False))
           for k in range(0, len(images), batch_size)]
    return np.concatenate(out)


def held_out_scenes(count: int = 300):
    return [training_scene(HELD_OUT_SEED + k) for k in range(count)]


def evaluate(model, anchors, scenes) -> dict:
    """AP@0.5 per class and mAP on ``scenes``."""
    raw = predict_raw(model, np.stack([s.image for s in scenes]))
    size = (cd.INPUT_SIZE, cd.INPUT_SIZE)
    dets = [cd.boxes_per_class_nms(r, anchors, size) for r in raw]
    per = ap_per_class(dets, [(s.boxes, s.classes) for s in scenes], cd.NUM_CLASSES)
    return {"ap": {cd.CLASS_NAMES[k]: v for k, v in per.items()}, "map": mean_ap(per)}


__all__ = ["LOSS_TERMS", "DetectorTrainer", "anchors_from_scenes", "batches", "evaluate",
           "held_out_scenes", "make_batch", "predict_raw"]
