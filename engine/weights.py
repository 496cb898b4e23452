"""The registry of pretrained files a lesson can use, where the app looks for them,
and the function that loads each (see weights/README.md).

Files are never downloaded: a learner copies them into ``<user data folder>/weights/``.
Loaders are named by dotted path and imported only when called, so reading this
registry never imports TensorFlow.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path

from engine.jobs import LessonError
from engine.user_data import user_data_dir


class WeightsError(LessonError):
    """A weights file is missing, unreadable or of another architecture (one sentence)."""


def weights_dir() -> Path:
    """``<user data folder>/weights``: where pretrained files are put by the learner."""
    return user_data_dir() / "weights"


@dataclass(frozen=True)
class WeightsEntry:
    name: str
    description: str
    # Glob patterns relative to weights_dir(), most specific first; the first existing
    # match is used (a file, or a folder of per-layer files).
    locations: tuple[str, ...]
    loader: str          # "module:function"; loader(path) -> a model with the weights
    where_to_get: str    # one sentence for the UI when nothing is found

    def expected_paths(self) -> list[Path]:
        return [weights_dir() / pattern for pattern in self.locations]

    def find(self) -> Path | None:
        base = weights_dir()
        for pattern in self.locations:
            for match in sorted(base.glob(pattern)):
                if match.exists():
                    return match
        return None

    def missing_message(self) -> str:
        return (f"No {self.description} found. {self.where_to_get} Put it in "
                f"{weights_dir() / self.locations[-1]}.")

    def load(self, path: Path | str | None = None):
        """Load from ``path``, or from the first file found; WeightsError if none."""
        if path is None:
            path = self.find()
            if path is None:
                raise WeightsError(self.missing_message())
        module_name, _, function = self.loader.partition(":")
        return getattr(importlib.import_module(module_name), function)(Path(path))


REGISTRY: dict[str, WeightsEntry] = {}


def register(entry: WeightsEntry) -> WeightsEntry:
    REGISTRY[entry.name] = entry
    return entry


def get_entry(name: str) -> WeightsEntry:
    try:
        return REGISTRY[name]
    except KeyError:
        raise WeightsError(f"Unknown weights '{name}'. Known: {', '.join(REGISTRY)}.") \
            from None


register(WeightsEntry(
    name="facenet",
    description="course FaceNet weights (the weights/ folder of CSV files or FRmodel.h5)",
    locations=("facenet/*.h5", "facenet/weights", "facenet"),
    loader="engine.keras_models.facenet_weights:load_facenet_model",
    where_to_get=("Copy the course notebook's weights/ folder (conv1_w.csv, ...) or a "
                  "Keras .h5 of FRmodel from the course environment."),
))

register(WeightsEntry(
    name="resnet50",
    description="pretrained ResNet50 for SIGNS (the course's ResNet50.h5)",
    # ResNet50.h5 straight in the weights folder or any .h5 in weights/resnet50/; the
    # last pattern is the place the "missing" message tells the learner to use.
    locations=("ResNet50.h5", "resnet50/*.h5", "resnet50/ResNet50.h5"),
    loader="engine.keras_models.resnet_weights:load_resnet50_model",
    where_to_get=("Copy ResNet50.h5 from the course's Residual Networks notebook folder "
                  "(the model the course staff trained on SIGNS), or a .weights.h5 saved "
                  "from this app's ResNet50."),
))

register(WeightsEntry(
    name="happy-house",
    description="Happy House smile model (saved from the Happy House lesson)",
    locations=("happy/happy_model.weights.h5",),
    loader="engine.keras_models.happy_door_weights:load_door_model",
    where_to_get="Train the Happy House lesson and press 'Use this model at the door'.",
))

register(WeightsEntry(
    name="yolov2",
    description=("YOLOv2 weights (the course's yolo.h5, or Darknet's yolov2.cfg + "
                 "yolov2.weights)"),
    # The course's file first; then any .h5, then a Darknet pair (the loader finds the
    # .cfg beside the .weights). The last pattern is where the message points.
    locations=("yolo/yolo.h5", "yolo/*.h5", "yolo/*.weights", "yolo.h5", "yolo/yolo.h5"),
    loader="engine.keras_models.yolo_detector:load_yolo_detector",
    where_to_get=("Copy model_data/yolo.h5 from the course's car-detection notebook "
                  "folder, or Darknet's yolov2.cfg with its yolov2.weights (or "
                  "yolov2-voc / yolov2-tiny pairs) from the YOLO site."),
))

register(WeightsEntry(
    name="vgg19",
    description="VGG-19 weights for style transfer (imagenet-vgg-verydeep-19.mat or "
                "Keras's vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5)",
    # either file straight in the weights folder or in weights/vgg19/; Keras's own
    # cache (~/.keras/models/) is searched too (engine/keras_models/style_networks.py)
    locations=("imagenet-vgg-verydeep-19.mat",
               "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5",
               "vgg19/*.mat", "vgg19/*.h5", "vgg19/imagenet-vgg-verydeep-19.mat"),
    loader="engine.keras_models.vgg19_weights:load_vgg19_network",
    where_to_get=("Copy imagenet-vgg-verydeep-19.mat from the course's pretrained-model "
                  "folder (MatConvNet's VGG-19), or the "
                  "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5 that "
                  "keras.applications.VGG19 keeps in ~/.keras/models/."),
))
