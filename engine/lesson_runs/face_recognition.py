"""Lesson 4.6 (catalog 3.6): face verification, recognition and the triplet loss.

Nothing is trained (the course only loads a pretrained FaceNet). The run encodes the
enrolled residents' photos with the chosen encoder and measures how well the
encodings separate people: every pair's distance, accept / reject rates at the
threshold, and the triplet loss of every (anchor, positive, negative) triplet.

Photos come from the resident store (the door's enrolled faces) when it belongs to
the chosen encoder and holds two people or more, otherwise from the course's sample
photos when the learner has them (a ``faces/`` folder among the data folders, see
engine/data/course_files.py); the result says which (``photos``) and why (``note``).
It is a NumPy lesson: the default encoder is the embedded dlib one, so the page never
waits for TensorFlow; choosing the course's FaceNet imports it on the job thread.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.faces.analysis import PHOTOS_RESIDENTS, PHOTOS_SAMPLE
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
    """The encoder for a settings value (engine.faces.selection's rule); LessonError
    (where to put the weights) when the course's FaceNet weights are absent."""
    from engine.faces.selection import FACENET, encoder_for
    return encoder_for(FACENET if choice == ENCODER_FACENET else None)


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


def camera_shots_of(folder: Path | None, residents) -> list[tuple[str, str, Path]]:
    """(shot, resident, path) of the course's labelled camera shots present in
    ``folder`` that show one of ``residents`` (names compared without case: an
    enrolled "Younes" is the course's younes), in the shots' order."""
    if folder is None:
        return []
    by_key = {str(name).casefold(): name for name in residents}
    out = []
    for shot, person in SAMPLE_CAMERA_SHOTS.items():
        path = Path(folder) / f"{shot}.jpg"
        if person in by_key and path.is_file():
            out.append((shot, by_key[person], path))
    return out


def encode_camera_shots(encoder, shots) -> dict:
    """Encode camera_shots_of()'s shots as extra photos of their residents (slow: call
    it off the UI thread). Returns encoder (its name), names, labels ("younes
    (camera_0)"), encodings (k, 128), shots [(shot, resident)] and problems (one line
    per shot that could not be used)."""
    from engine.faces.errors import FaceError
    from engine.faces.images import read_image
    names, labels, rows, used, problems = [], [], [], [], []
    for shot, name, path in shots:
        try:
            rows.append(encoder.encode_single(read_image(path)))
        except FaceError as exc:
            problems.append(f"{Path(path).name}: {exc}")
            continue
        names.append(name)
        labels.append(f"{name} ({shot})")
        used.append((shot, name))
    return {"encoder": encoder.name, "names": names, "labels": labels,
            "encodings": np.asarray(rows, dtype=np.float64).reshape(len(rows), -1),
            "shots": used, "problems": problems}


def _store_encodings(encoder):
    """(names, labels, encodings) of the resident store of ``encoder``, or (why not,
    what to do) when it cannot be analysed (fewer than two people, another encoder's)."""
    from engine.faces.analysis import flatten
    from engine.faces.residents import ResidentStore
    from engine.faces.selection import resident_store_path
    store = ResidentStore(resident_store_path(encoder))
    if store.encoder_name not in (None, encoder.name) and store.names():
        return (f"The residents were enrolled with {store.encoder_name}",
                f"enrol them again with {encoder.name} to analyse its encodings.")
    if len(store.names()) < 2:
        return (f"Fewer than two residents are enrolled ({len(store.names())})",
                "enrol at least two people on the door page, or import the course's "
                "face photos.")
    return flatten(store.encodings())


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


def gather(encoder, on_event, control) -> dict:
    """The photos to analyse: the enrolled residents when the store of ``encoder`` has
    two people or more, otherwise the course's sample photos, saying why in ``note``.
    Returns names, labels, encodings, photos (PHOTOS_RESIDENTS / PHOTOS_SAMPLE),
    source (a longer description) and note."""
    stored = _store_encodings(encoder)
    if len(stored) == 3:
        names, labels, encodings = stored
        return {"names": names, "labels": labels, "encodings": encodings,
                "photos": PHOTOS_RESIDENTS, "note": "",
                "source": f"{len(set(names))} enrolled residents"}
    why, what_to_do = stored
    folder = sample_faces_folder()
    if folder is None:
        raise LessonError(f"{why}: {what_to_do}")
    photos = sample_photos(folder)
    names, encodings = encode_photos(photos, encoder, on_event, control)
    labels = [name if path.stem == name else f"{name} ({path.stem})"
              for name, path in photos]
    return {"names": names, "labels": labels, "encodings": encodings,
            "photos": PHOTOS_SAMPLE,
            "note": f"{why}, so the course sample photos were analysed.",
            "source": f"the course's sample photos ({len(names)} in {folder.name}/)"}


def analyse(names, encodings, threshold: float, alpha: float, labels=None,
            photos: str = PHOTOS_RESIDENTS) -> dict:
    """Every figure of the analysis tab, from encodings (no model needed): the result
    is engine.faces.analysis.summarise's dict, the metrics its headline numbers."""
    from engine.faces import analysis
    result = analysis.summarise(names, encodings, threshold, alpha, labels=labels,
                                photos=photos)
    rates = result["rates"]
    metrics = {**{k: rates[k] for k in ("true_accept", "false_accept", "true_reject",
                                        "false_reject", "same_pairs", "different_pairs")},
               "mean_triplet_loss": result["mean_loss"],
               "triplet_loss": result["loss"] or 0.0,
               "active_triplets": result["active"],
               "triplets": result["triplets"],
               "best_threshold": result["best_threshold"],
               "photos": photos}
    return {"metrics": metrics, "result": result}


def run(hp: FaceRecognitionSettings, on_event, control, dataset=None) -> dict:
    encoder = make_encoder(hp.encoder)
    if dataset is not None:  # (names, encodings) of the residents, handed over by a page
        names, encodings = list(dataset[0]), np.asarray(dataset[1], dtype=np.float64)
        found = {"names": names, "labels": None, "encodings": encodings,
                 "photos": PHOTOS_RESIDENTS, "note": "",
                 "source": f"{len(set(names))} residents"}
    else:
        found = gather(encoder, on_event, control)
    out = analyse(found["names"], found["encodings"], hp.threshold, hp.alpha,
                  labels=found["labels"], photos=found["photos"])
    out["metrics"]["encoder"] = encoder.name
    notes = [found["note"]] if found["note"] else []
    if not out["metrics"]["same_pairs"]:
        notes.append("Everyone has a single photo, so there are no same-person pairs and "
                     "no triplets: enrol a second photo of someone.")
    out["result"].update(source=found["source"], encoder=encoder.name,
                         note=" ".join(notes))
    on_event("snapshot", iteration=0, **out["result"])
    return out


LESSON = Lesson(
    id="face-recognition",
    title="Face recognition for the Happy House",
    course=COURSE_4, section="4.6",
    settings=FaceRecognitionSettings, run=run,
    summary="Verification (1:1) and recognition (1:K) with 128-number face encodings, "
            "the triplet loss, and a door that opens for the residents.",
)
