"""The residents the door knows: names and face encodings, kept on the user's disk.

One ``.npz`` file (default ``user_data_dir()/faces/residents.npz``) holds every
resident's encodings (several photos each), a small thumbnail per photo and the name
of the encoder that made them: encodings of two encoders live in different spaces,
so mixing them would give confident wrong matches. The file holds plain arrays only
(names as a Unicode array) and is read with ``allow_pickle=False``: opening a file
someone dropped there can never run code.

Every change is written at once, atomically (temporary file, fsync, rename): a crash
mid-save leaves the previous file. Files are owner-only (0o600, folder 0o700): faces
are personal data. A damaged file is moved aside (never deleted) and ``notice`` says
where, so the user loses nothing silently.
"""
from __future__ import annotations

import os
import re
import threading
import time
from pathlib import Path

import numpy as np

from engine.faces.encoder import ENCODING_SIZE, FaceEncoder
from engine.faces.errors import FaceError, NoFaceFound
from engine.faces.images import list_images, read_image, to_rgb
from engine.small_files import write_atomically

CAMERA_SHOT = re.compile(r"camera_\d+", re.IGNORECASE)
CAMERA_SHOT_REASON = "camera shots are visitors, not residents"

FORMAT_VERSION = 1
THUMBNAIL_SIZE = 64
MAX_NAME_LENGTH = 60


def default_store_path() -> Path:
    from engine.user_data import user_data_dir
    return user_data_dir() / "faces" / "residents.npz"


def clean_name(name) -> str:
    """A resident name as stored: trimmed, one line, not empty, not too long."""
    text = " ".join(str(name).split())
    if not text:
        raise FaceError("A resident needs a name.")
    if len(text) > MAX_NAME_LENGTH:
        raise FaceError(f"Names are limited to {MAX_NAME_LENGTH} characters.")
    if any(ord(ch) < 32 for ch in text) or any(ch in text for ch in "/\\"):
        raise FaceError(f"The name {text!r} contains characters that are not allowed.")
    return text


def make_private_dir(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        os.chmod(folder, 0o700)
    except OSError:
        pass  # not ours to change (e.g. a shared parent); the file itself is still 0o600


def atomic_write(path: Path, write) -> None:
    """``engine.small_files.write_atomically`` into a private folder (0o700): the
    residents' faces are readable by nobody else, not even for a moment."""
    make_private_dir(path.parent)
    write_atomically(path, write)


def move_aside(path: Path) -> Path:
    """Rename a damaged file to ``<stem>.damaged-<time><suffix>`` and return the new path."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.stem}.damaged-{stamp}{path.suffix}")
    counter = 1
    while target.exists():
        target = path.with_name(f"{path.stem}.damaged-{stamp}-{counter}{path.suffix}")
        counter += 1
    os.replace(path, target)
    return target


def face_thumbnail(image: np.ndarray, box=None) -> np.ndarray:
    """A small square picture of the face (for the resident list)."""
    import cv2
    image = to_rgb(image)
    if box is not None and box.area > 0:
        pad_y, pad_x = box.height // 4, box.width // 4
        top, bottom = max(0, box.top - pad_y), min(image.shape[0], box.bottom + pad_y)
        left, right = max(0, box.left - pad_x), min(image.shape[1], box.right + pad_x)
        if bottom > top and right > left:
            image = image[top:bottom, left:right]
    height, width = image.shape[:2]
    side = min(height, width)
    y0, x0 = (height - side) // 2, (width - side) // 2
    square = image[y0:y0 + side, x0:x0 + side]
    return cv2.resize(square, (THUMBNAIL_SIZE, THUMBNAIL_SIZE), interpolation=cv2.INTER_AREA)


class ResidentStore:
    """Names -> encodings (k, 128) of one encoder, saved after every change."""

    def __init__(self, path=None) -> None:
        self.path = Path(path) if path is not None else default_store_path()
        self.notice: str | None = None
        self._lock = threading.RLock()
        self._encoder_name: str | None = None
        self._people: dict[str, list[np.ndarray]] = {}
        self._thumbs: dict[str, list[np.ndarray]] = {}
        self._matrix = np.zeros((0, ENCODING_SIZE))
        self._owners: list[str] = []
        self._load()

    # -- reading ---------------------------------------------------------------------------

    @property
    def encoder_name(self) -> str | None:
        """The encoder whose encodings this store holds (None while it is empty)."""
        return self._encoder_name

    def names(self) -> list[str]:
        with self._lock:
            return sorted(self._people, key=str.casefold)

    def __len__(self) -> int:
        return len(self._people)

    def __contains__(self, name) -> bool:
        return name in self._people

    def photo_count(self, name: str) -> int:
        with self._lock:
            return len(self._people.get(name, ()))

    def encodings(self) -> dict[str, np.ndarray]:
        with self._lock:
            return {name: np.array(self._people[name]) for name in self.names()}

    def thumbnails(self, name: str) -> list[np.ndarray]:
        with self._lock:
            return [t.copy() for t in self._thumbs.get(name, [])]

    def check_encoder(self, encoder: FaceEncoder) -> None:
        """FaceError when the store holds encodings of another encoder."""
        if self._encoder_name is not None and self._people and encoder.name != self._encoder_name:
            raise FaceError(
                f"The residents were enrolled with {self._encoder_name}, not {encoder.name}; "
                "enrol them again with this encoder (or switch back).")

    def nearest(self, encoding) -> tuple[str | None, float]:
        """The closest resident (min over their photos) and the L2 distance.

        (None, inf) when nobody is enrolled. The caller compares the distance with its
        threshold: the store does not decide who is 'recognised'.
        """
        return self.nearest_many(np.asarray(encoding, dtype=np.float64)[None, :])[0]

    def nearest_many(self, encodings) -> list[tuple[str | None, float]]:
        """``nearest`` for each row of an (n, 128) array, in one matrix operation."""
        encodings = np.asarray(encodings, dtype=np.float64).reshape(-1, ENCODING_SIZE)
        with self._lock:
            matrix, owners = self._matrix, self._owners
        if not owners:
            return [(None, float("inf"))] * len(encodings)
        distances = np.linalg.norm(encodings[:, None, :] - matrix[None, :, :], axis=2)
        best = distances.argmin(axis=1)
        return [(owners[j], float(distances[i, j])) for i, j in enumerate(best)]

    def two_nearest_many(self, encodings) -> list[tuple[tuple[str | None, float],
                                                        tuple[str | None, float]]]:
        """For each row: (nearest resident, distance) and (the nearest *other*
        resident, distance); (None, inf) where there is none. The door's margin test
        compares the two (engine/faces/door_safety.py)."""
        encodings = np.asarray(encodings, dtype=np.float64).reshape(-1, ENCODING_SIZE)
        with self._lock:
            matrix, owners = self._matrix, self._owners
        nobody = (None, float("inf"))
        if not owners:
            return [(nobody, nobody)] * len(encodings)
        distances = np.linalg.norm(encodings[:, None, :] - matrix[None, :, :], axis=2)
        names = sorted(set(owners))
        columns = {n: [j for j, o in enumerate(owners) if o == n] for n in names}
        per_name = np.stack([distances[:, columns[n]].min(axis=1) for n in names], axis=1)
        out = []
        for row in per_name:
            order = np.argsort(row, kind="stable")
            first = (names[order[0]], float(row[order[0]]))
            second = (names[order[1]], float(row[order[1]])) if len(names) > 1 else nobody
            out.append((first, second))
        return out

    # -- changing ---------------------------------------------------------------------------

    def add_photo(self, name, image, encoder: FaceEncoder) -> np.ndarray:
        """Encode the largest face of ``image`` (array or path) and enrol it under ``name``."""
        name = clean_name(name)
        self.check_encoder(encoder)
        if not isinstance(image, np.ndarray):
            image = read_image(image)
        image = to_rgb(image)
        box = encoder.locate_single(image)
        if box is None:
            height, width = image.shape[:2]
            raise NoFaceFound(f"No face found in the {width}x{height} picture.")
        encoding = np.asarray(encoder.encode_faces(image, [box]), dtype=np.float64)[0]
        with self._lock:
            self._check_encoding(encoding)
            self._append(name, encoding, face_thumbnail(image, box), encoder.name)
            self._save_or_undo(name)
        return encoding

    def add_encoding(self, name, encoding, encoder_name: str | None = None,
                     thumbnail: np.ndarray | None = None) -> None:
        """Enrol a ready-made encoding (of ``encoder_name``, or the store's encoder)."""
        name = clean_name(name)
        encoding = np.asarray(encoding, dtype=np.float64).reshape(-1)
        self._check_encoding(encoding)
        with self._lock:
            owner = encoder_name or self._encoder_name
            if encoder_name and self._people and encoder_name != self._encoder_name:
                raise FaceError(f"The residents were enrolled with {self._encoder_name}, "
                                f"not {encoder_name}.")
            thumb = (face_thumbnail(thumbnail) if thumbnail is not None
                     else np.zeros((THUMBNAIL_SIZE, THUMBNAIL_SIZE, 3), np.uint8))
            self._append(name, encoding, thumb, owner)
            self._save_or_undo(name)

    def rename(self, old, new) -> None:
        new = clean_name(new)
        with self._lock:
            if old not in self._people:
                raise FaceError(f"There is no resident called {old}.")
            if new == old:
                return
            if new in self._people:
                raise FaceError(f"There is already a resident called {new}.")
            before = (dict(self._people), dict(self._thumbs))
            self._people = {(new if k == old else k): v for k, v in self._people.items()}
            self._thumbs = {(new if k == old else k): v for k, v in self._thumbs.items()}
            self._commit(before)

    def delete(self, name) -> None:
        with self._lock:
            if name not in self._people:
                raise FaceError(f"There is no resident called {name}.")
            before = (dict(self._people), dict(self._thumbs))
            del self._people[name]
            self._thumbs.pop(name, None)
            self._commit(before)

    def delete_all(self) -> None:
        with self._lock:
            before = (dict(self._people), dict(self._thumbs))
            self._people, self._thumbs = {}, {}
            self._commit(before)

    def import_folder(self, folder, encoder: FaceEncoder,
                      progress=None) -> tuple[list[str], list[str]]:
        """Enrol ``<name>.jpg`` files and ``<name>/*.jpg`` sub-folders of ``folder``.

        Returns (names added, one line per file that could not be used or was skipped:
        camera shots ``camera_<n>.jpg`` are visitors, not residents). Files are read
        and encoded one by one (``progress(done, total)`` after each); the store is
        saved after each resident, so an interruption keeps what was done.
        """
        folder = Path(folder)
        if not folder.is_dir():
            raise FaceError(f"Not a folder: {folder}")
        self.check_encoder(encoder)
        files = list_images(folder)
        # The course's images/ folder holds door shots camera_0.jpg ... next to the
        # residents' photos: those are visitors, and their names are not names.
        problems: list[str] = [f"{p.name}: skipped, {CAMERA_SHOT_REASON}"
                               for p in files if CAMERA_SHOT.fullmatch(p.stem)]
        jobs: list[tuple[str, Path]] = [(p.stem, p) for p in files
                                        if not CAMERA_SHOT.fullmatch(p.stem)]
        for sub in sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")):
            jobs += [(sub.name, p) for p in list_images(sub)]
        if not jobs and not problems:
            raise FaceError(f"No .jpg / .png pictures in {folder}.")
        added: list[str] = []
        for done, (name, path) in enumerate(jobs, 1):
            shown = path.relative_to(folder).as_posix()
            try:
                name = clean_name(name)
                self.add_photo(name, read_image(path), encoder)
                if name not in added:
                    added.append(name)
            except FaceError as exc:
                problems.append(f"{shown}: {exc}")
            if progress is not None:
                progress(done, len(jobs))
        return added, problems

    # -- internals --------------------------------------------------------------------------

    @staticmethod
    def _check_encoding(encoding: np.ndarray) -> None:
        if encoding.shape != (ENCODING_SIZE,) or not np.all(np.isfinite(encoding)):
            raise FaceError(f"An encoding must be {ENCODING_SIZE} finite numbers.")

    def _append(self, name, encoding, thumb, encoder_name) -> None:
        if not self._people:
            self._encoder_name = encoder_name
        self._people.setdefault(name, []).append(np.array(encoding, dtype=np.float64))
        self._thumbs.setdefault(name, []).append(np.asarray(thumb, dtype=np.uint8))

    def _save_or_undo(self, name) -> None:
        """Save after an append; on failure drop the appended photo again."""
        try:
            self._save()
        except OSError as exc:
            self._people[name].pop()
            self._thumbs[name].pop()
            if not self._people[name]:
                del self._people[name], self._thumbs[name]
            self._rebuild()
            raise FaceError(f"Could not save the residents to {self.path}: "
                            f"{exc.strerror or exc}") from None

    def _commit(self, before) -> None:
        try:
            self._save()
        except OSError as exc:
            self._people, self._thumbs = before
            self._rebuild()
            raise FaceError(f"Could not save the residents to {self.path}: "
                            f"{exc.strerror or exc}") from None

    def _rebuild(self) -> None:
        owners, rows = [], []
        for name, encs in self._people.items():
            owners += [name] * len(encs)
            rows += encs
        self._matrix = np.array(rows) if rows else np.zeros((0, ENCODING_SIZE))
        self._owners = owners
        if not self._people:
            self._encoder_name = None

    def _save(self) -> None:
        self._rebuild()
        names, counts, encs, thumbs = [], [], [], []
        for name, rows in self._people.items():
            names.append(name)
            counts.append(len(rows))
            encs += rows
            thumbs += self._thumbs.get(name, [])
        arrays = dict(
            version=np.array(FORMAT_VERSION),
            encoder=np.array(self._encoder_name or ""),
            names=np.array(names, dtype=str) if names else np.zeros(0, dtype="<U1"),
            counts=np.array(counts, dtype=np.int64),
            encodings=np.array(encs, dtype=np.float64).reshape(-1, ENCODING_SIZE),
            thumbnails=(np.array(thumbs, dtype=np.uint8) if thumbs else
                        np.zeros((0, THUMBNAIL_SIZE, THUMBNAIL_SIZE, 3), np.uint8)),
        )
        atomic_write(self.path, lambda handle: np.savez(handle, **arrays))

    def _load(self) -> None:
        if not self.path.exists():
            return
        try:
            with np.load(self.path, allow_pickle=False) as data:
                version = int(data["version"])
                if version > FORMAT_VERSION:
                    raise FaceError(
                        f"{self.path.name} was written by a newer version of the app; "
                        "update the app to use it.")
                encoder = str(data["encoder"])
                names = [str(n) for n in data["names"]]
                counts = data["counts"].astype(int)
                encs = data["encodings"].astype(np.float64)
                thumbs = data["thumbnails"]
            if (len(names) != len(counts) or counts.sum() != len(encs)
                    or encs.ndim != 2 or encs.shape[1] != ENCODING_SIZE
                    or len(thumbs) != len(encs) or len(set(names)) != len(names)
                    or not np.all(np.isfinite(encs)) or np.any(counts < 1)):
                raise ValueError("inconsistent arrays")
        except FaceError:
            raise
        except Exception as exc:  # any damage: truncated zip, missing key, wrong shape
            moved = move_aside(self.path)
            self.notice = (f"The resident list {self.path.name} was damaged ({type(exc).__name__}); "
                           f"it was moved to {moved.name} and a new, empty list was started.")
            return
        start = 0
        for name, count in zip(names, counts):
            self._people[name] = [row for row in encs[start:start + count]]
            self._thumbs[name] = [t for t in thumbs[start:start + count]]
            start += count
        self._encoder_name = encoder or None
        self._rebuild()
