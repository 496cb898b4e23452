"""Reading a small file the user's folder holds (settings, a model's JSON) safely.

Any of them may be hostile: a FIFO under the expected name would block ``open`` for
ever, a folder or device is no file, and a gigabyte of JSON would be read whole. This
opens without blocking, refuses anything but a regular file, and reads at most
``limit`` bytes.
"""
from __future__ import annotations

import os
import stat


class NotASmallFile(Exception):
    """The text is the reason, ready to follow "… is not usable: "."""


def read_small_file(path, limit: int) -> bytes:
    """The file's bytes. OSError when it cannot be opened; NotASmallFile when it is
    not a regular file or is larger than ``limit`` bytes."""
    fd = os.open(os.fspath(path), os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
            raise NotASmallFile("it is not a regular file")
        raw = fh.read(limit + 1)
    if len(raw) > limit:
        raise NotASmallFile(f"it is larger than {limit // 1024} KB")
    return raw
