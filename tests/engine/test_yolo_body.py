"""Lesson 4.5: YOLOv2 built in code (the course's summary figures) and the
passthrough's Reorg layer in both channel orders."""
from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture(scope="module")
def keras():
    from engine.keras_models.job_callback import load_tensorflow
    return load_tensorflow()[1]


@pytest.fixture(scope="module")
def model(keras):
    """The full 608x608 YOLOv2, built once (zeros: the figures do not depend on it)."""
    from engine.keras_models.yolo_body import yolo_body
    return yolo_body(kernel_initializer="zeros")


def _count(variables) -> int:
    return int(sum(np.prod(v.shape) for v in variables))


def test_summary_figures_are_the_courses(model):
    from engine.keras_models.yolo_body import (NON_TRAINABLE_PARAMS, TOTAL_PARAMS,
                                               TRAINABLE_PARAMS)
    assert model.count_params() == TOTAL_PARAMS == 50_983_561
    assert _count(model.trainable_weights) == TRAINABLE_PARAMS == 50_962_889
    assert _count(model.non_trainable_weights) == NON_TRAINABLE_PARAMS == 20_672


def test_summary_rows_match_the_course_fragments(model):
    from engine.keras_models.summary import layer_table

    rows = {row["name"]: row for row in layer_table(model)}
    assert model.input_shape == (None, 608, 608, 3)
    assert model.output_shape == (None, 19, 19, 425)
    assert model.get_layer("conv2d_1").output.shape == (None, 608, 608, 32)
    assert model.get_layer("conv2d_1").count_params() == 864
    assert model.get_layer("batch_normalization_1").count_params() == 128
    assert model.get_layer("batch_normalization_22").output.shape == (None, 19, 19, 1024)
    assert model.get_layer("batch_normalization_22").count_params() == 4096
    assert model.get_layer("leaky_re_lu_22").output.shape == (None, 19, 19, 1024)
    assert model.get_layer("conv2d_23").count_params() == 435_625
    assert model.get_layer("reorg").output.shape == (None, 19, 19, 256)
    assert rows["input_1"]["output_shape"] == (None, 608, 608, 3)
    assert rows["conv2d_1"]["params"] == 864
    assert rows["conv2d_23"] == {"name": "conv2d_23", "type": "Conv2D",
                                 "output_shape": (None, 19, 19, 425),
                                 "params": 435_625, "trainable": 435_625}
    assert not [layer for layer in model.layers if layer.__class__.__name__ == "Lambda"]


def test_weight_shapes_without_building_match_the_model(model):
    from engine.keras_models.darknet_cfg import conv_plan
    from engine.keras_models.yolo_body import yolo_weight_shapes

    convs, norms = yolo_weight_shapes(5, 80)
    plan = conv_plan(model)
    assert [[tuple(w.shape) for w in conv.weights] for conv, _ in plan] == convs
    assert [int(norm.weights[0].shape[0]) for _, norm in plan if norm] == norms
    assert [conv.name for conv, _ in plan] == [f"conv2d_{i}" for i in range(1, 24)]


def _darknet_reorg_loop(x_chw, stride=2):
    """Darknet's reorg_cpu(x, w, h, c, batch=1, stride, forward=0, out), line by line."""
    c, h, w = x_chw.shape
    x = x_chw.ravel()
    out = np.empty_like(x)
    out_c = c // (stride * stride)
    for k in range(c):
        for j in range(h):
            for i in range(w):
                in_index = i + w * (j + h * k)
                c2 = k % out_c
                offset = k // out_c
                w2 = i * stride + offset % stride
                h2 = j * stride + offset // stride
                out_index = w2 + w * stride * (h2 + h * stride * c2)
                out[in_index] = x[out_index]
    return out.reshape(c * stride * stride, h // stride, w // stride)


def test_reorg_orders(keras):
    import tensorflow as tf

    from engine.keras_models.yolo_body import Reorg

    x = np.arange(2 * 6 * 4 * 8, dtype=np.float32).reshape(2, 6, 4, 8)
    tf_order = np.asarray(Reorg(2, "tensorflow")(x))
    np.testing.assert_array_equal(tf_order, tf.nn.space_to_depth(x, 2).numpy())
    darknet = np.asarray(Reorg(2, "darknet")(x))
    assert darknet.shape == (2, 3, 2, 32)
    for b in range(2):
        expect = _darknet_reorg_loop(x[b].transpose(2, 0, 1)).transpose(1, 2, 0)
        np.testing.assert_array_equal(darknet[b], expect)
    # same values, another order: the two layers are not interchangeable
    assert not np.array_equal(tf_order, darknet)
    np.testing.assert_array_equal(np.sort(tf_order.ravel()), np.sort(darknet.ravel()))
    with pytest.raises(ValueError):
        Reorg(2, "caffe")


def test_small_yolo_body_runs_in_both_orders(keras):
    from engine.keras_models.yolo_body import yolo_body

    x = np.random.default_rng(0).uniform(0, 1, (1, 64, 64, 3)).astype(np.float32)
    outs = []
    for order in ("tensorflow", "darknet"):
        small = yolo_body((64, 64, 3), 5, 3, reorg_order=order, width_divisor=16)
        small.set_weights([np.random.default_rng(1).normal(0, .2, w.shape)
                           .astype(np.float32) if "variance" not in w.path
                           else np.ones(w.shape, np.float32) for w in small.weights])
        outs.append(np.asarray(small(x, training=False)))
        assert outs[-1].shape == (1, 2, 2, 40)
    assert not np.allclose(outs[0], outs[1])   # the order reaches the output
    with pytest.raises(ValueError):
        yolo_body((100, 100, 3))
