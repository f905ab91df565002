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
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .registry import Detector
from .walker import TEMPLATE_FILES, Skip, WalkResult, _Walker, as_finding, detect, fork_safe
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
    """Whether to fork the prescan: whenever the process may fork at all (walker.fork_safe).

    Not the load average, unlike the walker's own split of the reads: on a machine already busy
    (two processes spinning on its two cores), the forked run still took less time than the serial
    one (450 against 480 ms on the benchmark's tree), as two processes get a larger share of the CPU
    than one."""
    return fork_safe()


def templated(root: Path) -> bool:
    """Whether the root holds a template definition (the walk then enters `{{...}}` folders)."""
    return any((root / name).is_file() for name in TEMPLATE_FILES)


# (job number, path, in app folder, detector numbers, skip findings, text when it passed the prefilter)
Read = tuple[int, str, bool, tuple[int, ...], list[Skip], str | None]


def prescan(root: Path, templates: bool) -> tuple[Any, ...]:
    """The walk, the reads and the prefilter, as plain data (see the module's docstring).

    One process, not two: a second child reading every other file competed with the parent's
    imports for the two cores, and `analyze` was slower with it (benchmarks/bench_analyzer.py)."""
    detectors = _stand_ins()
    walker = _Walker(root, detectors, templates)
    walker.walk()
    walked, walker.findings = walker.findings, []
    return (str(root), templates, WANTS, walked, walker.inventory, _read(walker, detectors))


def _read(walker: _Walker, detectors: list[Detector]) -> list[Read]:
    """Read and prefilter the jobs: those with something to say."""
    keys: dict[int, tuple[int, ...]] = {}
    index = {id(d): i for i, d in enumerate(detectors)}
    files: list[Read] = []
    for i, (path, rel, wanted, in_app_dir) in enumerate(walker.jobs):
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

    def __init__(self, root: Path, pid: int, fd: int) -> None:
        self.root, self._pid, self._fd = root, pid, fd

    def take(self, root: Path, templates: bool, detectors: list[Detector]) -> WalkResult | None:
        """The scan of `root` with `detectors`, from the child's prescan; None when the child failed
        or scanned something else (then the caller scans in process)."""
        payload = self._collect()
        if payload is None:
            return None
        try:
            path, was_templated, wants, walked, inventory, files = pickle.loads(payload)
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

    def _collect(self) -> bytes | None:
        """The child's payload once it has exited cleanly, else None (read to its end first: the
        child exits only once its pipe is drained)."""
        if self._pid == 0:
            return None
        try:
            with os.fdopen(self._fd, "rb") as pipe:
                payload = pipe.read()
        except OSError:
            payload = b""
        _, status = os.waitpid(self._pid, 0)
        self._pid = 0
        return payload if os.waitstatus_to_exitcode(status) == 0 and payload else None

    def close(self) -> None:
        """Stop and reap the child when its result was not taken (an error came first)."""
        if self._pid == 0:
            return
        import signal

        with contextlib.suppress(OSError):
            os.kill(self._pid, signal.SIGKILL)
        os.close(self._fd)
        os.waitpid(self._pid, 0)
        self._pid = 0


def start(root: Path) -> Prescan | None:
    """Fork the child that prescans `root` (None when `fork_ok()` says no or the fork fails)."""
    if not fork_ok():
        return None
    read_fd, write_fd = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(read_fd)
        os.close(write_fd)
        return None
    if pid == 0:  # the child: never returns, leaves with os._exit (no cleanup of the parent's state)
        status = 1
        try:
            os.close(read_fd)
            payload = pickle.dumps(prescan(root, templated(root)), protocol=pickle.HIGHEST_PROTOCOL)
            with os.fdopen(write_fd, "wb") as out:
                out.write(payload)
            status = 0
        finally:
            os._exit(status)
    os.close(write_fd)
    return Prescan(root, pid, read_fd)


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
