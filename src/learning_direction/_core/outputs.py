"""Writing outputs without losing anything: inputs are never overwritten, outputs appear whole.

* :func:`refuse_inputs` refuses an output path that is, or (through a symbolic link) points at,
  one of the run's inputs, and an output folder that holds an input: replacing such a folder
  would delete the input.
* :func:`write_file_atomic` writes one file through a temporary file in the same folder and
  renames it into place, so an interrupted write (a full disk, Ctrl-C) never leaves half a file,
  and an existing symbolic link at the destination is replaced rather than followed.
* :class:`OutputFolder` builds a whole output folder in a temporary sibling folder and moves it
  into place at the end (the old folder is moved aside first and deleted after): a run that
  fails leaves the previous outputs as they were, and a finished run never mixes its files with
  stale files of an earlier one. A lock file next to the folder keeps two runs from writing
  into it at the same time. A folder that holds files this package did not write is never
  replaced.
* :class:`StagedFiles` is the same for outputs that share a folder with other files (the study
  report, simulated datasets): the files are written into a hidden temporary folder inside the
  target and moved into place only when all of them are complete; the folder's other files are
  left alone, and the files replaced are reported.

Every problem raises the caller's error class with a message naming the path and what to do.
"""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO

from ..exceptions import LearningDirectionError

__all__ = [
    "OutputFolder",
    "Replaced",
    "StagedFiles",
    "describe_os_error",
    "prepare_parent",
    "refuse_inputs",
    "write_file_atomic",
]


def describe_os_error(exc: OSError, path: Path, doing: str = "writing") -> str:
    """A message for an operating-system error while writing ``path``, with what to do."""
    code = exc.errno
    if code in (errno.ENOSPC, getattr(errno, "EDQUOT", -1)):
        return f"no space left on the device while {doing} {path}; free some space and run again"
    if code in (errno.EACCES, errno.EPERM, errno.EROFS):
        return (
            f"cannot write {path}: permission denied (or a read-only folder); choose a folder "
            "you can write to"
        )
    if code == errno.ENOTDIR:
        return f"cannot write {path}: a part of the path is a file, not a folder"
    if code == errno.EISDIR:
        return f"cannot write {path}: it is a folder; give a file name"
    return f"cannot write {path} ({exc.strerror or exc})"


def _real(path: Path) -> Path:
    return Path(os.path.realpath(os.path.abspath(os.path.expanduser(path))))


def _is_within(path: Path, folder: Path) -> bool:
    try:
        path.relative_to(folder)
    except ValueError:
        return False
    return True


def refuse_inputs(
    out: Path,
    inputs: Iterable[Path | str],
    error: type[LearningDirectionError],
    *,
    folder: bool = False,
    what: str = "--out",
) -> None:
    """Raise ``error`` when writing ``out`` could overwrite or delete one of ``inputs``.

    Symbolic links are followed on both sides (and hard links are caught by comparing the
    files themselves). With ``folder=True`` ``out`` is a folder whose whole contents are
    replaced, so it must not hold any input either.
    """
    target = _real(out)
    for raw in inputs:
        inp = Path(raw)
        real = _real(inp)
        same = real == target
        if not same and out.exists() and inp.exists() and not folder:
            try:
                same = os.path.samefile(out, inp)
            except OSError:
                same = False
        if same:
            raise error(
                f"{what} {out} is the input file {inp}; writing there would overwrite your data. "
                "Give another file name"
            )
        if folder and _is_within(real, target):
            raise error(
                f"{what} {out} holds the input file {inp}; the output folder is replaced as a "
                "whole, so it must be a folder of its own (e.g. a new 'report' folder)"
            )


def prepare_parent(path: Path, error: type[LearningDirectionError], what: str = "--out") -> None:
    """Create the folder that will hold ``path``; clear errors when a part of it is a file."""
    parent = path.parent
    probe = parent
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if probe.exists() and not probe.is_dir():
        raise error(f"{what} {path}: {probe} is a file, not a folder; choose another place")
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise error(f"{what}: {describe_os_error(exc, parent, 'creating')}") from None


def write_file_atomic(
    path: Path,
    write: Callable[[IO[bytes]], object],
    error: type[LearningDirectionError],
    what: str = "--out",
) -> bool:
    """Write a file through a temporary file and a rename; returns whether it replaced one.

    ``write`` gets the open binary temporary file. On any failure the temporary file is
    removed and the destination is left as it was.
    """
    if path.is_dir():
        raise error(f"{what} {path} is a folder; give a file name such as {path / 'table.csv'}")
    prepare_parent(path, error, what)
    existed = path.exists() or path.is_symlink()
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise error(f"{what}: {describe_os_error(exc, path)}") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        _unlink_quietly(Path(tmp))
        raise error(f"{what}: {describe_os_error(exc, path)}; {path} was not changed") from None
    except BaseException:
        _unlink_quietly(Path(tmp))
        raise
    return existed


def _unlink_quietly(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass


@dataclass(frozen=True)
class Replaced:
    """What a finished :class:`OutputFolder` replaced: the earlier folder's files."""

    folder: Path
    files: tuple[str, ...]
    unlisted: tuple[str, ...] = ()

    def summary(self) -> str:
        text = f"replaced the earlier outputs in {self.folder} ({len(self.files)} file(s))"
        if self.unlisted:
            shown = ", ".join(self.unlisted[:5]) + (" ..." if len(self.unlisted) > 5 else "")
            text += f", including {len(self.unlisted)} stale file(s) no longer produced: {shown}"
        return text


def _files_in(folder: Path) -> list[str]:
    return sorted(
        p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file() or p.is_symlink()
    )


class _Lock:
    """An exclusive, non-blocking lock on ``path`` (``flock`` where available)."""

    def __init__(self, path: Path, error: type[LearningDirectionError], target: Path) -> None:
        self.path, self.error, self.target = path, error, target
        self.fd: int | None = None

    def acquire(self) -> None:
        for _ in range(5):
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            except OSError as exc:
                raise self.error(describe_os_error(exc, self.path, "creating")) from None
            if not self._try_lock(fd):
                os.close(fd)
                raise self.error(
                    f"another run is writing into {self.target} right now (lock file "
                    f"{self.path}); wait for it to finish or choose another output folder"
                )
            try:  # the file we locked must still be the lock file (not unlinked meanwhile)
                if os.fstat(fd).st_ino == os.stat(self.path).st_ino:
                    self.fd = fd
                    os.write(fd, f"{os.getpid()}\n".encode())
                    return
            except FileNotFoundError:
                pass
            os.close(fd)
        raise self.error(f"cannot lock {self.path}; try again")  # pragma: no cover

    @staticmethod
    def _try_lock(fd: int) -> bool:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows: the O_EXCL marker below instead
            return True
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False
        return True

    def release(self) -> None:
        if self.fd is None:
            return
        _unlink_quietly(self.path)
        os.close(self.fd)
        self.fd = None


class OutputFolder:
    """Build an output folder in a temporary sibling and move it into place when complete.

    Use as a context manager: write into :attr:`path`, then call :meth:`commit`. Leaving the
    ``with`` block without committing (an error) removes the temporary folder and leaves
    ``target`` untouched.

    Parameters
    ----------
    target : Path
        The output folder.
    inputs : sequence of Path
        The run's inputs; the folder may not be, hold or point at any of them.
    owned : callable
        ``owned(folder) -> (listed, foreign)`` for an existing, non-empty ``target``: the files
        an earlier run listed as its outputs there, and the entries this package did not write.
        Only a folder without foreign entries is replaced (nothing of the user's is deleted).
    error : LearningDirectionError subclass
        Raised for every problem.
    what : str
        How the folder is named in messages (``"output folder"``).
    """

    def __init__(
        self,
        target: Path,
        *,
        inputs: Sequence[Path],
        owned: Callable[[Path], tuple[list[str], list[str]]],
        error: type[LearningDirectionError],
        what: str = "output folder",
    ) -> None:
        self.target = Path(os.path.abspath(os.path.expanduser(target)))
        self.inputs = list(inputs)
        self.owned = owned
        self.error = error
        self.what = what
        self._tmp: Path | None = None
        self._lock = _Lock(self.target.parent / f".{self.target.name}.lock", error, self.target)
        self._listed: list[str] | None = None
        self.previous: Replaced | None = None

    @property
    def path(self) -> Path:
        """The temporary folder to write into."""
        if self._tmp is None:  # pragma: no cover - programming error
            raise RuntimeError("OutputFolder used outside its with block")
        return self._tmp

    def _check_target(self) -> None:
        t = self.target
        refuse_inputs(t, self.inputs, self.error, folder=True, what=self.what)
        if t.is_symlink():
            raise self.error(
                f"{self.what} {t} is a symbolic link; give the real folder ({_real(t)}) instead"
            )
        if t.exists() and not t.is_dir():
            raise self.error(
                f"{self.what} {t} is an existing file, not a folder; choose a folder name"
            )
        if t.is_dir() and any(t.iterdir()):
            listed, foreign = self.owned(t)
            if foreign:
                shown = ", ".join(foreign[:3]) + (" ..." if len(foreign) > 3 else "")
                raise self.error(
                    f"{self.what} {t} already holds files this tool did not write (e.g. {shown}); "
                    "it would be replaced as a whole, so choose an empty or new folder"
                )
            self._listed = listed
            files = _files_in(t)
            unlisted = tuple(f for f in files if f not in set(listed))
            self.previous = Replaced(t, tuple(files), unlisted)

    def precheck(self) -> None:
        """Every check that needs no writing: run before long work, so it fails early."""
        self._check_target()
        probe = self.target.parent
        while not probe.exists() and probe != probe.parent:
            probe = probe.parent
        if not probe.is_dir():
            raise self.error(
                f"{self.what} {self.target}: {probe} is a file, not a folder; choose another place"
            )
        if not os.access(probe, os.W_OK | os.X_OK):
            raise self.error(
                f"{self.what} {self.target}: cannot write into {probe} (permission denied or a "
                "read-only folder); choose a folder you can write to"
            )

    def __enter__(self) -> OutputFolder:
        self._check_target()
        prepare_parent(self.target, self.error, self.what)
        self._lock.acquire()
        try:
            self._check_target()  # again, now that no other run can change it
            self._tmp = Path(
                tempfile.mkdtemp(prefix=f".{self.target.name}.tmp-", dir=self.target.parent)
            )
        except OSError as exc:
            self._lock.release()
            raise self.error(
                f"{self.what}: {describe_os_error(exc, self.target, 'creating')}"
            ) from None
        except BaseException:
            self._lock.release()
            raise
        return self

    def commit(self) -> Replaced | None:
        """Move the finished folder into place; returns what it replaced (None when nothing)."""
        tmp, t = self.path, self.target
        old: Path | None = None
        try:
            if t.exists():
                old = Path(tempfile.mkdtemp(prefix=f".{t.name}.old-", dir=t.parent))
                os.replace(t, old / t.name)
            os.replace(tmp, t)
        except OSError as exc:
            if old is not None and not t.exists() and (old / t.name).exists():
                os.replace(old / t.name, t)  # put the earlier outputs back
            raise self.error(f"{self.what}: {describe_os_error(exc, t, 'replacing')}") from None
        self._tmp = None
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        return self.previous

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if self._tmp is not None:
                shutil.rmtree(self._tmp, ignore_errors=True)
                self._tmp = None
        finally:
            self._lock.release()


class StagedFiles:
    """Write a set of files into a hidden temporary folder and move them into ``target`` at the end.

    Use as a context manager: write under :attr:`path`, then call :meth:`commit`, which moves
    every file into the same place under ``target`` and returns the ones it replaced. Leaving the
    ``with`` block without committing (an error such as a full disk) removes the temporary folder,
    so ``target`` keeps exactly the files it had. Unlike :class:`OutputFolder` the folder is not
    replaced as a whole: files the run does not write are left alone.

    Parameters
    ----------
    target : Path
        The output folder (created when missing).
    inputs : sequence of Path
        The run's inputs; no file written may be, or point at, one of them.
    error : LearningDirectionError subclass
        Raised for every problem.
    keep : sequence of str
        Files of ``target`` copied into the temporary folder first, for a writer that updates
        them (a codebook that keeps the rows of datasets not regenerated).
    what : str
        How the folder is named in messages (``"--out"``).
    """

    def __init__(
        self,
        target: Path,
        *,
        inputs: Sequence[Path],
        error: type[LearningDirectionError],
        keep: Sequence[str] = (),
        what: str = "--out",
    ) -> None:
        self.target = Path(os.path.abspath(os.path.expanduser(target)))
        self.inputs = list(inputs)
        self.error = error
        self.keep = list(keep)
        self.what = what
        self._tmp: Path | None = None
        self._lock = _Lock(self.target / ".learning_direction.lock", error, self.target)

    @property
    def path(self) -> Path:
        """The temporary folder to write into."""
        if self._tmp is None:  # pragma: no cover - programming error
            raise RuntimeError("StagedFiles used outside its with block")
        return self._tmp

    def __enter__(self) -> StagedFiles:
        t = self.target
        if t.exists() and not t.is_dir():
            raise self.error(
                f"{self.what} {t} is an existing file, not a folder; give a folder name"
            )
        prepare_parent(t / "x", self.error, self.what)
        self._lock.acquire()
        try:
            self._tmp = Path(tempfile.mkdtemp(prefix=".learning_direction.tmp-", dir=t))
            for name in self.keep:
                if (t / name).is_file():
                    shutil.copyfile(t / name, self._tmp / name)
        except OSError as exc:
            self._cleanup()
            raise self.error(
                f"{self.what}: {describe_os_error(exc, t, 'preparing')}; nothing in {t} was changed"
            ) from None
        except BaseException:
            self._cleanup()
            raise
        return self

    def commit(self) -> list[str]:
        """Move every file into place; returns the paths (relative to ``target``) it replaced.

        Every destination is checked before the first file is moved: one that is an input, or
        a folder where a file goes, stops the run with ``target`` unchanged.
        """
        tmp, t = self.path, self.target
        files = _files_in(tmp)
        for rel in files:
            dest = t / rel
            refuse_inputs(dest, self.inputs, self.error, what=self.what)
            if dest.is_dir() and not dest.is_symlink():
                raise self.error(
                    f"{self.what} {t}: {rel} is a folder there, but the run writes a file of that "
                    f"name; move the folder away or choose another output folder. Nothing in {t} "
                    "was changed"
                )
        replaced = [rel for rel in files if (t / rel).exists() or (t / rel).is_symlink()]
        try:
            for rel in files:
                dest = t / rel
                dest.parent.mkdir(parents=True, exist_ok=True)
                os.replace(tmp / rel, dest)  # a link at ``dest`` is replaced, never followed
        except OSError as exc:
            raise self.error(
                f"{self.what}: {describe_os_error(exc, t, 'moving files into')}"
            ) from None
        return replaced

    def _cleanup(self) -> None:
        try:
            if self._tmp is not None:
                shutil.rmtree(self._tmp, ignore_errors=True)
                self._tmp = None
        finally:
            self._lock.release()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._cleanup()
