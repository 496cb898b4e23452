"""The 2-D point sets of course 2.1: circles (initialization) and the football field
(regularization).

``circles_dataset`` is generated exactly as the course's ``load_dataset`` does, so
its runs reproduce. ``field_dataset`` reads the course's ``data.mat`` where it can
be found and otherwise draws a stand-in of the same shape.
"""
from __future__ import annotations

import numpy as np

from engine.data.course_files import find_course_file
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


def _read_field_file(path) -> tuple:
    """(train_X, train_Y, test_X, test_Y) from data.mat, checked; DataError otherwise."""
    import scipy.io

    try:
        data = scipy.io.loadmat(str(path))
    except Exception as exc:  # scipy raises several types for a damaged file
        raise DataError(f"{path.name} at {path.parent} is not a readable MATLAB file "
                        f"({type(exc).__name__}).") from None
    missing = [k for k in ("X", "y", "Xval", "yval") if k not in data]
    if missing:
        raise DataError(f"{path.name} has no {', '.join(repr(k) for k in missing)} "
                        f"entr{'y' if len(missing) == 1 else 'ies'}.")
    out = []
    for x_key, y_key in (("X", "y"), ("Xval", "yval")):
        x, y = np.asarray(data[x_key]), np.asarray(data[y_key])
        if x.ndim != 2 or x.shape[1] != 2 or x.shape[0] == 0:
            raise DataError(f"{path.name}: '{x_key}' has shape {x.shape}; expected "
                            f"(m, 2) points.")
        if y.size != x.shape[0]:
            raise DataError(f"{path.name} has {x.shape[0]} points in '{x_key}' but "
                            f"{y.size} labels in '{y_key}'.")
        if x.dtype.kind not in "fiu" or not np.isfinite(x).all():
            raise DataError(f"{path.name}: '{x_key}' must hold finite numbers.")
        if y.dtype.kind not in "fiub" or not np.isin(y, (0, 1)).all():
            raise DataError(f"{path.name}: '{y_key}' must hold labels 0 and 1.")
        out += [x.T.astype(float), y.reshape(1, -1).astype(np.int64)]
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
    train_X, train_Y, test_X, test_Y = _read_field_file(path)
    return Dataset(name="field", kind="points", X_train=train_X, Y_train=train_Y,
                   X_test=test_X, Y_test=test_Y,
                   classes=FIELD_CLASSES,
                   provenance=f"Course file {FIELD_FILE} from {path.parent}: "
                              f"{train_X.shape[1]} training and {test_X.shape[1]} test "
                              "positions",
                   extra={"view": FIELD_VIEW, "path": str(path)})

