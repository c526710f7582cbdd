"""Reading the user's files safely: regular files only, with a size cap where one makes sense.

A path to ``/dev/zero``, a named pipe (FIFO) or a socket would make a reader allocate without
end or wait forever. :func:`check_regular_file` refuses anything that is not a regular file
(symbolic links are followed) and :func:`read_capped` reads a regular file of at most
``max_bytes`` without ever blocking on a pipe. Both raise the caller's error class, with the
path in the message.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from ..exceptions import LearningDirectionError

__all__ = ["check_regular_file", "read_capped", "same_file"]


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def check_regular_file(
    path: Path, error: type[LearningDirectionError], what: str = "file"
) -> os.stat_result:
    """The ``stat`` of ``path`` when it is a regular file (links followed), else ``error``.

    A missing file, a folder, a device such as ``/dev/zero`` and a named pipe are refused with
    a message that says which it is.
    """
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise error(f"{path}: {what} not found; check the path") from None
    except OSError as exc:
        raise error(f"{path}: cannot be read ({exc.strerror})") from None
    if not stat.S_ISREG(st.st_mode):
        raise error(
            f"{path}: not a regular file ({_kind(st.st_mode)}); give the path of a saved {what}"
        )
    return st


def read_capped(
    path: Path, max_bytes: int, error: type[LearningDirectionError], what: str = "file"
) -> bytes:
    """The bytes of the regular file ``path``; ``error`` when it is larger than ``max_bytes``.

    The file is opened without blocking (a pipe put in its place after the check cannot hang
    the reader) and checked again once open.
    """
    check_regular_file(path, error, what)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise error(f"{path}: cannot be read ({exc.strerror})") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise error(f"{path}: not a regular file ({_kind(st.st_mode)})")
        if st.st_size > max_bytes:
            raise error(
                f"{path}: the {what} is {st.st_size:,} bytes, more than the {max_bytes:,} allowed; "
                f"is it the right file?"
            )
        with os.fdopen(fd, "rb", closefd=False) as fh:
            raw = fh.read(max_bytes + 1)
    except OSError as exc:
        raise error(f"{path}: cannot be read ({exc.strerror})") from None
    finally:
        os.close(fd)
    if len(raw) > max_bytes:
        raise error(f"{path}: the {what} is larger than the {max_bytes:,} bytes allowed")
    return raw


def same_file(a: Path, b: Path) -> bool:
    """Whether two paths name the same file (links followed; False when either is missing)."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return Path(os.path.realpath(a)) == Path(os.path.realpath(b))
