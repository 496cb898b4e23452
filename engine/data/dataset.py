"""The one shape every lesson's data takes, with where it came from."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from engine.jobs import LessonError


class DataError(LessonError):
    """A data file is missing, unreadable or of the wrong shape; the text says which."""


@dataclass
class Dataset:
    """Train and test split of one dataset.

    ``kind == "images"``: ``X_*`` are uint8 arrays ``(m, h, w, 3)`` as the course files
    hold them; ``kind == "points"``: ``X_*`` are float arrays ``(2, m)`` (columns are
    examples, as in the course). Labels are ``(1, m)`` integer arrays in both cases.
    ``X_test``/``Y_test`` may be None when the course uses a single set (planar).
    """

    name: str
    kind: str
    X_train: np.ndarray
    Y_train: np.ndarray
    X_test: np.ndarray | None
    Y_test: np.ndarray | None
    classes: list[str]
    provenance: str            # one line for the UI: which file or generator, and seed
    is_standin: bool = False   # True when a procedural stand-in replaces a course file
    extra: dict = field(default_factory=dict)

    @property
    def m_train(self) -> int:
        return int(self.Y_train.shape[1])

    @property
    def m_test(self) -> int:
        return 0 if self.Y_test is None else int(self.Y_test.shape[1])

    def flattened(self) -> tuple[np.ndarray, np.ndarray | None]:
        """Images as the course feeds them: ``(h*w*3, m)`` scaled to 0..1."""
        if self.kind != "images":
            return self.X_train, self.X_test
        train = self.X_train.reshape(self.X_train.shape[0], -1).T / 255.
        test = None if self.X_test is None else \
            self.X_test.reshape(self.X_test.shape[0], -1).T / 255.
        return train, test
