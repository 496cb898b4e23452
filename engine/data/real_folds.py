"""Train on the stand-in plus most of the real test photos, score the rest: k folds.

Where only the course's test file exists (``test_signs.h5``, ``test_happy.h5``), a
model trained on drawn stand-ins alone scores near chance on the real photos. The
"real folds" mode splits those real photos into k stratified folds (fixed seed); for
each fold in turn the model trains on the stand-in plus the other k-1 folds and is
scored on the held-out fold. This is *not* the course's split: every real photo is
scored exactly once, by a model that never saw it.
"""
from __future__ import annotations

import numpy as np

from engine.data.dataset import DataError, Dataset

DEFAULT_FOLDS = 5
FOLD_SEED = 0
MAX_FOLDS = 10


def stratified_folds(labels: np.ndarray, k: int = DEFAULT_FOLDS,
                     seed: int = FOLD_SEED) -> list[np.ndarray]:
    """k disjoint index arrays covering every example once, each holding about 1/k of
    every class (labels shuffled within their class with ``seed``, then dealt out
    round-robin, so class counts per fold differ by at most one)."""
    labels = np.asarray(labels).reshape(-1)
    if not 2 <= k <= MAX_FOLDS:
        raise DataError(f"The number of folds must be between 2 and {MAX_FOLDS}; got {k}.")
    if labels.size < k:
        raise DataError(f"{labels.size} real pictures cannot be split into {k} folds.")
    rng = np.random.default_rng(seed)
    folds: list[list[int]] = [[] for _ in range(k)]
    start = 0  # the next class continues the round-robin, keeping fold sizes even
    for value in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == value))
        for j, index in enumerate(members):
            folds[(start + j) % k].append(int(index))
        start = (start + len(members)) % k
    return [np.sort(np.asarray(f, dtype=np.int64)) for f in folds]


def fold_dataset(standin: Dataset, real_X: np.ndarray, real_Y: np.ndarray,
                 folds: list[np.ndarray], held_out: int, provenance: str) -> Dataset:
    """The stand-in's training pictures plus every fold but ``held_out`` to train on,
    the held-out fold to test on."""
    real_Y = np.asarray(real_Y).reshape(1, -1)
    train_index = np.concatenate([f for i, f in enumerate(folds) if i != held_out])
    test_index = folds[held_out]
    X_train = np.concatenate([np.asarray(standin.X_train), real_X[train_index]])
    Y_train = np.concatenate([np.asarray(standin.Y_train).reshape(1, -1),
                              real_Y[:, train_index]], axis=1).astype(np.int64)
    k = len(folds)
    return Dataset(
        name=standin.name, kind="images", X_train=X_train, Y_train=Y_train,
        X_test=real_X[test_index], Y_test=real_Y[:, test_index].astype(np.int64),
        classes=list(standin.classes),
        provenance=(f"Real-folds mode (not the course's split): stand-in plus real folds "
                    f"{', '.join(str(i + 1) for i in range(k) if i != held_out)} of {k} "
                    f"from {provenance}; tested on held-out fold {held_out + 1}"),
        is_standin=False,
        extra={"fold": held_out, "folds": k, "real_train": int(train_index.size),
               "standin_train": int(standin.m_train)})


def real_photos_of(dataset: Dataset) -> dict:
    """The real test photos a stand-in dataset carries, or a sentence why there are none."""
    real = dataset.extra.get("real_test") if dataset.is_standin else None
    if real is None:
        if not dataset.is_standin:
            raise DataError("Real-folds mode is for lessons that train on the stand-in; "
                            "this lesson already trains on the course's own files.")
        raise DataError("Real-folds mode needs the course's real test file (e.g. "
                        "test_signs.h5 or test_happy.h5) in the data folder; it is not "
                        "there.")
    return real


def fold_summary(accuracies: list[float], baseline: list[float] | None = None) -> dict:
    """Mean and spread of the held-out real accuracies (and of the stand-in alone)."""
    values = np.asarray(accuracies, dtype=np.float64)
    out = {"real_fold_accuracies": [float(a) for a in values],
           "real_fold_mean": float(values.mean()),
           "real_fold_std": float(values.std())}
    if baseline is not None:
        base = np.asarray(baseline, dtype=np.float64)
        out.update({"standin_fold_accuracies": [float(a) for a in base],
                    "standin_fold_mean": float(base.mean()),
                    "standin_fold_std": float(base.std())})
    return out
