"""How well encodings separate people: distances, accept / reject rates, triplet losses.

NumPy only. ``names[i]`` is the person on photo ``i`` and ``encodings[i]`` its (128,)
encoding; several photos of one person give the "same person" pairs.
"""
from __future__ import annotations

import numpy as np


def distance_matrix(encodings) -> np.ndarray:
    """(n, n) L2 distances between every two encodings."""
    E = np.asarray(encodings, dtype=np.float64).reshape(len(encodings), -1)
    squares = np.sum(E * E, axis=1)
    # |a-b|^2 = |a|^2 + |b|^2 - 2ab; rounding can make it a hair below zero.
    d2 = squares[:, None] + squares[None, :] - 2.0 * E @ E.T
    D = np.sqrt(np.maximum(d2, 0.0))
    np.fill_diagonal(D, 0.0)
    return D


def pair_distances(names, encodings) -> tuple[np.ndarray, np.ndarray]:
    """Distances of all unordered pairs of photos: (same person, different people)."""
    names = list(names)
    D = distance_matrix(encodings)
    i, j = np.triu_indices(len(names), k=1)
    same = np.array([names[a] == names[b] for a, b in zip(i, j)], dtype=bool)
    return D[i, j][same], D[i, j][~same]


def _rate(count: int, total: int) -> float | None:
    return count / total if total else None


def accept_reject_rates(same, different, threshold) -> dict:
    """Rates at a threshold ("accept" = distance below it = "same person").

    true_accept / false_reject are over same-person pairs, false_accept / true_reject
    over different-people pairs; a rate is None when it has no pairs to count.
    """
    same = np.asarray(same, dtype=np.float64).ravel()
    different = np.asarray(different, dtype=np.float64).ravel()
    accepted_same = int(np.sum(same < threshold))
    accepted_different = int(np.sum(different < threshold))
    return {
        "true_accept": _rate(accepted_same, same.size),
        "false_reject": _rate(same.size - accepted_same, same.size),
        "false_accept": _rate(accepted_different, different.size),
        "true_reject": _rate(different.size - accepted_different, different.size),
        "same_pairs": int(same.size),
        "different_pairs": int(different.size),
    }


def triplet_indices(names) -> np.ndarray:
    """Every (anchor, positive, negative): anchor and positive two different photos of
    one person, negative a photo of someone else. Shape (k, 3)."""
    names = list(names)
    n = len(names)
    out = []
    for a in range(n):
        for p in range(n):
            if p == a or names[p] != names[a]:
                continue
            for q in range(n):
                if names[q] != names[a]:
                    out.append((a, p, q))
    return np.array(out, dtype=int).reshape(-1, 3)


def triplet_losses(names, encodings, alpha=0.2) -> tuple[np.ndarray, np.ndarray]:
    """Per-triplet max(||A-P||^2 - ||A-N||^2 + alpha, 0), the course's triplet_loss
    before its sum. Returns (losses (k,), triplets (k, 3) of photo indices)."""
    E = np.asarray(encodings, dtype=np.float64).reshape(len(encodings), -1)
    triplets = triplet_indices(names)
    if len(triplets) == 0:
        return np.zeros(0), triplets
    A, P, N = E[triplets[:, 0]], E[triplets[:, 1]], E[triplets[:, 2]]
    pos_dist = np.sum(np.square(A - P), axis=-1)
    neg_dist = np.sum(np.square(A - N), axis=-1)
    return np.maximum(pos_dist - neg_dist + alpha, 0.0), triplets


def best_threshold(same, different) -> float | None:
    """The threshold with the fewest wrong decisions over all pairs (midpoints of the
    sorted distances); None without pairs of both kinds."""
    same = np.asarray(same, dtype=np.float64).ravel()
    different = np.asarray(different, dtype=np.float64).ravel()
    if not same.size or not different.size:
        return None
    values = np.unique(np.concatenate([same, different]))
    candidates = np.concatenate([[values[0] - 1e-6], (values[:-1] + values[1:]) / 2,
                                 [values[-1] + 1e-6]])
    errors = [np.sum(same >= t) + np.sum(different < t) for t in candidates]
    return float(candidates[int(np.argmin(errors))])


# Which photos an analysis is about (``photos`` of summarise's dict).
PHOTOS_RESIDENTS = "enrolled residents"
PHOTOS_SAMPLE = "course sample photos"
# Thresholds at which the accept / reject curves are sampled for a plot.
CURVE_THRESHOLDS = np.round(np.linspace(0.0, 1.6, 81), 4)


def flatten(encodings_by_name) -> tuple[list[str], list[str], np.ndarray]:
    """A store's ``{name: (k, 128)}`` -> (names, labels, encodings (n, 128)): one row a
    photo; the label numbers the photos of people who have several ("ann 2")."""
    names, labels, rows = [], [], []
    for name, block in encodings_by_name.items():
        block = np.asarray(block, dtype=np.float64).reshape(-1, 128)
        for k, row in enumerate(block):
            names.append(name)
            labels.append(name if len(block) == 1 else f"{name} {k + 1}")
            rows.append(row)
    return names, labels, np.asarray(rows, dtype=np.float64).reshape(-1, 128)


def rates_at(same, different, threshold) -> dict:
    """accept_reject_rates plus the threshold they were counted at."""
    return {**accept_reject_rates(same, different, threshold), "threshold": float(threshold)}


def summarise(names, encodings, threshold: float, alpha: float, labels=None,
              photos: str = "") -> dict:
    """Every figure of a triplet-loss / distance view of some photos, in one dict:

    names, labels (one per photo), matrix (n, n) distances, same / different pair
    distances, rates at ``threshold`` (rates_at), rate_curve (true / false accept over
    CURVE_THRESHOLDS), best_threshold, alpha, losses (per triplet), triplet_indices
    (k, 3), loss (their sum; None without triplets), triplets (k), active (losses > 0),
    mean_loss, and ``photos``: which photos these are (e.g. "enrolled residents").
    """
    names = list(names)
    encodings = np.asarray(encodings, dtype=np.float64).reshape(len(names), -1)
    same, different = pair_distances(names, encodings)
    losses, triplets = triplet_losses(names, encodings, alpha)
    curves = [accept_reject_rates(same, different, t) for t in CURVE_THRESHOLDS]
    return {
        "names": names,
        "labels": list(labels) if labels is not None else list(names),
        "photos": photos,
        "matrix": distance_matrix(encodings),
        "same": same, "different": different,
        "threshold": float(threshold), "alpha": float(alpha),
        "rates": rates_at(same, different, threshold),
        "rate_curve": {"threshold": CURVE_THRESHOLDS,
                       "true_accept": [c["true_accept"] for c in curves],
                       "false_accept": [c["false_accept"] for c in curves]},
        "best_threshold": best_threshold(same, different),
        "losses": losses, "triplet_indices": triplets,
        "loss": float(losses.sum()) if losses.size else None,
        "triplets": int(losses.size),
        "active": int(np.sum(losses > 0)),
        "mean_loss": float(losses.mean()) if losses.size else None,
    }


TRIPLET_ROWS = 200          # the hardest triplets listed; the loss counts them all


def triplet_rows(labels, matrix, losses, triplets, limit: int = TRIPLET_ROWS) -> list[dict]:
    """The ``limit`` hardest triplets as rows: anchor / positive / negative labels and
    photo indices (``a``, ``p``, ``n``), the L2 distances anchor-positive (``ap``) and
    anchor-negative (``an``), and the loss.
    Hardest first: the largest ||A-P||^2 - ||A-N||^2, so rows with the same zero loss
    still come in the order of how close they are to counting."""
    matrix = np.asarray(matrix, dtype=np.float64)
    triplets = np.asarray(triplets, dtype=int).reshape(-1, 3)
    if not len(triplets):
        return []
    ap = matrix[triplets[:, 0], triplets[:, 1]]
    an = matrix[triplets[:, 0], triplets[:, 2]]
    order = np.argsort(-(ap * ap - an * an), kind="stable")[:limit]
    return [{"anchor": labels[triplets[k, 0]], "positive": labels[triplets[k, 1]],
             "negative": labels[triplets[k, 2]], "a": int(triplets[k, 0]),
             "p": int(triplets[k, 1]), "n": int(triplets[k, 2]),
             "ap": float(ap[k]), "an": float(an[k]),
             "loss": float(losses[k])} for k in order]


def summarise_residents(encodings_by_name, threshold: float, alpha: float,
                        extra=None) -> dict:
    """summarise() over a resident store's ``encodings()`` (the door page's triplet tab),
    plus ``triplet_rows`` (the hardest triplets, triplet_rows()).

    ``extra``: more photos of the residents that are not enrolled (the course's camera
    shots), a dict with names, labels and encodings (encode_camera_shots); they join
    the analysis and ``photos`` says so."""
    names, labels, encodings = flatten(encodings_by_name)
    photos = PHOTOS_RESIDENTS
    if extra is not None and len(extra["names"]):
        count = len(extra["names"])
        names = names + list(extra["names"])
        labels = labels + list(extra["labels"])
        encodings = np.concatenate([encodings, np.asarray(extra["encodings"],
                                                          np.float64).reshape(count, -1)])
        photos = (f"{PHOTOS_RESIDENTS} and {count} course camera "
                  f"shot{'s' if count != 1 else ''}")
    data = summarise(names, encodings, threshold, alpha, labels=labels, photos=photos)
    data["triplet_rows"] = triplet_rows(data["labels"], data["matrix"], data["losses"],
                                        data["triplet_indices"])
    return data
