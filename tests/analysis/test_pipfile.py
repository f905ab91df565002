"""A Pipenv project's requirement lines for pip (analysis/pipfile.py): the lock's pins when there is a
lock, else the Pipfile's specifiers; every line must parse as a PEP 508 requirement."""

from __future__ import annotations

import json

from packaging.requirements import Requirement

from analysis.pipfile import image_requirement_lines, requirement_lines

PIPFILE = """[[source]]
url = "https://pypi.org/simple"
verify_ssl = true
name = "pypi"

[packages]
fastapi = "*"
motor = ">=3.1"
uvicorn = {version = "==0.21.1", extras = ["standard"]}
shared = {path = "../shared", editable = true}
toolkit = {git = "https://github.com/example/toolkit.git", ref = "v1.2"}

[dev-packages]
pytest = "*"
"""

LOCK = {
    "_meta": {"requires": {"python_version": "3.10"}},
    "default": {
        "fastapi": {"hashes": ["sha256:00"], "version": "==0.95.1"},
        "motor": {"version": "==3.1.2", "markers": "python_version >= '3.7'"},
        "uvicorn": {"extras": ["standard"], "version": "==0.21.1"},
        "shared": {"editable": True, "path": "../shared"},
        "toolkit": {"git": "https://github.com/example/toolkit.git", "ref": "abc123"},
    },
    "develop": {"pytest": {"version": "==7.3.1"}},
}


def test_the_lock_pins_every_default_package_and_leaves_out_local_paths_and_dev(tmp_path):
    (tmp_path / "Pipfile").write_text(PIPFILE)
    (tmp_path / "Pipfile.lock").write_text(json.dumps(LOCK))
    lines = requirement_lines(tmp_path / "Pipfile")
    assert lines == [
        "fastapi==0.95.1",
        "motor==3.1.2; python_version >= '3.7'",
        "toolkit @ git+https://github.com/example/toolkit.git@abc123",
        "uvicorn[standard]==0.21.1",
    ]
    assert [Requirement(line).name for line in lines] == ["fastapi", "motor", "toolkit", "uvicorn"]


def test_without_a_lock_the_pipfile_specifiers_are_used(tmp_path):
    (tmp_path / "Pipfile").write_text(PIPFILE)
    lines = requirement_lines(tmp_path / "Pipfile")
    assert lines == [
        "fastapi",
        "motor>=3.1",
        "uvicorn[standard]==0.21.1",
        "toolkit @ git+https://github.com/example/toolkit.git@v1.2",
    ]
    for line in lines:
        Requirement(line)


def test_a_broken_lock_falls_back_to_the_pipfile_and_a_broken_pipfile_gives_nothing(tmp_path):
    (tmp_path / "Pipfile").write_text(PIPFILE)
    (tmp_path / "Pipfile.lock").write_text("{ not json")
    assert requirement_lines(tmp_path / "Pipfile")[0] == "fastapi"
    (tmp_path / "Pipfile.lock").unlink()
    (tmp_path / "Pipfile").write_text("[packages\nfastapi = ")
    assert requirement_lines(tmp_path / "Pipfile") == []


def test_only_a_project_pip_cannot_read_gets_lines(tmp_path):
    (tmp_path / "Pipfile").write_text(PIPFILE)
    assert image_requirement_lines(tmp_path, ["Pipfile"]) is not None
    assert image_requirement_lines(tmp_path, ["Pipfile", "requirements.txt"]) is None
    assert image_requirement_lines(tmp_path, ["pyproject.toml"]) is None
    assert image_requirement_lines(tmp_path, []) is None


def test_a_pipfile_api_on_aws_builds_an_image_from_the_lock_pins(tmp_path):
    """The whole program, offline: the ECS image of an API whose only dependency file is a Pipfile
    installs the lock's pins (it used to stop with "no dependency file to build its image from")."""
    from pathlib import Path

    from farm_deploy.offline_plan import run_plan
    from tests.analysis import repos

    app = repos.build(
        tmp_path / "app",
        {
            "main.py": "from fastapi import FastAPI\nfrom pymongo import MongoClient\napp = FastAPI()\n",
            "Pipfile": '[packages]\nfastapi = "*"\npymongo = "*"\nuvicorn = "*"\n',
            "Pipfile.lock": json.dumps(
                {
                    "default": {
                        n: {"version": v}
                        for n, v in [("fastapi", "==0.95.1"), ("pymongo", "==4.3.3"), ("uvicorn", "==0.21.1")]
                    }
                }
            ),
        },
    )
    result = run_plan(repos.aws_dev_project(tmp_path, app), "dev")
    assert result.plan.api is not None and result.plan.api.dependency_files == ["Pipfile"]
    (image,) = [r for r in result.resources if r.type == "docker:index/image:Image"]
    dockerfile = Path(image.inputs["build"]["dockerfile"]).read_text()
    assert "printf '%s\\n' fastapi==0.95.1 pymongo==4.3.3 uvicorn==0.21.1 > requirements.txt" in dockerfile
    assert not (app / "requirements.txt").exists()  # nothing written into the app's folder
