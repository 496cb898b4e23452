"""One page per lesson; ``page_for`` builds the right one for a lesson id."""
from __future__ import annotations


def page_for(lesson):
    from playground.lessons.base import TrainingPage
    from playground.lessons.basics_page import NumpyBasicsPage
    from playground.lessons.image_pages import CatPage, DeepCatPage
    from playground.lessons.planar_pages import PlanarPage, StepByStepPage
    pages = {
        "numpy-basics": NumpyBasicsPage,
        "logistic-regression": CatPage,
        "planar-one-hidden-layer": PlanarPage,
        "deep-step-by-step": StepByStepPage,
        "deep-cat-classifier": DeepCatPage,
        # <initialization, regularization>
        # <gradient-checking, optimization>
        # <tensorflow-signs>
        # <face-recognition>
    }
    return pages.get(lesson.id, TrainingPage)(lesson)
