"""Lesson 1.1 vectorization demo: loops and vectorised products agree (catalog 1.1)."""

import numpy as np
import pytest

from engine.vectorization import (
    COURSE_X1,
    COURSE_X2,
    MAX_OUTER_LENGTH,
    OPERATIONS,
    loop_dot,
    loop_elementwise,
    loop_general_dot,
    loop_outer,
    time_products,
)


@pytest.fixture(scope="module")
def course_run():
    return time_products(COURSE_X1, COURSE_X2, repeats=3, seed=0)


def test_course_vectors_default():
    assert len(COURSE_X1) == len(COURSE_X2) == 15
    result = time_products(repeats=1)
    assert result["source"] == "course"
    assert result["n"] == 15


def test_all_operations_present_and_agree(course_run):
    assert list(course_run["operations"]) == list(OPERATIONS)
    for name, entry in course_run["operations"].items():
        assert entry["agree"] is True, name
        np.testing.assert_allclose(
            np.asarray(entry["loop_result"], dtype=float),
            np.asarray(entry["vectorized_result"], dtype=float),
        )


def test_dot_is_278(course_run):
    dot = course_run["operations"]["dot"]
    assert dot["loop_result"] == 278
    assert dot["vectorized_result"] == 278


def test_elementwise_matches_course(course_run):
    expected = [81, 4, 10, 0, 0, 63, 10, 0, 0, 0, 81, 4, 25, 0, 0]
    entry = course_run["operations"]["elementwise"]
    np.testing.assert_array_equal(entry["vectorized_result"], expected)
    np.testing.assert_array_equal(entry["loop_result"], expected)


def test_outer_first_row_matches_course(course_run):
    expected_row = [81, 18, 18, 81, 0, 81, 18, 45, 0, 0, 81, 18, 45, 0, 0]
    entry = course_run["operations"]["outer"]
    assert np.shape(entry["vectorized_result"]) == (15, 15)
    np.testing.assert_array_equal(entry["vectorized_result"][0], expected_row)
    np.testing.assert_array_equal(entry["loop_result"][0], expected_row)


def test_general_dot_shape(course_run):
    entry = course_run["operations"]["general_dot"]
    assert np.shape(entry["vectorized_result"]) == (3,)


def test_times_are_positive_numbers(course_run):
    for entry in course_run["operations"].values():
        for key in ("loop_ms", "vectorized_ms", "speedup"):
            value = entry[key]
            assert isinstance(value, float)
            assert np.isfinite(value) and value > 0


def test_loops_by_hand():
    assert loop_dot([1, 2], [3, 4]) == 11
    np.testing.assert_array_equal(loop_elementwise([1, 2], [3, 4]), [3, 8])
    np.testing.assert_array_equal(loop_outer([1, 2], [3, 4]), [[3, 4], [6, 8]])
    W = np.array([[1.0, 0.0], [0.5, 2.0], [0.0, 0.0]])
    np.testing.assert_allclose(loop_general_dot(W, [2, 3]), [2.0, 7.0, 0.0])


def test_scale_uses_long_random_vectors():
    result = time_products(repeats=2, scale=20_000, seed=1)
    assert result["source"] == "random"
    assert result["n"] == 20_000
    ops = result["operations"]
    assert all(entry["agree"] for entry in ops.values())
    assert ops["dot"]["length"] == 20_000
    # the looped outer product is capped so it stays affordable
    assert ops["outer"]["length"] == MAX_OUTER_LENGTH
    assert np.shape(ops["outer"]["vectorized_result"]) == (MAX_OUTER_LENGTH, MAX_OUTER_LENGTH)
    # on long vectors the loop is clearly slower than numpy
    assert ops["dot"]["loop_ms"] > ops["dot"]["vectorized_ms"]


def test_seed_makes_general_dot_reproducible():
    a = time_products(repeats=1, seed=7)["operations"]["general_dot"]["vectorized_result"]
    b = time_products(repeats=1, seed=7)["operations"]["general_dot"]["vectorized_result"]
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    "x1, x2, kwargs",
    [
        ([1, 2, 3], [1, 2], {}),
        ([], [], {}),
        ([[1, 2]], [[1, 2]], {}),
        ([1, 2], None, {}),
        (None, None, {"scale": 0}),
    ],
)
def test_bad_inputs_raise_value_error(x1, x2, kwargs):
    with pytest.raises(ValueError):
        time_products(x1, x2, repeats=1, **kwargs)


def test_timing_summary_is_json_ready(course_run):
    import json

    from engine.vectorization import timing_summary

    summary = timing_summary(course_run)
    text = json.dumps(summary)
    assert json.loads(text)["operations"]["dot"]["agree"] is True
    assert set(summary["operations"]) == set(OPERATIONS)
