"""Lesson 4.4 (catalog 3.6): face verification, recognition and the triplet loss.

Nothing is trained (the course only loads a pretrained FaceNet). The run encodes the
enrolled residents' photos with the chosen encoder and measures how well the
encodings separate people: every pair's distance, accept / reject rates at the
threshold, and the triplet loss of every (anchor, positive, negative) triplet.

Photos come from the resident store (the door's enrolled faces) when it belongs to
the chosen encoder, otherwise from the course's sample photos when the learner has
them (a ``faces/`` folder among the data folders, see engine/data/course_files.py).
It is a NumPy lesson: the default encoder is the embedded dlib one, so the page never
waits for TensorFlow; choosing the course's FaceNet imports it on the job thread.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.jobs import LessonError
from engine.lessons import COURSE_4, Lesson
from engine.settings import setting

ENCODER_DLIB = "dlib (embedded)"
ENCODER_FACENET = "FaceNet (course weights)"
ENCODERS = (ENCODER_DLIB, ENCODER_FACENET)

# The course's camera shots and who is on them (its story: Younes and Bertrand at the
# door, Benoit with Kian's stolen card); they give the residents a second photo.
SAMPLE_CAMERA_SHOTS = {"camera_0": "younes", "camera_1": "bertrand", "camera_2": "benoit",
                       "camera_3": "bertrand", "camera_5": "arnaud"}
SAMPLE_RESIDENTS = ("danielle", "younes", "tian", "andrew", "kian", "dan", "sebastiano",
                    "bertrand", "kevin", "felix", "benoit", "arnaud")
# Thresholds at which the accept / reject curves are sampled for the plot.
CURVE_THRESHOLDS = np.round(np.linspace(0.0, 1.6, 81), 4)


@dataclass
class FaceRecognitionSettings:
    encoder: str = setting(ENCODER_DLIB, "Encoder", choices=ENCODERS,
                           help="The embedded dlib ResNet, or the course's FaceNet when "
                                "its weights are in the user data folder.")
    threshold: float = setting(0.6, "Distance threshold", minimum=0.05, maximum=2.0,
                               help="Two faces closer than this are the same person: "
                                    "0.6 for dlib, 0.7 for the course's FaceNet.")
    alpha: float = setting(0.2, "Triplet margin alpha", minimum=0.0, maximum=2.0,
                           help="The margin of the triplet loss; the course uses 0.2.")


def make_encoder(choice: str):
    """The encoder for a settings value; LessonError (where to put the weights) when
    the course's FaceNet weights are absent."""
    if choice == ENCODER_FACENET:
        from engine.keras_models.facenet import FaceNetEncoder
        return FaceNetEncoder.from_weights()
    from engine.keras_models.facenet import default_encoder
    return default_encoder()


def sample_faces_folder() -> Path | None:
    """The course's face photos among the data folders (``<folder>/faces`` or the
    folder itself), or None."""
    from engine.data.course_files import search_folders
    for folder in search_folders():
        for candidate in (folder / "faces", folder):
            if (candidate / "younes.jpg").is_file():
                return candidate
    return None


def sample_photos(folder: Path) -> list[tuple[str, Path]]:
    """(name, path) of the course's residents and labelled camera shots present."""
    photos = []
    for name in SAMPLE_RESIDENTS:
        for suffix in (".jpg", ".png"):
            if (folder / f"{name}{suffix}").is_file():
                photos.append((name, folder / f"{name}{suffix}"))
                break
    for shot, name in SAMPLE_CAMERA_SHOTS.items():
        if (folder / f"{shot}.jpg").is_file():
            photos.append((name, folder / f"{shot}.jpg"))
    return photos


def resident_store_path(encoder):
    """The door page's store for ``encoder``: the default one for the embedded dlib
    encoder, ``faces/residents-<encoder name>.npz`` for any other (encodings of
    different networks cannot be compared). Same rule as playground's face worker."""
    from engine.faces.dlib_encoder import DlibEncoder
    from engine.user_data import user_data_dir
    if isinstance(encoder, DlibEncoder):
        return None
    slug = "".join(c if c.isalnum() else "-" for c in encoder.name.lower()).strip("-")
    return user_data_dir() / "faces" / f"residents-{slug}.npz"


def _store_encodings(encoder):
    """(names, encodings, description) from the resident store; None when it has fewer
    than two people; a string saying why when it belongs to another encoder."""
    from engine.faces.residents import ResidentStore
    store = ResidentStore(resident_store_path(encoder))
    if not store.names():
        return None
    if store.encoder_name not in (None, encoder.name):
        return (f"The residents were enrolled with {store.encoder_name}; enrol them again "
                f"with {encoder.name} to analyse its encodings.")
    names, rows = [], []
    for name, encs in store.encodings().items():
        for row in np.asarray(encs, dtype=np.float64).reshape(-1, 128):
            names.append(name)
            rows.append(row)
    if len(set(names)) < 2:
        return None
    return names, np.array(rows), f"{len(set(names))} enrolled residents"


def encode_photos(photos, encoder, on_event, control):
    from engine.faces.images import read_image
    names, rows = [], []
    on_event.total = len(photos)
    for i, (name, path) in enumerate(photos):
        control.checkpoint()
        rows.append(encoder.encode_single(read_image(path)))
        names.append(name)
        on_event.progress(i, 0.0, record=False)
    return names, np.array(rows)


def gather(encoder, on_event, control):
    """(names, encodings (n, 128), description of where they came from)."""
    stored = _store_encodings(encoder)
    if isinstance(stored, tuple):
        return stored
    folder = sample_faces_folder()
    if folder is None:
        raise LessonError(stored or "No residents to analyse: enrol at least two people on "
                                    "the door page, or import the course's face photos.")
    names, encodings = encode_photos(sample_photos(folder), encoder, on_event, control)
    return names, encodings, f"the course's sample photos ({len(names)} in {folder.name}/)"


def analyse(names, encodings, threshold: float, alpha: float) -> dict:
    """Every figure of the analysis tab, from encodings (no model needed)."""
    from engine.faces import analysis
    D = analysis.distance_matrix(encodings)
    same, different = analysis.pair_distances(names, encodings)
    rates = analysis.accept_reject_rates(same, different, threshold)
    losses, triplets = analysis.triplet_losses(names, encodings, alpha)
    curves = [analysis.accept_reject_rates(same, different, t) for t in CURVE_THRESHOLDS]
    return {
        "metrics": {**{k: rates[k] for k in ("true_accept", "false_accept", "true_reject",
                                            "false_reject")},
                    "mean_triplet_loss": float(losses.mean()) if losses.size else None,
                    "triplet_loss": float(losses.sum()),
                    "active_triplets": int(np.sum(losses > 0)),
                    "triplets": int(losses.size),
                    "best_threshold": analysis.best_threshold(same, different),
                    "same_pairs": rates["same_pairs"],
                    "different_pairs": rates["different_pairs"]},
        "result": {"names": list(names), "distances": D, "same": same,
                   "different": different, "losses": losses, "triplets": triplets,
                   "threshold": threshold, "alpha": alpha,
                   "rate_curve": {"threshold": CURVE_THRESHOLDS,
                                  "true_accept": [c["true_accept"] for c in curves],
                                  "false_accept": [c["false_accept"] for c in curves]}},
    }


def run(hp: FaceRecognitionSettings, on_event, control, dataset=None) -> dict:
    encoder = make_encoder(hp.encoder)
    if dataset is not None:  # (names, encodings) handed over by a page
        names, encodings = list(dataset[0]), np.asarray(dataset[1], dtype=np.float64)
        source = f"{len(set(names))} residents"
    else:
        names, encodings, source = gather(encoder, on_event, control)
    out = analyse(names, encodings, hp.threshold, hp.alpha)
    out["metrics"]["encoder"] = encoder.name
    out["result"]["source"] = source
    out["result"]["encoder"] = encoder.name
    if not out["metrics"]["same_pairs"]:
        out["result"]["note"] = ("Everyone has a single photo, so there are no same-person "
                                 "pairs and no triplets: enrol a second photo of someone.")
    on_event("snapshot", iteration=0, **out["result"])
    return out


LESSON = Lesson(
    id="face-recognition",
    title="Face recognition for the Happy House",
    course=COURSE_4, section="3.6",
    settings=FaceRecognitionSettings, run=run,
    summary="Verification (1:1) and recognition (1:K) with 128-number face encodings, "
            "the triplet loss, and a door that opens for the residents.",
)
