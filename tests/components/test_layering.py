"""Components take everything through their args: the layering, checked on the source.

A component that read stack config or the stack's name, or imported the
command-line package, would bypass the builder (the one place that maps a plan
to args) and break when used under another program or another stack.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
COMPONENT_FILES = sorted((ROOT / "components").rglob("*.py"))
# What a component may not touch on the `pulumi` module: stack config and the
# stack's or project's name come in the args.
FORBIDDEN_PULUMI = {"Config", "get_stack", "get_project", "get_organization"}


def imported_modules(tree: ast.AST) -> list[str]:
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append(node.module)
    return found


def pulumi_attributes(tree: ast.AST) -> set[str]:
    """Names used as `pulumi.<name>`, or imported with `from pulumi import <name>`."""
    used = {
        node.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "pulumi"
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "pulumi":
            used |= {alias.name for alias in node.names}
    return used


def test_there_are_components_to_check() -> None:
    names = {p.relative_to(ROOT).as_posix() for p in COMPONENT_FILES}
    assert {"components/docker_host.py", "components/railway/app.py", "components/monitoring.py"} <= names


@pytest.mark.parametrize("path", COMPONENT_FILES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_component_imports_nothing_from_the_program(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    bad = [m for m in imported_modules(tree) if m == "farm_deploy" or m.startswith("farm_deploy.")]
    assert bad == []
    assert "farm_deploy" not in path.read_text(encoding="utf-8")  # not even in a docstring


@pytest.mark.parametrize("path", COMPONENT_FILES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_component_reads_no_stack_config_nor_stack_name(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    assert pulumi_attributes(tree) & FORBIDDEN_PULUMI == set()


def test_the_checks_catch_what_they_look_for() -> None:
    source = "import pulumi\nfrom farm_deploy import compose\nx = pulumi.Config('farm')\ny = pulumi.get_stack()\n"
    tree = ast.parse(source)
    assert imported_modules(tree) == ["pulumi", "farm_deploy"]
    assert pulumi_attributes(tree) & FORBIDDEN_PULUMI == {"Config", "get_stack"}
    assert pulumi_attributes(ast.parse("from pulumi import get_project\n")) == {"get_project"}


@pytest.mark.parametrize(
    "peers",
    [{}, {"cidr": "10.0.0.0/16", "peer_security_group_id": "sg-1"}],
    ids=["no peer", "two peers"],
)
def test_a_security_group_rule_has_exactly_one_peer(peers: dict[str, str]) -> None:
    from components.common import sg_rule

    with pytest.raises(ValueError, match="exactly one of cidr"):
        sg_rule(None, "r", direction="in", security_group_id="sg-0", description="d", port=443, **peers)  # type: ignore[arg-type]
