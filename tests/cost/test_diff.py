"""`cost diff` on a real git repository built in tmp_path: three commits of this project, real offline plans."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from farm_deploy.cli import main
from farm_deploy.cost_diff import COMMENT_LIMIT, MARKER, comment, markdown

ROOT = Path(__file__).resolve().parents[2]


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout


def commit(repo: Path, message: str) -> None:
    git(repo, "add", "-A")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", message)


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """c1: the project as shipped; c2: dev's API resized; working tree: staging gets a GPU, a new stack qa."""
    repo = tmp_path_factory.mktemp("repo")
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, check=True, capture_output=True).stdout
    for name in filter(None, files.decode().split("\0")):
        src = ROOT / name
        if src.is_file():
            (repo / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, repo / name)
    git(repo, "init", "-q")
    commit(repo, "as shipped")
    dev = repo / "Pulumi.dev.yaml"
    text = dev.read_text()
    text = text.replace("  # farm:apiCpu: 512               # ECS CPU units", "  farm:apiCpu: 1024")
    text = text.replace("  # farm:apiMemory: 1024           # MiB", "  farm:apiMemory: 2048")
    assert "farm:apiCpu: 1024" in text and "farm:apiMemory: 2048" in text
    dev.write_text(text)
    commit(repo, "dev: a bigger API task")
    staging = repo / "Pulumi.staging.yaml"
    text = staging.read_text().replace(
        "  # farm:ai: ollama-gpu            # ollama-gpu | ollama-cpu | openai | huggingface | none",
        "  farm:ai: ollama-gpu",
    )
    assert "\n  farm:ai: ollama-gpu\n" in text
    staging.write_text(text)
    (repo / "Pulumi.qa.yaml").write_text(
        "config:\n  farm:appPath: examples/farm-chat\n  farm:stage: dev\n"
        '  farm:atlasOrgId: "000000000000000000000000"\n'
    )
    return repo


def diff(repo: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict | str]:
    code = main(["cost", "diff", "--project-dir", str(repo), *args])
    out, err = capsys.readouterr()
    return code, (json.loads(out) if code == 0 and "--json" in args else err or out)


def test_resizing_the_api_shows_the_exact_change(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, doc = diff(repo, capsys, "--stack", "dev", "--base", "HEAD~1", "--json")
    assert code == 0 and doc["schema_version"] == 1 and doc["status"] == "changed"
    # 0.25 -> 1 vCPU: 0.75 x 730 h x 0.04048 = 22.16; 0.5 -> 2 GB: 1.5 x 730 h x 0.004445 = 4.87
    assert doc["change"] == {"idle": 27.03, "typical": 27.03}
    assert [(c["component"], c["idle_change"], c["typical_change"]) for c in doc["components"]] == [
        ("api", 27.03, 27.03)
    ]
    rows = {r["price_key"]: r for r in doc["items"]}
    assert set(rows) == {"fargate.vcpu_hour", "fargate.gb_hour"}
    assert rows["fargate.vcpu_hour"]["reason"] == "resized"
    assert rows["fargate.vcpu_hour"]["typical_change"] == 22.16
    assert (rows["fargate.vcpu_hour"]["base"]["quantity"], rows["fargate.vcpu_hour"]["head"]["quantity"]) == (
        182.5,
        730,
    )
    assert rows["fargate.gb_hour"]["typical_change"] == 4.87
    assert doc["base_cost"]["typical"] == 58.47 and doc["head_cost"]["typical"] == 85.5


def test_adding_a_gpu_shows_the_exact_change(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, doc = diff(repo, capsys, "--stack", "staging", "--base", "HEAD", "--json")
    assert code == 0
    rows = {(r["resource"], r["price_key"]): r for r in doc["items"]}
    host = rows[("farm-staging-ollama-asg", "ec2.g5.xlarge")]
    assert host["reason"] == "added" and host["typical_change"] == host["idle_change"] == 734.38  # 1.006 x 730
    assert rows[("farm-staging-ollama-lt", "ebs.gp3_gb_month")]["typical_change"] == 4.8  # 60 GB x 0.08
    assert rows[("farm-staging-ollama-models", "efs.standard_gb_month")]["typical_change"] == 3.0  # 10 GB x 0.30
    assert doc["change"] == {"idle": 742.08, "typical": 742.08}  # log groups share the logs: rounding
    ollama = next(c for c in doc["components"] if c["component"] == "ollama")
    assert ollama["typical_change"] == 742.84  # its log group takes a share of the logs (WAF request logs included)


def test_a_stack_new_since_the_base_is_priced_as_added(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, doc = diff(repo, capsys, "--stack", "qa", "--base", "HEAD", "--json")
    assert code == 0 and doc["status"] == "new-stack" and doc["base_cost"] is None
    assert {r["reason"] for r in doc["items"]} == {"added"}
    assert (
        doc["change"]["typical"] == doc["head_cost"]["typical"] > 50
    )  # dev-sized: the GPU scaled to zero, priced for its typical hours
    assert any("does not exist at HEAD" in w for w in doc["warnings"])
    section = markdown(doc)
    assert section.startswith("#### `qa` (dev, us-east-1)") and "new stack" in section


def test_a_base_ref_that_does_not_exist(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = diff(repo, capsys, "--stack", "dev", "--base", "no-such-branch", "--json")
    assert code == 2
    assert "base ref does not exist" in err and "no-such-branch" in err and "Traceback" not in err
    assert git(repo, "worktree", "list").count("\n") == 1  # nothing left behind


def test_comment_stays_under_githubs_limit(tmp_path: Path) -> None:
    doc = {
        "stack": "s",
        "stage": "dev",
        "region": "us-east-1",
        "status": "changed",
        "base_cost": {"idle": 1.0, "typical": 2.0},
        "head_cost": {"idle": 3.0, "typical": 4.0},
        "change": {"idle": 2.0, "typical": 2.0},
        "components": [],
        "items": [{"component": "api", "item": "x" * 300, "reason": "added", "idle_change": 1.0, "typical_change": 1.0}]
        * 40,
        "warnings": [],
    }
    sections = [markdown({**doc, "stack": f"s{i}"}) for i in range(20)]
    text = comment(sections, ["prod"])
    assert text.startswith(MARKER) and len(text) < COMMENT_LIMIT
    assert "left out to stay under GitHub's comment limit" in text
    assert "No cost change: `prod`." in text
