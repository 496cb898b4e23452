"""The optimization lesson's "moons": 300 points, generated as opt_utils.load_dataset does."""
from __future__ import annotations

import numpy as np

from engine.data.dataset import Dataset
from engine.global_random import GLOBAL_RANDOM_LOCK


def load_dataset():
    """``train_X`` (2, 300), ``train_Y`` (1, 300): ``make_moons(300, noise=.2)`` after
    ``np.random.seed(3)``. Seeds NumPy's global RNG, as the course does."""
    import sklearn.datasets  # slow to import; only needed here

    np.random.seed(3)
    train_X, train_Y = sklearn.datasets.make_moons(n_samples=300, noise=.2)
    train_X = train_X.T
    train_Y = train_Y.reshape((1, train_Y.shape[0]))
    return train_X, train_Y


def moons_dataset() -> Dataset:
    """The course's moons as a Dataset with no test split; the caller's global RNG
    state is left as it was."""
    with GLOBAL_RANDOM_LOCK:
        state = np.random.get_state()
        try:
            X, Y = load_dataset()
        finally:
            np.random.set_state(state)
    return Dataset(name="moons", kind="points", X_train=X, Y_train=Y, X_test=None,
                   Y_test=None, classes=["class 0 (red)", "class 1 (blue)"],
                   provenance="scikit-learn make_moons(n_samples=300, noise=0.2) after "
                              "NumPy seed 3, as the course's load_dataset; 300 points")
