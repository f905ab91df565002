"""lambda_package: what the package hash depends on, the pip command, the build, the handler."""

from __future__ import annotations

import importlib
import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest

from analysis.errors import UserError
from components.lambda_package import (
    HANDLER_MODULE,
    MANGUM_REQUIREMENT,
    MARKER,
    build,
    build_dir,
    handler_source,
    is_built,
    package_spec,
    pip_command,
    read_requirements,
)

APP = """\
from fastapi import FastAPI

app = FastAPI()


@app.get("/api/health")
def health() -> dict:
    return {"status": "ok"}
"""


def make_app(root: Path, module: str = "main") -> Path:
    app = root / "api"
    app.mkdir(parents=True)
    (app / "requirements.txt").write_text("fastapi==0.163.2  # web\n# a comment\n\npydantic>=2\n")
    (app / f"{module}.py").write_text(APP)
    (app / "routes").mkdir()
    (app / "routes" / "__init__.py").write_text("")
    return app


def spec_of(app: Path, **kw: Any):
    args = {"entrypoint": "main:app", "python_version": "3.13", "architecture": "arm64"} | kw
    return package_spec(app, args["entrypoint"], args["python_version"], args["architecture"])


class FakePip:
    """Stands in for `subprocess.run` of pip: records the command, installs one file into --target."""

    def __init__(self, returncode: int = 0, stderr: str = "") -> None:
        self.calls: list[list[str]] = []
        self.returncode = returncode
        self.stderr = stderr

    def __call__(self, command: list[str], **kwargs: Any) -> Any:
        self.calls.append(command)
        target = Path(command[command.index("--target") + 1])
        (target / "installed_dep").mkdir(parents=True, exist_ok=True)
        (target / "installed_dep" / "__init__.py").write_text("")
        (target / "bin").mkdir(exist_ok=True)
        (target / "bin" / "uvicorn").write_text("#!/build/host/python\n")

        class Result:
            returncode = self.returncode
            stdout = ""
            stderr = self.stderr

        return Result()


# ------------------------------------------------------------------ hashing


def test_hash_is_stable_for_the_same_inputs(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    assert spec_of(app).input_hash == spec_of(app).input_hash


@pytest.mark.parametrize(
    "change",
    [
        lambda app: (app / "requirements.txt").write_text("fastapi==0.163.1\npydantic>=2\n"),
        lambda app: (app / "main.py").write_text(APP + "\n# edited\n"),
        lambda app: (app / "routes" / "chat.py").write_text("x = 1\n"),
    ],
    ids=["dependency", "source", "new-module"],
)
def test_hash_changes_with_an_input_file(tmp_path: Path, change: Any) -> None:
    app = make_app(tmp_path)
    before = spec_of(app).input_hash
    change(app)
    assert spec_of(app).input_hash != before


@pytest.mark.parametrize(
    "kw", [{"python_version": "3.12"}, {"architecture": "x86_64"}, {"entrypoint": "main:application"}]
)
def test_hash_changes_with_runtime_settings(tmp_path: Path, kw: dict[str, str]) -> None:
    app = make_app(tmp_path)
    assert spec_of(app, **kw).input_hash != spec_of(app).input_hash


def test_hash_ignores_files_outside_the_app_and_excluded_ones(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    before = spec_of(app)
    (tmp_path / "README.md").write_text("unrelated")
    (tmp_path / "web").mkdir()
    (tmp_path / "web" / "package.json").write_text("{}")
    (app / ".env").write_text("OPENAI_API_KEY=sk-live")
    (app / "__pycache__").mkdir()
    (app / "__pycache__" / "main.cpython-313.pyc").write_bytes(b"\x00")
    (app / "tests").mkdir()
    (app / "tests" / "test_main.py").write_text("def test(): pass\n")
    (app / ".venv" / "lib").mkdir(parents=True)
    (app / ".venv" / "lib" / "x.py").write_text("")

    after = spec_of(app)

    assert after.input_hash == before.input_hash
    assert [f for f, _ in after.files] == ["main.py", "requirements.txt", "routes/__init__.py"]


# ------------------------------------------------------------------ requirements


def test_requirements_from_requirements_txt(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    assert read_requirements(app) == ("fastapi==0.163.2", "pydantic>=2", MANGUM_REQUIREMENT)


def test_an_app_that_lists_mangum_keeps_its_own_pin(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    (app / "requirements.txt").write_text("fastapi\nMangum==0.19.0\n")
    assert read_requirements(app) == ("fastapi", "Mangum==0.19.0")


def test_requirements_from_pyproject(tmp_path: Path) -> None:
    app = tmp_path / "api"
    app.mkdir()
    (app / "pyproject.toml").write_text('[project]\nname = "x"\ndependencies = ["fastapi>=0.110", "motor"]\n')
    assert read_requirements(app) == ("fastapi>=0.110", "motor", MANGUM_REQUIREMENT)


def test_broken_pyproject_names_the_file(tmp_path: Path) -> None:
    app = tmp_path / "api"
    app.mkdir()
    (app / "pyproject.toml").write_text("[project\n")
    with pytest.raises(UserError) as err:
        read_requirements(app)
    assert err.value.file == str(app / "pyproject.toml")


# ------------------------------------------------------------------ pip


@pytest.mark.parametrize(
    ("arch", "tags"),
    [
        ("arm64", ["manylinux2014_aarch64", "manylinux_2_28_aarch64"]),
        ("x86_64", ["manylinux2014_x86_64", "manylinux_2_28_x86_64"]),
    ],
)
def test_pip_command_targets_the_function_not_the_host(tmp_path: Path, arch: str, tags: list[str]) -> None:
    app = make_app(tmp_path)
    spec = spec_of(app, architecture=arch, python_version="3.12")
    command = pip_command(spec, "/out", "/reqs.txt", python="/py")
    assert command == [
        "/py", "-m", "pip", "install", "--target", "/out",
        "--platform", tags[0], "--platform", tags[1],
        "--implementation", "cp", "--python-version", "3.12",
        "--only-binary=:all:", "--no-compile", "--disable-pip-version-check", "--no-input",
        "-r", "/reqs.txt",
    ]  # fmt: skip


# ------------------------------------------------------------------ build


def test_build_installs_copies_and_is_reused(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    (app / ".env").write_text("SECRET=1")
    spec = spec_of(app)
    pip = FakePip()
    root = tmp_path / "build"

    assert not is_built(spec, root)
    out = build(spec, root, runner=pip)

    assert out == build_dir(spec, root) == (root / spec.input_hash).resolve()
    assert is_built(spec, root)
    assert len(pip.calls) == 1
    assert pip.calls[0][-1] == str(root.resolve() / f"{spec.input_hash}.requirements.txt")
    assert (root / f"{spec.input_hash}.requirements.txt").read_text().splitlines() == list(spec.requirements)
    packaged = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert packaged == sorted(
        [
            MARKER,
            f"{HANDLER_MODULE}.py",
            "installed_dep/__init__.py",
            "main.py",
            "requirements.txt",
            "routes/__init__.py",
        ]
    )
    assert json.loads((out / MARKER).read_text())["input_hash"] == spec.input_hash

    # same inputs: no second pip run
    assert build(spec, root, runner=pip) == out
    assert len(pip.calls) == 1

    # a source change builds a new folder
    (app / "main.py").write_text(APP + "# v2\n")
    out2 = build(spec_of(app), root, runner=pip)
    assert out2 != out
    assert len(pip.calls) == 2
    assert "# v2" in (out2 / "main.py").read_text()


def test_pip_failure_is_a_user_error_and_leaves_no_package(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    spec = spec_of(app)
    root = tmp_path / "build"
    with pytest.raises(UserError) as err:
        build(spec, root, runner=FakePip(returncode=1, stderr="No matching distribution found for psycopg2"))
    assert "psycopg2" in str(err.value.value)
    assert "manylinux" in (err.value.hint or "")
    assert not is_built(spec, root)
    assert not any(p.name.startswith(spec.input_hash + ".tmp") for p in root.iterdir())


@pytest.mark.parametrize("bad", ["main", "main:", ":app", "main:app:x", "ma in:app", "main;rm -rf /:app"])
def test_entrypoint_must_be_module_colon_attr(tmp_path: Path, bad: str) -> None:
    app = make_app(tmp_path)
    with pytest.raises(UserError) as err:
        spec_of(app, entrypoint=bad)
    assert err.value.key == "api.entrypoint"


def test_missing_app_folder_and_unknown_architecture(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="does not exist"):
        spec_of(tmp_path / "nope")
    app = make_app(tmp_path)
    with pytest.raises(UserError) as err:
        spec_of(app, architecture="arm")
    assert err.value.valid == ["arm64", "x86_64"]


# ------------------------------------------------------------------ the generated handler


def url_event(path: str) -> dict[str, Any]:
    """An AWS Lambda function URL event (payload format 2.0)."""
    host = "abc.lambda-url.us-east-1.on.aws"
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": "",
        "headers": {"host": host, "accept": "application/json"},
        "requestContext": {
            "accountId": "anonymous",
            "apiId": "abc",
            "domainName": host,
            "domainPrefix": "abc",
            "http": {
                "method": "GET",
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "203.0.113.1",
                "userAgent": "t",
            },
            "requestId": "r1",
            "routeKey": "$default",
            "stage": "$default",
            "time": "25/Nov/2026:17:00:00 +0000",
            "timeEpoch": 1795539600000,
        },
        "isBase64Encoded": False,
    }


@pytest.fixture
def import_package(monkeypatch: pytest.MonkeyPatch):
    """Import the generated handler from a package folder, as Lambda would."""
    imported: list[str] = []

    def load(folder: Path, *modules: str):
        monkeypatch.syspath_prepend(str(folder))
        for name in (HANDLER_MODULE, *modules):
            sys.modules.pop(name, None)
            imported.append(name)
        return importlib.import_module(HANDLER_MODULE)

    yield load
    for name in imported:
        sys.modules.pop(name, None)


def test_generated_handler_serves_the_fastapi_app(tmp_path: Path, import_package) -> None:
    app = make_app(tmp_path, module="farm_pkg_app")
    spec = spec_of(app, entrypoint="farm_pkg_app:app")
    out = build(spec, tmp_path / "build", runner=FakePip())

    handler = import_package(out, "farm_pkg_app").handler
    response = handler(url_event("/api/health"), None)

    assert response["statusCode"] == 200
    assert json.loads(response["body"]) == {"status": "ok"}
    assert handler(url_event("/api/nope"), None)["statusCode"] == 404


def test_generated_handler_reads_secrets_from_secrets_manager(
    tmp_path: Path, import_package, monkeypatch: pytest.MonkeyPatch
) -> None:
    from moto import mock_aws

    app = make_app(tmp_path, module="farm_pkg_secret_app")
    (app / "farm_pkg_secret_app.py").write_text(APP + "import os\nKEY = os.environ['OPENAI_API_KEY']\n")
    out = build(spec_of(app, entrypoint="farm_pkg_secret_app:app"), tmp_path / "build", runner=FakePip())
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)

    try:
        with mock_aws():
            import boto3

            arn = boto3.client("secretsmanager").create_secret(Name="openai", SecretString="sk-test-123")["ARN"]
            monkeypatch.setenv("OPENAI_API_KEY_SECRET_ARN", arn)
            import_package(out, "farm_pkg_secret_app")

        assert sys.modules["farm_pkg_secret_app"].KEY == "sk-test-123"
    finally:
        os.environ.pop("OPENAI_API_KEY", None)  # set by the handler itself, not by monkeypatch


def test_handler_source_imports_the_entrypoint() -> None:
    source = handler_source("src.api.main:application")
    assert "importlib.import_module('src.api.main')" in source
    assert ", 'application')" in source
    compile(source, HANDLER_MODULE, "exec")
