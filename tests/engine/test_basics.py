"""Course 1.1: the printed outputs of the NumPy basics functions."""
from __future__ import annotations

import math

import numpy as np
import pytest

from engine.numpy_nets.basics import (L1, L2, basic_sigmoid, image2vector, normalizeRows,
                                      sigmoid, sigmoid_derivative, softmax)


def test_basic_sigmoid_is_scalar_only():
    assert basic_sigmoid(3) == pytest.approx(1 / (1 + math.exp(-3)), abs=0)
    assert basic_sigmoid(0) == 0.5
    with pytest.raises(TypeError):
        basic_sigmoid(np.array([1, 2, 3]))       # the point the lesson makes about math


def test_sigmoid_matches_course_output():
    # [SRC] array([ 0.73105858,  0.88079708,  0.95257413])
    s = sigmoid(np.array([1, 2, 3]))
    np.testing.assert_allclose(s, [0.73105858, 0.88079708, 0.95257413], atol=5e-9)
    assert sigmoid(np.zeros((2, 3))).shape == (2, 3)


def test_sigmoid_derivative():
    # [DERIVED] [0.19661193 0.10499359 0.04517666]
    ds = sigmoid_derivative(np.array([1, 2, 3]))
    np.testing.assert_allclose(ds, [0.19661193, 0.10499359, 0.04517666], atol=5e-9)
    x = np.linspace(-4, 4, 9)
    numeric = (sigmoid(x + 1e-6) - sigmoid(x - 1e-6)) / 2e-6
    np.testing.assert_allclose(sigmoid_derivative(x), numeric, atol=1e-9)


def test_image2vector_unrolls_in_order():
    image = np.arange(4 * 5 * 3, dtype=float).reshape(4, 5, 3) / 7
    v = image2vector(image)
    assert v.shape == (60, 1)
    np.testing.assert_array_equal(v[:, 0], image.ravel())
    assert image2vector(np.zeros((3, 3, 2))).shape == (18, 1)


def test_normalize_rows_matches_course_output():
    # [SRC] [[ 0.  0.6  0.8 ] [ 0.13736056  0.82416338  0.54944226]]
    x = np.array([[0, 3, 4], [1, 6, 4]])
    out = normalizeRows(x)
    np.testing.assert_allclose(out, [[0., 0.6, 0.8], [0.13736056, 0.82416338, 0.54944226]],
                               atol=5e-9)
    np.testing.assert_allclose(np.linalg.norm(out, axis=1), 1)
    # the worked example of the text
    np.testing.assert_allclose(normalizeRows(np.array([[0., 3, 4], [2, 6, 4]]))[1],
                               np.array([2, 6, 4]) / math.sqrt(56))


def test_softmax_rows():
    x = np.array([[9, 2, 5, 0, 0], [7, 5, 0, 0, 0]])
    s = softmax(x)
    assert s.shape == (2, 5)
    np.testing.assert_allclose(s.sum(axis=1), 1)
    np.testing.assert_allclose(s[1], np.exp(x[1]) / np.exp(x[1]).sum())
    # each row is independent: changing row 0 leaves row 1 alone
    np.testing.assert_allclose(softmax(np.array([[0, 0, 0, 0, 0], x[1]]))[1], s[1])
    np.testing.assert_allclose(softmax(np.zeros((1, 4))), 0.25)


def test_losses_match_course_values():
    yhat = np.array([.9, 0.2, 0.1, .4, .9])
    y = np.array([1, 0, 0, 1, 1])
    assert L1(yhat, y) == pytest.approx(1.1, abs=1e-12)     # [DERIVED] L1 = 1.1
    assert L2(yhat, y) == pytest.approx(0.43, abs=1e-12)    # [DERIVED] L2 = 0.43
    assert L1(y, y) == 0 and L2(y, y) == 0
