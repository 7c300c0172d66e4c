"""Files written whole or not at all, and locks that name their holder.

Every file the book writes while training (records, checkpoints, search state, cached data) goes
through :func:`atomic_write`: the bytes land in a temporary file with a name of its own (process,
thread and a random part), which is then renamed over the target. Two processes writing the same
file never share a temporary file, and a reader never sees half a file.
"""

from __future__ import annotations

import contextlib
import errno
import os
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO


def temporary_name(path: Path) -> Path:
    """A hidden sibling of ``path`` that no other writer uses."""
    tag = f"{os.getpid()}-{threading.get_ident()}-{uuid.uuid4().hex[:8]}"
    return path.with_name(f".{path.name}.{tag}.tmp")


def atomic_write(
    path: str | Path,
    write: Callable[[IO[bytes]], object],
    verify: Callable[[Path], object] | None = None,
) -> Path:
    """Call ``write(file)`` on a fresh temporary file, then rename it over ``path``.

    ``verify(temporary_path)``, when given, may raise to reject the complete file before it
    replaces ``path`` (a download whose checksum does not match, say); on any error the temporary
    file is removed and ``path`` is left as it was.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temporary_name(path)
    try:
        with open(tmp, "xb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        if verify is not None:
            verify(tmp)
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    return path


def atomic_write_text(path: str | Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    return atomic_write(path, lambda f: f.write(text.encode()))


def pid_alive(pid: int) -> bool:
    """Whether a running process with this PID exists on this machine (a zombie, ended but not
    yet reaped by its parent, is not running)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except OSError as err:
        if err.errno != errno.EPERM:
            return False
    try:  # Linux: the state letter follows the command name in /proc/<pid>/stat
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(") ", 1)[1][:1]
    except (OSError, IndexError):
        return True
    return state not in ("Z", "X")


class LockHeldError(RuntimeError):
    """Another live process holds the lock."""


def _holder(lock: Path) -> int:
    try:
        return int(lock.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return -1


def lock_holder(lock: str | Path) -> int | None:
    """The PID of the live process holding ``lock`` (see :func:`pid_lock`), else ``None``."""
    holder = _holder(Path(lock))
    return holder if holder > 0 and pid_alive(holder) else None


def _try_create(lock: Path) -> bool:
    try:
        fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w") as f:
        f.write(f"{os.getpid()}\n")
    return True


@contextlib.contextmanager
def pid_lock(lock: str | Path, what: str = "this job") -> Iterator[Path]:
    """Hold ``lock`` (a file naming the holder's PID) for the duration of the block.

    A lock whose holder is gone (killed, crashed) is taken over; one held by a live process
    raises :class:`LockHeldError` naming that PID, so two processes never train from the same
    checkpoint at once.
    """
    lock = Path(lock)
    lock.parent.mkdir(parents=True, exist_ok=True)
    for _ in range(5):
        if _try_create(lock):
            break
        holder = _holder(lock)
        if holder == os.getpid() or (holder > 0 and pid_alive(holder)):
            raise LockHeldError(
                f"{what} is being trained by process {holder} (lock {lock}); wait for it to "
                f"finish or end that process, then run again"
            )
        # the holder is gone: move its lock aside under a unique name, then try again
        with contextlib.suppress(FileNotFoundError):
            os.replace(lock, temporary_name(lock))
            for stale in lock.parent.glob(f".{lock.name}.*.tmp"):
                stale.unlink(missing_ok=True)
    else:
        raise LockHeldError(f"could not take the lock {lock} for {what}: try again")
    try:
        yield lock
    finally:
        if _holder(lock) == os.getpid():
            lock.unlink(missing_ok=True)
