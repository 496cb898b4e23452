"""Reading a small file the user's folder holds (settings, a model's JSON) safely,
and replacing a file the app writes without ever leaving half of it.

Any of them may be hostile: a FIFO under the expected name would block ``open`` for
ever, a folder or device is no file, and a gigabyte of JSON would be read whole. This
opens without blocking, refuses anything but a regular file, and reads at most
``limit`` bytes.
"""
from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path


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


def write_atomically(path, write) -> None:
    """Write through ``write(file)`` into a temp file beside ``path``, fsync, rename.

    The temp file is created 0o600 (mkstemp), so the data is never readable by others,
    not even for a moment, and it is opened for reading too (h5py writes through a
    file object only if it can read it back). On any failure the temp file is removed
    and ``path`` is untouched: a crash leaves the previous file, never half a new one.
    """
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "w+b") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise
    try:  # make the rename itself durable (POSIX); harmless to skip elsewhere
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except OSError:
        pass
