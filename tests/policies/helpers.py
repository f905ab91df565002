"""Build resources the way the offline engine records them."""

from __future__ import annotations

from typing import Any

from farm_deploy.offline.engine import RecordedResource


def recorded(
    typ: str, name: str, inputs: dict[str, Any], *, stage: str = "dev", protect: bool = False
) -> RecordedResource:
    return RecordedResource(
        type=typ,
        name=name,
        urn=f"urn:pulumi:{stage}::farm-deploy::{typ}::{name}",
        parent=None,
        inputs=inputs,
        custom=True,
        protect=protect,
    )
