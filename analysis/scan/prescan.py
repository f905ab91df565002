"""The scan's first stage in a forked child, while the parent imports the models and the detectors.

`analyze` spends about as long importing pydantic, the models and the detectors as walking and
reading the repository, and the walk, the reads and the prefilter need none of those imports. So
`start(root)`, called before them, forks a child that walks the tree, reads every wanted file and
runs the prefilter (walker.py, with the detectors' file wants and quick tokens from `wants.py`,
plain data), and sends back through a pipe what the detectors need: the walk's own findings, the
inventory, and per file queued its skip findings and, when it passed the prefilter, its text.
The parent runs the detectors on those texts (`Prescan.take`), in the walk's order: the result is
the in-process scan's, finding for finding.

The in-process scan stays the fallback, and is used when fork is unavailable, the process runs
threads (forking one can deadlock the child), `FARM_ANALYZER_JOBS=1`, one CPU, the detectors
registered differ from `wants.py` (a stale table costs time, never a wrong result), or the child
fails in any way.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .registry import Detector
from .walker import TEMPLATE_FILES, Skip, WalkResult, _parallel_ok, _Walker, as_finding, detect
from .wants import WANTS

if TYPE_CHECKING:
    from ..models import Finding

# (name, suffixes, names, name prefixes, quick tokens, app code only): what the walk needs of a detector
Want = tuple[str, tuple[str, ...], tuple[str, ...], tuple[str, ...], tuple[str, ...], bool]


def want_of(detector: Detector) -> Want:
    return (
        detector.name,
        tuple(sorted(detector.suffixes)),
        tuple(sorted(detector.names)),
        tuple(detector.name_prefixes),
        tuple(detector.quick),
        detector.app_code_only,
    )


def _never_run(_src: object) -> list[Finding]:
    raise AssertionError("a prescan detector only says which files to read")


def _stand_ins() -> list[Detector]:
    return [
        Detector(
            name=name,
            run=_never_run,
            suffixes=frozenset(suffixes),
            names=frozenset(names),
            name_prefixes=prefixes,
            quick=quick,
            app_code_only=app_code_only,
        )
        for name, suffixes, names, prefixes, quick, app_code_only in WANTS
    ]


def fork_ok() -> bool:
    """POSIX, two CPUs or more, a single-threaded process, and at least half a core to spare by the
    load average (on a busy machine the two processes only take turns, and the fork and the pipe
    cost CPU; half, not a whole one: runs of the command one after the other keep the average near
    one by themselves): `FARM_ANALYZER_JOBS=1` turns it off, `=2` skips the load test."""
    setting = os.environ.get("FARM_ANALYZER_JOBS", "")
    if setting == "1" or not hasattr(os, "fork") or (os.cpu_count() or 1) < 2:
        return False
    threading = sys.modules.get("threading")  # not imported: no thread was ever started
    if threading is not None and threading.active_count() > 1:
        return False
    if setting == "2":
        return True
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    return (os.cpu_count() or 1) - load >= 0.5


def templated(root: Path) -> bool:
    """Whether the root holds a template definition (the walk then enters `{{...}}` folders)."""
    return any((root / name).is_file() for name in TEMPLATE_FILES)


# (job number, path, in app folder, detector numbers, skip findings, text when it passed the prefilter)
Read = tuple[int, str, bool, tuple[int, ...], list[Skip], str | None]


def prescan(
    root: Path, templates: bool, helper_fd: int | None = None, own_fd: int | None = None
) -> tuple[tuple[Any, ...], int]:
    """The walk, the reads and the prefilter, as plain data (see the module's docstring), and the
    pid of the helper (0 for none): when `helper_fd` is given and the walker would read on two cores
    (walker._parallel_ok), a forked helper reads every other file and writes its share to that pipe
    (and closes `own_fd`, the child's pipe, whose end the parent waits for)."""
    detectors = _stand_ins()
    walker = _Walker(root, detectors, templates)
    walker.walk()
    walked, walker.findings = walker.findings, []
    helper, step = 0, 1
    if helper_fd is not None:
        if _parallel_ok(len(walker.jobs)):
            with contextlib.suppress(OSError):
                helper = os.fork()
                step = 2
            if helper == 0 and step == 2:  # the helper: the odd files, then os._exit
                status = 1
                try:
                    if own_fd is not None:
                        os.close(own_fd)
                    odd = _read(walker, detectors, 1, 2)
                    payload = pickle.dumps((odd, walker.inventory.files_read), protocol=pickle.HIGHEST_PROTOCOL)
                    with os.fdopen(helper_fd, "wb") as out:
                        out.write(payload)
                    status = 0
                finally:
                    os._exit(status)
        os.close(helper_fd)
    files = _read(walker, detectors, 0, step)
    return (str(root), templates, WANTS, walked, walker.inventory, files, step == 2), helper


def _read(walker: _Walker, detectors: list[Detector], first: int, step: int) -> list[Read]:
    """Read and prefilter the jobs `first`, `first + step`...: those with something to say."""
    keys: dict[int, tuple[int, ...]] = {}
    index = {id(d): i for i, d in enumerate(detectors)}
    jobs = walker.jobs
    files: list[Read] = []
    for i in range(first, len(jobs), step):
        path, rel, wanted, in_app_dir = jobs[i]
        text = walker.load(path, rel, wanted)
        if text is None and not walker.findings:
            continue  # most files: stopped by the prefilter, nothing to say (and nothing to send)
        key = keys.get(id(wanted))
        if key is None:
            key = keys[id(wanted)] = tuple(index[id(d)] for d in wanted)
        skips: list[Skip] = walker.findings  # type: ignore[assignment]  # load() appends only skips
        files.append((i, rel, in_app_dir, key, skips, text))
        walker.findings = []
    return files


class Prescan:
    """A forked child's prescan of `root`: `take()` its result once, or `close()` it."""

    def __init__(self, root: Path, pid: int, fd: int, helper_fd: int) -> None:
        self.root, self._pid, self._fd, self._helper_fd = root, pid, fd, helper_fd

    def take(self, root: Path, templates: bool, detectors: list[Detector]) -> WalkResult | None:
        """The scan of `root` with `detectors`, from the child's prescan; None when the child failed
        or scanned something else (then the caller scans in process)."""
        payloads = self._collect()
        if payloads is None:
            return None
        try:
            path, was_templated, wants, walked, inventory, files, split = pickle.loads(payloads[0])
            if split:
                odd, files_read = pickle.loads(payloads[1])
                inventory.files_read += files_read
                files = sorted(files + odd, key=_job_number)
        except Exception:  # a truncated or garbled payload: the caller scans in process
            return None
        if path != str(root) or was_templated != templates or list(wants) != [want_of(d) for d in detectors]:
            return None
        findings: list[Finding] = [as_finding(s) for s in walked]
        for _, rel, in_app_dir, key, skips, text in files:
            findings.extend(as_finding(s) for s in skips)
            if text is not None:
                findings.extend(detect(rel, text, in_app_dir, [detectors[i] for i in key]))
        return WalkResult(findings, inventory)

    def _collect(self) -> tuple[bytes, bytes] | None:
        """The payloads of the child and its helper once the child has exited cleanly, else None.

        Read in this order, each to its end: the child closes its pipe before it waits for its
        helper, which finishes once its own pipe is read."""
        if self._pid == 0:
            return None
        payloads: list[bytes] = []
        for fd in (self._fd, self._helper_fd):
            try:
                with os.fdopen(fd, "rb") as pipe:
                    payloads.append(pipe.read())
            except OSError:
                payloads.append(b"")
        _, status = os.waitpid(self._pid, 0)
        self._pid = 0
        return (payloads[0], payloads[1]) if os.waitstatus_to_exitcode(status) == 0 and payloads[0] else None

    def close(self) -> None:
        """Stop and reap the child when its result was not taken (an error came first); its helper
        then stops on its closed pipe."""
        if self._pid == 0:
            return
        import signal

        with contextlib.suppress(OSError):
            os.kill(self._pid, signal.SIGKILL)
        os.close(self._fd)
        os.close(self._helper_fd)
        os.waitpid(self._pid, 0)
        self._pid = 0


def _job_number(read: Read) -> int:
    return read[0]


def start(root: Path) -> Prescan | None:
    """Fork the child that prescans `root` (None when `fork_ok()` says no or the fork fails)."""
    if not fork_ok():
        return None
    read_fd, write_fd = os.pipe()
    helper_read, helper_write = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        for fd in (read_fd, write_fd, helper_read, helper_write):
            os.close(fd)
        return None
    if pid == 0:  # the child: never returns, leaves with os._exit (no cleanup of the parent's state)
        status = 1
        try:
            os.close(read_fd)
            os.close(helper_read)
            done, helper = prescan(root, templated(root), helper_write, write_fd)
            payload = pickle.dumps(done, protocol=pickle.HIGHEST_PROTOCOL)
            with os.fdopen(write_fd, "wb") as out:
                out.write(payload)
            # the helper's share must have reached the parent too (the parent reads it after ours)
            status = 0 if helper == 0 or os.waitstatus_to_exitcode(os.waitpid(helper, 0)[1]) == 0 else 1
        finally:
            os._exit(status)
    os.close(write_fd)
    os.close(helper_write)
    return Prescan(root, pid, read_fd, helper_read)


WANTS_FILE = Path(__file__).with_name("wants.py")


def render_wants() -> str:
    """wants.py as generated from the registered detectors (`python -m analysis.scan.prescan`)."""
    from . import registry

    rows = "\n".join(f"    {want_of(d)!r}," for d in registry().values())
    return (
        '"""What the walk needs of each registered detector, as plain data: generated by\n'
        "`python -m analysis.scan.prescan` from the registry (the prescan reads it before the detectors\n"
        'are imported); tests/analysis/test_prescan.py fails when it is stale."""\n'
        "\n"
        "# fmt: off\n"
        "WANTS = (\n"
        f"{rows}\n"
        ")\n"
        "# fmt: on\n"
    )


if __name__ == "__main__":
    WANTS_FILE.write_text(render_wants(), encoding="utf-8")
    print(f"wrote {WANTS_FILE}")
