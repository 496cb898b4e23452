"""One page per lesson; ``page_for`` builds the right one for a lesson id."""
from __future__ import annotations

import importlib

# lesson id -> "module:Class" under playground.lessons. Only the page being opened
# is imported, so one page's heavy imports never slow down (or break) another.
PAGES = {
    "numpy-basics": "basics_page:NumpyBasicsPage",
    "logistic-regression": "image_pages:CatPage",
    "planar-one-hidden-layer": "planar_pages:PlanarPage",
    "deep-step-by-step": "planar_pages:StepByStepPage",
    "deep-cat-classifier": "image_pages:DeepCatPage",
    "initialization": "course2_pages:InitializationPage",
    "regularization": "course2_pages:RegularizationPage",
    "gradient-checking": "course2_more_pages:GradientCheckingPage",
    "optimization": "course2_more_pages:OptimizationPage",
    "tensorflow-signs": "keras_page:SignsPage",
    "cnn-step-by-step": "conv_page:ConvStepperPage",
    "cnn-signs": "cnn_pages:CnnSignsPage",
    "happy-house": "happy_page:HappyPage",
    "resnet50": "resnet_page:ResNetPage",
    "car-detection": "yolo_page:CarDetectionPage",
    "face-recognition": "face_page:FaceRecognitionPage",
    "neural-style-transfer": "style_page:StylePage",
}


def page_class(lesson_id: str):
    module_name, class_name = PAGES.get(lesson_id, "base:TrainingPage").split(":")
    module = importlib.import_module(f"playground.lessons.{module_name}")
    return getattr(module, class_name)


def page_for(lesson):
    return page_class(lesson.id)(lesson)
