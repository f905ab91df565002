"""Which paths of the repository are ignored by git: local files that are not part of what deploys.

In a git checkout, git itself answers (`git ls-files --others --ignored --exclude-standard
--directory`, one process): a file git tracks is committed even when a `.gitignore` matches it
now. Elsewhere (a downloaded archive, a folder being set up), the `.gitignore` files met on the
walk are applied with `pathspec`'s gitignore semantics
(https://python-path-specification.readthedocs.io/en/latest/api.html#pathspec.GitIgnoreSpec).
An ignored local `.env` is then not reported as a committed secret.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

GIT_TIMEOUT_SECONDS = 20


class Ignored:
    def __init__(self, paths: set[str] | None = None) -> None:
        # from git: ignored files, and ignored folders with a trailing "/"
        self.paths = paths
        # from .gitignore files: folder -> its compiled spec
        self.specs: dict[str, Any] = {}

    def load(self, folder: str, path: str) -> None:
        """Read `folder/.gitignore` (only when git did not answer)."""
        if self.paths is not None:
            return
        try:
            with open(path, encoding="utf-8", errors="replace") as fh:
                lines = fh.read(256 * 1024).splitlines()
        except OSError:
            return
        import pathspec  # only repositories with a .gitignore and no git pay for the import

        spec = pathspec.GitIgnoreSpec.from_lines(lines)
        patterns = [p for p in spec.patterns if p.include is not None]
        regexes = [getattr(p, "regex", None) for p in patterns]
        if all(p.include for p in patterns) and all(isinstance(r, re.Pattern) for r in regexes):
            # no negation: one regex for the whole file, much cheaper per path than match_file
            joined = "|".join(f"(?:{r.pattern.replace('(?P<ps_d>', '(?:')})" for r in regexes)
            self.specs[folder] = re.compile(joined) if joined else None
        else:
            self.specs[folder] = spec

    def _match(self, rel: str, is_dir: bool) -> bool:
        if self.paths is not None:
            return (rel + "/" if is_dir else rel) in self.paths
        for folder, spec in self.specs.items():
            if folder == ".":
                inner = rel
            elif rel.startswith(folder + "/"):
                inner = rel[len(folder) + 1 :]
            else:
                continue
            path = inner + "/" if is_dir else inner
            if spec is None:
                continue
            if isinstance(spec, re.Pattern):
                if spec.match(path):
                    return True
            elif spec.match_file(path):
                return True
        return False

    def file_test(self, folder: str) -> Callable[[str], bool] | None:
        """For the files of one folder ("." for the root): the same answer as `file_ignored`, with
        the `.gitignore` files that apply there found once for all of them; None when none can apply."""
        if self.paths is not None:
            return self.paths.__contains__ if self.paths else None
        applicable: list[tuple[int, Any]] = []
        for spec_folder, spec in self.specs.items():
            if spec is None:
                continue
            if spec_folder == ".":
                applicable.append((0, spec))
            elif folder == spec_folder or folder.startswith(spec_folder + "/"):
                applicable.append((len(spec_folder) + 1, spec))
        if not applicable:
            return None

        def ignored(rel: str) -> bool:
            for strip, spec in applicable:
                if spec.match(rel[strip:]) if isinstance(spec, re.Pattern) else spec.match_file(rel[strip:]):
                    return True
            return False

        return ignored

    def dir_ignored(self, rel: str) -> bool:
        return self._match(rel, True)

    def file_ignored(self, rel: str) -> bool:
        return self._match(rel, False)


def ignored_paths(root: Path) -> Ignored:
    if os.path.isdir(os.path.join(root, ".git")) or os.path.isfile(os.path.join(root, ".git")):
        paths = _from_git(root)
        if paths is not None:
            return Ignored(paths)
    return Ignored()


def _from_git(root: Path) -> set[str] | None:
    try:
        done = subprocess.run(
            # core.fsmonitor names a command in the repository's own .git/config: never run it
            # (https://git-scm.com/docs/git-config#Documentation/git-config.txt-corefsmonitor)
            [
                "git",
                "-c",
                "core.fsmonitor=false",
                "-C",
                str(root),
                "ls-files",
                "-z",
                "--others",
                "--ignored",
                "--exclude-standard",
                "--directory",
            ],
            capture_output=True,
            timeout=GIT_TIMEOUT_SECONDS,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if done.returncode != 0:
        return None  # not a work tree git can read (a bare or broken .git): fall back to .gitignore files
    return {p for p in done.stdout.decode("utf-8", "replace").split("\0") if p}
