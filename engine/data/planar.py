"""The 2-D point sets of course 1.3, generated exactly as the course's helper module does.

The flower must come out bit-for-bit the same as in the course (its first point is
``[1.20444229, 3.57611415]``), so the generator below keeps the course's seed, draw
order and dtype.
"""
from __future__ import annotations

import numpy as np

from engine.data.dataset import DataError, Dataset
from engine.global_random import GLOBAL_RANDOM_LOCK

PLANAR_NAMES = ("flower", "noisy_circles", "noisy_moons", "blobs", "gaussian_quantiles")


def load_planar_dataset():
    """The two-petal-colour "flower": ``X`` (2, 400) floats, ``Y`` (1, 400) uint8."""
    np.random.seed(1)
    m = 400
    N = int(m / 2)          # points per class
    D = 2
    X = np.zeros((m, D))
    Y = np.zeros((m, 1), dtype="uint8")
    a = 4                   # longest petal
    for j in range(2):
        ix = range(N * j, N * (j + 1))
        t = np.linspace(j * 3.12, (j + 1) * 3.12, N) + np.random.randn(N) * 0.2
        r = a * np.sin(4 * t) + np.random.randn(N) * 0.2
        X[ix] = np.c_[r * np.sin(t), r * np.cos(t)]
        Y[ix] = j
    X = X.T
    Y = Y.T
    return X, Y


def load_extra_datasets():
    """The course's other toy sets (200 points each), drawn from NumPy's global RNG.

    Returns ``noisy_circles, noisy_moons, blobs, gaussian_quantiles, no_structure``,
    each an ``(X (N, 2), y (N,))`` pair as scikit-learn gives them.
    """
    import sklearn.datasets  # imported here: scikit-learn is slow to import

    N = 200
    noisy_circles = sklearn.datasets.make_circles(n_samples=N, factor=.5, noise=.3)
    noisy_moons = sklearn.datasets.make_moons(n_samples=N, noise=.2)
    blobs = sklearn.datasets.make_blobs(n_samples=N, random_state=5, n_features=2,
                                        centers=6)
    gaussian_quantiles = sklearn.datasets.make_gaussian_quantiles(
        mean=None, cov=0.5, n_samples=N, n_features=2, n_classes=2, shuffle=True,
        random_state=None)
    no_structure = np.random.rand(N, 2), np.random.rand(N, 2)
    return noisy_circles, noisy_moons, blobs, gaussian_quantiles, no_structure


_EXTRA_CALLS = {
    "noisy_circles": "make_circles(n_samples=200, factor=0.5, noise=0.3)",
    "noisy_moons": "make_moons(n_samples=200, noise=0.2)",
    "blobs": "make_blobs(n_samples=200, centers=6, random_state=5), labels mod 2",
    "gaussian_quantiles": "make_gaussian_quantiles(cov=0.5, n_samples=200, n_classes=2)",
}


def planar_dataset(name: str = "flower", seed: int = 1) -> Dataset:
    """One of the course 1.3 point sets as a ``Dataset(kind="points")``.

    The flower ignores ``seed`` (the course fixes it at 1). The other sets come from
    ``load_extra_datasets`` after seeding NumPy's global RNG with ``seed``; the
    caller's global RNG state is restored afterwards. There is no test split.
    """
    if name == "flower":
        with GLOBAL_RANDOM_LOCK:
            X, Y = load_planar_dataset()
        return Dataset(name="flower", kind="points", X_train=X, Y_train=Y,
                       X_test=None, Y_test=None, classes=["y=0 (red)", "y=1 (blue)"],
                       provenance="Flower generator of the course (NumPy seed 1), "
                                  "400 points, 200 per class")
    if name not in _EXTRA_CALLS:
        raise DataError(f"Unknown planar dataset '{name}'. "
                        f"Choose one of: {', '.join(PLANAR_NAMES)}.")
    with GLOBAL_RANDOM_LOCK:
        state = np.random.get_state()
        try:
            np.random.seed(seed)
            circles, moons, blobs, quantiles, _ = load_extra_datasets()
        finally:
            np.random.set_state(state)
    X, y = {"noisy_circles": circles, "noisy_moons": moons, "blobs": blobs,
            "gaussian_quantiles": quantiles}[name]
    X = X.T
    Y = y.reshape(1, y.shape[0])
    if name == "blobs":
        # six blob centres folded into two classes, as the course does
        Y = Y % 2
    return Dataset(name=name, kind="points", X_train=X, Y_train=Y, X_test=None,
                   Y_test=None, classes=["class 0", "class 1"],
                   provenance=f"scikit-learn {_EXTRA_CALLS[name]}, NumPy seed {seed}, "
                              f"{Y.shape[1]} points")


def hold_out(dataset: Dataset, percent: int, seed: int = 0) -> Dataset:
    """Move ``percent`` % of the points, chosen at random (fixed ``seed``), into a
    test split. The course trains on all points; a held-out set shows overfitting."""
    if percent <= 0:
        return dataset
    m = dataset.m_train
    order = np.random.RandomState(seed).permutation(m)
    n_test = max(1, round(m * percent / 100))
    test, train = order[:n_test], order[n_test:]
    return Dataset(name=dataset.name, kind="points",
                   X_train=dataset.X_train[:, train], Y_train=dataset.Y_train[:, train],
                   X_test=dataset.X_train[:, test],
                   Y_test=dataset.Y_train[:, test], classes=dataset.classes,
                   provenance=f"{dataset.provenance}; {n_test} held out for testing",
                   is_standin=dataset.is_standin)
