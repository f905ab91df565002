"""Copies of stack files in tmp_path, and a real git repository around them."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

DEV = """\
# Stack "dev": cheap, scaled to zero.
encryptionsalt: v1:ZGV2c2FsdA==:v1:Zm9vYmFy:YmF6
config:
  aws:region: us-east-1
  farm:appPath: examples/farm-chat
  # Release pins (promotable): farm-deploy promote dev staging
  farm:apiImage: ecr.example.com/api@sha256:2b7e151000000000000000000000000000000000000000000000000000000000
  farm:webVersion: "1.5.0"
  farm:models:
    - llama3.1:8b
    - qwen2.5:7b
  # Sizes differ by design.
  farm:apiMinCount: 0
  farm:dbTier: m0
  farm:openaiApiKey:
    secure: v1:Y2lwaGVyLWRldi0wMTIzNDU2Nzg5YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXo=
"""

PROD = """\
# Stack "prod": highly available, GPU Ollama.
# Do not edit the pins by hand: promote them.
encryptionsalt: v1:cHJvZHNhbHQ=:v1:cXV4:cXV1eA==
config:
  aws:region: eu-west-1
  farm:appPath: examples/farm-chat
  farm:domain: chat.example.com
  farm:certificateArn: arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c-aaaa-bbbb-cccc-000000000000

  # Release pins
  farm:apiImage: ecr.example.com/api@sha256:0a1b2c3000000000000000000000000000000000000000000000000000000000   # the image running in prod
  farm:webVersion: "1.4.2"
  farm:models:
    - llama3.1:8b
  # Everything below differs from dev by design.
  farm:apiMinCount: 2
  farm:dbTier: dedicated
  farm:openaiApiKey:
    secure: v1:cHJvZC1jaXBoZXJ0ZXh0LTk4NzY1NDMyMTBaWVhXVlVUU1JRUE9OTUxLSklIR0ZFRENCQQ==
  farm:huggingfaceToken:
    secure: v1:YXRsYXMtcHJpdmF0ZS1rZXktY2lwaGVydGV4dC0xMjM0NTY3ODkw
  # farm:alarmEmail: ops@example.com
"""

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test",
    "GIT_AUTHOR_EMAIL": "test@example.com",
    "GIT_COMMITTER_NAME": "Test",
    "GIT_COMMITTER_EMAIL": "test@example.com",
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(repo: Path, *args: str) -> str:
    proc = subprocess.run(
        ["git", "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main", *args],
        cwd=repo,
        env={**os.environ, **GIT_ENV},
        capture_output=True,
        text=True,
        check=True,
    )
    return proc.stdout.strip()


def commit_all(repo: Path, message: str) -> str:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project folder (not a git repository) with dev and prod stack files."""
    (tmp_path / "Pulumi.yaml").write_text("name: farm-deploy\nruntime: python\n", encoding="utf-8")
    (tmp_path / "Pulumi.dev.yaml").write_text(DEV, encoding="utf-8")
    (tmp_path / "Pulumi.prod.yaml").write_text(PROD, encoding="utf-8")
    return tmp_path


@pytest.fixture
def repo(project: Path) -> Path:
    """The same project, committed to a fresh git repository."""
    git(project, "init", "-q")
    commit_all(project, "stacks")
    return project
