"""Keras models are built one at a time: two threads building at once broke
ResNet50's layer table ("Only input tensors may be passed as positional arguments")."""
from __future__ import annotations

import inspect
import threading

import pytest

pytest.importorskip("tensorflow")

from engine.keras_models import (car_detector, darknet_cfg, facenet_model, happy,  # noqa: E402
                                  resnet, signs_cnn, tensorflow_intro, vgg19, yolo_body)
from engine.keras_models.model_build import MODEL_BUILD_LOCK  # noqa: E402

BUILDERS = [resnet.ResNet50, happy.HappyModel, happy.model, signs_cnn.signs_cnn_model,
            car_detector.build_car_detector, darknet_cfg.build_darknet_model,
            yolo_body.yolo_body, vgg19.VGG19,
            tensorflow_intro.signs_model, facenet_model.faceRecoModel]


@pytest.mark.parametrize("builder", BUILDERS, ids=lambda b: b.__name__)
def test_every_model_builder_is_serialised_and_keeps_the_course_signature(builder):
    assert getattr(builder, "serialised_build", False)
    original = builder.__wrapped__
    assert builder.__name__ == original.__name__
    assert inspect.signature(builder) == inspect.signature(original)


def test_a_build_waits_while_another_thread_builds():
    done = threading.Event()
    errors = []

    def build():
        try:
            happy.HappyModel((64, 64, 3))
        except Exception as exc:   # reported below, not lost on the thread
            errors.append(exc)
        done.set()

    with MODEL_BUILD_LOCK:          # stands for another thread's build in progress
        worker = threading.Thread(target=build)
        worker.start()
        assert not done.wait(0.5), "HappyModel must not build while another build runs"
    assert done.wait(120) and not errors
    worker.join()


def test_two_threads_building_at_once_both_get_whole_models():
    results, errors = {}, []

    def build(name, fn):
        try:
            results[name] = fn()
        except Exception as exc:
            errors.append(f"{name}: {type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=build, args=(f"happy{k}", lambda: happy.HappyModel(
        (64, 64, 3), chained=True))) for k in range(2)]
    threads.append(threading.Thread(target=build, args=("signs", signs_cnn.signs_cnn_model)))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)
    assert errors == []
    assert results["happy0"].count_params() == results["happy1"].count_params()
    assert results["signs"].output_shape == (None, 6)
