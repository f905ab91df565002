"""Build resources the way the offline engine records them."""

from __future__ import annotations

from typing import Any

from farm_deploy.offline.engine import RecordedResource


def urn_of(typ: str, name: str, stage: str = "dev") -> str:
    return f"urn:pulumi:{stage}::farm-deploy::{typ}::{name}"


def recorded(
    typ: str,
    name: str,
    inputs: dict[str, Any],
    *,
    stage: str = "dev",
    protect: bool = False,
    dependencies: list[str] | None = None,
    property_dependencies: dict[str, list[str]] | None = None,
) -> RecordedResource:
    """`dependencies` and `property_dependencies` are URNs, as the engine records them."""
    return RecordedResource(
        type=typ,
        name=name,
        urn=urn_of(typ, name, stage),
        parent=None,
        inputs=inputs,
        custom=True,
        protect=protect,
        dependencies=sorted(set(dependencies or []) | {u for us in (property_dependencies or {}).values() for u in us}),
        property_dependencies=property_dependencies or {},
    )
