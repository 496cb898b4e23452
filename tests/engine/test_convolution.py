"""Course 4, lesson 3.1: the convolution and pooling layers, loop and vectorized.

Three kinds of check:
* the values the notebook prints (zero_pad, create_mask_from_window, distribute_value);
* DERIVED values: this edition of the notebook prints nothing for conv_single_step,
  conv_forward, pool_forward, conv_backward and pool_backward. The numbers pinned for
  them below are what the intended formulas (bias added once, dA[i, h, w, c]) give on
  the notebook's inputs with np.random.seed(1); they agree with the figures other
  editions of the course print for the same inputs (e.g. Z = -6.99908945068);
* loop == vectorized to 1e-10 on random shapes, and finite-difference gradients.
"""
from __future__ import annotations

import numpy as np
import pytest

from engine.numpy_nets.convolution import (conv_backward, conv_forward, conv_output_size,
                                           conv_single_step, create_mask_from_window,
                                           distribute_value, pool_backward, pool_forward,
                                           zero_pad)
from engine.numpy_nets.convolution_fast import (conv_backward_fast, conv_filter_gradients,
                                                conv_forward_fast, pool_backward_fast,
                                                pool_forward_fast)


# --- printed by the notebook ------------------------------------------------------

def test_zero_pad_prints():
    np.random.seed(1)
    x = np.random.randn(4, 3, 3, 2)
    x_pad = zero_pad(x, 2)
    assert x.shape == (4, 3, 3, 2)
    assert x_pad.shape == (4, 7, 7, 2)
    np.testing.assert_allclose(x[1, 1], [[0.90085595, -0.68372786],
                                         [-0.12289023, -0.93576943],
                                         [-0.26788808, 0.53035547]], atol=5e-9)
    np.testing.assert_array_equal(x_pad[1, 1], np.zeros((7, 2)))
    # the zeros go around height and width only; the inside is x itself
    np.testing.assert_array_equal(x_pad[:, 2:5, 2:5, :], x)


def test_create_mask_from_window_prints():
    np.random.seed(1)
    x = np.random.randn(2, 3)
    np.testing.assert_allclose(x, [[1.62434536, -0.61175641, -0.52817175],
                                   [-1.07296862, 0.86540763, -2.3015387]], atol=5e-9)
    mask = create_mask_from_window(x)
    assert mask.dtype == bool
    np.testing.assert_array_equal(mask, [[True, False, False], [False, False, False]])
    # the text's example: X = [[1, 3], [4, 2]] -> M = [[0, 0], [1, 0]]
    np.testing.assert_array_equal(create_mask_from_window(np.array([[1, 3], [4, 2]])),
                                  [[False, False], [True, False]])


def test_distribute_value_prints():
    a = distribute_value(2, (2, 2))
    np.testing.assert_array_equal(a, [[0.5, 0.5], [0.5, 0.5]])
    assert distribute_value(1, (2, 2)).sum() == pytest.approx(1.0)


# --- derived: the intended formulas on the notebook's inputs ----------------------

def test_conv_single_step_adds_the_bias_once():
    np.random.seed(1)
    a_slice_prev = np.random.randn(4, 4, 3)
    W = np.random.randn(4, 4, 3)
    b = np.random.randn(1, 1, 1)
    Z = conv_single_step(a_slice_prev, W, b)
    assert isinstance(Z, float)
    assert Z == pytest.approx(-6.99908945068, abs=1e-10)   # derived
    assert Z == pytest.approx(np.sum(a_slice_prev * W) + b.item(), abs=1e-12)


def test_conv_forward_derived_values():
    np.random.seed(1)
    A_prev = np.random.randn(10, 4, 4, 3)
    W = np.random.randn(2, 2, 3, 8)
    b = np.random.randn(1, 1, 1, 8)
    Z, cache = conv_forward(A_prev, W, b, {"pad": 2, "stride": 2})
    assert Z.shape == (10, 4, 4, 8)
    assert np.mean(Z) == pytest.approx(0.0489952035289, abs=1e-11)          # derived
    np.testing.assert_allclose(Z[3, 2, 1], [-0.61490741, -6.7439236, -2.55153897,
                                            1.75698377, 3.56208902, 0.53036437,
                                            5.18531798, 8.75898442], atol=5e-8)
    assert cache[0] is A_prev and cache[1] is W and cache[2] is b
    assert cache[3] == {"pad": 2, "stride": 2}
    # and its backward pass on dZ = Z (derived)
    dA, dW, db = conv_backward(Z, cache)
    assert (dA.shape, dW.shape, db.shape) == (A_prev.shape, W.shape, b.shape)
    assert np.mean(dA) == pytest.approx(1.45243777754, abs=1e-10)
    assert np.mean(dW) == pytest.approx(1.72699145831, abs=1e-10)
    assert np.mean(db) == pytest.approx(7.83923256462, abs=1e-10)


def test_conv_forward_derived_values_odd_shapes():
    np.random.seed(1)
    A_prev = np.random.randn(10, 5, 7, 4)
    W = np.random.randn(3, 3, 4, 8)
    b = np.random.randn(1, 1, 1, 8)
    Z, _ = conv_forward(A_prev, W, b, {"pad": 1, "stride": 2})
    assert Z.shape == (10, 3, 4, 8)
    assert np.mean(Z) == pytest.approx(0.692360880758, abs=1e-11)           # derived
    np.testing.assert_allclose(Z[3, 2, 1], [-1.28912231, 2.27650251, 6.61941931,
                                            0.95527176, 8.25132576, 2.31329639,
                                            13.00689405, 2.34576051], atol=5e-8)


def test_pool_forward_derived_values():
    np.random.seed(1)
    A_prev = np.random.randn(2, 4, 4, 3)
    hparameters = {"stride": 2, "f": 3}
    A, cache = pool_forward(A_prev, hparameters)
    assert A.shape == (2, 1, 1, 3) and cache == (A_prev, hparameters)
    np.testing.assert_allclose(A.ravel(), [1.74481176, 0.86540763, 1.13376944,
                                           1.13162939, 1.51981682, 2.18557541], atol=5e-9)
    A, _ = pool_forward(A_prev, hparameters, mode="average")
    np.testing.assert_allclose(A.ravel(), [0.02105773, -0.20328806, -0.40389855,
                                           -0.22154621, 0.51716526, 0.48155844], atol=5e-9)


def test_pool_backward_derived_values():
    np.random.seed(1)
    A_prev = np.random.randn(5, 5, 3, 2)
    A, cache = pool_forward(A_prev, {"stride": 1, "f": 2})
    dA = np.random.randn(5, 4, 2, 2)
    assert np.mean(dA) == pytest.approx(0.145713902729, abs=1e-11)
    np.testing.assert_allclose(pool_backward(dA, cache, mode="max")[1, 1],
                               [[0., 0.], [5.05844394, -1.68282702], [0., 0.]], atol=5e-8)
    np.testing.assert_allclose(pool_backward(dA, cache, mode="average")[1, 1],
                               [[0.08485462, 0.2787552], [1.26461098, -0.25749373],
                                [1.17975636, -0.53624893]], atol=5e-8)


# --- shapes ---------------------------------------------------------------------

@pytest.mark.parametrize("n_prev,f,pad,stride", [(4, 2, 2, 2), (5, 3, 1, 2), (7, 3, 0, 1),
                                                 (8, 4, 1, 3), (6, 1, 0, 2), (9, 5, 2, 1)])
def test_output_shape_follows_the_formula(n_prev, f, pad, stride):
    expected = (n_prev - f + 2 * pad) // stride + 1
    assert conv_output_size(n_prev, f, pad, stride) == expected
    A_prev = np.random.default_rng(0).standard_normal((2, n_prev, n_prev + 1, 3))
    W, b = np.ones((f, f, 3, 4)), np.zeros((1, 1, 1, 4))
    hp = {"pad": pad, "stride": stride}
    n_W = (n_prev + 1 - f + 2 * pad) // stride + 1
    for forward in (conv_forward, conv_forward_fast):
        assert forward(A_prev, W, b, hp)[0].shape == (2, expected, n_W, 4)
    pool_hp = {"f": f, "stride": stride}
    for pool in (pool_forward, pool_forward_fast):
        assert pool(A_prev, pool_hp)[0].shape == \
            (2, (n_prev - f) // stride + 1, (n_prev + 1 - f) // stride + 1, 3)


# --- loop == vectorized -----------------------------------------------------------

def _random_case(rng):
    m, C, n_C = (int(v) for v in rng.integers(1, 4, size=3))
    H, Wd = (int(v) for v in rng.integers(3, 9, size=2))
    f = int(rng.integers(1, min(H, Wd) + 1))
    stride, pad = int(rng.integers(1, 4)), int(rng.integers(0, 3))
    return (rng.standard_normal((m, H, Wd, C)), rng.standard_normal((f, f, C, n_C)),
            rng.standard_normal((1, 1, 1, n_C)), f, stride, pad)


@pytest.mark.parametrize("seed", range(12))
def test_fast_conv_equals_loops(seed):
    rng = np.random.default_rng(seed)
    A_prev, W, b, f, stride, pad = _random_case(rng)
    hp = {"stride": stride, "pad": pad}
    Z, cache = conv_forward(A_prev, W, b, hp)
    Z_fast, cache_fast = conv_forward_fast(A_prev, W, b, hp)
    np.testing.assert_allclose(Z_fast, Z, rtol=0, atol=1e-10)
    assert all(x is y for x, y in zip(cache_fast, cache))       # same cache, same objects
    dZ = rng.standard_normal(Z.shape)
    loop = conv_backward(dZ, cache)
    # caches are interchangeable: each backward pass accepts the other's forward cache
    for fast in (conv_backward_fast(dZ, cache), conv_backward_fast(dZ, cache_fast)):
        for got, want in zip(fast, loop):
            assert got.shape == want.shape
            np.testing.assert_allclose(got, want, rtol=0, atol=1e-10)
    dW, db = conv_filter_gradients(dZ, cache)
    np.testing.assert_allclose(dW, loop[1], rtol=0, atol=1e-10)
    np.testing.assert_allclose(db, loop[2], rtol=0, atol=1e-10)


@pytest.mark.parametrize("mode", ["max", "average"])
@pytest.mark.parametrize("seed", range(8))
def test_fast_pool_equals_loops(seed, mode):
    rng = np.random.default_rng(100 + seed)
    A_prev, _, _, f, stride, _ = _random_case(rng)
    hp = {"f": f, "stride": stride}
    A, cache = pool_forward(A_prev, hp, mode=mode)
    A_fast, cache_fast = pool_forward_fast(A_prev, hp, mode=mode)
    np.testing.assert_allclose(A_fast, A, rtol=0, atol=1e-10)
    assert cache_fast[0] is A_prev and cache_fast[1] is hp
    dA = rng.standard_normal(A.shape)
    np.testing.assert_allclose(pool_backward_fast(dA, cache, mode=mode),
                               pool_backward(dA, cache, mode=mode), rtol=0, atol=1e-10)


def test_max_pool_ties_give_every_maximum_the_gradient():
    # a flat window: every cell equals the max, so the loop's mask marks them all
    A_prev = np.zeros((1, 4, 4, 1))
    A_prev[0, 2:, 2:, 0] = [[1, 1], [0, 1]]
    hp = {"f": 2, "stride": 2}
    _, cache = pool_forward(A_prev, hp)
    dA = np.array([2., 3., 5., 7.]).reshape(1, 2, 2, 1)
    loop = pool_backward(dA, cache)
    np.testing.assert_array_equal(pool_backward_fast(dA, cache), loop)
    np.testing.assert_array_equal(loop[0, :2, :2, 0], np.full((2, 2), 2.))
    np.testing.assert_array_equal(loop[0, 2:, 2:, 0], [[7, 7], [0, 7]])


def test_pool_backward_reads_the_output_position_for_any_stride():
    # stride 2: output cell (0, 1) covers input columns 2..3; its gradient must come
    # from dA[0, 0, 1], not from dA[0, 0, 2] (the notebook's slip; out of range here)
    A_prev = np.arange(16, dtype=float).reshape(1, 4, 4, 1)
    hp = {"f": 2, "stride": 2}
    _, cache = pool_forward(A_prev, hp)
    dA = np.array([1., 10., 100., 1000.]).reshape(1, 2, 2, 1)
    dA_prev = pool_backward(dA, cache)
    assert dA_prev[0, 1, 1, 0] == 1 and dA_prev[0, 1, 3, 0] == 10
    assert dA_prev[0, 3, 1, 0] == 100 and dA_prev[0, 3, 3, 0] == 1000
    assert dA_prev.sum() == 1111


def test_fast_versions_keep_float32():
    rng = np.random.default_rng(3)
    A_prev = rng.standard_normal((2, 6, 6, 3)).astype(np.float32)
    W = rng.standard_normal((3, 3, 3, 4)).astype(np.float32)
    b = np.zeros((1, 1, 1, 4), np.float32)
    Z, cache = conv_forward_fast(A_prev, W, b, {"stride": 1, "pad": 1})
    assert Z.dtype == np.float32
    assert all(g.dtype == np.float32 for g in conv_backward_fast(Z, cache))
    A, pool_cache = pool_forward_fast(Z, {"f": 2, "stride": 2})
    assert A.dtype == np.float32
    assert pool_backward_fast(A, pool_cache).dtype == np.float32
    Z64, _ = conv_forward(A_prev.astype(float), W.astype(float), b.astype(float),
                          {"stride": 1, "pad": 1})
    np.testing.assert_allclose(Z, Z64, atol=1e-5)


def test_unknown_pool_mode_is_refused():
    for pool in (pool_forward, pool_forward_fast):
        with pytest.raises(ValueError, match="max' or 'average"):
            pool(np.zeros((1, 4, 4, 1)), {"f": 2, "stride": 2}, mode="median")


# --- finite differences -----------------------------------------------------------

def _numeric_gradient(loss, x, eps=1e-6):
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        old = x[index]
        x[index] = old + eps
        plus = loss()
        x[index] = old - eps
        minus = loss()
        x[index] = old
        grad[index] = (plus - minus) / (2 * eps)
    return grad


@pytest.mark.parametrize("stride,pad", [(1, 0), (1, 1), (2, 2)])
def test_conv_backward_matches_finite_differences(stride, pad):
    rng = np.random.default_rng(stride * 10 + pad)
    A_prev = rng.standard_normal((2, 5, 4, 2))
    W = rng.standard_normal((3, 3, 2, 3))
    b = rng.standard_normal((1, 1, 1, 3))
    hp = {"stride": stride, "pad": pad}
    Z, cache = conv_forward(A_prev, W, b, hp)
    R = rng.standard_normal(Z.shape)          # loss = sum(Z * R), so dZ = R

    def loss():
        return float(np.sum(conv_forward(A_prev, W, b, hp)[0] * R))

    dA_prev, dW, db = conv_backward(R, cache)
    np.testing.assert_allclose(dA_prev, _numeric_gradient(loss, A_prev), atol=1e-6)
    np.testing.assert_allclose(dW, _numeric_gradient(loss, W), atol=1e-6)
    np.testing.assert_allclose(db, _numeric_gradient(loss, b), atol=1e-6)


@pytest.mark.parametrize("mode", ["max", "average"])
@pytest.mark.parametrize("f,stride", [(2, 2), (3, 1), (2, 3)])
def test_pool_backward_matches_finite_differences(mode, f, stride):
    rng = np.random.default_rng(f * 7 + stride)
    # distinct values, far apart compared with eps: the max of a window cannot switch
    A_prev = rng.permutation(2 * 6 * 7 * 2).reshape(2, 6, 7, 2) * 0.1
    hp = {"f": f, "stride": stride}
    A, cache = pool_forward(A_prev, hp, mode=mode)
    R = rng.standard_normal(A.shape)

    def loss():
        return float(np.sum(pool_forward(A_prev, hp, mode=mode)[0] * R))

    numeric = _numeric_gradient(loss, A_prev)
    np.testing.assert_allclose(pool_backward(R, cache, mode=mode), numeric, atol=1e-6)
    np.testing.assert_allclose(pool_backward_fast(R, cache, mode=mode), numeric, atol=1e-6)
