"""The one resolver of a plan's plain (non-secret) variables, for every target.

An `EnvVar` gets its value from the plan (`value`), from stack config
(`source: "config:farm:<key>"`, always a secret, resolved by the builder) or
from another resource (`source: "output:<name>"`, e.g. `output:web.url`).
Each target knows some outputs (the builder wires Pulumi outputs, the Compose
layout knows its service addresses); this module fills the variables from
them. Pure: values are whatever the caller passes (strings or Pulumi inputs).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TypeVar

from ..models import EnvVar

OUTPUT_SOURCE = "output:"
V = TypeVar("V")


def output_name(var: EnvVar) -> str | None:
    """`web.url` for a variable whose source is `output:web.url`; None for any other source."""
    return var.source[len(OUTPUT_SOURCE) :] if var.source.startswith(OUTPUT_SOURCE) else None


def plain_env(
    env: Sequence[EnvVar],
    target: str,
    *,
    skip: Sequence[str] = (),
    outputs: Mapping[str, V] | None = None,
) -> dict[str, str | V]:
    """The plan's non-secret variables of `target`: literal values, and values
    from other resources found in `outputs` (keyed by output name, e.g. "web.url").
    A variable whose output is not in `outputs` is left out."""
    values: dict[str, str | V] = {}
    for var in env:
        if var.target != target or var.secret or var.name in skip:
            continue
        if var.value is not None:
            values[var.name] = var.value
        elif outputs and (name := output_name(var)) is not None and name in outputs:
            values[var.name] = outputs[name]
    return values


def output_sources(env: Sequence[EnvVar], target: str, *, skip: Sequence[str] = ()) -> dict[str, str]:
    """Variable name -> output name, for the non-secret variables another resource fills."""
    return {
        v.name: name
        for v in env
        if v.target == target
        and not v.secret
        and v.value is None
        and (name := output_name(v)) is not None
        and v.name not in skip
    }
