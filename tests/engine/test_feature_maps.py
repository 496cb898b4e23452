"""The feature-map viewer's engine: layers, inputs, activations, grids and filters,
on tiny Keras models built here (one Functional conv net, one Sequential dense net)."""
from __future__ import annotations

import math

import numpy as np
import pytest

from engine.jobs import LessonError
from engine.keras_models import feature_maps as fm


@pytest.fixture(scope="module")
def keras():
    from engine.keras_models.job_callback import load_tensorflow
    return load_tensorflow()[1]


@pytest.fixture(scope="module")
def conv_model(keras):
    """64x64x3 -> Conv2D(5, 3x3) -> ReLU -> MaxPool(4) -> Flatten -> Dense(6)."""
    inputs = keras.Input((64, 64, 3), name="picture")
    x = keras.layers.Conv2D(5, 3, padding="same", name="conv",
                            kernel_initializer=keras.initializers.GlorotUniform(seed=3),
                            bias_initializer=keras.initializers.Constant(0.1))(inputs)
    x = keras.layers.ReLU(name="relu")(x)
    x = keras.layers.MaxPooling2D(4, name="pool")(x)
    x = keras.layers.Flatten(name="flatten")(x)
    outputs = keras.layers.Dense(6, name="logits",
                                 kernel_initializer=keras.initializers.GlorotUniform(seed=4))(x)
    return keras.Model(inputs, outputs, name="tiny_conv")


@pytest.fixture(scope="module")
def dense_model(keras):
    """The tensorflow-signs shape: 12288 inputs (a flattened 64x64x3 picture)."""
    model = keras.Sequential([
        keras.layers.Dense(7, activation="relu", name="hidden",
                           kernel_initializer=keras.initializers.GlorotUniform(seed=1),
                           bias_initializer=keras.initializers.Constant(0.05)),
        keras.layers.Dense(3, name="out")], name="tiny_dense")
    model.build((None, 12288))
    return model


@pytest.fixture(scope="module")
def pictures():
    return np.random.default_rng(0).integers(0, 256, (3, 64, 64, 3), dtype=np.uint8)


def test_viewable_layers_functional_and_sequential(conv_model, dense_model):
    assert fm.viewable_layers(conv_model) == [
        {"name": "conv", "type": "Conv2D", "output_shape": (64, 64, 5)},
        {"name": "relu", "type": "ReLU", "output_shape": (64, 64, 5)},
        {"name": "pool", "type": "MaxPooling2D", "output_shape": (16, 16, 5)},
        {"name": "flatten", "type": "Flatten", "output_shape": (1280,)},
        {"name": "logits", "type": "Dense", "output_shape": (6,)}]
    assert fm.viewable_layers(dense_model) == [
        {"name": "hidden", "type": "Dense", "output_shape": (7,)},
        {"name": "out", "type": "Dense", "output_shape": (3,)}]


def test_an_unbuilt_model_is_a_clear_error(keras):
    model = keras.Sequential([keras.layers.Dense(2)])
    with pytest.raises(LessonError, match="not built"):
        fm.viewable_layers(model)


def test_model_input_scales_flattens_and_resizes(keras, conv_model, dense_model, pictures):
    x = fm.model_input(conv_model, pictures)
    assert x.shape == (3, 64, 64, 3) and x.dtype == np.float32
    np.testing.assert_allclose(x, pictures / 255.0, rtol=1e-6)
    rows = fm.model_input(dense_model, pictures)
    assert rows.shape == (3, 12288)
    np.testing.assert_allclose(rows, pictures.reshape(3, -1) / 255.0, rtol=1e-6)
    assert fm.model_input(dense_model, pictures[0]).shape == (1, 12288)  # one picture
    # a smaller picture is resized to what the model takes; a flat colour stays flat
    flat = np.full((2, 32, 32, 3), 51, np.uint8)
    np.testing.assert_allclose(fm.model_input(conv_model, flat), 0.2, rtol=1e-5)
    np.testing.assert_allclose(fm.model_input(dense_model, flat), 0.2, rtol=1e-5)
    small = keras.Model(*(lambda i: (i, keras.layers.Conv2D(1, 1)(i)))(keras.Input((16, 16, 3))))
    assert fm.model_input(small, pictures).shape == (3, 16, 16, 3)
    with pytest.raises(LessonError, match="shape"):
        fm.model_input(conv_model, np.zeros((64, 64), np.uint8))


def test_conv_activations_are_the_convolution(conv_model, pictures):
    act = fm.activations(conv_model, "conv", pictures[1])
    assert act.shape == (64, 64, 5) and act.dtype == np.float32
    kernel, bias = conv_model.get_layer("conv").get_weights()
    x = pictures[1].astype(np.float64) / 255
    for i, j in ((10, 20), (40, 33)):                       # interior pixels, "same" padding
        patch = x[i - 1:i + 2, j - 1:j + 2, :]
        expected = np.tensordot(patch, kernel, axes=([0, 1, 2], [0, 1, 2])) + bias
        np.testing.assert_allclose(act[i, j], expected, rtol=1e-4, atol=1e-5)
    pooled = fm.activations(conv_model, "pool", pictures[1])
    np.testing.assert_allclose(pooled[2, 3], np.maximum(act[8:12, 12:16], 0).max(axis=(0, 1)),
                               rtol=1e-5)
    # the last layer's activations are the model's own output
    logits = np.asarray(conv_model(fm.model_input(conv_model, pictures[1:2])))[0]
    np.testing.assert_allclose(fm.activations(conv_model, "logits", pictures[1]), logits,
                               rtol=1e-4, atol=1e-5)


def test_sequential_dense_activations(dense_model, pictures):
    act = fm.activations(dense_model, "hidden", pictures[2])
    W, b = dense_model.get_layer("hidden").get_weights()
    expected = np.maximum(pictures[2].reshape(-1) / 255 @ W + b, 0)
    assert act.shape == (7,)
    np.testing.assert_allclose(act, expected, rtol=1e-4, atol=1e-5)


def test_sub_models_are_built_once_per_layer(conv_model, pictures):
    fm.activations(conv_model, "relu", pictures[0])
    first = fm._extractors_of(conv_model)["relu"]
    fm.activations(conv_model, "relu", pictures[1])
    assert fm._extractors_of(conv_model)["relu"] is first
    assert fm.cached_layers(conv_model).count("relu") == 1


def test_a_discarded_model_is_freed_with_its_sub_models(keras, pictures):
    """No module-level cache may keep a retrained model alive (it leaked ~14-49 MB
    per run before): once the page drops it, the model and its sub-models go."""
    import gc
    import weakref

    inputs = keras.Input((64, 64, 3))
    x = keras.layers.Conv2D(2, 3, name="conv")(inputs)
    model = keras.Model(inputs, keras.layers.Flatten()(x))
    fm.activations(model, "conv", pictures[0])
    assert fm.cached_layers(model) == ["conv"]
    gone = weakref.ref(model)
    del model, inputs, x
    gc.collect()
    assert gone() is None


def test_bad_layer_name_is_a_clear_error(conv_model, pictures):
    with pytest.raises(LessonError, match="no layer named 'nope'"):
        fm.activations(conv_model, "nope", pictures[0])
    assert "nope" not in fm.cached_layers(conv_model)


def test_activation_grid_tiles_every_channel_on_its_own_scale():
    rng = np.random.default_rng(5)
    act = rng.normal(size=(3, 2, 5)).astype(np.float32)
    act[..., 1] *= 1000                      # a loud channel does not dim the others
    act[..., 4] = 2.5                        # a constant channel is drawn flat (0)
    grid = fm.activation_grid(act)
    assert (grid["tiles"], grid["columns"], grid["rows"]) == (5, 3, 2)
    assert grid["per_channel"]
    assert grid["image"].shape == (2 * 3 + 1, 3 * 2 + 2) == (7, 8)
    for k in range(5):
        r, c = divmod(k, 3)
        tile = grid["image"][r * 4:r * 4 + 3, c * 3:c * 3 + 2]
        channel = act[..., k]
        if k == 4:
            assert np.all(tile == 0) and grid["channels"][k] == (4, 2.5, 2.5)
            continue
        np.testing.assert_allclose(tile, (channel - channel.min()) /
                                   (channel.max() - channel.min()), rtol=1e-6)
        assert tile.min() == 0 and tile.max() == pytest.approx(1)
        assert grid["channels"][k] == (k, pytest.approx(channel.min()),
                                       pytest.approx(channel.max()))
        assert fm.tile_at(grid, r * 4 + 1, c * 3 + 1) == k
    assert np.isnan(grid["image"][3, :]).all()               # the gap between rows
    assert np.isnan(grid["image"][4:, 6:]).all()             # no sixth tile
    assert fm.tile_at(grid, 3, 0) is None and fm.tile_at(grid, 5, 7) is None


def test_activation_grid_of_a_vector_has_one_cell_per_unit():
    act = np.array([1.0, -1.0, 3.0, 0.0, 2.0, 5.0, 4.0], np.float32)
    grid = fm.activation_grid(act)
    assert (grid["tiles"], grid["columns"], grid["rows"], grid["pad"]) == (7, 3, 3, 0)
    assert not grid["per_channel"]
    assert grid["image"].shape == (3, 3)
    np.testing.assert_allclose(grid["image"].reshape(-1)[:7], (act + 1) / 6)
    assert np.isnan(grid["image"].reshape(-1)[7:]).all()
    assert grid["channels"][5] == (5, 5.0, 5.0)
    assert fm.tile_at(grid, 1, 2) == 5 and fm.tile_at(grid, 2, 1) is None
    wide = fm.activation_grid(np.arange(12288, dtype=np.float32))
    assert wide["columns"] == math.ceil(math.sqrt(12288))
    pooled = fm.activation_grid(act.reshape(1, 1, 7))        # a 1x1 map reads as a vector
    np.testing.assert_array_equal(pooled["image"], grid["image"])
    assert pooled["pad"] == 0 and pooled["channels"] == grid["channels"]


def test_first_layer_filters(conv_model, dense_model, keras):
    filters = fm.first_layer_filters(conv_model)
    kernel = conv_model.get_layer("conv").get_weights()[0]
    assert len(filters) == 5 and all(f.shape == (3, 3, 3) and f.dtype == np.uint8
                                     for f in filters)
    for k, picture in enumerate(filters):
        assert picture.min() == 0 and picture.max() == 255
        w = kernel[..., k]
        np.testing.assert_array_equal(picture, np.round((w - w.min()) / (w.max() - w.min())
                                                        * 255).astype(np.uint8))
    units = fm.first_layer_filters(dense_model)
    W = dense_model.get_layer("hidden").get_weights()[0]
    assert len(units) == 7 and units[0].shape == (64, 64, 3)
    w = W[:, 3]  # unit 3's weights, in the order the flattened picture's numbers come
    np.testing.assert_array_equal(units[3], np.round((w - w.min()) / (w.max() - w.min()) * 255)
                                  .astype(np.uint8).reshape(64, 64, 3))
    not_pictures = keras.Sequential([keras.Input((10,)), keras.layers.Dense(2)])
    assert fm.first_layer_filters(not_pictures) == []


def test_describe_model_and_layer_view(conv_model, pictures):
    description = fm.describe_model(conv_model)
    assert [layer["name"] for layer in description["layers"]][0] == "conv"
    assert description["filter_layer"] == "conv (Conv2D)"
    grid = description["filter_grid"]
    assert grid["tiles"] == 5 and grid["image"].shape == (2 * 4 - 1, 3 * 4 - 1, 3)
    view = fm.layer_view(conv_model, "pool", pictures[0])
    assert view["tiles"] == 5 and view["activation_shape"] == (16, 16, 5)
    assert view["layer"] == "pool"
