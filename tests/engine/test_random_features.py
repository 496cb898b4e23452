"""The embedded random multi-scale feature network that paints without VGG-19."""
from __future__ import annotations

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")

from engine.keras_models.random_features import (  # noqa: E402
    RandomFeatureNetwork, build_filters, resolve_layer)


def test_fixed_seed_filters_and_layer_shapes():
    a, b = build_filters(), build_filters()
    for layer in a:
        for (ka, ba), (kb, bb) in zip(a[layer], b[layer]):
            assert np.array_equal(ka, kb) and np.array_equal(ba, bb)
            norms = np.sqrt(np.sum(ka ** 2, axis=(0, 1, 2)))
            assert np.allclose(norms, 1.0, atol=1e-5)
    sizes = {k.shape[0] for k, _ in a["conv2_1"]}
    assert sizes == {3, 5, 7}          # several filter sizes
    net = RandomFeatureNetwork()
    image = tf.random.normal((1, 64, 48, 3), seed=1) * 50
    out = net(image, ["conv1_1", "conv2_1", "conv3_1", "conv4_1", "conv4_2", "conv5_1"])
    assert out["conv1_1"].shape[1:3] == (64, 48)
    assert out["conv2_1"].shape[1:3] == (32, 24)
    assert out["conv4_2"].shape[1:3] == (8, 6)
    assert out["conv5_1"].shape[1:3] == (4, 3)
    assert all(float(tf.reduce_min(v)) >= 0 for v in out.values())   # ReLU


def test_course_layers_map_onto_the_network():
    names = RandomFeatureNetwork().layer_names
    assert resolve_layer("conv4_2", names) == "conv4_2"
    assert resolve_layer("conv3_4", names) == "conv3_1"
    assert resolve_layer("conv4_4", names) == "conv4_2"
    assert resolve_layer("conv5_1", names) == "conv5_1"
    with pytest.raises(ValueError, match="conv9_9"):
        resolve_layer("conv9_9", names)


def test_embedded_network_lowers_the_cost_tenfold_in_100_iterations():
    from engine.keras_models.style_painting import StylePainter
    from engine.lesson_runs.neural_style_transfer import procedural_picture
    content = procedural_picture("content", 96, 128)
    style = procedural_picture("style", 96, 128)
    painter = StylePainter(RandomFeatureNetwork(), content, [style], seed=1)
    first = painter.step().total
    for _ in range(99):
        last = painter.step().total
    assert last < first / 10
