"""The workflows run on a fresh runner: every tool a `run:` step calls is installed by an earlier
step of its job or is on GitHub's `ubuntu-24.04` image; actions are pinned to commit SHAs; the
Pulumi CLI is the one matching the SDK; checkouts keep no credentials."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))

# Commands on GitHub's ubuntu-24.04 image that the workflows call, from the image's software list
# (https://github.com/actions/runner-images/blob/main/images/ubuntu/Ubuntu2404-Readme.md: "Tools"
# lists git, the GitHub CLI `gh`, jq, curl, Docker with buildx; "CLI Tools" the AWS CLI; Python 3.12
# is the system python3) plus the Ubuntu base system (bash, coreutils, grep, sed, findutils, tar).
# Keep in step with docs/policies-and-ci.md ("Workflows").
UBUNTU_2404 = frozenset(
    {
        "apt-get", "aws", "awk", "bash", "cat", "cp", "curl", "cut", "date", "docker", "find", "gh", "git", "grep",
        "gzip", "head", "jq", "ls", "mkdir", "mktemp", "mv", "python3", "rm", "sed", "sh", "sort", "sudo",
        "tail", "tar", "tee", "tr", "uniq", "unzip", "wc", "xargs",
    }
)  # fmt: skip
# What a `uses:` step puts on PATH (each action's README).
ACTION_TOOLS = {
    "actions/setup-python": {"python", "pip"},
    "actions/setup-node": {"node", "npm", "npx"},
    "pnpm/action-setup": {"pnpm"},
    "pulumi/actions": {"pulumi"},
    "docker/setup-buildx-action": {"docker"},
}
# Reserved words that may come before a command, and builtins (a command of the shell itself).
SHELL_KEYWORDS = frozenset(["if", "then", "else", "elif", "fi", "do", "done", "while", "until", "!", "{", "}"])
SHELL_BUILTINS = frozenset(
    [
        "echo",
        "exit",
        "set",
        "export",
        "cd",
        "test",
        "[",
        "[[",
        "true",
        "false",
        "local",
        "read",
        "printf",
        "return",
        "shift",
        "source",
        ".",
        ":",
        "for",
        "case",
        "esac",
    ]
)
_ASSIGN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
_SEPARATORS = frozenset({";", "&&", "||", "|", "&", "(", ")", ";;"})
_REDIRECTS = frozenset({">", ">>", "<", "2>", "&>"})


def _commands(script: str) -> list[list[str]]:
    """The words of every simple command of a bash script, in order (heredoc bodies skipped)."""
    words: list[list[str]] = []
    lines = script.replace("\\\n", " ").splitlines()
    heredoc: str | None = None
    for line in lines:
        if heredoc is not None:
            if line.strip() == heredoc:
                heredoc = None
            continue
        match = re.search(r"<<-?\s*'?\"?(\w+)'?\"?", line)
        if match:
            heredoc = match.group(1)
        lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        try:
            tokens = list(lexer)
        except ValueError:  # an unbalanced quote: the line is part of a string
            continue
        command: list[str] = []
        for token in [*tokens, ";"]:
            if token in _SEPARATORS:
                while command and (_ASSIGN.match(command[0]) or command[0] in SHELL_KEYWORDS):
                    command.pop(0)
                if command and command[0] not in SHELL_BUILTINS:
                    words.append(command)
                command = []
            elif not (command and command[-1] in _REDIRECTS):
                command.append(token)
    return words


def missing_tools(workflow: dict) -> list[str]:
    """`job: step: command` for each command neither installed earlier in the job nor on the image."""
    problems = []
    for job_id, job in (workflow.get("jobs") or {}).items():
        installed: set[str] = set()
        venvs: set[str] = set()
        for index, step in enumerate(job.get("steps") or []):
            name = step.get("name") or step.get("uses") or f"step {index + 1}"
            if "uses" in step:
                action = step["uses"].split("@", 1)[0]
                installed |= ACTION_TOOLS.get(action, set())
                continue
            for tokens in _commands(step.get("run", "")):
                command = tokens[0]
                venv = command.rsplit("/bin/", 1)[0] if "/bin/" in command else None
                ok = command in installed or command in UBUNTU_2404 or (venv is not None and venv in venvs)
                if command.endswith("/bin/farm-deploy"):
                    ok = ok and "farm-deploy" in installed
                if not ok:
                    problems.append(f"{job_id}: {name}: {command}")
                if tokens[1:3] == ["-m", "venv"] and len(tokens) > 3:
                    venvs.add(tokens[3])
                if command.endswith("/pip") and "install" in tokens and "." in tokens and "-e" in tokens:
                    installed.add("farm-deploy")
    return problems


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_every_tool_a_step_runs_is_installed_or_on_the_image(path: Path) -> None:
    assert missing_tools(yaml.safe_load(path.read_text(encoding="utf-8"))) == []


def test_the_check_finds_a_tool_nothing_installed() -> None:
    workflow = yaml.safe_load(
        """
jobs:
  build:
    runs-on: ubuntu-24.04
    steps:
      - uses: actions/setup-node@820762786026740c76f36085b0efc47a31fe5020
      - uses: actions/setup-python@5fda3b95a4ea91299a34e894583c3862153e4b97
      - run: |
          npm --version && pnpm install --frozen-lockfile
          v=$(yarn --version) # a comment; not a command
          cat <<'EOF'
          not a command
          EOF
      - name: farm-deploy before it is installed
        run: .venv/bin/farm-deploy plan --stack dev
      - run: python -m venv .venv && .venv/bin/pip install -q -e .
      - run: X=1 .venv/bin/farm-deploy plan | tee plan.txt; pulumi preview
"""
    )
    assert missing_tools(workflow) == [
        "build: step 3: pnpm",
        "build: step 3: yarn",
        "build: farm-deploy before it is installed: .venv/bin/farm-deploy",
        "build: step 6: pulumi",
    ]


def _steps(path: Path):
    for job in (yaml.safe_load(path.read_text(encoding="utf-8")).get("jobs") or {}).values():
        yield from job.get("steps") or []


def test_actions_are_pinned_to_commit_shas_and_checkouts_keep_no_credentials() -> None:
    uses = [(p.name, s) for p in WORKFLOWS for s in _steps(p) if "uses" in s]
    assert uses, "no workflow steps found"
    unpinned = [
        f"{name}: {s['uses']}" for name, s in uses if not re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", s["uses"])
    ]
    assert unpinned == []
    checkouts = [(name, s) for name, s in uses if s["uses"].startswith("actions/checkout@")]
    assert checkouts and all((s.get("with") or {}).get("persist-credentials") is False for _, s in checkouts)


def test_pulumi_cli_matches_the_sdk_and_auth_is_oidc_first() -> None:
    sdk = re.search(r"^pulumi==(\S+)$", (ROOT / "requirements.txt").read_text(), re.M).group(1)
    texts = {p.name: p.read_text(encoding="utf-8") for p in WORKFLOWS}
    pulumi_steps = [
        (p.name, s) for p in WORKFLOWS for s in _steps(p) if s.get("uses", "").startswith("pulumi/actions@")
    ]
    assert {name for name, _ in pulumi_steps} >= {"deploy-stack.yml", "drift.yml", "pull-request.yml"}
    for name, step in pulumi_steps:
        assert step["with"]["pulumi-version"] == "${{ env.PULUMI_VERSION }}", name
        assert f'PULUMI_VERSION: "{sdk}"' in texts[name], name
        assert step["uses"].endswith("# v7.0.0") or "v7" in texts[name]
        assert "PULUMI_ACCESS_TOKEN" not in str(step.get("env", {})), name
        assert "pulumi/auth-actions@" in texts[name], name
    # `pulumi refresh --preview-only` is the drift check; `--expect-no-changes` makes a change fail.
    assert "pulumi refresh --preview-only --expect-no-changes" in texts["drift.yml"]


def test_release_workflow_sets_up_the_apps_package_manager_before_building() -> None:
    steps = list(_steps(ROOT / ".github" / "workflows" / "release.yml"))
    order = [s.get("uses", "").split("@")[0] or s.get("run", "").strip().splitlines()[0] for s in steps]
    pnpm = order.index("pnpm/action-setup")
    node = order.index("actions/setup-node")
    build = next(i for i, s in enumerate(steps) if "release build --pin dev" in s.get("run", ""))
    assert pnpm < node < build
    assert steps[pnpm]["with"]["package_json_file"] == "${{ env.APP_DIR }}/package.json"
