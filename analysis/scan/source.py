"""One file as the detectors see it: its path relative to the app root and its text."""

from __future__ import annotations

import ast
from functools import cached_property

# folders whose code is not the deployed app
NON_APP_DIRS = frozenset({"tests", "test", "__tests__", "e2e", "docs", "examples", "example", "fixtures", "scripts"})
PY_SUFFIXES = (".py",)
MAX_PARSE_CHARS = 256 * 1024
# Vue and Svelte single-file components hold their code in a <script> block
JS_SUFFIXES = (".js", ".jsx", ".ts", ".tsx", ".mjs", ".cjs", ".mts", ".cts", ".vue", ".svelte")


def app_code_name(name: str) -> bool:
    """Whether a file of this name is application code, not a test (its folder aside)."""
    if "test" not in name and ".spec." not in name:
        return True  # the usual case, decided without the tests below (each needs "test" or ".spec.")
    stem = name.split(".", 1)[0]
    return not (
        name.startswith("test_")
        or stem.endswith("_test")
        or name == "conftest.py"
        or ".test." in name
        or ".spec." in name
    )


class SourceFile:
    __slots__ = ("__dict__", "rel", "text")

    def __init__(self, rel: str, text: str, in_app_dir: bool | None = None) -> None:
        self.rel = rel  # posix path relative to the app root
        self.text = text
        if in_app_dir is not None:
            self._in_app_dir = in_app_dir

    def has(self, token: str) -> bool:
        """`token in text`, remembered: detectors and the walker's filters share the answers."""
        seen = self._has
        found = seen.get(token)
        if found is None:
            found = seen[token] = token in self.text
        return found

    def has_any(self, tokens: tuple[str, ...]) -> bool:
        return any(self.has(t) for t in tokens)

    @cached_property
    def _has(self) -> dict[str, bool]:
        return {}

    @cached_property
    def name(self) -> str:
        return self.rel.rsplit("/", 1)[-1]

    @cached_property
    def directory(self) -> str:
        return self.rel.rsplit("/", 1)[0] if "/" in self.rel else "."

    @cached_property
    def _in_app_dir(self) -> bool:
        return not any(p in NON_APP_DIRS for p in self.rel.split("/")[:-1])

    @cached_property
    def is_app_code(self) -> bool:
        return self._in_app_dir and app_code_name(self.name)

    @cached_property
    def tree(self) -> ast.Module | None:
        """The Python AST, or None when the file does not parse (it is then read as text only).

        Files over `MAX_PARSE_CHARS` are not parsed: that size is generated code (protobuf
        stubs, SDK models), and parsing it would cost more than the rest of the scan.
        """
        if len(self.text) > MAX_PARSE_CHARS:
            return None
        try:
            return ast.parse(self.text, filename=self.rel)
        except (SyntaxError, ValueError, RecursionError):
            return None

    @cached_property
    def _line_starts(self) -> list[int]:
        starts = [0]
        find = self.text.find
        i = find("\n")
        while i >= 0:
            starts.append(i + 1)
            i = find("\n", i + 1)
        return starts

    def line_of(self, offset: int) -> int:
        from bisect import bisect_right

        return bisect_right(self._line_starts, offset)

    def line_text(self, line: int) -> str:
        starts = self._line_starts
        start = starts[line - 1]
        end = starts[line] - 1 if line < len(starts) else len(self.text)
        return self.text[start:end]
