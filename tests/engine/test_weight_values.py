"""Every weights loader refuses text, NaN and infinite weights with one sentence
(issue 13, item 9): a model loaded with them answers NaN for every picture."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from engine.keras_models.h5_weights import numeric_weights
from engine.weights import WeightsError


@pytest.mark.parametrize("array,fragment", [
    (np.array([1.0, np.nan]), "NaN or infinite"),
    (np.array([np.inf, 0.0]), "NaN or infinite"),
    (np.array([1e300, 0.0]), "too large for float32"),
    (np.array(["a", "b"]), "text"),
    (np.array([1 + 2j]), "complex"),
])
def test_numeric_weights_refuses_what_is_not_a_weight(array, fragment):
    with pytest.raises(WeightsError) as info:
        numeric_weights([np.zeros(2), array], "conv1", "w.h5")
    assert fragment in str(info.value) and "conv1" in str(info.value)
    assert "\n" not in str(info.value)


def test_numeric_weights_passes_numbers_as_float32():
    out = numeric_weights([np.arange(3), np.ones(2, np.float64)], "dense", "w.h5")
    assert [a.dtype for a in out] == [np.float32, np.float32]


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_vgg19_refuses_non_finite_weights_and_changes_nothing(tmp_path, bad):
    pytest.importorskip("tensorflow")
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from test_vgg19_weights import DIVISOR, _arrays, write_keras_h5

    from engine.keras_models import vgg19_weights as vw
    from engine.keras_models.vgg19 import VGG19
    arrays = _arrays()
    kernel, bias = arrays["conv3_2"]
    kernel = kernel.copy()
    kernel[0, 0, 0, 0] = bad
    arrays["conv3_2"] = (kernel, bias)
    path = tmp_path / "vgg19.h5"
    write_keras_h5(path, arrays)
    model = VGG19(DIVISOR)
    before = model.get_layer("conv1_1").get_weights()[0].copy()
    with pytest.raises(WeightsError, match="NaN or infinite"):
        vw.load_keras_h5_weights(model, path)
    assert np.array_equal(model.get_layer("conv1_1").get_weights()[0], before)
