"""Walk an app repository once, read only the files some detector wants, run them.

All file I/O of the scan lives here. The walk prunes early (`os.scandir`, no
`stat` unless needed), never follows symlinks (a link pointing out of the
repository is reported; links inside it are skipped because their targets are
walked anyway, which also rules out loops), skips dependency, VCS, virtualenv,
cache and build folders and template folders, and reads at most
`MAX_FILE_BYTES` of any file. Text is decoded by BOM (UTF-8/16/32), then as
UTF-8, then with replacement characters; binary files are skipped. A file goes
to its detectors only when it holds one of their quick-filter tokens
(`prefilter.py`); a plain ASCII file is tested on its bytes, before any decoding.
"""

from __future__ import annotations

import os
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .ignored import ignored_paths
from .prefilter import Prefilter
from .source import NON_APP_DIRS, SourceFile, app_code_name

if TYPE_CHECKING:  # no pydantic here: the walk can run before the models are imported (prescan.py)
    from ..models import Finding, Severity
    from .registry import Detector
    from .render import Renderer

MAX_FILE_BYTES = 1024 * 1024
# most source files fit in one read of this size (see read_bytes)
FIRST_READ = 64 * 1024
# never through a symlink; never wait on a FIFO that slipped through
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)

SKIP_DIRS = frozenset(
    {
        "node_modules", "bower_components", "jspm_packages", "vendor", "third_party",
        ".git", ".hg", ".svn",
        ".venv", "venv", "virtualenv", "site-packages", "__pypackages__",
        "__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".tox", ".nox", ".hypothesis", ".pytype",
        "dist", "build", ".next", ".nuxt", ".svelte-kit", ".turbo", ".parcel-cache", ".cache", ".vite",
        ".vercel", ".serverless", ".aws-sam", ".terraform", ".pulumi", "coverage", "htmlcov", ".eggs",
        ".idea", ".vscode", ".yarn", ".pnpm-store",
    }
)  # fmt: skip
# hidden folders worth reading (CI and deploy configuration)
HIDDEN_ALLOWED = frozenset({".github", ".circleci", ".devcontainer", ".ci", ".deploy"})
# names the assembly step needs to see, whether or not a detector reads them
INVENTORY_NAMES = frozenset(
    {
        "__init__.py", "package.json", "package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml",
        "bun.lockb", "bun.lock", "pnpm-workspace.yaml", "pyproject.toml", "Pipfile", "Pipfile.lock", "poetry.lock", "uv.lock",
        "Dockerfile", "dockerfile", "index.html", "vercel.json",
    }
)  # fmt: skip
ASSET_SUFFIXES = frozenset(
    {".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".avif", ".ico", ".woff", ".woff2", ".ttf", ".otf", ".eot"}
)
MEDIA_SUFFIXES = frozenset({".mp4", ".webm", ".mov", ".mp3", ".wav", ".ogg", ".m4a", ".flac"})
TEMPLATE_DIRS = frozenset({"templates", "template", "scaffolds", "scaffold", "boilerplates"})
TEMPLATE_SUFFIXES = (".hbs", ".handlebars", ".mustache", ".ejs", ".tmpl", ".tpl")
ASSET_DIRS = frozenset({"public", "static", "assets", "media", "images", "img", "fonts", "uploads"})
# a template definition at the root: the repository is walked as what it renders (analysis.load)
TEMPLATE_FILES = ("cookiecutter.json", "copier.yml", "copier.yaml")


@dataclass
class Inventory:
    """What the walk saw besides findings, for the assembly step."""

    names: dict[str, set[str]] = field(default_factory=dict)  # folder -> interesting file names in it
    asset_dirs: Counter[str] = field(default_factory=Counter)  # asset folder -> image/font files under it
    media_dirs: Counter[str] = field(default_factory=Counter)
    dirs: set[str] = field(default_factory=set)  # every folder walked (relative), the root excepted
    files_seen: int = 0
    python_files: int = 0
    files_read: int = 0
    files_ignored: int = 0
    dirs_seen: int = 0

    def has(self, folder: str, name: str) -> bool:
        return name in self.names.get(folder, ())


@dataclass
class WalkResult:
    findings: list[Finding]
    inventory: Inventory


class Skip:
    """A finding of the walk itself (a skipped folder or file), as plain data: the walk may run in a
    process that has not imported the models (prescan.py). `as_finding()` makes it a `Finding`."""

    __slots__ = ("detail", "file", "kind", "line", "message", "severity")
    kind: str
    severity: Severity
    message: str
    file: str
    detail: dict[str, str]
    line: int | None

    def __init__(self, kind: str, severity: Severity, message: str, file: str, detail: dict[str, str]) -> None:
        self.kind, self.severity, self.message, self.file, self.detail = kind, severity, message, file, detail
        self.line = None

    def __getstate__(self) -> tuple[Any, ...]:
        return (self.kind, self.severity, self.message, self.file, self.detail, self.line)

    def __setstate__(self, state: tuple[Any, ...]) -> None:
        self.kind, self.severity, self.message, self.file, self.detail, self.line = state


def as_finding(item: Finding | Skip) -> Finding:
    """The `Finding` of a walk's skip (built as before: the same fields set, in the same way)."""
    if not isinstance(item, Skip):
        return item
    from ..models import Finding

    made = Finding(kind=item.kind, severity=item.severity, message=item.message, file=item.file, detail=item.detail)
    if item.line is not None:
        made.line = item.line
    return made


def _skip_finding(kind: str, rel: str, message: str, **detail: str) -> Skip:
    return Skip(kind, "info", message, rel, detail)


# files whose loss changes the facts: their skipping is a warning that says what is missing
_LOSSES = (
    (("package.json",), "the front end in {folder} is not analyzed"),
    (("pyproject.toml", "Pipfile", "requirement"), "the Python dependencies it declares are not known"),
    (("Dockerfile", "dockerfile", "compose.", "docker-compose"), "the deploy settings it holds are not known"),
    ((".py",), "its routes, settings and imports are not analyzed"),
)


def _dropped(kind: str, rel: str, why: str, **detail: str) -> Skip:
    """A skipped file; a warning naming what is lost when the file is one the facts come from."""
    name = rel.rsplit("/", 1)[-1]
    folder = rel.rsplit("/", 1)[0] if "/" in rel else "."
    for names, lost in _LOSSES:
        if any(name == n or name.startswith(n) or name.endswith(n) for n in names):
            finding = _skip_finding(kind, rel, f"file skipped: {why}; {lost.format(folder=folder)}", **detail)
            finding.severity = "warning"
            return finding
    return _skip_finding(kind, rel, f"file skipped: {why}", **detail)


def decode(data: bytes) -> tuple[str | None, str | None]:
    """(text, note): text is None for binary data; note says how it was decoded when unusual."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), None
    if data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return data.decode("utf-32", errors="replace"), "utf-32"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace"), "utf-16"
    if data.find(b"\x00", 0, 8192) >= 0:
        head = data[:8192]
        # UTF-16 without a BOM has a NUL in every other byte of ASCII text
        odd, even = head[1::2].count(0), head[0::2].count(0)
        if len(head) >= 4 and odd > 0.3 * len(head) / 2 and even == 0:
            return data.decode("utf-16-le", errors="replace"), "utf-16"
        if len(head) >= 4 and even > 0.3 * len(head) / 2 and odd == 0:
            return data.decode("utf-16-be", errors="replace"), "utf-16"
        return None, None
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return data.decode("utf-8", errors="replace"), f"non-utf8:{line}"


@dataclass(frozen=True)
class _Place:
    """Where the files of one folder sit: what `_visit_file` needs to know about their folder."""

    folder: str  # relative, "." for the root
    prefix: str  # "folder/" ("" for the root)
    in_app_dir: bool
    asset_dir: str | None
    ignored: Callable[[str], bool] | None  # whether git ignores a file of it, by relative path


class _Walker:
    def __init__(self, root: Path, detectors: list[Detector], templates: bool = False) -> None:
        self.root = root
        # walk into {{cookiecutter.*}} folders as if their names were literal (a template repository),
        # and read each file as rendered with the template's defaults (render.py)
        self.templates = templates
        self._renderer: Renderer | None = None
        if templates:
            from .render import renderer

            self._renderer = renderer(root)
        self.ignored = ignored_paths(root)
        self.root_real = os.path.realpath(root)
        self.detectors = detectors
        self.findings: list[Finding | Skip] = []
        self.jobs: list[tuple[str, str, list[Detector], bool]] = []  # files to read, in walk order
        self.inventory = Inventory()
        self._index()
        self._gates: dict[int, Prefilter | None] = {}
        self._outside: dict[int, list[Detector]] = {}

    def _index(self) -> None:
        self._by_name: dict[str, list[Detector]] = {}
        self._by_suffix: dict[str, list[Detector]] = {}
        self._prefixes = tuple(p for d in self.detectors for p in d.name_prefixes)
        self._names = frozenset(n for d in self.detectors for n in d.names)

    def wanted(self, name: str) -> list[Detector]:
        """Detectors that want a file of this name; cached by suffix for ordinary names."""
        dot = name.rfind(".")
        suffix = name[dot:].lower() if dot > 0 else ""
        if name in self._names or name.startswith(self._prefixes):
            cached = self._by_name.get(name)
            if cached is None:
                cached = self._by_name[name] = [d for d in self.detectors if d.wants(name, suffix)]
            return cached
        cached = self._by_suffix.get(suffix)
        if cached is None:
            cached = self._by_suffix[suffix] = [d for d in self.detectors if suffix in d.suffixes]
        return cached

    def walk(self) -> None:
        """Walk the tree: the walk's own findings and the inventory, and `jobs`, the files to read."""
        stack: list[tuple[str, str]] = [(str(self.root), "")]
        while stack:
            path, rel = stack.pop()
            self.walk_dir(path, rel, stack)

    def run(self) -> WalkResult:
        self.walk()
        # the walk's own findings (skipped folders, symlinks) first, then each file's in walk order
        if _parallel_ok(len(self.jobs)):
            for findings in self._read_jobs():
                self.findings.extend(findings)
        else:
            for job in self.jobs:
                self.read(*job)  # appends to self.findings, in walk order
        return WalkResult([as_finding(f) for f in self.findings], self.inventory)

    def _read_one(self, job: tuple[str, str, list[Detector], bool]) -> list[Finding | Skip]:
        """The findings of one file (read() appends to self.findings: capture them)."""
        kept, self.findings = self.findings, []
        try:
            self.read(*job)
            return self.findings
        finally:
            self.findings = kept

    def _read_jobs(self) -> list[list[Finding | Skip]]:
        """Read the files the walk queued on two cores (when `_parallel_ok`): in a forked child and here.

        Reading and filtering is pure CPU per file and the detectors are pure functions of one file,
        so a forked child (which inherits everything, nothing to import or send but the job numbers)
        takes every other file and sends back its findings. Fork only when it is safe and worth it:
        a POSIX system, two or more CPUs with one of them idle (load average), a single-threaded
        process, `PARALLEL_MIN_FILES` files. `FARM_ANALYZER_JOBS=1` turns it off, `=2` forces it. Any failure of the child: its files are read here.
        """
        jobs = self.jobs
        import pickle

        read_fd, write_fd = os.pipe()
        try:
            pid = os.fork()
        except OSError:
            os.close(read_fd)
            os.close(write_fd)
            return [self._read_one(job) for job in jobs]
        if pid == 0:  # the child: odd jobs
            status = 1
            try:
                os.close(read_fd)
                before = self.inventory.files_read
                odd = [self._read_one(jobs[i]) for i in range(1, len(jobs), 2)]
                payload = pickle.dumps((odd, self.inventory.files_read - before), protocol=pickle.HIGHEST_PROTOCOL)
                with os.fdopen(write_fd, "wb") as pipe:
                    pipe.write(payload)
                status = 0
            finally:
                os._exit(status)
        os.close(write_fd)
        even = [self._read_one(jobs[i]) for i in range(0, len(jobs), 2)]
        with os.fdopen(read_fd, "rb") as inp:
            payload = inp.read()
        _, status = os.waitpid(pid, 0)
        try:
            if os.waitstatus_to_exitcode(status) != 0:
                raise ValueError("child failed")
            odd, files_read = pickle.loads(payload)
            self.inventory.files_read += files_read
        except (ValueError, EOFError, pickle.UnpicklingError):
            odd = [self._read_one(jobs[i]) for i in range(1, len(jobs), 2)]
        out: list[list[Finding | Skip]] = []
        for i in range(len(jobs)):
            out.append(even[i // 2] if i % 2 == 0 else odd[i // 2])
        return out

    def walk_dir(self, path: str, rel: str, stack: list[tuple[str, str]]) -> None:
        entries = self._list(path, rel)
        if entries is None:
            return
        prefix = rel + "/" if rel else ""
        if any(e.name == ".gitignore" for e in entries):
            self.ignored.load(rel or ".", os.path.join(path, ".gitignore"))
        in_app_dir = not any(p in NON_APP_DIRS for p in rel.split("/")) if rel else True
        place = _Place(rel or ".", prefix, in_app_dir, _asset_dir(rel), self.ignored.file_test(rel or "."))
        subdirs: list[tuple[str, str]] = []
        for entry in entries:
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
                is_file = not is_dir and entry.is_file(follow_symlinks=False)
            except OSError:
                continue
            if is_dir:
                if self._keep_dir(entry, prefix, entries):
                    subdirs.append((entry.path, prefix + entry.name))
                    self.inventory.dirs.add(prefix + entry.name)
            elif is_file:
                self._visit_file(entry, place)
            elif entry.is_symlink():
                # a symlink is never followed; a FIFO, socket or device is never opened (a FIFO would block)
                self.symlink(entry, prefix + entry.name)
        # reversed so that popping walks the folders in name order
        stack.extend(reversed(subdirs))

    def _list(self, path: str, rel: str) -> list[os.DirEntry[str]] | None:
        """The folder's entries in name order, or None when it is skipped (unreadable, a virtualenv)."""
        try:
            with os.scandir(path) as it:
                # sorted: scandir order depends on the file system, findings must not
                entries = sorted(it, key=_entry_name)
        except OSError as exc:
            self.findings.append(_skip_finding("unreadable-file", rel or ".", f"folder skipped: {exc.strerror or exc}"))
            return None
        self.inventory.dirs_seen += 1
        if rel and any(e.name == "pyvenv.cfg" for e in entries):
            if rel.rsplit("/", 1)[-1] not in SKIP_DIRS:
                self.findings.append(_skip_finding("skipped-virtualenv", rel, "virtualenv skipped (has pyvenv.cfg)"))
            return None
        return entries

    def _keep_dir(self, entry: os.DirEntry[str], prefix: str, entries: list[os.DirEntry[str]]) -> bool:
        """Whether the walk descends into this folder (skipped ones leave a finding when that is news)."""
        name = entry.name
        if name in SKIP_DIRS or (name[0] == "." and name not in HIDDEN_ALLOWED):
            return False
        if self.ignored.dir_ignored(prefix + name):
            return False
        if ("{{" in name or "{%" in name) and not self.templates:
            self.findings.append(
                _skip_finding(
                    "skipped-template",
                    prefix + name,
                    "template folder skipped: its name holds a {{...}} placeholder, so it is not the app",
                )
            )
            return False
        if name == "out" and self._is_build_output(entries):
            return False
        if name in TEMPLATE_DIRS and _holds_project_templates(entry.path):
            self.findings.append(
                _skip_finding(
                    "skipped-template",
                    prefix + name,
                    "project template folder skipped (scaffolding for new apps, not this app)",
                )
            )
            return False
        return True

    def _visit_file(self, entry: os.DirEntry[str], place: _Place) -> None:
        """Count the file in the inventory and hand it to the detectors that want it."""
        inventory = self.inventory
        name = entry.name
        inventory.files_seen += 1
        dot = name.rfind(".")
        suffix = name[dot:].lower() if dot > 0 else ""
        if suffix == ".py":
            inventory.python_files += 1
        # .py names too: whether `import routes` in a module names a sibling of it
        if suffix == ".py" or name in INVENTORY_NAMES or name.startswith(("requirement", "Dockerfile")):
            names = inventory.names.get(place.folder)
            if names is None:
                names = inventory.names[place.folder] = set()
            names.add(name)
        if place.asset_dir is not None:
            if suffix in ASSET_SUFFIXES:
                inventory.asset_dirs[place.asset_dir] += 1
            elif suffix in MEDIA_SUFFIXES:
                inventory.media_dirs[place.asset_dir] += 1
        if name in self._names or name.startswith(self._prefixes):
            detectors = self.wanted(name)
        else:
            detectors = self._by_suffix.get(suffix)
            if detectors is None:
                detectors = self.wanted(name)
        if detectors:
            rel = place.prefix + name
            if place.ignored is not None and place.ignored(rel):
                self.inventory.files_ignored += 1  # a local file git does not track: not what deploys
                return
            if not (place.in_app_dir and app_code_name(name)):
                # tests, docs, examples: only the detectors that read those (secrets), and only their
                # tokens in the prefilter; the file is still read (and counted) as before
                detectors = self._outside_app(detectors)
            self.jobs.append((entry.path, rel, detectors, place.in_app_dir))

    @staticmethod
    def _is_build_output(entries: list[os.DirEntry[str]]) -> bool:
        return any(e.name in ("package.json", "next.config.js", "next.config.mjs", "next.config.ts") for e in entries)

    def symlink(self, entry: os.DirEntry[str], rel: str) -> None:
        try:
            target = os.path.realpath(entry.path)
        except OSError:
            target = ""
        inside = target == self.root_real or target.startswith(self.root_real + os.sep)
        if not inside:
            self.findings.append(
                _skip_finding("skipped-symlink", rel, "symlink pointing outside the app folder not followed")
            )

    def read(self, path: str, rel: str, detectors: list[Detector], in_app_dir: bool = True) -> None:
        text = self.load(path, rel, detectors)
        if text is not None:
            self.findings.extend(detect(rel, text, in_app_dir, detectors))

    def load(self, path: str, rel: str, detectors: list[Detector]) -> str | None:
        """The file's text when its detectors are to run on it (it passed the prefilter), else None;
        a file that cannot be read or is skipped leaves its finding."""
        try:
            data = read_bytes(path)
        except OSError as exc:
            self.findings.append(_dropped("unreadable-file", rel, str(exc.strerror or exc)))
            return None
        if len(data) > MAX_FILE_BYTES:
            self.findings.append(
                _dropped("file-too-large", rel, f"larger than {MAX_FILE_BYTES // 1024} KiB", limit=str(MAX_FILE_BYTES))
            )
            return None
        if self._renderer is not None and (b"{{" in data or b"{%" in data):
            data = self._renderer.render(data)  # a template walk only: the file as it renders
        gate = self._gates[id(detectors)] if id(detectors) in self._gates else self._gate(detectors)
        if data.isascii() and data.find(b"\x00", 0, 8192) < 0:
            # ASCII, the usual source file: its bytes are its text, so the prefilter runs on them
            # and a file it stops is never decoded
            self.inventory.files_read += 1
            if gate is not None and not gate.admits(data):
                return None
            return data.decode("ascii")
        text = self._text(data, rel)
        if text is None:
            return None
        self.inventory.files_read += 1
        if gate is not None and not gate.admits_text(text):
            return None
        return text

    def _text(self, data: bytes, rel: str) -> str | None:
        """The text of data that is not plain ASCII, or None for a binary file (reported)."""
        # fast path for the common case (no BOM, no NUL, valid UTF-8); decode() handles the rest
        text: str | None = None
        note: str | None = None
        if data[:1] not in (b"\xef", b"\xff", b"\xfe", b"\x00") and data.find(b"\x00", 0, 8192) < 0:
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                text = None
        if text is None:
            text, note = decode(data)
        if text is None:
            self.findings.append(_dropped("binary-file", rel, "binary content"))
            return None
        if note is not None and note.startswith("non-utf8"):
            finding = _skip_finding("non-utf8", rel, "file is not valid UTF-8; read with replacement characters")
            finding.line = int(note.split(":", 1)[1])  # the first line with a bad byte
            self.findings.append(finding)
        return text

    def _outside_app(self, detectors: list[Detector]) -> list[Detector]:
        """The detectors of `detectors` that read files outside the app's code (one list per list)."""
        kept = self._outside.get(id(detectors))
        if kept is None:
            kept = self._outside[id(detectors)] = [d for d in detectors if not d.app_code_only]
        return kept

    def _gate(self, detectors: list[Detector]) -> Prefilter | None:
        """The prefilter of `detectors`: the union of their quick filters, or None when one of
        them reads every file."""
        key = id(detectors)
        if key not in self._gates:
            if any(not d.quick for d in detectors):
                self._gates[key] = None
            else:
                self._gates[key] = Prefilter(q for d in detectors for q in d.quick)
        return self._gates[key]


def detect(rel: str, text: str, in_app_dir: bool, detectors: list[Detector]) -> list[Finding]:
    """The findings of the detectors on a file that passed the prefilter; they look their tokens up
    through src.has(), each at most once."""
    src = SourceFile(rel, text, in_app_dir)
    found: list[Finding] = []
    for detector in detectors:
        if detector.applies(src):
            found.extend(detector.run(src))
    return found


def read_bytes(path: str) -> bytes:
    """The file's first `MAX_FILE_BYTES + 1` bytes (one more tells that it is too large).

    os.open/os.read: no buffered file object. The first read asks for `FIRST_READ` bytes, not the
    whole limit: `os.read(fd, n)` allocates `n` bytes before reading, and a 1 MiB allocation per
    file costs more than reading a typical source file.
    """
    fd = os.open(path, _OPEN_FLAGS)
    try:
        data = os.read(fd, FIRST_READ)
        if len(data) < FIRST_READ:
            return data
        chunks = [data]
        size = len(data)
        while size <= MAX_FILE_BYTES:
            more = os.read(fd, MAX_FILE_BYTES + 1 - size)
            if not more:
                break
            chunks.append(more)
            size += len(more)
        return b"".join(chunks)
    finally:
        os.close(fd)


# below this many files to read, a fork costs more than it saves
PARALLEL_MIN_FILES = 3000


def fork_safe() -> bool:
    """Whether this process may fork a reader: POSIX, two CPUs or more, a single-threaded process
    (forking a multi-threaded one can deadlock the child), and not `FARM_ANALYZER_JOBS=1`."""
    if os.environ.get("FARM_ANALYZER_JOBS", "") == "1" or not hasattr(os, "fork") or (os.cpu_count() or 1) < 2:
        return False
    threading = sys.modules.get("threading")  # not imported: no thread was ever started
    return threading is None or threading.active_count() <= 1


def _parallel_ok(files: int) -> bool:
    if not fork_safe():
        return False
    if os.environ.get("FARM_ANALYZER_JOBS", "") == "2":
        return True
    # only with a core to spare: on a machine already busy, the child slows the parent down
    spare = (os.cpu_count() or 1) - (os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0)
    return files >= PARALLEL_MIN_FILES and spare >= 1.0


def _holds_project_templates(path: str) -> bool:
    """A `templates/` folder of project scaffolds (FARM CLI, generators), not Jinja page templates.

    Page templates sit directly in it as `.html`/`.jinja` files; project scaffolds are
    folders, or files a template engine renders into source (`main.py.hbs`).
    """
    try:
        with os.scandir(path) as it:
            names = [(e.name, e.is_dir(follow_symlinks=False)) for e in it]
    except OSError:
        return False
    if any(n.endswith(TEMPLATE_SUFFIXES) for n, _ in names):
        return True
    return bool(names) and all(is_dir for _, is_dir in names)


def _entry_name(entry: os.DirEntry[str]) -> str:
    return entry.name


def _asset_dir(rel: str) -> str | None:
    """The nearest enclosing asset folder (`apps/web/public`), if any."""
    if not rel:
        return None
    parts = rel.split("/")
    for i in range(len(parts) - 1, -1, -1):
        if parts[i] in ASSET_DIRS:
            return "/".join(parts[: i + 1])
    return None


def walk(root: Path, detectors: list[Detector], templates: bool = False) -> WalkResult:
    return _Walker(root, detectors, templates).run()
