"""A `requirements/` folder of per-environment files (no requirements.txt, pyproject or Pipfile)."""

from __future__ import annotations

from analysis.load import analyze_app
from tests.analysis import repos

MAIN = "from fastapi import FastAPI\n\napp = FastAPI()\n"


def test_the_production_file_is_deployed_and_development_ones_are_not(tmp_path):
    files = {
        "back/app/__init__.py": "",
        "back/app/main.py": MAIN,
        "back/requirements/base.txt": "fastapi\nmotor\n",
        "back/requirements/production.txt": "-r base.txt\ngunicorn\n",
        "back/requirements/local.txt": "-r base.txt\npytest\n",
    }
    api = analyze_app(repos.build(tmp_path, files)).requirements.api
    assert api is not None
    assert api.dependency_files == ["back/requirements/production.txt"]
    # The include is followed: base's packages are the API's too; local's test tools are not.
    assert {"fastapi", "motor", "gunicorn"} <= set(api.dependencies) and "pytest" not in api.dependencies


def test_without_a_production_file_the_base_one_is_used_and_said(tmp_path):
    files = {
        "back/app/__init__.py": "",
        "back/app/main.py": MAIN,
        "back/requirements/base.txt": "fastapi\n",
        "back/requirements/local.txt": "-r base.txt\npytest\n",
    }
    analysis = analyze_app(repos.build(tmp_path, files))
    assert analysis.requirements.api is not None
    assert analysis.requirements.api.dependency_files == ["back/requirements/base.txt"]
    (note,) = [f for f in analysis.findings if f.kind == "requirements-folder"]
    assert note.detail == {"chosen": "back/requirements/base.txt", "files": "base.txt,local.txt"}


def test_a_requirements_txt_still_wins(tmp_path):
    files = {
        "back/app/__init__.py": "",
        "back/app/main.py": MAIN,
        "back/requirements.txt": "fastapi\n",
        "back/requirements/base.txt": "fastapi\nmotor\n",
    }
    analysis = analyze_app(repos.build(tmp_path, files))
    assert analysis.requirements.api is not None
    assert analysis.requirements.api.dependency_files == ["back/requirements.txt"]
    assert [f for f in analysis.findings if f.kind == "requirements-folder"] == []
