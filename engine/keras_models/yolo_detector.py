"""A YOLOv2 detector ready to run: a Keras model whose output is the (S, S, A*(5+C))
map, its anchors and class names, and where it came from. ``load_yolo_detector``
opens the files a learner may have (the course's ``yolo.h5``; Darknet's ``.cfg`` +
``.weights`` with a names file); ``detector.detect(picture)`` runs it and returns the
boxes ``yolo_eval`` would keep, with the cached candidates for the viewer's sliders
and step-through.

The lesson run, ``predict`` and ``benchmarks/yolo_full.py`` all go through
``detect``, so what the benchmark measures is what the learner gets.
"""
from __future__ import annotations

from collections import namedtuple
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.keras_models.yolo_stages import YoloCandidates
from engine.keras_models.yolo_utils import (COCO_CLASSES, YOLO_ANCHORS, box_lines,
                                            box_pixels, image_to_input, open_image,
                                            read_classes)
from engine.weights import WeightsError

VOC_CLASSES = ("aeroplane", "bicycle", "bird", "boat", "bottle", "bus", "car", "cat",
               "chair", "cow", "diningtable", "dog", "horse", "motorbike", "person",
               "pottedplant", "sheep", "sofa", "train", "tvmonitor")


@dataclass
class Detections:
    """The boxes kept on one picture (as ``yolo_eval`` returns them: best first,
    corners (top, left, bottom, right) in the picture's pixels) and everything the
    viewer needs to re-filter without running the network again."""
    image_shape: tuple[float, float]
    scores: np.ndarray
    boxes: np.ndarray
    classes: np.ndarray
    class_names: list[str]
    candidates: YoloCandidates
    features: np.ndarray             # the raw (S, S, A*(5+C)) map

    def rows(self) -> list[dict]:
        """One dict per kept box, best first, corners rounded and clipped to the
        picture as the course prints them."""
        size = (int(self.image_shape[1]), int(self.image_shape[0]))
        out = []
        for score, box, c in zip(self.scores, self.boxes, self.classes):
            top, left, bottom, right = box_pixels(box, size)
            out.append({"class": self.class_names[int(c)], "class_index": int(c),
                        "score": round(float(score), 4), "left": left, "top": top,
                        "right": right, "bottom": bottom})
        return out

    def lines(self, name: str) -> list[str]:
        """``Found N boxes for NAME`` and the course's per-box lines."""
        size = (int(self.image_shape[1]), int(self.image_shape[0]))
        return [f"Found {len(self.boxes)} boxes for {name}"] + box_lines(
            self.scores, self.boxes, self.classes, self.class_names, size)


class YoloDetector(namedtuple("_ModelAnchorsNames", "model anchors class_names")):
    """A model with the anchors and class names of its weights. It unpacks as the
    triple ``model, anchors, class_names = detector`` (what a lesson that only wants
    the parts takes from the registry) and carries ``description`` (for the page)
    and ``detect``."""

    def __new__(cls, model, anchors, class_names, description: str = ""):
        self = super().__new__(cls, model, np.asarray(anchors, np.float32),
                               list(class_names))
        self.description = description
        return self

    @property
    def input_size(self) -> tuple[int, int]:
        return tuple(int(s) for s in self.model.input_shape[1:3])

    def features(self, batch) -> np.ndarray:
        """The raw output map for a preprocessed batch (inference mode)."""
        return np.asarray(self.model(batch, training=False))

    def detect(self, picture, score_threshold=.6, iou_threshold=.5,
               max_boxes=10) -> Detections:
        """Run on a picture (path, Pillow image or HxWx3 uint8 array). The head is
        the course's ``yolo_head``; the filtering is the NumPy twins, which keep
        exactly ``yolo_eval``'s boxes."""
        from engine.keras_models.yolo import yolo_head

        image = _as_pil(picture)
        batch = image_to_input(image, self.input_size)
        feats = self.model(batch, training=False)
        head = [np.asarray(t[0]) for t in yolo_head(feats, self.anchors,
                                                     len(self.class_names))]
        shape = (float(image.size[1]), float(image.size[0]))
        candidates = YoloCandidates(head, shape)
        scores, boxes, classes = candidates.final(score_threshold, iou_threshold,
                                                  max_boxes)
        return Detections(shape, scores, boxes, classes, list(self.class_names),
                          candidates, np.asarray(feats)[0])


def _as_pil(picture):
    from PIL import Image

    if isinstance(picture, (str, Path)):
        return open_image(picture)
    if isinstance(picture, Image.Image):
        return picture.convert("RGB")
    array = np.asarray(picture)
    if array.ndim != 3 or array.shape[2] != 3:
        raise ValueError("a picture array must be height x width x 3")
    if array.dtype != np.uint8:
        array = np.clip(array * (255.0 if array.max() <= 1.0 else 1.0), 0, 255) \
            .astype(np.uint8)
    return Image.fromarray(array)


def _names_for(num_classes: int, folder: Path, source: str) -> list[str]:
    """A names file next to the weights (``*.names`` or coco_classes.txt /
    voc_classes.txt) if one fits the class count, else COCO's or VOC's names."""
    candidates = sorted(folder.glob("*.names")) + sorted(folder.glob("*classes.txt"))
    for path in candidates:
        try:
            names = read_classes(path)
        except Exception:            # an unreadable extra file is not our business
            continue
        if len(names) == num_classes:
            return names
    if num_classes == len(COCO_CLASSES):
        return list(COCO_CLASSES)
    if num_classes == len(VOC_CLASSES):
        return list(VOC_CLASSES)
    raise WeightsError(f"{source} detects {num_classes} classes: put a names file with "
                       f"{num_classes} lines (one class per line, *.names) next to it.")


def _anchors_next_to(folder: Path, num_anchors: int):
    """The course's yolo_anchors.txt beside a yolo.h5, if it is there and fits."""
    from engine.jobs import LessonError
    from engine.keras_models.yolo_utils import read_anchors

    path = folder / "yolo_anchors.txt"
    if path.is_file():
        try:
            anchors = read_anchors(path)
        except LessonError as exc:
            raise WeightsError(str(exc)) from None
        if len(anchors) == num_anchors:
            return anchors
        raise WeightsError(f"{path.name} lists {len(anchors)} anchors; the network "
                           f"predicts {num_anchors} boxes per cell.")
    return YOLO_ANCHORS


def load_yolo_h5_detector(path) -> YoloDetector:
    from engine.keras_models.yolo_weights import NUM_ANCHORS, load_yolo_h5

    path = Path(path)
    model, num_classes = load_yolo_h5(path)
    names = _names_for(num_classes, path.parent, path.name)
    anchors = _anchors_next_to(path.parent, NUM_ANCHORS)
    return YoloDetector(model, anchors, names,
                        f"YOLOv2 from {path.name} ({num_classes} classes, "
                        f"{model.input_shape[1]}x{model.input_shape[2]} input)")


def _darknet_pair(path: Path) -> tuple[Path, Path]:
    """(cfg, weights) from either file of the pair or a folder holding one pair."""
    if path.is_dir():
        weights = sorted(path.glob("*.weights"))
        if len(weights) != 1:
            raise WeightsError(f"{path} must hold exactly one .weights file "
                               f"(found {len(weights)}).")
        path = weights[0]
    stem = path.with_suffix("")
    cfg, weights = stem.with_suffix(".cfg"), stem.with_suffix(".weights")
    for needed in (cfg, weights):
        if not needed.is_file():
            raise WeightsError(f"Darknet weights come in pairs: {needed.name} is missing "
                               f"next to {path.name}.")
    return cfg, weights


def load_darknet_detector(path, reorg_order="darknet") -> YoloDetector:
    """A detector from a Darknet ``NAME.cfg`` + ``NAME.weights`` pair."""
    from engine.keras_models.darknet_cfg import (build_darknet_model, count_weights,
                                                read_cfg)
    from engine.keras_models.darknet_weights import check_weights_size, \
        load_darknet_weights, read_header

    cfg_path, weights_path = _darknet_pair(Path(path))
    config = read_cfg(cfg_path)
    # the file's size is checked against the cfg before the (slow) build
    _, _, _, header = read_header(weights_path)
    check_weights_size(weights_path, header, count_weights(config), cfg_path.name)
    names = _names_for(config.num_classes, weights_path.parent, weights_path.name)
    model = build_darknet_model(config, reorg_order=reorg_order)
    load_darknet_weights(model, weights_path, cfg_path.name)
    return YoloDetector(model, config.anchors, names,
                        f"{cfg_path.stem} from {weights_path.name} "
                        f"({config.num_classes} classes, {config.width}x{config.height} "
                        "input)")


def load_yolo_detector(path) -> YoloDetector:
    """The weights registry's loader: a .h5 (the course's yolo.h5), or a Darknet
    .cfg / .weights file or a folder holding the pair."""
    path = Path(path)
    if path.suffix.lower() in (".h5", ".hdf5", ".keras"):
        return load_yolo_h5_detector(path)
    if path.is_dir() or path.suffix.lower() in (".weights", ".cfg"):
        return load_darknet_detector(path)
    raise WeightsError(f"{path.name} is neither a Keras .h5 nor a Darknet .cfg / "
                       ".weights file.")


def detect_image(picture, weights_path=None, score_threshold=.6, iou_threshold=.5,
                 max_boxes=10) -> Detections:
    """Headless: full YOLOv2 from the learner's weights (the registry's file unless a
    path is given) on one picture."""
    from engine.weights import get_entry

    detector = get_entry("yolov2").load(weights_path)
    return detector.detect(picture, score_threshold, iou_threshold, max_boxes)
