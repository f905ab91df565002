"""Read and edit a `Pulumi.<stack>.yaml` without disturbing anything else in it.

The file is parsed with ruamel.yaml's round-trip loader (for values and line
numbers), but edits are made on the text, line by line: the lines of the keys
being changed are replaced and every other byte of the file (comments, order,
blank lines, `secure:` ciphertexts, quoting) is kept exactly as it was. Each
edit is checked by parsing the result again and comparing every other value.

Writes are atomic: a temporary file in the same folder, flushed and fsynced,
then `os.replace`d over the original, so a crash never leaves half a file.

The git helpers at the end read a stack file's committed versions, for the
uncommitted-edit check of `promote` and for `rollback`.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.scalarbool import ScalarBoolean
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, SingleQuotedScalarString

from analysis.errors import UserError
from analysis.stack_config import NAMESPACE
from components import files

REPO_ROOT = Path(__file__).resolve().parent.parent
_STACK_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")


def default_project_dir() -> Path:
    """The current directory when it holds Pulumi.yaml, else this checkout.

    Installed with a plain `pip install .` the package sits in site-packages,
    which is no checkout: then the current directory, so that messages name a
    folder the user knows.
    """
    cwd = Path.cwd()
    if (cwd / "Pulumi.yaml").is_file() or not (REPO_ROOT / "Pulumi.yaml").is_file():
        return cwd
    return REPO_ROOT


def available_stacks(project_dir: Path) -> list[str]:
    return sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in project_dir.glob("Pulumi.*.yaml"))


@dataclass(frozen=True)
class StackName:
    """A stack as the user wrote it (`prod`, `myorg/prod`, `myorg/farm-deploy/prod`).

    Pulumi accepts all three forms and names the stack file after the last
    part only: https://www.pulumi.com/docs/iac/concepts/stacks/ ("The stack name
    is specified in one of the following formats") and
    https://www.pulumi.com/docs/iac/concepts/projects/stack-settings-file/
    (`Pulumi.<stack-name>.yaml`).
    """

    name: str  # the stack name proper: Pulumi.<name>.yaml
    org: str | None = None
    project: str | None = None

    @property
    def full(self) -> str:
        """The form to hand back to the pulumi CLI, as the user wrote it."""
        return "/".join(p for p in (self.org, self.project, self.name) if p)

    def __str__(self) -> str:
        return self.full


def project_name(project_dir: Path) -> str | None:
    """The `name:` of `project_dir/Pulumi.yaml`, or None when there is none to read."""
    import yaml

    path = Path(project_dir) / "Pulumi.yaml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    name = data.get("name") if isinstance(data, dict) else None
    return str(name) if name else None


def parse_stack_name(stack: str, project_dir: Path | None = None) -> StackName:
    """`name`, `org/name` or `org/project/name`; the project must be the one in Pulumi.yaml."""
    parts = stack.split("/")
    if len(parts) > 3 or not all(_STACK_NAME.match(p) for p in parts):
        raise UserError(
            "invalid stack name",
            value=stack,
            hint="write NAME, ORG/NAME or ORG/PROJECT/NAME; each part is letters, digits, '-', '_' and '.'",
        )
    org = parts[0] if len(parts) >= 2 else None
    project = parts[1] if len(parts) == 3 else None
    ref = StackName(name=parts[-1], org=org, project=project)
    if project is not None and project_dir is not None:
        here = project_name(project_dir)
        if here is not None and here != project:
            raise UserError(
                f"stack {stack} belongs to project {project!r}, but this folder's Pulumi.yaml is project {here!r}",
                file=str(Path(project_dir) / "Pulumi.yaml"),
                value=stack,
                hint=f"run from the folder of project {project!r} (or pass --project-dir), "
                f"or write the stack as {org}/{here}/{ref.name} or {ref.name}",
            )
    return ref


def stack_path(project_dir: Path, stack: str | StackName) -> Path:
    """The stack file of `stack` (any of Pulumi's three forms), which must exist."""
    ref = stack if isinstance(stack, StackName) else parse_stack_name(stack, project_dir)
    path = project_dir / f"Pulumi.{ref.name}.yaml"
    if not path.is_file():
        raise UserError(
            "unknown stack: no stack file",
            file=str(path),
            valid=available_stacks(project_dir),
            hint=f"run from the project folder or pass --project-dir; `pulumi stack init {ref.full}` creates a stack",
        )
    return path


def full_key(key: str) -> str:
    return key if ":" in key else f"{NAMESPACE}:{key}"


def _yaml() -> YAML:
    y = YAML(typ="rt")
    y.preserve_quotes = True
    y.width = 1 << 16  # never fold a long line (a `secure:` ciphertext) when rendering
    return y


def to_plain(value: Any) -> Any:
    """ruamel's round-trip types as plain Python values."""
    if isinstance(value, dict):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_plain(v) for v in value]
    if isinstance(value, ScalarBoolean):
        return bool(value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    return value


def is_secret(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == {"secure"}


@dataclass(frozen=True)
class StackFile:
    """One stack file: its exact text and its parsed document.

    `label` names the file in messages: a path, or `REV:path` for a committed
    version. Editing methods return a new `StackFile`; nothing is written until
    `write()`.
    """

    path: Path
    text: str
    doc: Any
    label: str

    # ------------------------------------------------------------------ reading

    @classmethod
    def load(cls, path: Path) -> StackFile:
        path = Path(path)
        try:
            with open(path, encoding="utf-8", newline="") as fh:
                text = fh.read()
        except FileNotFoundError:
            raise UserError(
                "no such stack file",
                file=str(path),
                valid=available_stacks(path.parent) or None,
                hint="check the stack name; `pulumi stack init NAME` creates a stack",
            ) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise UserError(f"cannot read the stack file: {exc}", file=str(path)) from None
        return cls.parse(text, path)

    @classmethod
    def parse(cls, text: str, path: Path, label: str | None = None) -> StackFile:
        label = label or str(path)
        try:
            doc = _yaml().load(text)
        except MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            problem = exc.problem or exc.context or "invalid YAML"
            raise UserError(f"malformed YAML: {problem}", file=label, line=mark.line + 1 if mark else None) from None
        except YAMLError as exc:
            raise UserError(f"malformed YAML: {exc}", file=label) from None
        if doc is None:
            doc = CommentedMap()
        if not isinstance(doc, CommentedMap):
            raise UserError("a stack file is a YAML mapping (with a `config:` mapping)", file=label)
        config = doc.get("config")
        if config is not None and not isinstance(config, CommentedMap):
            line = doc.lc.key("config")[0] + 1
            raise UserError("`config:` must be a mapping of key: value", file=label, line=line, key="config")
        return cls(path=Path(path), text=text, doc=doc, label=label)

    @property
    def config(self) -> CommentedMap:
        config = self.doc.get("config")
        return config if config is not None else CommentedMap()

    def has(self, key: str) -> bool:
        return full_key(key) in self.config

    def get(self, key: str, default: Any = None) -> Any:
        """The plain value of `key` (`farm:` added when the key has no namespace)."""
        k = full_key(key)
        return to_plain(self.config[k]) if k in self.config else default

    def farm(self) -> dict[str, Any]:
        """Every `farm:` key, without the namespace, as plain values."""
        prefix = f"{NAMESPACE}:"
        return {str(k)[len(prefix) :]: to_plain(v) for k, v in self.config.items() if str(k).startswith(prefix)}

    def is_secret(self, key: str) -> bool:
        return is_secret(self.get(key))

    def line_of(self, key: str) -> int | None:
        k = full_key(key)
        return self.config.lc.key(k)[0] + 1 if k in self.config else None

    # ------------------------------------------------------------------ editing

    def set(self, key: str, value: Any, *, after: str | None = None) -> StackFile:
        """A copy with `key` set to `value` (a scalar or a list of scalars).

        An existing entry is replaced in place, keeping the comment at the end
        of its line; a new one goes after the entry `after` (when present),
        else at the end of `config:`.
        """
        _check_editable(value)
        k = full_key(key)
        lines = self.text.splitlines(keepends=True)
        nl = _newline(self.text)
        config = self.doc.get("config")
        if isinstance(config, CommentedMap) and config.fa.flow_style() and len(config):
            raise UserError(
                "`config:` is written in flow style ({...}); write it as one key per line to edit it",
                file=self.label,
                key="config",
            )
        if isinstance(config, CommentedMap) and k in config:
            start, end = self._span(k, lines)
            old = config[k]
            new_lines = _render(k, value, self._indent(), self._seq_offset(), nl, old=old, eol=self._eol_comment(k))
            lines[start:end] = new_lines
        elif isinstance(config, CommentedMap) and len(config):
            anchor = full_key(after) if after and full_key(after) in config else list(config)[-1]
            _, end = self._span(anchor, lines)
            lines[end:end] = _render(k, value, self._indent(), self._seq_offset(), nl)
        else:
            lines = self._insert_into_empty_config(lines, _render(k, value, 2, 2, nl), nl)
        return self._checked("".join(lines), changed={k: value})

    def remove(self, key: str) -> StackFile:
        """A copy without `key`; the comments around it stay where they are."""
        k = full_key(key)
        if k not in self.config:
            return self
        lines = self.text.splitlines(keepends=True)
        start, end = self._span(k, lines)
        del lines[start:end]
        return self._checked("".join(lines), changed={k: _REMOVED})

    def write(self) -> None:
        atomic_write(self.path, self.text)

    # ------------------------------------------------------------------ internals

    def _indent(self) -> int:
        config = self.config
        return config.lc.key(next(iter(config)))[1] if len(config) else 2

    def _seq_offset(self) -> int:
        """Columns between a key and the dashes of its list, as this file writes them."""
        for key, value in self.config.items():
            if isinstance(value, CommentedSeq) and len(value) and not value.fa.flow_style():
                return value.lc.item(0)[1] - 2 - self.config.lc.key(key)[1]
        return 2  # how the Pulumi CLI writes lists

    def _span(self, key: str, lines: list[str]) -> tuple[int, int]:
        """[start, end) line indices of one `config:` entry, trailing comments excluded."""
        config = self.config
        keys = list(config)
        start = config.lc.key(key)[0]
        i = keys.index(key)
        if i + 1 < len(keys):
            end = config.lc.key(keys[i + 1])[0]
        else:
            col = config.lc.key(key)[1]
            end = start + 1
            while end < len(lines):
                stripped = lines[end].strip()
                if stripped and not stripped.startswith("#") and _indent_of(lines[end]) < col:
                    break
                end += 1
        while end - 1 > start and (not lines[end - 1].strip() or lines[end - 1].lstrip().startswith("#")):
            end -= 1
        return start, end

    def _eol_comment(self, key: str) -> str | None:
        """The comment at the end of `key`'s line (with the spaces before it), if any."""
        token = self.config.ca.items.get(key, [None, None, None, None])[2]
        if token is None or token.value.startswith("\n"):
            return None
        line = self.text.splitlines()[self.config.lc.key(key)[0]]
        col = token.start_mark.column
        if not line[col:].startswith("#"):
            return None
        # keep the spaces before the comment, so aligned comments stay aligned
        return line[len(line[:col].rstrip()) :]

    def _insert_into_empty_config(self, lines: list[str], entry: list[str], nl: str) -> list[str]:
        if "config" in self.doc:
            idx = self.doc.lc.key("config")[0]
            # `config:` or `config: {}` -> a block mapping holding the entry
            lines[idx] = "config:" + nl
            return lines[: idx + 1] + entry + lines[idx + 1 :]
        if lines and not lines[-1].endswith(("\n", "\r")):
            lines[-1] += nl
        return [*lines, "config:" + nl, *entry]

    def _checked(self, text: str, changed: dict[str, Any]) -> StackFile:
        new = StackFile.parse(text, self.path, self.label)
        before = to_plain(self.doc)
        after = to_plain(new.doc)
        before_cfg = before.pop("config", None) or {}
        after_cfg = after.pop("config", None) or {}
        expect = {k: v for k, v in before_cfg.items() if k not in changed}
        for k, v in changed.items():
            if v is not _REMOVED:
                expect[k] = to_plain(v)
        if before != after or expect != after_cfg:
            # A bug here, not a user mistake: refuse to produce a file that says something else.
            raise RuntimeError(f"editing {self.label} would change more than {sorted(changed)}")
        return new


_REMOVED = object()


def _indent_of(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _newline(text: str) -> str:
    return "\r\n" if "\r\n" in text else "\n"


def _check_editable(value: Any) -> None:
    scalar = (str, int, float, bool)
    if isinstance(value, list):
        if not all(isinstance(v, scalar) for v in value):
            raise TypeError("only lists of scalars can be written")
    elif not isinstance(value, scalar):
        raise TypeError(f"cannot write a {type(value).__name__} value")


def render_scalar(value: Any, like: Any = None) -> str:
    """`value` as a YAML scalar, quoted only when it must be (or when `like` was)."""
    if isinstance(value, str) and not isinstance(value, (DoubleQuotedScalarString, SingleQuotedScalarString)):
        if isinstance(like, DoubleQuotedScalarString):
            value = DoubleQuotedScalarString(value)
        elif isinstance(like, SingleQuotedScalarString):
            value = SingleQuotedScalarString(value)
    buf = io.StringIO()
    _yaml().dump({"k": value}, buf)
    out = buf.getvalue()[len("k: ") :].rstrip("\n")
    if isinstance(value, str) and _yaml11_load(out) != value:
        # YAML 1.1 readers (PyYAML) take `yes`, `on`, `1:20` for booleans and numbers.
        out = render_scalar(DoubleQuotedScalarString(value))
    return out


def _flow_list(values: list[Any]) -> str:
    seq = CommentedSeq(values)
    seq.fa.set_flow_style()
    buf = io.StringIO()
    _yaml().dump({"k": seq}, buf)
    out = buf.getvalue()[len("k: ") :].rstrip("\n")
    if _yaml11_load(out) != values:
        out = (
            "["
            + ", ".join(render_scalar(DoubleQuotedScalarString(v)) if isinstance(v, str) else str(v) for v in values)
            + "]"
        )
    return out


def _yaml11_load(text: str) -> Any:
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return None


def _render(
    key: str, value: Any, indent: int, seq_offset: int, nl: str, old: Any = None, eol: str | None = None
) -> list[str]:
    pad = " " * indent
    if isinstance(value, list) and isinstance(old, CommentedSeq) and old.fa.flow_style():
        # a one-line list stays a one-line list, with the comment after it
        return [f"{pad}{key}: {_flow_list(value)}{_eol(eol)}{nl}"]
    if isinstance(value, list):
        if not value:
            return [f"{pad}{key}: []{_eol(eol)}{nl}"]
        like = old[0] if isinstance(old, list) and old else None
        items = [f"{pad}{' ' * seq_offset}- {render_scalar(v, like)}{nl}" for v in value]
        return [f"{pad}{key}:{_eol(eol)}{nl}", *items]
    return [f"{pad}{key}: {render_scalar(value, old)}{_eol(eol)}{nl}"]


def _eol(comment: str | None) -> str:
    if not comment:
        return ""
    return comment if comment.startswith(" ") else " " + comment


# ---------------------------------------------------------------------- writing


def atomic_write(path: Path, text: str) -> None:
    """Replace `path` with `text` or leave it untouched; never half a file, no temp left behind."""
    files.atomic_write(path, text, durable=True)


# ---------------------------------------------------------------------- git


class GitUnavailableError(Exception):
    """No git executable, or the file is not inside a git work tree."""


def _git(cwd: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("git")
    if exe is None:
        raise GitUnavailableError("git is not installed")
    proc = subprocess.run([exe, *args], cwd=cwd, capture_output=True, text=True, check=False)
    if check and proc.returncode != 0:
        raise subprocess.CalledProcessError(proc.returncode, ["git", *args], proc.stdout, proc.stderr)
    return proc


def git_root(path: Path) -> Path:
    proc = _git(path.parent, "rev-parse", "--show-toplevel", check=False)
    if proc.returncode != 0:
        raise GitUnavailableError(f"{path.parent} is not in a git work tree")
    return Path(proc.stdout.strip())


def _relative(path: Path) -> tuple[Path, str]:
    root = git_root(path)
    return root, path.resolve().relative_to(root.resolve()).as_posix()


def committed_text(path: Path, rev: str = "HEAD") -> str | None:
    """The file's text at `rev`, or None when it does not exist there."""
    root, rel = _relative(path)
    proc = _git(root, "show", f"{rev}:{rel}", check=False)
    return proc.stdout if proc.returncode == 0 else None


def has_uncommitted_changes(path: Path) -> bool:
    """Whether the working copy differs from HEAD (staged or not); an untracked file counts."""
    root, rel = _relative(path)
    if _git(root, "ls-files", "--error-unmatch", "--", rel, check=False).returncode != 0:
        return True
    if _git(root, "rev-parse", "--verify", "--quiet", "HEAD", check=False).returncode != 0:
        return True
    return _git(root, "diff", "HEAD", "--quiet", "--", rel, check=False).returncode != 0


def resolve_rev(path: Path, rev: str) -> str:
    root, _ = _relative(path)
    proc = _git(root, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}", check=False)
    if proc.returncode != 0:
        raise UserError("unknown git revision", value=rev, hint="use a commit, tag or branch, e.g. HEAD~1")
    return proc.stdout.strip()


def file_history(path: Path) -> Iterable[tuple[str, str]]:
    """(commit, subject) of the commits that changed the file, newest first."""
    root, rel = _relative(path)
    proc = _git(root, "log", "--format=%H%x09%s", "--", rel, check=False)
    if proc.returncode != 0:
        return
    for row in proc.stdout.splitlines():
        sha, _, subject = row.partition("\t")
        yield sha, subject
