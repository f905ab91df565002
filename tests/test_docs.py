"""The documents: a short README, generated reference pages that match the code, links that resolve."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from farm_deploy import reference

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOC_FILES = [README, *sorted((ROOT / "docs").rglob("*.md")), ROOT / "benchmarks" / "README.md"]


def _slug(heading: str) -> str:
    # GitHub's anchors: lower case, punctuation dropped, spaces to hyphens.
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def _anchors(path: Path) -> set[str]:
    anchors, fenced = set(), False
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and (m := re.match(r"^#+ (.+)$", line)):
            anchors.add(_slug(m.group(1)))
    return anchors


def test_readme_is_a_short_front_door_with_the_two_commands() -> None:
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 200
    head = "\n".join(lines[:8])
    assert "farm-deploy analyze" in head and "farm-deploy plan --stack" in head
    assert "python -m pytest" in head
    assert ".venv/bin/python -m pytest" in (ROOT / ".ci" / "run").read_text()


@pytest.mark.parametrize("page", sorted(reference.PAGES))
def test_reference_page_matches_the_code(page: str) -> None:
    committed = (reference.REFERENCE_DIR / page).read_text(encoding="utf-8")
    assert committed == reference.PAGES[page](), f"docs/reference/{page} is stale: run python -m farm_deploy.reference"


def test_stale_check_notices_an_edited_page(tmp_path: Path) -> None:
    reference.write_pages(tmp_path)
    assert reference.stale_pages(tmp_path) == []
    page = tmp_path / "config.md"
    page.write_text(page.read_text().replace("farm:appPath", "farm:appPth"))
    (tmp_path / "cli.md").unlink()
    assert reference.stale_pages(tmp_path) == ["config.md", "cli.md"]


def test_every_config_key_has_a_description() -> None:
    from analysis.stack_config import ALLOWED_KEYS, SECRET_KEY_DOCS, StackSettings

    described = {f.alias or n for n, f in StackSettings.model_fields.items() if f.description}
    assert sorted(set(ALLOWED_KEYS) - described - set(SECRET_KEY_DOCS)) == []
    page = (reference.REFERENCE_DIR / "config.md").read_text(encoding="utf-8")
    assert [k for k in ALLOWED_KEYS if f"`farm:{k}`" not in page] == []


def test_every_command_and_option_has_help() -> None:
    from farm_deploy.cli import build_parser

    missing = []

    def walk(parser: argparse.ArgumentParser, path: str) -> None:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                helps = {a.dest: a.help for a in action._choices_actions}
                for name, sub in action.choices.items():
                    if not helps.get(name):
                        missing.append(f"{path} {name}")
                    walk(sub, f"{path} {name}")
            elif not isinstance(action, argparse._HelpAction) and not action.help:
                missing.append(f"{path} {'/'.join(action.option_strings) or action.dest}")

    walk(build_parser(), "farm-deploy")
    assert missing == []


def test_every_output_of_every_shipped_stack_is_documented_and_no_other(tmp_path: Path) -> None:
    from farm_deploy.offline_plan import run_plan
    from farm_deploy.stack_outputs import OUTPUT_DOCS
    from tests.program.test_multi_region import stack_copy

    exported: set[str] = set()
    for stack_file in sorted(ROOT.glob("Pulumi.*.yaml")):
        exported |= set(run_plan(ROOT, stack_file.name.split(".")[1]).outputs)
    # A pull request's preview has no stack file of its own: it is planned from dev's.
    exported |= set(run_plan(ROOT, "pr-123").outputs)
    # Nor does prod in two regions: planned from a copy of prod's.
    exported |= set(run_plan(stack_copy(tmp_path), "prod").outputs)
    assert len(exported) >= 10
    assert sorted(exported - set(OUTPUT_DOCS)) == []
    assert sorted(set(OUTPUT_DOCS) - exported) == []


def test_links_resolve() -> None:
    broken = []
    for doc in DOC_FILES:
        if not doc.is_file():
            continue
        text = re.sub(r"```.*?```", "", doc.read_text(encoding="utf-8"), flags=re.S)
        for target in re.findall(r"\]\(([^)\s]+)\)", text):
            if re.match(r"^[a-z]+://", target) or target.startswith("mailto:"):
                continue
            path_part, _, anchor = target.partition("#")
            dest = (doc.parent / path_part).resolve() if path_part else doc
            if not dest.exists():
                broken.append(f"{doc.relative_to(ROOT)}: {target}")
            elif anchor and dest.suffix == ".md" and anchor not in _anchors(dest):
                broken.append(f"{doc.relative_to(ROOT)}: {target} (no such heading)")
    assert broken == []


def test_code_cites_only_files_the_repository_has() -> None:
    offenders = []
    for path in ROOT.rglob("*.py"):
        if ".venv" in path.parts or "node_modules" in path.parts:
            continue
        if re.search(r"\b(TESTING|DESIGN|STYLE)\.md\b", path.read_text(encoding="utf-8", errors="replace")):
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []
