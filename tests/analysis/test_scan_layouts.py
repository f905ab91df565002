"""The scan over fixture repositories of different layouts, and over messy and bad input.

Each layout asserts the exact API/web/database facts, the requirement flags and
every finding (kind, file, line). The repositories live in `repos.py`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from analysis.errors import UserError
from analysis.load import analyze_app
from analysis.scan import MAX_FILE_BYTES

from . import repos

LAYOUTS = [
    pytest.param(
        repos.FARM_MONOREPO,
        {
            "api": {
                "root": "apps/api",
                "entrypoint": "src.main:app",
                "python_version": "3.11",
                "dependency_files": ["apps/api/pyproject.toml"],
                "dependencies": ["fastapi", "motor", "beanie", "python-multipart"],
                "dockerfile": None,
                "port": 8000,
                "health_path": "/api/health",
                "factory": False,
                "required_env": ["DATABASE_URL"],
            },
            "web": {
                "root": "apps/web",
                "framework": "vite",
                "build_command": "pnpm run build",
                "output_dir": "build/client",
                "package_manager": "pnpm",
                "api_url_env": "VITE_BACKEND_URL",
            },
            "database": {"drivers": ["motor", "beanie"], "uri_env": "DATABASE_URL", "database_name": "shop"},
            "flags": {
                "has_ai": True,
                "ai_providers": ["ollama"],
                "unsupported_ai_providers": [],
                "has_realtime": False,
                "has_database": True,
                "has_file_storage": False,
                "writes_local_disk": False,
                "global_cdn": True,
            },
            "findings": [
                ("ai-provider", "farm.config.ts", 9),
                ("build-config", "apps/web/vite.config.ts", 1),
                ("database-config", "farm.config.ts", 6),
                ("dependency-file", "apps/api/pyproject.toml", 1),
                ("fastapi-app", "apps/api/src/main.py", 5),
                ("feature", "farm.config.ts", 5),
                ("feature", "farm.config.ts", 5),
                ("frontend", "apps/web/package.json", 5),
                ("frontend-env", "apps/web/src/main.tsx", 1),
                ("health-route", "apps/api/src/routes/health.py", 6),
                ("localhost-url", "farm.config.ts", 6),
                ("localhost-url", "farm.config.ts", 9),
                ("mongodb-driver", "apps/api/src/routes/items.py", 3),
                ("mongodb-driver", "apps/api/src/routes/items.py", 5),
                ("mongodb-uri-env", "apps/api/src/routes/items.py", 8),
                ("python-version", "apps/api/pyproject.toml", 1),
                ("required-env", "apps/api/src/routes/items.py", 8),
                ("static-assets", "apps/web/public", None),
            ],
        },
        id="farm-monorepo",
    ),
    pytest.param(
        repos.BACKEND_FRONTEND,
        {
            "api": {
                "root": "backend",
                "entrypoint": "app.main:app",
                "python_version": "3.12",
                "dependency_files": ["backend/requirements.txt", "backend/requirements-dev.txt"],
                "dependencies": ["fastapi", "pymongo"],
                "dockerfile": None,
                "port": 8000,
                "health_path": "/healthz",
                "factory": False,
                "required_env": [],
            },
            "web": {
                "root": "frontend",
                "framework": "cra",
                "build_command": "yarn build",
                "output_dir": "build",
                "package_manager": "yarn",
                "api_url_env": "REACT_APP_API_URL",
            },
            "database": {"drivers": ["pymongo"], "uri_env": "MONGO_URI", "database_name": "app"},
            "flags": {
                "has_ai": False,
                "ai_providers": [],
                "unsupported_ai_providers": [],
                "has_realtime": False,
                "has_database": True,
                "has_file_storage": True,
                "writes_local_disk": True,
                "global_cdn": True,
            },
            "findings": [
                ("dependency-file", "backend/requirements-dev.txt", 1),
                ("dependency-file", "backend/requirements.txt", 1),
                ("fastapi-app", "backend/app/main.py", 5),
                ("file-upload", "backend/app/main.py", 14),
                ("frontend", "frontend/package.json", 3),
                ("frontend-env", "frontend/src/api.js", 1),
                ("health-route", "backend/app/main.py", 8),
                ("local-disk-write", "backend/app/main.py", 15),
                ("localhost-url", "backend/app/core/config.py", 5),
                ("localhost-url", "frontend/src/App.js", 1),
                ("localhost-url", "frontend/src/api.js", 1),
                ("missing-include", "backend/requirements.txt", None),
                ("mongodb-driver", "backend/app/core/db.py", 1),
                ("mongodb-uri-env", "backend/app/core/config.py", 5),
                ("mongodb-uri-env", "backend/app/core/db.py", 4),
                ("static-assets", "frontend/public", None),
            ],
        },
        id="backend-frontend",
    ),
    pytest.param(
        repos.ROOT_FASTAPI,
        {
            "api": {
                "root": ".",
                "entrypoint": "main:app",
                "python_version": "3.11",
                "dependency_files": ["requirements.txt"],
                "dependencies": ["fastapi", "odmantic", "openai", "anthropic", "transformers"],
                "dockerfile": "Dockerfile",
                "port": 8080,
                "health_path": "/api/health",
                "factory": False,
                "required_env": [],
            },
            "web": None,
            "database": {"drivers": ["odmantic"], "uri_env": "MONGODB_URL", "database_name": "app"},
            "flags": {
                "has_ai": True,
                "ai_providers": ["openai"],
                "unsupported_ai_providers": ["anthropic"],
                "has_realtime": True,
                "has_database": True,
                "has_file_storage": False,
                "writes_local_disk": False,
                "global_cdn": False,
            },
            "findings": [
                ("ai-provider", "main.py", 5),
                ("dependency-file", "requirements.txt", 1),
                ("dockerfile", "Dockerfile", 1),
                ("fastapi-app", "main.py", 7),
                ("health-route", "main.py", 13),
                ("mongodb-driver", "main.py", 4),
                ("mongodb-uri-unresolved", "main.py", 4),
                ("unsupported-ai-provider", "main.py", 1),
                ("unused-import", "main.py", 2),
                ("websocket", "main.py", 18),
            ],
        },
        id="root-fastapi",
    ),
    pytest.param(
        repos.NEXTJS_VERCEL,
        {
            "api": {
                "root": ".",
                "entrypoint": "api.index:app",
                "python_version": "3.12",
                "dependency_files": ["requirements.txt"],
                "dependencies": ["fastapi", "motor"],
                "dockerfile": None,
                "port": 8000,
                "health_path": "/api/py/health",
                "factory": False,
                "required_env": [],
            },
            "web": {
                "root": ".",
                "framework": "nextjs",
                "build_command": "npm run build",
                "output_dir": "out",
                "package_manager": "npm",
                "api_url_env": "NEXT_PUBLIC_API_URL",
            },
            "database": {"drivers": ["motor"], "uri_env": "MONGODB_URI", "database_name": "app"},
            "flags": {
                "has_ai": False,
                "ai_providers": [],
                "unsupported_ai_providers": [],
                "has_realtime": False,
                "has_database": True,
                "has_file_storage": False,
                "writes_local_disk": False,
                "global_cdn": True,
            },
            "findings": [
                ("build-config", "next.config.js", 3),
                ("dependency-file", "requirements.txt", 1),
                ("fastapi-app", "api/index.py", 6),
                ("frontend", "package.json", 4),
                ("frontend-env", "app/page.tsx", 1),
                ("health-route", "api/index.py", 10),
                ("mongodb-database", "api/index.py", 7),
                ("mongodb-driver", "api/index.py", 4),
                ("mongodb-uri-env", "api/index.py", 7),
                ("static-assets", "public", None),
            ],
        },
        id="nextjs-vercel",
    ),
    pytest.param(
        repos.ODD_DEPENDENCIES,
        {
            "api": {
                "root": ".",
                "entrypoint": "service.api:api",
                "python_version": "3.12",
                "dependency_files": ["requirement.txt", "deploy/Pipfile"],
                "dependencies": ["fastapi", "motor", "huggingface-hub", "python-socketio"],
                "dockerfile": None,
                "port": 8000,
                "health_path": "/healthz",
                "factory": False,
                "required_env": ["ATLAS_URI"],
            },
            "web": None,
            "database": {"drivers": ["motor"], "uri_env": "ATLAS_URI", "database_name": "odd"},
            "flags": {
                "has_ai": True,
                "ai_providers": ["huggingface"],
                "unsupported_ai_providers": [],
                "has_realtime": True,
                "has_database": True,
                "has_file_storage": False,
                "writes_local_disk": False,
                "global_cdn": False,
            },
            "findings": [
                ("ai-provider", "service/api.py", 3),
                ("dependency-file", "deploy/Pipfile", 1),
                ("dependency-file", "requirement.txt", 1),
                ("fastapi-app", "service/api.py", 7),
                ("health-route", "service/api.py", 12),
                ("mongodb-database", "service/store.py", 7),
                ("mongodb-database", "service/store.py", 7),
                ("mongodb-driver", "service/store.py", 3),
                ("mongodb-uri-env", "service/store.py", 7),
                ("python-version", "deploy/Pipfile", 1),
                ("required-env", "service/store.py", 7),
                ("websocket", "service/api.py", 8),
            ],
        },
        id="odd-dependencies",
    ),
    pytest.param(
        repos.POETRY_FACTORY,
        {
            "api": {
                "root": "server",
                "entrypoint": "src.app.main:app",
                "python_version": "3.12",
                "dependency_files": ["server/pyproject.toml"],
                "dependencies": ["fastapi", "beanie", "aiofiles"],
                "dockerfile": None,
                "port": 8000,
                "health_path": "/openapi.json",
                "factory": False,
                "required_env": [],
            },
            "web": None,
            "database": {"drivers": ["beanie"], "uri_env": "MONGODB_URL", "database_name": "app"},
            "flags": {
                "has_ai": False,
                "ai_providers": [],
                "unsupported_ai_providers": [],
                "has_realtime": False,
                "has_database": True,
                "has_file_storage": False,
                "writes_local_disk": True,
                "global_cdn": False,
            },
            "findings": [
                ("dependency-file", "server/pyproject.toml", 1),
                ("fastapi-app", "server/src/app/main.py", 11),
                ("local-disk-write", "server/src/app/storage.py", 9),
                ("local-disk-write", "server/src/app/storage.py", 12),
                ("mongodb-driver", "server/src/app/storage.py", 5),
                ("mongodb-uri-unresolved", "server/src/app/storage.py", 5),
                ("no-health-route", "server/src/app/main.py", 11),
            ],
        },
        id="poetry-factory",
    ),
    pytest.param(
        repos.NEXT_APP_ROUTER,
        {
            "api": {
                "root": ".",
                "entrypoint": "app.api.index:app",
                "python_version": "3.12",
                "dependency_files": ["requirements.txt"],
                "dependencies": ["fastapi"],
                "dockerfile": None,
                "port": 8000,
                "health_path": "/openapi.json",
                "factory": False,
                "required_env": [],
            },
            "web": {
                "root": ".",
                "framework": "nextjs",
                "build_command": "bun run build",
                "output_dir": ".next",
                "package_manager": "bun",
                "api_url_env": None,
            },
            "database": None,
            "flags": {
                "has_ai": False,
                "ai_providers": [],
                "unsupported_ai_providers": [],
                "has_realtime": False,
                "has_database": False,
                "has_file_storage": False,
                "writes_local_disk": True,
                "global_cdn": True,
            },
            "findings": [
                ("build-config", "next.config.mjs", 1),
                ("dependency-file", "requirements.txt", 1),
                ("fastapi-app", "app/api/index.py", 4),
                ("frontend", "package.json", 1),
                ("local-disk-write", "app/api/index.py", 5),
                ("nextjs-server-rendering", "next.config.mjs", 1),
                ("no-health-route", "app/api/index.py", 4),
            ],
        },
        id="next-app-router",
    ),
    pytest.param(
        repos.VITE_YARN_API_DOCKER,
        {
            "api": {
                "root": "api",
                "entrypoint": "main:app",
                "python_version": "3.12",
                "dependency_files": ["api/requirements.txt"],
                "dependencies": ["fastapi", "ollama", "langchain-openai"],
                "dockerfile": "api/Dockerfile",
                "port": 9000,
                "health_path": "/ping",
                "factory": False,
                "required_env": [],
            },
            "web": {
                "root": "web",
                "framework": "vite",
                "build_command": "npx vite build",
                "output_dir": "dist",
                "package_manager": "yarn",
                "api_url_env": "VITE_API_BASE_URL",
            },
            "database": None,
            "flags": {
                "has_ai": True,
                # langchain_openai is the OpenAI partner package: OpenAI, not "langchain"
                "ai_providers": ["ollama", "openai"],
                "unsupported_ai_providers": [],
                "has_realtime": False,
                "has_database": False,
                "has_file_storage": False,
                "writes_local_disk": False,
                "global_cdn": True,
            },
            "findings": [
                ("ai-provider", "api/main.py", 3),
                ("ai-provider", "api/main.py", 7),
                ("dependency-file", "api/requirements.txt", 1),
                ("dockerfile", "api/Dockerfile", 1),
                ("fastapi-app", "api/main.py", 5),
                ("frontend", "web/package.json", 1),
                ("frontend-env", "web/src/config.ts", 1),
                ("frontend-env", "web/src/config.ts", 2),
                ("health-route", "api/main.py", 10),
                ("localhost-url", "api/main.py", 7),
                ("media-content", "web/src/assets", None),
                ("python-version", "api/.python-version", 1),
            ],
        },
        id="vite-yarn-api-docker",
    ),
    pytest.param(
        repos.SRC_LAYOUT_PACKAGE,
        {
            "api": {
                "root": "backend",
                "entrypoint": "src.lists.server:app",
                "python_version": "3.13",
                "dependency_files": ["backend/pyproject.toml", "backend/requirements-dev.txt"],
                "dependencies": ["fastapi", "motor"],
                "dockerfile": "backend/Dockerfile",
                "port": 3001,
                "health_path": "/openapi.json",
                "factory": False,
                "required_env": ["MONGODB_URI"],
            },
            "web": {
                "root": "frontend",
                "framework": "cra",
                "build_command": "npm run build",
                "output_dir": "build",
                "package_manager": "npm",
                "api_url_env": None,
            },
            "database": {"drivers": ["motor"], "uri_env": "MONGODB_URI", "database_name": "app"},
            "flags": {
                "has_ai": False,
                "ai_providers": [],
                "unsupported_ai_providers": [],
                "has_realtime": False,
                "has_database": True,
                "has_file_storage": False,
                "writes_local_disk": False,
                "global_cdn": True,
            },
            "findings": [
                ("compose-service", "compose.yml", 2),
                ("dependency-file", "backend/pyproject.toml", 1),
                ("dependency-file", "backend/requirements-dev.txt", 1),
                ("dockerfile", "backend/Dockerfile", 1),
                ("fastapi-app", "backend/src/lists/server.py", 17),
                ("frontend", "frontend/package.json", 1),
                ("mongodb-driver", "backend/src/lists/store.py", 1),
                ("mongodb-uri-env", "backend/src/lists/server.py", 8),
                ("no-health-route", "backend/src/lists/server.py", 17),
                ("required-env", "backend/src/lists/server.py", 8),
            ],
        },
        id="src-layout-package",
    ),
]


@pytest.mark.parametrize(("files", "expected"), LAYOUTS)
def test_layout(tmp_path, files, expected):
    analysis = analyze_app(repos.build(tmp_path, files))
    req = analysis.requirements
    assert req.api.model_dump() == expected["api"]
    assert (req.web.model_dump() if req.web else None) == expected["web"]
    assert (req.database.model_dump() if req.database else None) == expected["database"]
    flags = {name: getattr(req, name) for name in expected["flags"]}
    assert flags == expected["flags"]
    assert sorted((f.kind, f.file, f.line) for f in analysis.findings) == expected["findings"]


@pytest.mark.parametrize(("files", "expected"), LAYOUTS)
def test_every_flag_has_evidence_with_file_and_line(tmp_path, files, expected):
    req = analyze_app(repos.build(tmp_path, files)).requirements
    for flag in ("has_ai", "has_realtime", "has_database", "has_file_storage", "writes_local_disk"):
        if getattr(req, flag):
            assert req.evidence[flag], flag
            assert all(f.file and f.line for f in req.evidence[flag]), flag
        else:
            assert flag not in req.evidence


def test_detail_of_layout_findings(tmp_path):
    analysis = analyze_app(repos.build(tmp_path, repos.ROOT_FASTAPI))
    by_kind = {f.kind: f for f in analysis.findings}
    assert by_kind["unused-import"].detail == {"module": "transformers", "provider": "huggingface"}
    assert by_kind["unsupported-ai-provider"].detail == {"provider": "anthropic", "module": "anthropic"}
    assert by_kind["websocket"].detail == {"path": "/ws/chat"}
    assert "huggingface" not in analysis.requirements.ai_providers


# --------------------------------------------------------------------------- messy repositories

FASTAPI_MAIN = "from fastapi import FastAPI\n\napp = FastAPI()\n"


def test_utf16_and_non_utf8_sources_are_read(tmp_path):
    files = {
        "main.py": (
            "from fastapi import FastAPI, WebSocket\n\napp = FastAPI()\n\n\n@app.websocket('/ws')\nasync def ws(w: WebSocket):\n    pass\n"
        ).encode("utf-16"),
        "requirements.txt": "fastapi\n",
        "db.py": b"# caf\xe9 \xff\xfe broken\nfrom motor.motor_asyncio import AsyncIOMotorClient\n",
    }
    analysis = analyze_app(repos.build(tmp_path, files))
    found = sorted(
        (f.kind, f.file, f.line)
        for f in analysis.findings
        if f.kind in ("websocket", "mongodb-driver", "non-utf8", "fastapi-app")
    )
    assert found == [
        ("fastapi-app", "main.py", 3),
        ("mongodb-driver", "db.py", 2),
        ("non-utf8", "db.py", 1),
        ("websocket", "main.py", 6),
    ]
    assert analysis.requirements.has_realtime


def test_template_folders_are_skipped(tmp_path):
    files = {
        "main.py": FASTAPI_MAIN,
        "{{cookiecutter.project_slug}}/backend/main.py": "from fastapi import FastAPI\nimport anthropic\napp = FastAPI()\nanthropic.Anthropic()\n",
    }
    analysis = analyze_app(repos.build(tmp_path, files))
    assert analysis.requirements.api.entrypoint == "main:app"
    assert analysis.requirements.unsupported_ai_providers == []
    [skipped] = [f for f in analysis.findings if f.kind == "skipped-template"]
    assert skipped.file == "{{cookiecutter.project_slug}}"


def test_unused_provider_import_is_not_counted_but_config_named_one_is(tmp_path):
    files = {
        "main.py": FASTAPI_MAIN + "import ollama\nfrom openai import OpenAI\n",
        "farm.config.ts": "export default { ai: { providers: { openai: { enabled: true } } } }",
    }
    analysis = analyze_app(repos.build(tmp_path, files))
    assert analysis.requirements.ai_providers == ["openai"]
    unused = sorted((f.detail["provider"], f.line) for f in analysis.findings if f.kind == "unused-import")
    assert unused == [("ollama", 4), ("openai", 5)]


def test_committed_secrets_are_reported_without_their_values(tmp_path):
    openai_key = "sk-proj-Q7fT2mZk9LwX4bN8cV1dR6sH3jP0aYeU5gKiO"
    aws_key = "AKIAIOSFODNN7EXAMPLX"
    mongo_password = "S3cr3tPassw0rd"
    hf_token = "hf_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6"
    files = {
        "main.py": FASTAPI_MAIN
        + f'OPENAI_KEY = "{openai_key}"\nclient = connect("mongodb+srv://admin:{mongo_password}@cluster0.abcd.mongodb.net/app")\n',
        ".env": f"# local\nAWS_ACCESS_KEY_ID={aws_key}\nJWT_SECRET='{mongo_password}x'\nPORT=8000\nEMPTY=\n",
        ".env.example": "OPENAI_API_KEY=sk-your-key-here\nHF_TOKEN=\nSECRET_KEY=changeme\n",
        "config/settings.yaml": f"huggingface:\n  token: {hf_token}\n",
    }
    analysis = analyze_app(repos.build(tmp_path, files))
    secrets = sorted(
        (f.file, f.line, f.detail["variable"], f.detail["type"], f.severity)
        for f in analysis.findings
        if f.kind == "secret"
    )
    assert secrets == [
        (".env", 2, "AWS_ACCESS_KEY_ID", "aws-access-key-id", "error"),
        (".env", 3, "JWT_SECRET", "env-value", "error"),
        ("config/settings.yaml", 2, "token", "huggingface-token", "error"),
        ("main.py", 4, "OPENAI_KEY", "openai-api-key", "error"),
        ("main.py", 5, "client", "mongodb-uri-password", "error"),
    ]
    [env_file] = [f for f in analysis.findings if f.kind == "env-file"]
    assert (env_file.file, env_file.detail) == (".env", {"values": "3"})
    dumped = analysis.model_dump_json()
    for value in (openai_key, aws_key, mongo_password, hf_token, openai_key[-8:], mongo_password + "x"):
        assert value not in dumped
    fingerprints = {f.detail["fingerprint"] for f in analysis.findings if f.kind == "secret"}
    assert all(fp.startswith("sha256:") and len(fp) == 15 for fp in fingerprints)


def test_symlinks_are_not_followed_out_of_the_repo_and_do_not_loop(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "evil.py").write_text("import anthropic\nanthropic.Anthropic()\n")
    repo = repos.build(tmp_path / "repo", {"main.py": FASTAPI_MAIN, "pkg/mod.py": "x = 1\n"})
    (repo / "linked").symlink_to(outside, target_is_directory=True)
    (repo / "pkg" / "loop").symlink_to(repo, target_is_directory=True)
    (repo / "evil.py").symlink_to(outside / "evil.py")
    analysis = analyze_app(repo)
    assert analysis.requirements.unsupported_ai_providers == []
    skipped = sorted(f.file for f in analysis.findings if f.kind == "skipped-symlink")
    assert skipped == ["evil.py", "linked"]


def test_huge_and_binary_files_are_skipped(tmp_path):
    files = {
        "main.py": FASTAPI_MAIN,
        "big.py": "import anthropic\nanthropic.Anthropic()\n" + "#" * (MAX_FILE_BYTES + 10),
        "blob.py": b"\x00\x01\x02import openai\x00" * 10,
    }
    analysis = analyze_app(repos.build(tmp_path, files))
    skipped = sorted((f.kind, f.file) for f in analysis.findings if f.kind in ("file-too-large", "binary-file"))
    assert skipped == [("binary-file", "blob.py"), ("file-too-large", "big.py")]
    assert analysis.requirements.unsupported_ai_providers == []
    assert analysis.requirements.ai_providers == []


def test_dependency_vcs_virtualenv_and_build_folders_are_skipped(tmp_path):
    noisy = "from fastapi import FastAPI\nimport anthropic\napp = FastAPI()\nanthropic.Anthropic()\n"
    files = {
        "backend/main.py": FASTAPI_MAIN,
        "node_modules/pkg/index.py": noisy,
        ".git/hooks/x.py": noisy,
        ".venv/lib/x.py": noisy,
        "myenv/pyvenv.cfg": "home = /usr/bin\n",
        "myenv/lib/site.py": noisy,
        "backend/__pycache__/x.py": noisy,
        "frontend/dist/x.py": noisy,
        "frontend/package.json": '{"dependencies": {"next": "14"}}',
        "frontend/out/x.py": noisy,
        ".mypy_cache/x.py": noisy,
    }
    analysis = analyze_app(repos.build(tmp_path, files))
    assert analysis.requirements.api.entrypoint == "main:app"
    assert analysis.requirements.api.root == "backend"
    assert analysis.requirements.unsupported_ai_providers == []
    assert [f.file for f in analysis.findings if f.kind == "fastapi-app"] == ["backend/main.py"]
    assert [f.file for f in analysis.findings if f.kind == "skipped-virtualenv"] == ["myenv"]


def test_tests_docs_and_examples_do_not_count_as_the_app(tmp_path):
    noisy = "from fastapi import FastAPI, WebSocket\napp = FastAPI()\n@app.websocket('/x')\nasync def x(w: WebSocket): ...\n"
    files = {
        "main.py": FASTAPI_MAIN,
        "tests/test_app.py": noisy,
        "docs/snippet.py": noisy,
        "examples/demo.py": noisy,
        "test_x.py": noisy,
    }
    analysis = analyze_app(repos.build(tmp_path, files))
    assert analysis.requirements.has_realtime is False
    assert [f.file for f in analysis.findings if f.kind == "fastapi-app"] == ["main.py"]


# --------------------------------------------------------------------------- bad input


def test_missing_path(tmp_path):
    with pytest.raises(UserError) as info:
        analyze_app(tmp_path / "nope")
    assert info.value.file == str(tmp_path / "nope")
    assert info.value.message == "app path does not exist"


def test_file_instead_of_folder(tmp_path):
    path = tmp_path / "main.py"
    path.write_text(FASTAPI_MAIN)
    with pytest.raises(UserError) as info:
        analyze_app(path)
    assert (info.value.file, info.value.message) == (str(path), "app path is a file, not a folder")


def test_folder_without_fastapi(tmp_path):
    repos.build(tmp_path, {"app.py": "from flask import Flask\napp = Flask(__name__)\n", "web/package.json": "{}"})
    with pytest.raises(UserError) as info:
        analyze_app(tmp_path)
    assert (info.value.file, info.value.message) == (str(tmp_path), "no FastAPI app found")
    assert info.value.hint.startswith("looked through 1 Python file ")
    assert "app = FastAPI(" in info.value.hint


def test_farm_config_syntax_error(tmp_path):
    repos.build(
        tmp_path, {"main.py": FASTAPI_MAIN, "farm.config.ts": "export default defineConfig({\n  features: ['ai',,\n"}
    )
    with pytest.raises(UserError) as info:
        analyze_app(tmp_path)
    assert (info.value.file, info.value.line) == ("farm.config.ts", 3)
    assert info.value.message.startswith("syntax error:")


def test_unreadable_folder_is_a_user_error(tmp_path, monkeypatch):
    # permissions cannot be relied on (tests may run as root): make the listing fail instead
    real_scandir = os.scandir

    def scandir(path):
        if Path(path) == tmp_path:
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    with pytest.raises(UserError) as info:
        analyze_app(tmp_path)
    assert (info.value.file, info.value.message) == (str(tmp_path), "cannot read the app folder: Permission denied")


def test_unreadable_source_file_is_a_warning_saying_what_is_lost(tmp_path, monkeypatch):
    repos.build(tmp_path, {"main.py": FASTAPI_MAIN, "locked.py": "import anthropic\nanthropic.Anthropic()\n"})
    real_open = os.open

    def fake_open(path, *args, **kwargs):
        if str(path).endswith("locked.py"):
            raise PermissionError(13, "Permission denied")
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", fake_open)
    analysis = analyze_app(tmp_path)
    [finding] = [f for f in analysis.findings if f.kind == "unreadable-file"]
    assert (finding.file, finding.severity, finding.message) == (
        "locked.py",
        "warning",
        "file skipped: Permission denied; its routes, settings and imports are not analyzed",
    )
    assert analysis.requirements.unsupported_ai_providers == []
    assert analysis.requirements.api.entrypoint == "main:app"


# --------------------------------------------------------------------------- the example app


def test_example_app_requirements(example_app):
    analysis = analyze_app(example_app)
    req = analysis.requirements
    assert analysis.farm_config_file == "farm.config.ts"
    assert req.model_dump(exclude={"evidence", "ai"}) == {
        "has_ai": True,
        "ai_providers": ["ollama", "openai"],
        "unsupported_ai_providers": [],
        "has_realtime": True,
        "has_database": True,
        "has_file_storage": True,
        "writes_local_disk": False,
        "expected_traffic": "medium",
        "latency_requirements": "low",
        "scaling_needs": "auto",
        "regions": ["us-east-1"],
        "global_cdn": True,
        "budget_tier": "startup",
        "cost_optimization": True,
        "features": ["auth", "ai", "realtime", "storage"],
        "api": {
            "root": "apps/api",
            "entrypoint": "src.main:app",
            "python_version": "3.12",
            "dependency_files": ["apps/api/requirements.txt"],
            "dependencies": [
                "fastapi",
                "uvicorn",
                "pydantic-settings",
                "motor",
                "beanie",
                "ollama",
                "openai",
                "python-multipart",
                "httpx",
            ],
            "dockerfile": "apps/api/Dockerfile",
            "port": 8000,
            "health_path": "/api/health",
            "factory": False,
            "required_env": ["MONGODB_URL"],
        },
        "web": {
            "root": "apps/web",
            "framework": "vite",
            "build_command": "pnpm run build",
            "output_dir": "dist",
            "package_manager": "pnpm",
            "api_url_env": "VITE_API_URL",
        },
        "database": {"drivers": ["motor", "beanie"], "uri_env": "MONGODB_URL", "database_name": "farm_chat"},
    }
    assert req.ai.routing == {"development": "ollama", "staging": "openai", "production": "ollama"}
    evidence = {k: sorted((f.kind, f.file, f.line) for f in v) for k, v in req.evidence.items()}
    assert evidence["has_realtime"] == [
        ("feature", "farm.config.ts", 8),
        ("websocket", "apps/api/src/routes/chat.py", 28),
    ]
    assert evidence["has_file_storage"] == [
        ("feature", "farm.config.ts", 8),
        ("file-upload", "apps/api/src/routes/uploads.py", 12),
    ]
    assert evidence["ai_providers"] == [
        ("ai-provider", "apps/api/src/ai/providers.py", 6),
        ("ai-provider", "apps/api/src/ai/providers.py", 7),
        ("ai-provider", "farm.config.ts", 20),
        ("ai-provider", "farm.config.ts", 28),
    ]
    # nothing in the example is a warning: it is the app we recommend as a model
    assert [f for f in analysis.findings if f.severity != "info"] == []
    assert json.loads(analysis.model_dump_json())["requirements"]["api"]["entrypoint"] == "src.main:app"


def test_app_built_by_an_imported_factory(tmp_path):
    files = {
        "backend/requirements.txt": "fastapi\n",
        "backend/app/__init__.py": "",
        "backend/app/factory.py": "from fastapi import FastAPI\n\n\ndef create_app():\n    return FastAPI()\n",
        "backend/app/main.py": "from app.factory import create_app\n\napp = create_app()\n",
    }
    api = analyze_app(repos.build(tmp_path, files)).requirements.api
    assert (api.root, api.entrypoint) == ("backend", "app.main:app")


def test_imported_factory_without_fastapi_dependency_is_not_an_app(tmp_path):
    files = {"requirements.txt": "flask\n", "main.py": "from web import create_app\n\napp = create_app()\n"}
    with pytest.raises(UserError) as info:
        analyze_app(repos.build(tmp_path, files))
    assert info.value.message == "no FastAPI app found"


def test_project_template_folders_are_skipped_but_page_templates_are_not(tmp_path):
    noisy = "from fastapi import FastAPI\nimport anthropic\napp = FastAPI()\nanthropic.Anthropic()\n"
    files = {
        "apps/api/main.py": FASTAPI_MAIN,
        "apps/api/templates/index.html": "<h1>{{ title }}</h1>",
        "packages/cli/templates/ai-chat/apps/api/src/main.py": noisy,
        "packages/cli/templates/basic/main.py.hbs": "{{name}}",
        "generator/template/readme.md.hbs": "{{name}}",
        "generator/template/server.py": noisy,
    }
    analysis = analyze_app(repos.build(tmp_path, files))
    assert analysis.requirements.api.entrypoint == "main:app"
    assert analysis.requirements.unsupported_ai_providers == []
    skipped = sorted(f.file for f in analysis.findings if f.kind == "skipped-template")
    assert skipped == ["generator/template", "packages/cli/templates"]


def test_special_files_are_not_opened(tmp_path):
    repos.build(tmp_path, {"main.py": FASTAPI_MAIN})
    os.mkfifo(tmp_path / "pipe.py")  # opening it for reading would wait for a writer forever
    analysis = analyze_app(tmp_path)
    assert analysis.requirements.api.entrypoint == "main:app"
    assert not any(f.file == "pipe.py" for f in analysis.findings)
