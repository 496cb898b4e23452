"""The detectors the car-detection lesson can run, behind one small interface.

A ``Detector`` is a Keras model whose output is YOLOv2's raw head, (S, S, A*(5+C)),
with the anchors and class names that belong to its weights. Two kinds:

- the embedded detector (``load_embedded_detector``): the small network trained by
  ``weights/train_car_detector.py`` on procedural road scenes, shipped in
  ``weights/car_detector/``, always available;
- full YOLOv2 from the learner's own files (``load_yolov2``), through the weights
  registry's ``yolov2`` entry (the course's ``yolo.h5`` or Darknet's cfg + weights).

``raw_output`` resizes a picture the way the course does (squashed to the input
size, [0, 1]) and returns the head for one picture as a NumPy array: everything
after that (``yolo_head``, filtering, NMS) is the NumPy twins' job, so a slider move
never runs the network again.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.jobs import LessonError


@dataclass
class Detector:
    model: object
    anchors: np.ndarray          # (A, 2) in grid cells
    class_names: list[str]
    name: str                    # "embedded road-scene detector" / "YOLOv2 (yolo.h5)"
    description: str             # what it is and what it was trained on, for the page
    embedded: bool

    @property
    def input_size(self) -> tuple[int, int]:
        return tuple(int(s) for s in self.model.input_shape[1:3])

    @property
    def grid(self) -> tuple[int, int]:
        return tuple(int(s) for s in self.model.output_shape[1:3])

    def raw_output(self, image: np.ndarray) -> np.ndarray:
        """uint8 RGB picture (H, W, 3), any size -> the raw head (S, S, A*(5+C)).
        Resized as the course's ``preprocess_image`` does (Pillow, bicubic, squashed),
        so full YOLOv2 sees exactly what ``predict`` gives it."""
        from PIL import Image

        from engine.keras_models.yolo_utils import image_to_input

        x = image_to_input(Image.fromarray(np.ascontiguousarray(image[..., :3])),
                           self.input_size)
        return np.asarray(self._compiled()(x))[0]

    def _compiled(self):
        """The model as one traced TensorFlow graph for a single picture: an eager
        Keras call runs each layer's Python, holding the GIL the UI thread needs while
        a video plays; the graph runs in TensorFlow's C++ with the GIL released."""
        call = self.__dict__.get("_call")
        if call is None:
            import tensorflow as tf

            h, w = self.input_size
            model = self.model
            call = tf.function(lambda x: model(x, training=False), input_signature=[
                tf.TensorSpec((1, h, w, 3), tf.float32)], reduce_retracing=True)
            self.__dict__["_call"] = call
        return call


def _embedded_description(info: dict) -> str:
    ap = info.get("ap50") or {}
    ap_text = ", ".join(f"{k} {v:.2f}" for k, v in ap.items() if v is not None)
    return (f"Embedded detector: a small YOLOv2-style network ({info.get('params', 0):,} "
            f"parameters, {info.get('input_size', 224)}x{info.get('input_size', 224)} in, "
            f"{info.get('grid', 14)}x{info.get('grid', 14)} grid, 5 anchors) trained by "
            f"this project on {info.get('training_scenes', 0):,} procedurally drawn road "
            f"scenes. It knows 4 classes ({', '.join(info.get('classes', []))}) and has "
            f"only seen drawings: on photographs expect misses. AP@0.5 on held-out "
            f"scenes: {ap_text} (mAP {info.get('map50', 0):.2f}).")


def load_embedded_detector(weights: Path | str | None = None) -> Detector:
    """The shipped road-scene detector (or a checkpoint of it at ``weights``, whose
    ``.json`` sits beside it or is the shipped one)."""
    from engine.keras_models import car_detector as cd

    path = Path(weights) if weights is not None else cd.SHIPPED_WEIGHTS
    info_path = path.with_name("car_detector.json")
    info = cd.read_info(info_path) or cd.read_info()
    if not path.is_file() or "anchors" not in info:
        raise LessonError(f"The embedded detector's weights are missing ({path}); "
                          "run weights/train_car_detector.py to make them.")
    anchors = np.asarray(info["anchors"], np.float32)
    model = cd.build_car_detector(len(anchors), len(info.get("classes", cd.CLASS_NAMES)))
    load_detector_weights(model, path)
    return Detector(model, anchors, list(info.get("classes", cd.CLASS_NAMES)),
                    "embedded road-scene detector", _embedded_description(info), True)


def load_detector_weights(model, path: Path) -> None:
    """Arrays by layer name from a Keras 3 ``.weights.h5`` of this architecture; one
    sentence for anything else (a text file, another network)."""
    from engine.keras_models.h5_weights import apply_named_weights, read_h5_weights

    path = Path(path)
    layers = [layer.name for layer in model.layers if layer.weights]
    apply_named_weights(model, read_h5_weights(path), layers, path.name,
                        "the embedded car detector")


def load_yolov2(path: Path | str | None = None) -> Detector:
    """Full YOLOv2 from the learner's files via the weights registry (WeightsError
    with where to put them when there are none)."""
    from engine.weights import get_entry

    entry = get_entry("yolov2")
    loaded = entry.load(path)
    # the loader returns a YoloDetector (model, anchors, class names: Darknet's .cfg
    # anchors and a names file, or the course's), or a bare model
    if isinstance(loaded, tuple):
        model, anchors, names = loaded[:3]
    else:
        from engine.keras_models.yolo_utils import COCO_CLASSES, YOLO_ANCHORS
        model, anchors, names = loaded, YOLO_ANCHORS, list(COCO_CLASSES)
    size = tuple(int(s) for s in model.input_shape[1:3])
    source = getattr(loaded, "description", "") or "your weights file"
    return Detector(model, np.asarray(anchors, np.float32), list(names), "YOLOv2",
                    f"Full YOLOv2 from {source} ({size[0]}x{size[1]} in, {len(names)} "
                    "classes, trained by YOLO's authors on real photographs).", False)
