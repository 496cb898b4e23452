"""Lesson 4.5: car detection with YOLOv2.

``run`` detects the objects of one picture (your file, or a built-in road scene drawn
by ``engine/data/road_scenes.py``) with the active detector: full YOLOv2 when the
learner has supplied its weights and chosen it, otherwise the embedded detector the
project trained on road scenes. The network runs once; its raw head output is
returned with the boxes ``yolo_eval`` keeps (through the NumPy twins), so the page
re-filters it on every slider move without running the network again.

``train`` (the page's "Train the detector" tab) trains the small network from
scratch or from the shipped weights on fresh road scenes with the YOLOv2 loss,
reporting the four loss terms per batch and, after every epoch, the held-out AP and
the predictions on one fixed validation scene.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from engine.lessons import COURSE_4, Lesson
from engine.settings import setting

DETECTOR_EMBEDDED = "embedded (road scenes)"
DETECTOR_YOLOV2 = "YOLOv2 (your weights)"
START_SCRATCH = "scratch"
START_SHIPPED = "shipped weights"
VALIDATION_SCENE_SEED = 900_000_007     # among the held-out seeds training never draws
BUILTIN_SCENE_SIZE = (360, 640)          # (height, width): a 16:9 picture like a dashcam's
TRAIN_HELD_OUT = 60                      # held-out scenes scored after each epoch


@dataclass
class CarDetectionSettings:
    image: str = setting("", "Picture", kind="text",
                         help="A picture file to detect objects in; empty: a built-in "
                              "road scene.")
    scene: int = setting(1, "Built-in scene", minimum=0, maximum=100_000,
                         help="Which procedurally drawn road scene (its seed).")
    detector: str = setting(DETECTOR_EMBEDDED, "Detector",
                            choices=(DETECTOR_EMBEDDED, DETECTOR_YOLOV2),
                            help="The embedded detector trained here on road scenes, or "
                                 "full YOLOv2 from your yolo.h5 / Darknet files.")
    score_threshold: float = setting(0.6, "Score threshold", minimum=0.0, maximum=1.0,
                                     help="Keep boxes whose p_c x class probability is at "
                                          "least this (the course uses 0.6).")
    iou_threshold: float = setting(0.5, "IoU threshold", minimum=0.0, maximum=1.0,
                                   help="Non-max suppression removes a box overlapping a "
                                        "better one by more than this.")
    max_boxes: int = setting(10, "Max boxes", minimum=1, maximum=100,
                             help="At most this many boxes survive non-max suppression.")
    epochs: int = setting(3, "Training epochs", minimum=1, maximum=200,
                          help="Train the detector tab: passes, each over fresh scenes.")
    scenes_per_epoch: int = setting(256, "Scenes per epoch", minimum=16, maximum=8192,
                                    help="Fresh road scenes drawn for each epoch.")
    batch_size: str = setting("16", "Batch size", choices=("8", "16", "32"))
    learning_rate: float = setting(0.001, "Learning rate", minimum=1e-5, maximum=0.05,
                                   scale="log")
    start_from: str = setting(START_SHIPPED, "Start from",
                              choices=(START_SCRATCH, START_SHIPPED),
                              help="Train from random weights, or go on from the shipped "
                                   "detector.")


def load_picture(hp: CarDetectionSettings) -> tuple[np.ndarray, str]:
    """(uint8 RGB picture, its name): the user's file, or the built-in scene."""
    if hp.image.strip():
        from pathlib import Path

        from engine.data.pictures import read_picture

        path = hp.image.strip()
        return read_picture(path), Path(path).name
    from engine.data.road_scenes import make_scene

    scene = make_scene(int(hp.scene), *BUILTIN_SCENE_SIZE)
    return scene.image, f"road scene {int(hp.scene)}"


def load_detector(hp: CarDetectionSettings):
    from engine.keras_models.detectors import load_embedded_detector, load_yolov2

    if hp.detector == DETECTOR_YOLOV2:
        return load_yolov2()
    return load_embedded_detector()


def detection_result(detector, image: np.ndarray, raw: np.ndarray, hp, name: str) -> dict:
    """The boxes ``yolo_eval`` keeps (NumPy twins) and what the page needs to re-filter."""
    from engine.keras_models.yolo_stages import YoloCandidates
    from engine.keras_models.yolo_utils import box_lines, box_pixels

    h, w = image.shape[:2]
    candidates = YoloCandidates.from_features(raw, detector.anchors,
                                              len(detector.class_names), (h, w))
    scores, boxes, classes = candidates.final(hp.score_threshold, hp.iou_threshold,
                                              hp.max_boxes)
    found = []
    for score, box, cls in zip(scores, boxes, classes):
        top, left, bottom, right = box_pixels(box, (w, h))
        found.append({"class": detector.class_names[int(cls)], "score": float(score),
                      "left": left, "top": top, "right": right, "bottom": bottom})
    lines = [f"Found {len(found)} boxes for {name}"] + box_lines(
        scores, boxes, classes, detector.class_names, (w, h))
    return {"image": image, "raw": raw, "anchors": detector.anchors,
            "class_names": list(detector.class_names), "picture": name,
            "detector": detector.name, "detector_description": detector.description,
            "embedded": detector.embedded, "boxes": found, "lines": lines}


def run(hp: CarDetectionSettings, on_event, control, dataset=None) -> dict:
    image, name = load_picture(hp)        # a bad picture fails before any model loads
    detector = load_detector(hp)
    control.checkpoint()
    raw = detector.raw_output(image)
    result = detection_result(detector, image, raw, hp, name)
    on_event.progress(0, float(len(result["boxes"])), record=False)
    return {"metrics": {"boxes_found": len(result["boxes"]), "detector": detector.name},
            "result": result}


# --- training the small network (the "Train the detector" tab) ---

def _validation_scene():
    from engine.data.road_scenes import training_scene
    return training_scene(VALIDATION_SCENE_SEED)


def train(hp: CarDetectionSettings, on_event, control, dataset=None) -> dict:
    """Train the embedded detector, reporting the four YOLOv2 loss terms."""
    from engine.jobs import StopRequested
    from engine.keras_models import car_detector as cd
    from engine.keras_models import car_detector_training as tr
    from engine.keras_models.detectors import load_detector_weights

    info = cd.read_info()
    if hp.start_from == START_SHIPPED and cd.SHIPPED_WEIGHTS.is_file() and "anchors" in info:
        anchors = np.asarray(info["anchors"], np.float32)
        model = cd.build_car_detector()
        load_detector_weights(model, cd.SHIPPED_WEIGHTS)
    else:
        # the shipped anchors when present (k-means of 1,500 scenes costs seconds)
        anchors = np.asarray(info["anchors"], np.float32) if "anchors" in info \
            else tr.anchors_from_scenes(300)
        model = cd.build_car_detector()
    trainer = tr.DetectorTrainer(model, anchors, hp.learning_rate)
    batch = int(hp.batch_size)
    batches = math.ceil(hp.scenes_per_epoch / batch)
    epochs = int(hp.epochs)
    on_event.total = epochs * batches
    val = _validation_scene()
    held_out = tr.held_out_scenes(TRAIN_HELD_OUT)
    term_curves = {k: [] for k in tr.LOSS_TERMS}
    ap_curve: list = []
    step = 0
    # runs drawn from the page start at seeds far from the shipped training's
    seed_base = 50_000_000 + int(np.random.default_rng().integers(0, 1_000_000)) * 8192

    def snapshot(epoch: int) -> None:
        raw = tr.predict_raw(model, val.image[None])[0]
        boxes, scores, classes = cd.boxes_per_class_nms(raw, anchors, val.image.shape[:2],
                                                        score_threshold=0.3)
        on_event.snapshot(epoch=epoch, loss_terms={k: list(v) for k, v in term_curves.items()},
                          ap_curve=list(ap_curve), validation_image=val.image,
                          validation_truth=val.boxes, validation_boxes=boxes,
                          validation_scores=scores, validation_classes=classes)

    stopped = False
    try:
        # the starting point of the mAP curve (a line needs two points)
        ap_curve.append((0, tr.evaluate(model, anchors, held_out)["map"]))
        snapshot(0)
        for epoch in range(epochs):
            for b, data in enumerate(tr.batches(epoch, hp.scenes_per_epoch, batch, anchors,
                                                seed_base)):
                control.checkpoint()
                trainer.set_learning_rate(control.live("learning_rate", hp.learning_rate))
                terms = trainer.train_batch(data)
                for k, v in terms.items():
                    term_curves[k].append((step, v))
                on_event.progress(step, sum(terms.values()), epoch=epoch, batch=b + 1,
                                  batches=batches, **{f"loss_{k}": v for k, v in terms.items()})
                step += 1
            result = tr.evaluate(model, anchors, held_out)
            ap_curve.append((epoch + 1, result["map"]))
            snapshot(epoch + 1)
    except StopRequested:
        stopped = True
    final = tr.evaluate(model, anchors, held_out)
    metrics = {"epochs": max(len(ap_curve) - 1, 0), "iterations": step,
               "final_cost": on_event.curve[-1][1] if on_event.curve else None,
               "map50": final["map"],
               **{f"ap50_{k.replace('/', '_').replace(' ', '_')}": v
                  for k, v in final["ap"].items()}}
    return {"metrics": metrics,
            "result": {"model": model, "anchors": anchors, "ap": final["ap"],
                       "map": final["map"], "stopped": stopped,
                       "loss_terms": term_curves, "costs": [[i, c] for i, c in on_event.curve]}}


LESSON = Lesson(
    id="car-detection",
    title="Car detection with YOLO",
    course=COURSE_4, section="4.5",
    settings=CarDetectionSettings, run=run,
    summary="How 19x19x5 candidate boxes become a handful of named boxes: YOLOv2's "
            "head, score filtering and non-max suppression, on road scenes or your "
            "own pictures and videos.",
    kind="keras",
    actions={"train": train},
)
