"""Atomic file writes: a temporary file in the same folder, then one rename.

The one helper for every file farm-deploy writes (generated Dockerfiles, stack
files, policy config, Compose files). Pure Python, no Pulumi import, so both
the components and the command line use it. `os.replace` is atomic on POSIX
when source and target are on the same file system
(https://docs.python.org/3/library/os.html#os.replace): a crash leaves the old
file or the new one, never half of either, and no temporary file behind.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def atomic_write(path: Path | str, text: str, *, mode: int | None = None, durable: bool = False) -> None:
    """Replace `path` with `text` or leave it untouched.

    A symlink is followed (the file it points to is replaced, the link kept).
    The file keeps its permissions; a new one gets `mode`, else 0o644 (the
    temporary file is private). `durable` also fsyncs the data before the rename.
    """
    path = Path(path).resolve()
    if path.exists():
        mode = path.stat().st_mode & 0o7777
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
            if durable:
                fh.flush()
                os.fsync(fh.fileno())
        os.chmod(tmp, 0o644 if mode is None else mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    if durable:
        # The rename is durable once the folder's entry is on disk.
        with contextlib.suppress(OSError):
            dir_fd = os.open(path.parent, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)


def write_if_changed(path: Path | str, text: str) -> bool:
    """`atomic_write` unless the file already holds `text` (its timestamp then stays); True when written."""
    path = Path(path)
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return False
    atomic_write(path, text)
    return True
