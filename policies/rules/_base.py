"""What a rule is, and the helpers rules use to read camelCase inputs safely.

Rules are plain functions over the resource's inputs as the provider receives
them: camelCase keys, numbers as floats, `containerDefinitions` and IAM policy
documents as JSON text. Both the Pulumi policy engine and the offline recorder
hand over that shape, so one function serves both.

During `pulumi preview`, values computed by other resources (a bucket's id, a
role's ARN) are unknown. The live adapter replaces them by `UNKNOWN`; a rule reads
through `field()`, which raises `UnknownValue` when the value it needs is one of
them, and the rule is then skipped for that resource rather than guessing.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any, Literal

Level = Literal["mandatory", "advisory"]
STAGES: tuple[str, ...] = ("dev", "staging", "prod", "preview")


class _Unknown:
    """A value the engine cannot know until the resource is created."""

    _instance: _Unknown | None = None

    def __new__(cls) -> _Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Any = _Unknown()


class UnknownValue(Exception):  # noqa: N818 (a signal, not an error)
    """The rule needs a value that is unknown during preview."""


_MISSING = object()


def field(obj: Any, *path: str | int, default: Any = None) -> Any:
    """`obj[path[0]][path[1]]...`, `default` when absent; raises `UnknownValue` on unknowns."""
    cur = obj
    for key in path:
        if cur is UNKNOWN:
            raise UnknownValue(".".join(map(str, path)))
        if isinstance(key, int):
            if not isinstance(cur, list) or key >= len(cur):
                return default
            cur = cur[key]
        else:
            if not isinstance(cur, Mapping):
                return default
            cur = cur.get(key, _MISSING)
            if cur is _MISSING or cur is None:
                return default
    if cur is UNKNOWN:
        raise UnknownValue(".".join(map(str, path)))
    return cur


def items(obj: Any, *path: str) -> list[Any]:
    """A list-valued input (absent means empty)."""
    value = field(obj, *path, default=[])
    return list(value) if isinstance(value, list | tuple) else []


def json_doc(value: Any) -> Any:
    """Parse a JSON-text input (IAM policy, containerDefinitions); dicts pass through."""
    if value is UNKNOWN:
        raise UnknownValue("json document")
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return None
    return value


def as_list(value: Any) -> list[Any]:
    """IAM allows a string or a list of strings in Action/Resource/Principal."""
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def truthy(value: Any) -> bool:
    """Booleans the provider receives as bools or as strings ("true")."""
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return value is True


@dataclass(frozen=True)
class RuleContext:
    """What a rule knows beyond the inputs: the stage and the resource's options."""

    stage: str
    name: str = ""
    type: str = ""
    protect: bool = False
    # Stack rules only: the stack's farm:monthlyBudget (USD) and the stage's region.
    budget: float | None = None
    region: str = ""


@dataclass(frozen=True)
class StackResource:
    """One resource as a stack-level rule sees it.

    `ids` are the values other resources use to refer to it (id, ARN, name) when
    known; `links` maps an input key to the URNs that input was computed from
    (the live engine's property dependencies). `refers_to` uses either.
    `dependencies` are the URNs it waits for before it is created: its
    `depends_on` and every resource an input was computed from.
    """

    type: str
    name: str
    urn: str
    props: Mapping[str, Any]
    protect: bool = False
    ids: frozenset[str] = frozenset()
    links: Mapping[str, frozenset[str]] = dc_field(default_factory=dict)
    dependencies: frozenset[str] = frozenset()

    def refers_to(self, key: str, target: StackResource) -> bool:
        if target.urn in self.links.get(key, frozenset()):
            return True
        value = self.props.get(key)
        values = value if isinstance(value, list) else [value]
        return any(isinstance(v, str) and v in target.ids for v in values)


@dataclass(frozen=True)
class StackViolation:
    resource: StackResource
    message: str


ResourceCheck = Callable[[Mapping[str, Any], RuleContext], Iterable[str]]
StackCheck = Callable[[list[StackResource], RuleContext], Iterable[StackViolation]]


@dataclass(frozen=True)
class Rule:
    """One guardrail.

    `mirrors` names the checker rules it corresponds to (checkov `CKV_*`, trivy
    `AVD-AWS-*`, Pulumi AWSGuard names). Exactly one of `validate` (per resource of
    `resource_types`) and `validate_stack` (over every resource) is set. `stages`
    limits where it applies (e.g. protection is only demanded in prod).
    """

    id: str
    description: str
    mirrors: tuple[str, ...]
    level: Level
    resource_types: tuple[str, ...]
    validate: ResourceCheck | None = None
    validate_stack: StackCheck | None = None
    stages: tuple[str, ...] = STAGES
    remediation: str = ""

    def __post_init__(self) -> None:
        if (self.validate is None) == (self.validate_stack is None):
            raise ValueError(f"rule {self.id}: set exactly one of validate / validate_stack")
        if self.level not in ("mandatory", "advisory"):
            raise ValueError(f"rule {self.id}: level must be mandatory or advisory")

    @property
    def is_stack(self) -> bool:
        return self.validate_stack is not None

    def applies_to_stage(self, stage: str) -> bool:
        return stage in self.stages

    def check(self, props: Mapping[str, Any], ctx: RuleContext) -> list[str]:
        """Messages for one resource; none when the rule needs an unknown value."""
        if self.validate is None or not self.applies_to_stage(ctx.stage) or ctx.type not in self.resource_types:
            return []
        try:
            return list(self.validate(props, ctx))
        except UnknownValue:
            return []

    def check_stack(self, resources: list[StackResource], ctx: RuleContext) -> list[StackViolation]:
        if self.validate_stack is None or not self.applies_to_stage(ctx.stage):
            return []
        try:
            return list(self.validate_stack(resources, ctx))
        except UnknownValue:
            return []


def of_type(resources: Iterable[StackResource], *types: str) -> list[StackResource]:
    return [r for r in resources if r.type in types]


def waits_for(resources: Iterable[StackResource]) -> dict[str, frozenset[str]]:
    """URN -> every URN it waits for, directly or through the resources it waits for."""
    direct = {r.urn: r.dependencies for r in resources}
    closure: dict[str, frozenset[str]] = {}

    def visit(urn: str, seen: frozenset[str]) -> frozenset[str]:
        if urn in closure:
            return closure[urn]
        found: set[str] = set()
        for dep in direct.get(urn, frozenset()):
            if dep in seen:  # a cycle: the engine refuses it; do not loop here
                continue
            found.add(dep)
            found |= visit(dep, seen | {dep})
        closure[urn] = frozenset(found)
        return closure[urn]

    for urn in direct:
        visit(urn, frozenset({urn}))
    return closure
