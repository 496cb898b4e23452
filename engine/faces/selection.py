"""Which encoder, and which resident store goes with it: the one rule for the door page
and the face-recognition lesson run.

A store belongs to one encoder (encodings of different networks cannot be compared):
the embedded dlib encoder uses the default store, any other encoder gets its own file
``faces/residents-<encoder name>.npz`` next to it.
"""
from __future__ import annotations

from engine.user_data import user_data_dir

EMBEDDED = "dlib"
FACENET = "facenet"


def encoder_for(choice: str | None):
    """``"facenet"``: the course's FaceNet with its weights (WeightsError / LessonError
    saying where to put them when absent); anything else: the embedded dlib encoder."""
    from engine.keras_models import facenet
    if choice == FACENET:
        return facenet.FaceNetEncoder.from_weights()
    return facenet.default_encoder()


def resident_store_path(encoder):
    """The store file of ``encoder``: None (the store's default) for the embedded dlib
    encoder, ``faces/residents-<slug of its name>.npz`` for any other."""
    from engine.faces.dlib_encoder import DlibEncoder
    if isinstance(encoder, DlibEncoder):
        return None
    slug = "".join(c if c.isalnum() else "-" for c in encoder.name.lower()).strip("-")
    return user_data_dir() / "faces" / f"residents-{slug}.npz"


def load_encoder_and_store(choice: str | None):
    """(encoder, its ResidentStore); slow (models load here): call it off the UI thread."""
    from engine.faces.residents import ResidentStore
    encoder = encoder_for(choice)
    return encoder, ResidentStore(resident_store_path(encoder))


def facenet_available() -> tuple[bool, str]:
    """(weights present, why not) for the course FaceNet; never raises, never loads TF."""
    try:
        from engine.keras_models.facenet_weights import find_facenet_weights
        found = find_facenet_weights()
    except Exception as exc:  # noqa: BLE001 - a missing optional model is not an error
        return False, f"FaceNet is not available ({exc})."
    if found is None:
        return False, ("The course FaceNet weights were not found; import them with "
                       "File → Import course files to compare with the course model.")
    return True, ""
