"""An API with no dependency file: the distributions its code imports, and what the deployment does with them."""

from __future__ import annotations

from pathlib import Path

from analysis.imported_packages import imported_distributions
from analysis.load import analyze_app
from farm_deploy.offline_plan import run_plan
from tests.analysis import repos

ROOT = Path(__file__).resolve().parents[2]
FILES = {
    "server/app.py": (
        "import os, json\n"
        "from fastapi import FastAPI\n"
        "from bson import ObjectId\n"
        "from jose import jwt\n"
        "import google.generativeai as genai\n"
        "from .models import Item\n"
        "from server.utils import helper\n"
        "app = FastAPI()\n"
    ),
    "server/models.py": "from pydantic import BaseModel\nfrom motor.motor_asyncio import AsyncIOMotorClient\n",
    "server/utils.py": "import dotenv\n",
    "server/__init__.py": "",
}


def test_stdlib_and_the_apps_own_modules_are_left_out_and_names_mapped(tmp_path: Path) -> None:
    app = repos.build(tmp_path, FILES)
    assert imported_distributions(app / "server") == [
        "fastapi",
        "google-generativeai",
        "motor",
        "pydantic",
        "pymongo",
        "python-dotenv",
        "python-jose",
    ]


def test_the_analyzer_warns_and_the_image_installs_them(tmp_path: Path) -> None:
    app = repos.build(tmp_path / "app", FILES)
    analysis = analyze_app(app)
    assert analysis.requirements.api is not None
    assert analysis.requirements.api.dependency_files == []
    assert "pymongo" in analysis.requirements.api.dependencies
    (warning,) = [f for f in analysis.findings if f.kind == "no-dependency-file"]
    assert warning.severity == "warning" and "unpinned" in warning.message

    result = run_plan(repos.aws_dev_project(tmp_path, app), "dev")
    assert any("declares no dependencies" in w for w in result.plan.warnings)
    (image,) = [r for r in result.resources if r.type == "docker:index/image:Image"]
    context = Path(image.inputs["build"]["context"])
    written = (context / "requirements.txt").read_text().splitlines()[1:]
    assert written == result.plan.api.dependencies
    dockerfile = Path(image.inputs["build"]["dockerfile"]).read_text()
    assert "-r requirements.txt" in dockerfile
    # The app's own folder is untouched.
    assert not (app / "server" / "requirements.txt").exists()
