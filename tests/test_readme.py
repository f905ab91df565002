"""Every name a user can see is documented in the README (DESIGN.md, Conventions)."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from analysis.stack_config import ALLOWED_KEYS
from farm_deploy.cli import build_parser

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _slug(heading: str) -> str:
    # GitHub's anchors: lower case, punctuation dropped, spaces to hyphens.
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def test_every_stack_config_key_is_documented() -> None:
    missing = [key for key in ALLOWED_KEYS if f"farm:{key}" not in README]
    assert missing == []


def test_every_command_and_long_option_is_documented() -> None:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    missing = []
    for name, command in sub.choices.items():
        if f"farm-deploy {name}" not in README:
            missing.append(name)
        actions = list(command._actions)
        for action in command._actions:
            if isinstance(action, argparse._SubParsersAction):
                for sub_name, nested in action.choices.items():
                    if f"{name} {sub_name}" not in README and f"{sub_name}" not in README:
                        missing.append(f"{name} {sub_name}")
                    actions.extend(nested._actions)
        for action in actions:
            for option in action.option_strings:
                if option.startswith("--") and option not in ("--help",) and option not in README:
                    missing.append(f"{name} {option}")
    assert missing == []


def test_every_stack_output_is_documented() -> None:
    from farm_deploy.offline_plan import run_plan

    outputs = run_plan(ROOT, "prod").outputs
    assert len(outputs) >= 10
    missing = [name for name in outputs if f"`{name}`" not in README]
    assert missing == []


def test_internal_links_resolve() -> None:
    anchors = {_slug(h) for h in re.findall(r"^#+ (.+)$", README, flags=re.M)}
    links = set(re.findall(r"\]\(#([^)]+)\)", README))
    assert sorted(links - anchors) == []


def test_first_lines_give_the_two_commands() -> None:
    head = README.splitlines()[:8]
    text = "\n".join(head)
    assert "farm-deploy analyze" in text and "farm-deploy plan --stack" in text
    assert "python -m pytest" in text
    ci = (ROOT / ".ci" / "run").read_text()
    assert ".venv/bin/python -m pytest" in ci
