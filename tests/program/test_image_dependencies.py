"""The image `pulumi up` builds installs the files the analyzer chose, not whatever matches a glob."""

from __future__ import annotations

import shutil
from pathlib import Path

from farm_deploy.offline_plan import run_plan
from tests.analysis import repos

ROOT = Path(__file__).resolve().parents[2]
MAIN = "from fastapi import FastAPI\n\napp = FastAPI()\n\n\n@app.get('/api/health')\ndef health():\n    return {}\n"


def plan_dockerfile(tmp: Path, files: dict[str, str]) -> str:
    app = repos.build(tmp / "app", files)
    project = tmp / "project"
    project.mkdir()
    shutil.copy(ROOT / "Pulumi.yaml", project / "Pulumi.yaml")
    (project / "Pulumi.dev.yaml").write_text(
        f'config:\n  aws:region: us-east-1\n  farm:appPath: {app}\n  farm:atlasOrgId: "000000000000000000000000"\n  farm:platform: aws\n',
        encoding="utf-8",
    )
    result = run_plan(project, "dev")
    (image,) = [r for r in result.resources if r.type == "docker:index/image:Image"]
    return Path(image.inputs["build"]["dockerfile"]).read_text(encoding="utf-8")


def test_a_requirements_folder_is_installed_whole(tmp_path: Path) -> None:
    dockerfile = plan_dockerfile(
        tmp_path,
        {
            "back/app/__init__.py": "",
            "back/app/main.py": MAIN,
            "back/requirements/base.txt": "fastapi\nuvicorn\n",
            "back/requirements/local.txt": "-r base.txt\npytest\n",
        },
    )
    assert "COPY requirements/ ./requirements/" in dockerfile
    (wheel,) = [line for line in dockerfile.splitlines() if line.startswith("RUN pip wheel")]
    assert "-r requirements/base.txt" in wheel and "local.txt" not in wheel
    # uvicorn is in base.txt: the generator does not add a second, pinned one.
    assert "uvicorn==" not in wheel


def test_development_requirements_stay_out_of_the_image(tmp_path: Path) -> None:
    dockerfile = plan_dockerfile(
        tmp_path,
        {
            "api/main.py": MAIN,
            "api/requirements.txt": "fastapi\n",
            "api/requirements-dev.txt": "pytest\nruff\n",
        },
    )
    (wheel,) = [line for line in dockerfile.splitlines() if line.startswith("RUN pip wheel")]
    assert "-r requirements.txt" in wheel and "requirements-dev.txt" not in dockerfile
