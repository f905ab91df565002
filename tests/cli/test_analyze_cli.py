"""`farm-deploy analyze`, `env` and `ai` through `farm_deploy.cli.main`: the JSON
contract, stack-file overrides, and bad input ending in one message, exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from farm_deploy.cli import main
from tests.analysis.factories import farm_chat
from tests.cli.contracts import assert_document


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A real folder; the scan result is the hand-built farm-chat analysis, so these
    tests pin the command's wiring, not the scanner (which has its own tests)."""
    folder = tmp_path / "app"
    folder.mkdir()
    (folder / "main.py").write_text("from fastapi import FastAPI\napp = FastAPI()\n")
    analysis = farm_chat()
    monkeypatch.setattr(
        "analysis.load.analyze_app", lambda path, **_: analysis.model_copy(update={"app_path": str(path)})
    )
    return folder


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "stacks"
    folder.mkdir()
    return folder


def run_json(capsys, *argv: str) -> dict:
    assert main(list(argv)) == 0
    return json.loads(capsys.readouterr().out)


def fail(capsys, *argv: str) -> str:
    code = main(list(argv))
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err
    assert err.startswith("error: ")
    return err


def stack(config_dir: Path, stage: str, body: str) -> Path:
    path = config_dir / f"Pulumi.{stage}.yaml"
    path.write_text(body)
    return path


# --------------------------------------------------------------------------- JSON contract


def test_json_contract(capsys, app, config_dir):
    doc = run_json(capsys, "analyze", str(app), "--json", "--project-dir", str(config_dir))
    assert_document("farm-deploy analyze --json", doc)
    assert doc["schema_version"] == 2
    assert doc["app"] == str(app)
    assert doc["farm_config"] == "farm.config.ts"
    assert set(doc["recommendation"]) >= {"platform", "confidence", "reasoning", "alternatives"}
    assert doc["recommendation"]["platform"] == "aws"
    assert [a["platform"] for a in doc["recommendation"]["alternatives"]] == [
        "railway",
        "docker",
        "aws-serverless",
        "vercel",
    ]
    assert list(doc["stages"]) == ["dev", "staging", "prod"]
    assert {s: p["components"]["ai"] for s, p in doc["stages"].items()} == {
        "dev": "ollama-gpu",
        "staging": "openai",
        "prod": "ollama-gpu",
    }
    for stage, cost in doc["cost"].items():
        assert cost["currency"] == "USD" and cost["region"] == "us-east-1"
        assert cost["total"] == pytest.approx(sum(i["monthly"] for i in cost["items"]), abs=0.01)
        assert cost == doc["stages"][stage]["cost"]
        assert all({"quantity", "unit", "unit_price", "monthly", "source"} <= set(i) for i in cost["items"])
    assert doc["requirements"]["has_realtime"] is True


def test_stage_flag_restricts_stages(capsys, app, config_dir):
    doc = run_json(capsys, "analyze", str(app), "--json", "--stage", "prod", "--project-dir", str(config_dir))
    assert list(doc["stages"]) == ["prod"] and list(doc["cost"]) == ["prod"]


def test_stack_file_overrides_are_honoured(capsys, app, config_dir):
    stack(
        config_dir,
        "dev",
        "config:\n  aws:region: us-east-1\n  farm:dbTier: flex\n  farm:monitoring: full\n"
        "  farm:apiMinCount: 2\n  farm:openaiApiKey:\n    secure: AAABAxyz\n",
    )
    doc = run_json(capsys, "analyze", str(app), "--json", "--project-dir", str(config_dir))
    dev = doc["stages"]["dev"]
    assert (dev["components"]["db"], dev["components"]["monitoring"], dev["api"]["min_count"]) == ("flex", "full", 2)
    assert doc["stages"]["staging"]["components"]["db"] == "flex"  # no Pulumi.staging.yaml: defaults
    assert doc["stages"]["prod"]["components"]["db"] == "dedicated"


def test_acknowledged_conflict_from_the_stack_file(capsys, app, config_dir):
    stack(config_dir, "dev", "config:\n  farm:api: lambda\n  farm:acknowledge:\n    - lambda-websockets\n")
    doc = run_json(capsys, "analyze", str(app), "--json", "--stage", "dev", "--project-dir", str(config_dir))
    assert doc["stages"]["dev"]["components"]["api"] == "lambda"
    assert doc["stages"]["dev"]["acknowledged"] == ["lambda-websockets"]


def test_human_report_is_short(capsys, app, config_dir):
    assert main(["analyze", str(app), "--project-dir", str(config_dir)]) == 0
    out = capsys.readouterr().out
    assert "recommended: aws" in out
    for stage in ("dev", "staging", "prod"):
        assert stage in out
    assert "ollama-gpu" in out and "gpt-5-mini" in out
    assert len(out.splitlines()) < 40


# --------------------------------------------------------------------------- bad input


def test_missing_app_path(capsys, tmp_path):
    err = fail(capsys, "analyze", str(tmp_path / "nope"))
    assert "does not exist" in err and "nope" in err
    assert len(err.strip().splitlines()) <= 3


def test_file_instead_of_folder(capsys, tmp_path):
    f = tmp_path / "main.py"
    f.write_text("x = 1\n")
    assert "is a file, not a folder" in fail(capsys, "analyze", str(f))


def test_unknown_platform_in_stack_file(capsys, app, config_dir):
    path = stack(config_dir, "staging", "config:\n  farm:platform: heroku\n")
    err = fail(capsys, "analyze", str(app), "--project-dir", str(config_dir))
    assert f"{path}, key 'farm:platform'" in err
    assert "valid: aws, aws-serverless, vercel, railway, docker" in err


def test_contradictory_overrides(capsys, app, config_dir):
    stack(config_dir, "prod", "config:\n  farm:platform: vercel\n  farm:api: ecs\n")
    err = fail(capsys, "analyze", str(app), "--project-dir", str(config_dir))
    assert "contradicts platform 'vercel'" in err and "farm:api" in err


def test_unacknowledged_conflict(capsys, app, config_dir):
    stack(config_dir, "dev", "config:\n  farm:api: lambda\n")
    err = fail(capsys, "analyze", str(app), "--project-dir", str(config_dir))
    assert "conflict lambda-websockets" in err and "farm:acknowledge" in err


def test_malformed_stack_file_names_the_line(capsys, app, config_dir):
    path = stack(config_dir, "dev", "config:\n  farm:dbTier: [flex\n  farm:x: 1\n")
    err = fail(capsys, "analyze", str(app), "--project-dir", str(config_dir))
    assert str(path) in err and "malformed YAML" in err
    assert f"{path}:" in err


def test_unknown_stack_key_and_unknown_stage(capsys, app, config_dir):
    stack(config_dir, "dev", "config:\n  farm:dbtier: flex\n")
    assert "key 'farm:dbtier'" in fail(capsys, "analyze", str(app), "--project-dir", str(config_dir))
    err = fail(capsys, "analyze", str(app), "--stage", "qa")
    assert "valid: dev, staging, prod" in err


def test_missing_project_dir(capsys, app, tmp_path):
    err = fail(capsys, "analyze", str(app), "--project-dir", str(tmp_path / "none"))
    assert "option --project-dir: project folder does not exist" in err


def test_old_config_dir_spelling_still_works_with_a_warning(capsys, app, config_dir):
    assert main(["analyze", str(app), "--json", "--config-dir", str(config_dir)]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["schema_version"] == 2
    assert captured.err == "warning: --config-dir is deprecated, use --project-dir\n"


# --------------------------------------------------------------------------- env and ai


def test_env_list_json(capsys, app, config_dir):
    doc = run_json(
        capsys, "env", "list", "--stack", "staging", "--app", str(app), "--project-dir", str(config_dir), "--json"
    )
    assert_document("farm-deploy env list --json", doc)
    assert (doc["stack"], doc["stage"], doc["platform"]) == ("staging", "staging", "aws")
    by_name = {v["name"]: v for v in doc["variables"]}
    assert by_name["OPENAI_API_KEY"] == {
        "name": "OPENAI_API_KEY",
        "target": "api",
        "secret": True,
        "value": None,
        "source": "config:farm:openaiApiKey",
        "rule": {"required": True, "type": "string", "pattern": "^sk-", "choices": None},
    }
    assert "OLLAMA_URL" not in by_name


def test_env_validate_reports_and_exits_1(capsys, app, config_dir, tmp_path):
    env = tmp_path / ".env"
    env.write_text("# staging\nexport AI_MAX_TOKENS=lots\nOPENAI_API_KEY='sk-abc'\n")
    code = main(
        [
            "env",
            "validate",
            "--stack",
            "staging",
            "--app",
            str(app),
            "--project-dir",
            str(config_dir),
            "--env-file",
            str(env),
        ]
    )
    out = capsys.readouterr().out
    assert code == 1
    assert "error: AI_MAX_TOKENS is not an integer: 'lots'" in out
    assert "sk-abc" not in out
    env.write_text("OPENAI_API_KEY=sk-abc\n")
    doc = run_json(
        capsys, "env", "validate", "--stack", "staging", "--app", str(app), "--project-dir", str(config_dir),
        "--env-file", str(env), "--json",
    )  # fmt: skip
    assert_document("farm-deploy env validate --json", doc)
    assert (doc["valid"], doc["errors"], doc["stage"], doc["file"]) == (True, [], "staging", str(env))


def test_env_bad_input(capsys, app, config_dir, tmp_path):
    env = tmp_path / "bad.env"
    env.write_text("GOOD=1\nthis is not a pair\n")
    err = fail(
        capsys,
        "env",
        "validate",
        "--stack",
        "dev",
        "--app",
        str(app),
        "--project-dir",
        str(config_dir),
        "--env-file",
        str(env),
    )
    assert f"{env}:2" in err
    env.write_bytes(b"KEY=\xff\xfe\n")
    assert "not UTF-8" in fail(capsys, "env", "validate", "--stack", "dev", "--app", str(app), "--env-file", str(env))
    with pytest.raises(SystemExit) as exit_info:  # argparse: a required option of `env validate`
        main(["env", "validate", "--stack", "dev", "--app", str(app)])
    assert exit_info.value.code == 2
    assert "the following arguments are required: --env-file" in capsys.readouterr().err


def test_ai_commands(capsys, app, config_dir):
    doc = run_json(capsys, "ai", "analyze", str(app), "--project-dir", str(config_dir), "--json")
    assert_document("farm-deploy ai analyze --json", doc)
    assert doc["routing"] == {"development": "ollama", "staging": "openai", "production": "ollama"}
    assert doc["stages"]["prod"]["gpu_instance_type"] == "g5.xlarge"
    assert doc["stages"]["prod"]["cost"]["total"] > doc["stages"]["staging"]["cost"]["total"] > 0
    doc = run_json(
        capsys,
        "ai",
        "migrate",
        str(app),
        "--to",
        "openai",
        "--platform",
        "vercel",
        "--project-dir",
        str(config_dir),
        "--json",
    )
    assert (doc["source_provider"], doc["provider"], doc["platform"]) == ("ollama", "openai", "vercel")
    assert_document("farm-deploy ai migrate --json", doc)
    doc = run_json(capsys, "ai", "optimize", str(app), "--stage", "dev", "--project-dir", str(config_dir), "--json")
    assert_document("farm-deploy ai optimize --json", doc)
    assert doc["stages"]["dev"]["models"][0]["name"] == "llama3.1:8b"
    assert {m["name"] for m in doc["table"]} >= {"gpt-5-mini", "llama3.2:3b"}
    assert "valid: ollama, openai, huggingface" in fail(capsys, "ai", "migrate", str(app), "--to", "claude")
    assert "unknown platform" in fail(capsys, "ai", "migrate", str(app), "--to", "openai", "--platform", "fly")


@pytest.mark.parametrize("command", ["analyze", "env", "ai"])
def test_help(capsys, command):
    with pytest.raises(SystemExit) as exit_:
        main([command, "--help"])
    assert exit_.value.code == 0
    assert "usage: farm-deploy " + command in capsys.readouterr().out


# --------------------------------------------------------------------------- end to end, real scan


def test_example_app_end_to_end(capsys, example_app, config_dir):
    doc = run_json(capsys, "analyze", str(example_app), "--json", "--project-dir", str(config_dir))
    assert doc["farm_config"].endswith("farm.config.ts")
    assert doc["findings"] and all({"file", "line"} <= set(f) for f in doc["findings"])
    assert doc["recommendation"]["platform"] == "aws"
    assert any("apps/api/src/routes/chat.py" in r for r in doc["recommendation"]["reasoning"])
    comps = {s: p["components"] for s, p in doc["stages"].items()}
    assert {s: (c["api"], c["ai"], c["db"], c["monitoring"]) for s, c in comps.items()} == {
        "dev": ("ecs", "ollama-gpu", "m0", "basic"),
        "staging": ("ecs", "openai", "flex", "standard"),
        "prod": ("ecs", "ollama-gpu", "dedicated", "full"),
    }
    prod = doc["stages"]["prod"]
    assert (prod["api"]["min_count"], prod["network"]["nat_per_az"], prod["protect_stateful"]) == (2, True, True)
    assert doc["stages"]["dev"]["ai"]["min_instances"] == 0


def test_websocket_repo_is_never_sent_to_serverless(capsys, tmp_path, config_dir):
    repo = tmp_path / "ws"
    (repo / "backend").mkdir(parents=True)
    (repo / "backend" / "requirements.txt").write_text("fastapi\nuvicorn\n")
    (repo / "backend" / "main.py").write_text(
        "from fastapi import FastAPI, WebSocket\napp = FastAPI()\n\n"
        "@app.websocket('/ws')\nasync def ws(socket: WebSocket):\n    await socket.accept()\n"
    )
    doc = run_json(capsys, "analyze", str(repo), "--json", "--project-dir", str(config_dir))
    assert doc["requirements"]["has_realtime"] is True
    assert doc["recommendation"]["platform"] not in ("vercel", "aws-serverless")
    scores = {s["platform"]: s for s in doc["recommendation"]["scores"]}
    assert scores["vercel"]["valid"] is False and scores["aws-serverless"]["valid"] is False
    assert any("backend/main.py:4" in i for i in scores["vercel"]["issues"])


def test_ai_migrate_does_not_plan_stages(capsys, app, config_dir):
    stack(config_dir, "dev", "config:\n  farm:api: lambda\n")  # would stop analyze with lambda-websockets
    doc = run_json(capsys, "ai", "migrate", str(app), "--to", "huggingface", "--project-dir", str(config_dir), "--json")
    assert (doc["provider"], doc["platform"]) == ("huggingface", "aws")
    assert "pulumi config set --secret farm:huggingfaceToken <value>" in doc["actions"]


def test_unreadable_stack_files(capsys, app, config_dir):
    path = config_dir / "Pulumi.dev.yaml"
    path.write_bytes(b"config:\n  farm:dbTier: \xff\xfe\n")
    err = fail(capsys, "analyze", str(app), "--project-dir", str(config_dir))
    assert str(path) in err and "not UTF-8 text" in err
    path.write_text("- just\n- a list\n")
    err = fail(capsys, "analyze", str(app), "--project-dir", str(config_dir))
    assert "key 'config'" in err
