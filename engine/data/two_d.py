"""The 2-D point sets of course 2.1: circles (initialization) and the football field
(regularization).

``circles_dataset`` is generated exactly as the course's ``load_dataset`` does, so
its runs reproduce. ``field_dataset`` reads the course's ``data.mat`` where it can
be found and otherwise draws a stand-in of the same shape.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from engine import limits
from engine.data.course_files import find_course_file
from engine.data.safe_arrays import ArraySpec, check_finite, check_labels, read_mat_arrays
from engine.data.dataset import DataError, Dataset
from engine.global_random import GLOBAL_RANDOM_LOCK

FIELD_FILE = "data.mat"
FIELD_TRAIN, FIELD_TEST = 211, 200
# The course draws the field's decision boundaries over this window.
FIELD_CLASSES = ["red: opponent headed it", "blue: French player headed it"]
FIELD_VIEW = ((-0.75, 0.40), (-0.75, 0.65))
CIRCLES_VIEW = ((-1.5, 1.5), (-1.5, 1.5))


def load_dataset():
    """init_utils.load_dataset: ``train_X (2, 300), train_Y (1, 300), test_X (2, 100),
    test_Y (1, 100)``, drawn from NumPy's global RNG with seeds 1 and 2."""
    import sklearn.datasets  # slow to import; only when the data is wanted

    np.random.seed(1)
    train_X, train_Y = sklearn.datasets.make_circles(n_samples=300, noise=.05)
    np.random.seed(2)
    test_X, test_Y = sklearn.datasets.make_circles(n_samples=100, noise=.05)
    train_X = train_X.T
    train_Y = train_Y.reshape((1, train_Y.shape[0]))
    test_X = test_X.T
    test_Y = test_Y.reshape((1, test_Y.shape[0]))
    return train_X, train_Y, test_X, test_Y


def circles_dataset() -> Dataset:
    """The initialization lesson's blue / red circles; the caller's RNG state is kept."""
    with GLOBAL_RANDOM_LOCK:
        state = np.random.get_state()
        try:
            train_X, train_Y, test_X, test_Y = load_dataset()
        finally:
            np.random.set_state(state)
    return Dataset(name="circles", kind="points", X_train=train_X, Y_train=train_Y,
                   X_test=test_X, Y_test=test_Y, classes=["red (outer)", "blue (inner)"],
                   provenance="scikit-learn make_circles(noise=0.05) as in the course: "
                              "300 training points (seed 1), 100 test points (seed 2)",
                   extra={"view": CIRCLES_VIEW})


# data.mat: training points X (m, 2) with labels y (m, 1), validation Xval / yval
FIELD_SPECS = [
    ArraySpec("X", (("m", 2),), "fiu", what="training points", counts="points in 'X'"),
    ArraySpec("y", (("m", 1), (1, "m")), "fiub", what="training labels",
              counts="labels in 'y'"),
    ArraySpec("Xval", (("n", 2),), "fiu", what="validation points",
              counts="points in 'Xval'"),
    ArraySpec("yval", (("n", 1), (1, "n")), "fiub", what="validation labels",
              counts="labels in 'yval'"),
]


def read_field_file(path) -> tuple:
    """(train_X, train_Y, test_X, test_Y) from data.mat, checked; DataError otherwise.

    Sizes and shapes are checked from the file's headers before anything is read
    (``engine.data.safe_arrays``); values must be finite and labels 0 or 1."""
    path = Path(path)
    arrays, _ = read_mat_arrays(path, FIELD_SPECS, max_examples=limits.MAX_POINTS)
    out = []
    for x_key, y_key in (("X", "y"), ("Xval", "yval")):
        x, y = arrays[x_key], arrays[y_key]
        if x.shape[0] == 0:
            raise DataError(f"{path.name}: '{x_key}' holds no points.")
        check_finite(x, path.name, x_key)
        labels = check_labels(y, 2, path.name, y_key)
        out += [x.T.astype(float), labels.reshape(1, -1)]
    return tuple(out)


def _field_margin(X):
    """Signed distance of each point from the stand-in's dividing line (a diagonal
    with a gentle wave), positive on the French side (upper left)."""
    x, y = X
    return (y - (1.9 * x + 0.2) - 0.03 * np.sin(6 * x)) / np.hypot(1.9, 1)


def field_standin(seed: int = 0) -> Dataset:
    """Positions on a field where French (1) or opposing (0) players headed the ball.

    Drawn, not the course's file, but shaped like it: points over the course's
    area, split by a diagonal (French players towards the upper left; the real
    file's best straight line is about y = 1.97 x + 0.22). The training set, like
    the course's, holds a few small clumps of points on the wrong side of the line:
    an unregularised 20-3-1 network bends its boundary around them and loses test
    accuracy, while L2 and dropout keep the boundary smooth. The test set has only
    a little label noise near the line.
    """
    rng = np.random.RandomState(seed)

    def positions(m, in_oval):
        out = []
        while len(out) < m:
            x, y = rng.uniform(-0.62, 0.32), rng.uniform(-0.72, 0.6)
            # training points fill an oval as in data.mat; test points the rectangle
            if not in_oval or ((x + 0.15) / 0.47) ** 2 + ((y + 0.05) / 0.66) ** 2 < 1:
                out.append((x, y))
        return np.array(out).T

    def draw(m, test):
        X = positions(m, in_oval=not test)
        label = (_field_margin(X) + rng.normal(0, 0.03 if test else 0.01, m) > 0)
        label = label.astype(np.int64)
        if not test:
            for _ in range(4):      # four clumps of 3-4 strays, 0.03-0.12 from the line
                while True:
                    centre = X[:, rng.randint(m)]
                    if 0.03 < abs(_field_margin(centre[:, None])[0]) < 0.12:
                        break
                near = np.argsort(np.hypot(*(X - centre[:, None])))[:rng.randint(3, 5)]
                label[near] = (_field_margin(X[:, near]) < 0).astype(np.int64)
        return X, label.reshape(1, m)

    train_X, train_Y = draw(FIELD_TRAIN, test=False)
    test_X, test_Y = draw(FIELD_TEST, test=True)
    return Dataset(name="field", kind="points", X_train=train_X, Y_train=train_Y,
                   X_test=test_X, Y_test=test_Y,
                   classes=FIELD_CLASSES,
                   provenance=f"Stand-in: {FIELD_FILE} not found, so {FIELD_TRAIN} training "
                              f"and {FIELD_TEST} test positions were drawn (seed {seed}); "
                              "numbers will differ from the course's",
                   is_standin=True, extra={"view": FIELD_VIEW})


def field_dataset() -> Dataset:
    """The regularization lesson's field: ``data.mat`` if found, else the stand-in.

    A ``data.mat`` that is present but damaged raises ``DataError`` (the user should
    learn that the file they provided cannot be used) rather than falling back.
    """
    path = find_course_file(FIELD_FILE)
    if path is None:
        return field_standin()
    train_X, train_Y, test_X, test_Y = read_field_file(path)
    return Dataset(name="field", kind="points", X_train=train_X, Y_train=train_Y,
                   X_test=test_X, Y_test=test_Y,
                   classes=FIELD_CLASSES,
                   provenance=f"Course file {FIELD_FILE} from {path.parent}: "
                              f"{train_X.shape[1]} training and {test_X.shape[1]} test "
                              "positions",
                   extra={"view": FIELD_VIEW, "path": str(path)})

