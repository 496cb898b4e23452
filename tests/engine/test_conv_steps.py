"""The conv stepper's views add up to the course's loop functions, cell by cell."""
from __future__ import annotations

import numpy as np
import pytest

from engine.data.dataset import DataError
from engine.numpy_nets.conv_steps import (ConvSettingsError, ConvStepper, FILTERS,
                                          check_settings, make_filter, output_size,
                                          picture_input, random_volume, shape_formula)
from engine.numpy_nets.convolution import (conv_backward, conv_forward, pool_backward,
                                           pool_forward)

CONV_CASES = [  # (volume shape, f, stride, pad)
    ((5, 5, 1), 3, 1, 1),
    ((5, 5, 1), 3, 2, 0),
    ((4, 4, 3), 2, 1, 0),
    ((4, 4, 3), 3, 2, 2),
    ((7, 6, 2), 4, 3, 1),
]


def stepped_output(stepper: ConvStepper) -> np.ndarray:
    """Run every step one by one, as the Step button does."""
    values = [stepper.step(k) for k in range(stepper.total_steps)]
    assert [(v.h, v.w) for v in values] == [divmod(k, stepper.n_W)
                                             for k in range(stepper.total_steps)]
    return stepper.output_after(stepper.total_steps - 1)


@pytest.mark.parametrize("shape,f,stride,pad", CONV_CASES)
def test_stepping_every_cell_reproduces_conv_forward(shape, f, stride, pad):
    volume = random_volume(shape)
    weights, bias = make_filter("random", f, shape[2])
    stepper = ConvStepper(volume, weights, bias, stride=stride, pad=pad)
    Z, _ = conv_forward(volume[None], weights[:, :, :, None],
                        np.full((1, 1, 1, 1), bias), {"stride": stride, "pad": pad})
    out = stepped_output(stepper)
    assert out.shape == Z[0].shape == (stepper.n_H, stepper.n_W, 1)
    np.testing.assert_array_equal(out, Z[0])          # the same arithmetic, exactly
    np.testing.assert_allclose(stepper.full_output(), Z[0], atol=1e-12)


def test_one_step_shows_corners_products_and_sum():
    volume = random_volume((5, 5, 1))
    weights, _ = make_filter("vertical edge", 3)
    stepper = ConvStepper(volume, weights, bias=0.5, stride=2, pad=1)
    view = stepper.step(4)                # row-major over a 3x3 output: cell (1, 1)
    assert (view.h, view.w) == (1, 1)
    assert (view.vert_start, view.vert_end, view.horiz_start, view.horiz_end) == (2, 5, 2, 5)
    np.testing.assert_array_equal(view.window, stepper.padded[2:5, 2:5])
    np.testing.assert_array_equal(view.products, view.window * weights)
    assert view.total == pytest.approx(np.sum(view.window * weights))
    assert view.value[0] == pytest.approx(view.total + 0.5)   # bias added once
    partial = stepper.output_after(4)
    assert np.isnan(partial.reshape(-1)[5:]).all()
    assert not np.isnan(partial.reshape(-1)[:5]).any()
    assert stepper.output_after(-1).shape == (3, 3, 1) and np.isnan(stepper.output_after(-1)).all()


def test_padding_cells_are_marked_and_zero():
    stepper = ConvStepper(random_volume((4, 4, 3)), make_filter("blur", 3, 3)[0], pad=2)
    assert stepper.padded.shape == (8, 8, 3)
    assert stepper.is_padding.sum() == 64 - 16
    assert (stepper.padded[stepper.is_padding] == 0).all()


@pytest.mark.parametrize("mode", ["max", "average"])
@pytest.mark.parametrize("shape,f,stride", [((5, 5, 1), 2, 2), ((4, 4, 3), 3, 1),
                                            ((6, 5, 2), 2, 1), ((7, 7, 1), 3, 2)])
def test_pooling_steps_reproduce_pool_forward(mode, shape, f, stride):
    volume = random_volume(shape)
    stepper = ConvStepper(volume, stride=stride, mode=mode, f=f)
    A, _ = pool_forward(volume[None], {"f": f, "stride": stride}, mode=mode)
    np.testing.assert_array_equal(stepped_output(stepper), A[0])
    np.testing.assert_allclose(stepper.full_output(), A[0], atol=1e-12)


def test_max_pool_step_shows_the_mask():
    volume = np.array([[1., 3.], [4., 2.]])         # the course's example
    view = ConvStepper(volume, mode="max", f=2, stride=1).step(0)
    np.testing.assert_array_equal(view.mask[:, :, 0], [[False, False], [True, False]])
    assert view.value[0] == 4.0


@pytest.mark.parametrize("shape,f,stride,pad", CONV_CASES)
def test_backward_flows_summed_over_cells_equal_conv_backward(shape, f, stride, pad):
    volume = random_volume(shape)
    weights, bias = make_filter("random", f, shape[2])
    stepper = ConvStepper(volume, weights, bias, stride=stride, pad=pad)
    W, b = weights[:, :, :, None], np.full((1, 1, 1, 1), bias)
    _, cache = conv_forward(volume[None], W, b, {"stride": stride, "pad": pad})
    np.random.seed(3)
    dZ = np.random.randn(1, stepper.n_H, stepper.n_W, 1)
    dA_prev, dW, db = conv_backward(dZ, cache)
    d_input = np.zeros_like(stepper.padded)
    d_weights = np.zeros_like(weights)
    d_bias = 0.0
    for h in range(stepper.n_H):
        for w in range(stepper.n_W):
            view = stepper.backward(h, w, dZ[0, h, w, 0])
            d_input += view.d_input
            d_weights += view.d_weights
            d_bias += view.d_bias
    np.testing.assert_allclose(stepper.unpad(d_input), dA_prev[0], atol=1e-12)
    np.testing.assert_allclose(d_weights, dW[:, :, :, 0], atol=1e-12)
    assert d_bias == pytest.approx(db[0, 0, 0, 0])


@pytest.mark.parametrize("mode", ["convolution", "max", "average"])
def test_backward_sum_after_the_last_cell_is_the_whole_backward_pass(mode):
    volume = random_volume((4, 4, 3))
    if mode == "convolution":
        weights, bias = make_filter("random", 3, 3)
        stepper = ConvStepper(volume, weights, bias, stride=1, pad=1)
        _, cache = conv_forward(volume[None], weights[:, :, :, None],
                                np.full((1, 1, 1, 1), bias), {"stride": 1, "pad": 1})
        dA_prev, dW, db = conv_backward(np.ones((1, 4, 4, 1)), cache)
    else:
        stepper = ConvStepper(volume, stride=2, mode=mode, f=2)
        _, cache = pool_forward(volume[None], {"f": 2, "stride": 2}, mode=mode)
        dA_prev = pool_backward(np.ones((1, 2, 2, 3)), cache, mode=mode)
    total = stepper.backward_sum(stepper.total_steps - 1)
    d_input = stepper.unpad(total.d_input) if mode == "convolution" else total.d_input
    np.testing.assert_allclose(d_input, dA_prev[0], atol=1e-12)
    if mode == "convolution":
        np.testing.assert_allclose(total.d_weights, dW[:, :, :, 0], atol=1e-12)
        assert total.d_bias == pytest.approx(db.sum()) == 16
    # part-way: only the cells stepped so far have sent their gradient back
    first = stepper.backward_sum(0)
    np.testing.assert_array_equal(first.d_input, stepper.backward(0, 0).d_input)


def test_one_backward_view_is_the_filter_in_the_window():
    volume = random_volume((5, 5, 1))
    weights, _ = make_filter("sharpen", 3)
    view = ConvStepper(volume, weights, stride=1, pad=1).backward(2, 3, dz=1.0)
    assert view.window == (2, 5, 3, 6)
    np.testing.assert_array_equal(view.d_input[2:5, 3:6], weights)
    assert np.count_nonzero(view.d_input) == np.count_nonzero(weights)


@pytest.mark.parametrize("mode", ["max", "average"])
@pytest.mark.parametrize("shape,f,stride", [((5, 5, 1), 2, 2), ((4, 4, 3), 3, 1),
                                            ((7, 7, 2), 3, 2)])
def test_pool_backward_flows_equal_pool_backward(mode, shape, f, stride):
    volume = random_volume(shape)
    stepper = ConvStepper(volume, stride=stride, mode=mode, f=f)
    _, cache = pool_forward(volume[None], {"f": f, "stride": stride}, mode=mode)
    for dA in (np.ones((1, stepper.n_H, stepper.n_W, stepper.n_C)),
               np.random.RandomState(2).randn(1, stepper.n_H, stepper.n_W, stepper.n_C)):
        expected = pool_backward(dA, cache, mode=mode)
        total = sum(stepper.backward(h, w, dA[0, h, w]).d_input
                    for h in range(stepper.n_H) for w in range(stepper.n_W))
        np.testing.assert_allclose(total, expected[0], atol=1e-12)


@pytest.mark.parametrize("n_prev,f,stride,pad,expected", [
    (5, 3, 1, 1, 5), (5, 3, 2, 0, 2), (7, 3, 2, 1, 4), (64, 4, 1, 1, 63), (6, 6, 1, 0, 1),
    (5, 2, 2, 0, 2)])
def test_output_size_formula(n_prev, f, stride, pad, expected):
    assert output_size(n_prev, f, stride, pad) == expected
    assert ConvStepper(np.zeros((n_prev, n_prev, 1)), np.ones((f, f, 1)), stride=stride,
                       pad=pad).n_H == expected


def test_shape_formula_text_fills_in_the_numbers():
    assert shape_formula(5, 5, 3, 1, 1).startswith("n_H = ⌊(5 − 3 + 2·1)/1⌋ + 1 = 5")
    text = shape_formula(6, 5, 2, 2, 0, mode="max")
    assert "n_H = ⌊(6 − 2)/2⌋ + 1 = 3" in text and "n_W = ⌊(5 − 2)/2⌋ + 1 = 2" in text


@pytest.mark.parametrize("args,words", [
    ((5, 5, 8, 1, 1), "larger than the 7x7 padded input"),
    ((5, 5, 6, 1, 0), "larger than the 5x5 input"),
    ((5, 5, 3, 0, 1), "stride must be at least 1"),
    ((5, 5, 0, 1, 0), "at least 1"),
    ((5, 5, 3, 1, -1), "cannot be negative"),
])
def test_impossible_settings_give_a_sentence(args, words):
    assert words in check_settings(*args)
    assert words in shape_formula(*args)
    n_prev, _, f, stride, pad = args
    with pytest.raises(ConvSettingsError) as caught:
        if f >= 1:
            ConvStepper(np.zeros((n_prev, n_prev, 1)), np.ones((f, f, 1)), stride=stride, pad=pad)
        else:
            ConvStepper(np.zeros((n_prev, n_prev, 1)), mode="max", f=f, stride=stride)
    assert words in str(caught.value)


def test_filters_have_the_right_shapes_and_meaning():
    for name in FILTERS:
        for f in (1, 2, 3, 5):
            weights, bias = make_filter(name, f, 3)
            assert weights.shape == (f, f, 3) and isinstance(bias, float)
    sobel, _ = make_filter("vertical edge", 3)
    np.testing.assert_array_equal(sobel[:, :, 0], [[1, 0, -1], [2, 0, -2], [1, 0, -1]])
    np.testing.assert_array_equal(make_filter("horizontal edge", 3)[0][:, :, 0], sobel[:, :, 0].T)
    assert make_filter("blur", 4)[0].sum() == pytest.approx(1.0)
    assert make_filter("sharpen", 5)[0].sum() == pytest.approx(1.0)
    np.testing.assert_array_equal(make_filter("random", 3)[0], make_filter("random", 3)[0])
    # a vertical edge filter answers a left-bright / right-dark picture, a blur does not
    picture = np.zeros((6, 6, 1))
    picture[:, :3] = 1.0
    edge = ConvStepper(picture, sobel).full_output()[:, :, 0]
    assert edge[:, 1].min() > 0 and edge[:, 0].max() == 0


def test_random_volume_is_readable_and_seeded():
    one = random_volume((5, 5, 1))
    assert one.dtype == np.float64 and (one == np.round(one)).all() and one.max() <= 9
    np.testing.assert_array_equal(one, random_volume((5, 5, 1)))
    three = random_volume((4, 4, 3))
    assert (np.round(three, 1) == three).all()


def test_pictures_load_at_the_course_size_and_grey(course_data):
    for source in ("hand", "cat"):
        volume, caption = picture_input(source)
        assert volume.shape == (64, 64, 1) and 0 <= volume.min() and volume.max() <= 1
        # the course's pictures are 64x64 already: nothing was shrunk
        assert "64x64 grey" in caption and "shrunk" not in caption
        stepper = ConvStepper(volume, make_filter("vertical edge", 3)[0], pad=1)
        assert stepper.total_steps == 4096


def test_a_larger_picture_says_it_was_shrunk(tmp_path):
    from PIL import Image
    path = tmp_path / "wide.png"
    Image.fromarray(np.full((90, 120, 3), 30, dtype=np.uint8)).save(path)
    volume, caption = picture_input(str(path))
    assert volume.shape == (64, 64, 1) and "resized to 64x64 grey" in caption


def test_a_long_jump_runs_the_course_loop_and_gives_the_stepped_numbers():
    picture = np.random.default_rng(3).random((40, 40, 1))
    weights, bias = make_filter("random", 3)
    jumped = ConvStepper(picture, weights, bias, stride=1, pad=1)
    assert jumped.total_steps > 256         # more than a jump steps one by one
    full = jumped.output_after(jumped.total_steps - 1)
    np.testing.assert_array_equal(full, stepped_output(ConvStepper(picture, weights, bias,
                                                                   stride=1, pad=1)))
    Z, _ = conv_forward(picture[None], weights[:, :, :, None], np.full((1, 1, 1, 1), bias),
                        {"stride": 1, "pad": 1})
    np.testing.assert_array_equal(full, Z[0])
    # part-way: the cells after step k are still empty
    part = jumped.output_after(999)
    assert np.isnan(part).sum() == jumped.total_steps - 1000
    for mode in ("max", "average"):
        pooled = ConvStepper(picture, stride=2, mode=mode, f=2)
        A, _ = pool_forward(picture[None], {"f": 2, "stride": 2}, mode=mode)
        np.testing.assert_array_equal(pooled.output_after(pooled.total_steps - 1), A[0])


def test_feature_maps_give_z_and_its_relu_as_far_as_the_loop_went():
    volume = random_volume((5, 5, 1))
    weights, bias = make_filter("vertical edge", 3)
    stepper = ConvStepper(volume, weights, bias, stride=1, pad=1)
    maps = stepper.feature_maps(6)
    assert maps.picture is stepper.volume and not maps.complete
    assert np.count_nonzero(~np.isnan(maps.output)) == 7
    done = ~np.isnan(maps.output)
    np.testing.assert_array_equal(maps.relu[done], np.maximum(0, maps.output[done]))
    assert np.isnan(maps.relu[~done]).all()          # not computed yet stays empty
    end = stepper.feature_maps(stepper.total_steps - 1)
    Z, _ = conv_forward(volume[None], weights[:, :, :, None], np.full((1, 1, 1, 1), bias),
                        {"stride": 1, "pad": 1})
    assert end.complete
    np.testing.assert_array_equal(end.output, Z[0])
    np.testing.assert_array_equal(end.full_output, Z[0])
    np.testing.assert_array_equal(end.relu, np.maximum(0, Z[0]))
    assert end.relu.min() == 0 and Z.min() < 0       # the negatives were cut
    pooled = ConvStepper(volume, stride=2, mode="max", f=2).feature_maps(0)
    assert pooled.relu is None and pooled.full_relu is None   # no ReLU after pooling


def test_own_picture_and_non_picture(tmp_path):
    from PIL import Image
    path = tmp_path / "mine.png"
    Image.fromarray(np.full((40, 30, 3), 200, dtype=np.uint8)).save(path)
    volume, caption = picture_input(str(path), size=16)
    assert volume.shape == (16, 16, 1) and "mine.png" in caption
    bad = tmp_path / "notes.txt"
    bad.write_text("not a picture")
    with pytest.raises(DataError, match="notes.txt is not an image"):
        picture_input(str(bad))
