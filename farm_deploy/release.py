"""Release pins: which `farm:` keys move between stages, and how two stacks differ.

A release is the API image by digest (`farm:apiImage`), the web bundle's
version (`farm:webVersion`, a folder of the release bucket) and the model list: `analysis.stack_config.PROMOTABLE_KEYS`. Everything else in a stack file
(sizes, counts, domains, certificates, the database tier, the region, ...)
differs between stages on purpose and is never copied; secrets cannot be copied
either, because Pulumi encrypts them per stack.

Pure functions over plain values: the commands read the files.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from analysis.errors import UserError
from analysis.stack_config import (
    ALLOWED_KEYS,
    NAMESPACE,
    PROMOTABLE_KEYS,
    RETIRED_KEYS,
    SECRET_KEYS,
    check_image_ref,
    check_web_version,
)

__all__ = [
    "BY_DESIGN_KEYS",
    "PROMOTABLE_KEYS",
    "PinChange",
    "by_design_differences",
    "check_retired",
    "diff_pins",
    "normalize_pin",
    "read_pins",
    "select_keys",
]

# Keys that differ between stages by design: never promoted.
BY_DESIGN_KEYS: tuple[str, ...] = tuple(k for k in ALLOWED_KEYS if k not in PROMOTABLE_KEYS and k not in SECRET_KEYS)

_NO_SPACE = re.compile(r"^\S+$")
Action = Literal["add", "change", "remove", "same"]


@dataclass(frozen=True)
class PinChange:
    key: str  # without the namespace, e.g. "apiImage"
    old: Any  # None when the target does not set it
    new: Any  # None when the source does not set it

    @property
    def action(self) -> Action:
        if self.old == self.new:
            return "same"
        if self.old is None:
            return "add"
        if self.new is None:
            return "remove"
        return "change"

    def to_dict(self) -> dict[str, Any]:
        return {"key": f"{NAMESPACE}:{self.key}", "from": self.old, "to": self.new, "action": self.action}


def _bare(key: str) -> str:
    return key.split(":", 1)[1] if key.startswith(f"{NAMESPACE}:") else key


def select_keys(requested: Iterable[str] | None) -> tuple[str, ...]:
    """The pins to move: all of them, or the requested ones if each is promotable."""
    if not requested:
        return PROMOTABLE_KEYS
    chosen: list[str] = []
    valid = [f"{NAMESPACE}:{k}" for k in PROMOTABLE_KEYS]
    for raw in requested:
        key = _bare(raw)
        if key in PROMOTABLE_KEYS:
            if key not in chosen:
                chosen.append(key)
            continue
        if key in SECRET_KEYS:
            raise UserError(
                "secrets are not promoted: Pulumi encrypts them per stack",
                key=f"{NAMESPACE}:{key}",
                valid=valid,
                hint=f"set it on the target with `pulumi config set --secret {NAMESPACE}:{key} --stack TO`",
            )
        if key in BY_DESIGN_KEYS:
            raise UserError(
                "this key differs between stages by design and is not promoted",
                key=f"{NAMESPACE}:{key}",
                valid=valid,
                hint="edit it in the target's stack file (or `pulumi config set`) if you mean to change it",
            )
        raise UserError("unknown config key", key=raw, valid=valid)
    return tuple(chosen)


def normalize_pin(key: str, value: Any, *, file: str, line: int | None = None) -> Any:
    """A pin's value checked and in its canonical form (a list for `models`).

    Raises UserError naming the file, line and key for a value of the wrong type.
    """
    name = f"{NAMESPACE}:{key}"
    if isinstance(value, dict) and "secure" in value:
        raise UserError(
            "a release pin is stored as a secret: secrets are encrypted per stack and cannot be promoted",
            file=file,
            line=line,
            key=name,
            hint=f"store it in plain text (`pulumi config set {name} VALUE`); release pins are not secret",
        )
    if key == "models":
        if isinstance(value, str):
            # `pulumi config set farm:models '["a"]'` stores the list as JSON text
            import json

            try:
                value = json.loads(value)
            except ValueError:
                raise UserError(
                    "not a valid JSON list", file=file, line=line, key=name, value=value, hint='e.g. ["llama3.1:8b"]'
                ) from None
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise UserError(
                "must be a list of model names",
                file=file,
                line=line,
                key=name,
                value=value,
                hint=f"e.g.\n    {name}:\n      - llama3.1:8b",
            )
        return [v.strip() for v in value]
    if not isinstance(value, str):
        raise UserError(
            f"must be a string, got a {type(value).__name__}",
            file=file,
            line=line,
            key=name,
            value=value,
            hint=f'quote it ({name}: "{value}"): YAML reads 1.10 as the number 1.1',
        )
    if not _NO_SPACE.match(value):
        raise UserError("must be a non-empty value without spaces", file=file, line=line, key=name, value=value)
    if key == "apiImage":
        check_image_ref(value, file=file, line=line, key=name)
    elif key == "webVersion":
        check_web_version(value, file=file, line=line, key=name)
    return value


def check_retired(farm: Mapping[str, Any], *, file: str, lines: Mapping[str, int | None] | None = None) -> None:
    """Refuse a stack file that still sets a retired pin (`farm:apiImageTag`): moving it would mislead."""
    for key, why in RETIRED_KEYS.items():
        if key in farm:
            raise UserError(
                why,
                file=file,
                line=(lines or {}).get(key),
                key=f"{NAMESPACE}:{key}",
                value=farm[key],
                hint=f"pin the image with `farm-deploy release build --pin STACK`, then delete {NAMESPACE}:{key}",
            )


def read_pins(
    farm: Mapping[str, Any], keys: Iterable[str], *, file: str, lines: Mapping[str, int | None] | None = None
) -> dict[str, Any]:
    """The pins among `farm` (a stack's `farm:` keys, namespace stripped), validated."""
    lines = lines or {}
    return {k: normalize_pin(k, farm[k], file=file, line=lines.get(k)) for k in keys if farm.get(k) is not None}


def diff_pins(old: Mapping[str, Any], new: Mapping[str, Any], keys: Iterable[str]) -> list[PinChange]:
    """One PinChange per key, in `keys` order, unchanged ones included."""
    return [PinChange(k, old.get(k), new.get(k)) for k in keys]


def by_design_differences(source: Mapping[str, Any], target: Mapping[str, Any]) -> list[str]:
    """Keys (not pins, not secrets) whose values differ between the two stacks: left as they are."""
    keys = set(source) | set(target)
    return sorted(
        k
        for k in keys
        if k not in PROMOTABLE_KEYS
        and k not in SECRET_KEYS
        and k not in RETIRED_KEYS
        and source.get(k) != target.get(k)
    )
