"""A template repository's files as they would render: what the walk reads in a template walk.

A cookiecutter or copier template holds Jinja in its files (`db = client.{{ cookiecutter.db_name }}`,
a compose file with `{% if %}` lines), so its Python does not parse and its YAML does not load
until it is rendered. The walk renders each file it reads, without running Jinja:

- `{{ cookiecutter.KEY ... }}` (copier: `{{ KEY ... }}`, KEY one of its questions) becomes the
  KEY's default when that is a plain word (letters, digits, `_`, `.`, `-`), else the KEY's name,
  an identifier, so the Python around it still parses; other `{{ ... }}` are left alone (a
  workflow's `${{ secrets.X }}`, a JSX `style={{ ... }}`);
- `{% ... %}` tags and `{# ... #}` comments are removed, keeping what both branches of an `if` hold;
- line numbers never shift: what is removed leaves its newlines.

Defaults: cookiecutter.json's values, the first item of a list (a choice variable, "the first entry
in the values list serves as default",
https://cookiecutter.readthedocs.io/en/stable/advanced/choice_variables.html); copier.yml's
questions, `name: value` or `name: {default: value}`, keys starting with `_` being settings
(https://copier.readthedocs.io/en/stable/configuring/).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

# a default used as is: it renders to one token of any language (a name, a version, a host)
_PLAIN = re.compile(r"[\w.-]+", re.ASCII)
# a tag opens with one of Jinja's statements, so that `"{%s}" % x` or a shell's `${#list}` stay as they are
_TAG = re.compile(
    rb"\{%[-+]?\s*(?:if|elif|else|endif|for|endfor|raw|endraw|set|endset|macro|endmacro|call|endcall|filter|"
    rb"endfilter|with|endwith|block|endblock|include|import|from|extends|autoescape|endautoescape|do|break|"
    rb"continue)\b.*?%\}|(?<!\$)\{#.*?#\}",
    re.S,
)
_COOKIECUTTER = re.compile(rb"\{\{-?\s*cookiecutter\.(\w+)(?:[^}]|\}(?!\}))*\}\}")
_COPIER = re.compile(rb"\{\{-?\s*([A-Za-z_]\w*)\b(?:[^}]|\}(?!\}))*\}\}")


class Renderer:
    """`render(data)`: the bytes of a template's file as rendered with the template's defaults."""

    __slots__ = ("_copier", "_values")

    def __init__(self, values: dict[str, str], copier: bool) -> None:
        self._values = {k.encode(): v.encode() for k, v in values.items()}
        self._copier = copier

    def render(self, data: bytes) -> bytes:
        data = _TAG.sub(_newlines, data)
        if self._copier:
            return _COPIER.sub(self._copier_value, data)
        return _COOKIECUTTER.sub(self._value, data)

    def _value(self, match: re.Match[bytes]) -> bytes:
        key = match.group(1)
        return self._values.get(key, key) + b"\n" * match.group(0).count(b"\n")

    def _copier_value(self, match: re.Match[bytes]) -> bytes:
        if match.group(1) not in self._values:
            return match.group(0)  # not a question of the template: another tool's expression
        return self._value(match)


def _newlines(match: re.Match[bytes]) -> bytes:
    return b"\n" * match.group(0).count(b"\n")


def renderer(root: Path) -> Renderer:
    """The renderer of the template at `root` (cookiecutter.json, else copier.yml/.yaml; none: the
    placeholders of `{{ cookiecutter.* }}` become their names)."""
    cookiecutter = root / "cookiecutter.json"
    if cookiecutter.is_file():
        try:
            loaded = json.loads(cookiecutter.read_text(encoding="utf-8", errors="replace"))
        except (OSError, ValueError):
            loaded = {}
        return Renderer(_defaults(loaded if isinstance(loaded, dict) else {}), copier=False)
    for name in ("copier.yml", "copier.yaml"):
        path = root / name
        if path.is_file():
            import yaml

            try:
                loaded = yaml.safe_load(path.read_text(encoding="utf-8", errors="replace"))
            except (OSError, yaml.YAMLError):
                loaded = {}
            questions = {
                k: v.get("default") if isinstance(v, dict) else v
                for k, v in (loaded if isinstance(loaded, dict) else {}).items()
                if isinstance(k, str) and not k.startswith("_")
            }
            return Renderer(_defaults(questions), copier=True)
    return Renderer({}, copier=False)


def _defaults(values: dict[object, object]) -> dict[str, str]:
    """KEY -> what `{{ KEY }}` renders to: its plain default, else its own name."""
    out = {}
    for key, value in values.items():
        if not isinstance(key, str) or not key.isidentifier():
            continue
        if isinstance(value, list) and value:
            value = value[0]
        if isinstance(value, bool | int | float):
            value = str(value)  # as Jinja prints it (True, 8000)
        out[key] = value if isinstance(value, str) and _PLAIN.fullmatch(value) else key
    return out
