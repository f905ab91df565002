"""The one requirements.txt Vercel's Python runtime installs the API from, made from the API's own files."""

from __future__ import annotations

from pathlib import Path

from packaging.requirements import Requirement

from analysis.function_requirements import function_requirements


def lines(text: str) -> list[str]:
    return [ln for ln in text.splitlines() if ln and not ln.startswith("#")]


def test_includes_are_inlined_and_options_dropped(tmp_path: Path) -> None:
    (tmp_path / "requirements").mkdir()
    (tmp_path / "requirements" / "base.txt").write_text("fastapi==0.115.0\nmotor>=3.6  # the driver\n")
    (tmp_path / "requirements" / "production.txt").write_text(
        "--index-url https://pypi.org/simple\n-r base.txt\n-e .\ngunicorn\n"
    )
    written = lines(function_requirements(tmp_path, ["requirements/production.txt"], []))
    assert written == ["fastapi==0.115.0", "motor>=3.6", "gunicorn"]
    assert all(Requirement(ln) for ln in written)


def test_pyproject_dependencies_keep_their_specifiers(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "api"\nversion = "1"\ndependencies = ["fastapi[standard]>=0.115", "beanie==1.29.0"]\n'
    )
    assert lines(function_requirements(tmp_path, ["pyproject.toml"], [])) == [
        "fastapi[standard]>=0.115",
        "beanie==1.29.0",
    ]


def test_poetry_gives_its_names_and_fastapi_is_never_missing(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.poetry]\nname = "api"\n[tool.poetry.dependencies]\npython = "^3.12"\nmotor = "^3.6"\n'
    )
    assert lines(function_requirements(tmp_path, ["pyproject.toml"], [])) == ["fastapi", "motor"]


def test_without_files_the_analyzers_names_are_used(tmp_path: Path) -> None:
    assert lines(function_requirements(tmp_path, [], ["fastapi", "pymongo"])) == ["fastapi", "pymongo"]
