"""Errors of the face pipeline; each carries one sentence the user can act on."""
from __future__ import annotations

from engine.jobs import LessonError


class FaceError(LessonError):
    """A face-related problem the user can fix: unreadable image, bad store, bad source."""


class NoFaceFound(FaceError):
    """The image was read, but no face could be found in it."""


class CameraError(FaceError):
    """A camera, video file or image folder could not be opened or stopped delivering."""
