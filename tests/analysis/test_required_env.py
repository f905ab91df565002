"""`required-env` findings and `ApiFacts.required_env`: what the API needs from the environment.

The settings classes in SETTINGS_V2 are also run through the real pydantic-settings:
the variables the detector names must be exactly the ones without which the class
cannot be built (each one needed, all of them enough).
"""

from __future__ import annotations

import importlib.util
import sys

import pydantic
import pytest

from analysis.load import analyze_app
from analysis.scan.detectors.settings import detect
from analysis.scan.source import SourceFile

from . import repos

SETTINGS_V2 = """\
from typing import Annotated, ClassVar, Optional

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="APP_")

    project_name: str
    secret_key: SecretStr = Field(...)
    mongo_url: str = Field(alias="MONGO_URL")
    api_token: str = Field(validation_alias=AliasChoices("API_TOKEN", "TOKEN"))
    region: Annotated[str, Field(alias="aws_region_name")]
    debug: bool = False
    workers: int = Field(4)
    origins: list[str] = Field(default_factory=list)
    sentry_dsn: str | None = None
    openai_key: "Optional[str]" = None
    version: ClassVar[str] = "1"
    _cache: dict = {}


class ProdSettings(Settings):
    smtp_host: str


class Other(BaseSettings, env_prefix="other_"):
    token: str
    level: str = "info"


class Exact(BaseSettings):
    model_config = SettingsConfigDict(case_sensitive=True)

    MixedCase: str
"""

# (class, env) the detector must report for SETTINGS_V2, in file order
SETTINGS_V2_EXPECTED = [
    ("Settings", "APP_PROJECT_NAME", "project_name", 10),
    ("Settings", "APP_SECRET_KEY", "secret_key", 11),
    ("Settings", "MONGO_URL", "mongo_url", 12),
    ("Settings", "API_TOKEN", "api_token", 13),
    ("Settings", "AWS_REGION_NAME", "region", 14),
    ("ProdSettings", "APP_SMTP_HOST", "smtp_host", 25),
    ("Other", "OTHER_TOKEN", "token", 29),
    ("Exact", "MixedCase", "MixedCase", 36),
]


def _found(text: str, rel: str = "app/config.py") -> list[tuple[str, str, int]]:
    return [(f.detail["source"], f.detail["env"], f.line) for f in detect(SourceFile(rel, text))]


def test_settings_fields_without_default_are_required():
    findings = detect(SourceFile("app/config.py", SETTINGS_V2))
    assert [(f.detail["source"], f.detail["env"], f.detail["field"], f.line) for f in findings] == [
        (f"settings:{cls}", env, field, line) for cls, env, field, line in SETTINGS_V2_EXPECTED
    ]
    assert {(f.kind, f.severity, f.file) for f in findings} == {("required-env", "info", "app/config.py")}


@pytest.mark.parametrize("class_name", ["Settings", "ProdSettings", "Other", "Exact"])
def test_reported_names_are_what_pydantic_settings_needs(class_name, monkeypatch, tmp_path):
    # imported as a real module: pydantic resolves the string annotation through sys.modules
    path = tmp_path / "farm_required_env_settings.py"
    path.write_text(SETTINGS_V2)
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    monkeypatch.setitem(sys.modules, path.stem, module)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    cls = getattr(module, class_name)
    lineage = {c.__name__ for c in cls.__mro__}  # type: ignore[attr-defined]
    needed = [env for owner, env, _, _ in SETTINGS_V2_EXPECTED if owner in lineage]
    monkeypatch.chdir(tmp_path)
    for _, env, _, _ in SETTINGS_V2_EXPECTED:
        monkeypatch.delenv(env, raising=False)
    with pytest.raises(pydantic.ValidationError) as nothing_set:
        cls()  # type: ignore[operator]
    assert nothing_set.value.error_count() == len(needed)
    for env in needed:
        monkeypatch.setenv(env, "x")
    cls()  # type: ignore[operator]
    for env in needed:
        monkeypatch.delenv(env)
        with pytest.raises(pydantic.ValidationError):
            cls()  # type: ignore[operator]
        monkeypatch.setenv(env, "x")


def test_pydantic_v1_settings_with_config_class_and_env():
    text = """\
from pydantic import BaseSettings, Field


class Settings(BaseSettings):
    database_url: str
    api_key: str = Field(..., env="SERVICE_API_KEY")
    timeout: int = 30
    name: str = ...

    class Config:
        env_prefix = "svc_"
"""
    assert _found(text) == [
        ("settings:Settings", "SVC_DATABASE_URL", 5),
        ("settings:Settings", "SERVICE_API_KEY", 6),
        ("settings:Settings", "SVC_NAME", 8),
    ]


OPTIONAL_FIELDS = """\
import typing
from typing import Optional, Union

import {module} as ps


class Settings(ps.BaseSettings):
    a: Optional[str]
    b: typing.Optional[int]
    c: Union[str, None]
    d: None | str
    e: "str | None"
    f: str | None = None
    required: str
"""


def test_optional_fields_without_default_are_required_by_pydantic_settings():
    # pydantic v2 gives an Optional field no implicit default: the app fails without it
    found = _found(OPTIONAL_FIELDS.format(module="pydantic_settings"))
    assert found == [("settings:Settings", name, line) for name, line in zip("ABCDE", range(8, 13), strict=True)] + [
        ("settings:Settings", "REQUIRED", 14)
    ]


def test_optional_fields_are_not_required_by_pydantic_v1():
    assert _found(OPTIONAL_FIELDS.format(module="pydantic")) == [("settings:Settings", "REQUIRED", 14)]


def test_settings_base_imported_under_another_name_and_dict_config():
    text = """\
from pydantic_settings import BaseSettings as Base


class Settings(Base):
    model_config = {"env_prefix": "my_"}

    url: str
"""
    assert _found(text) == [("settings:Settings", "MY_URL", 7)]


def test_plain_classes_and_models_are_not_settings():
    text = """\
from pydantic import BaseModel


class Item(BaseModel):
    name: str


class Config:
    url: str
"""
    assert _found(text) == []


def test_field_passed_by_keyword_where_the_class_is_built_is_not_required():
    text = """\
from pydantic_settings import BaseSettings


class Db(BaseSettings):
    url: str
    name: str


db = Db(name="app")
"""
    assert _found(text) == [("settings:Db", "URL", 5)]


ENVIRON_READS = """\
import os
import os as _os
from os import environ

A = os.environ["REQUIRED_A"]
A_AGAIN = os.environ["REQUIRED_A"]
B = os.environ.get("OPTIONAL_B")
C = os.getenv("OPTIONAL_C", "d")
D = os.getenv("OPTIONAL_D")
os.environ["WRITTEN_E"] = "1"
E = os.environ["WRITTEN_E"]
os.environ.setdefault("DEFAULTED_F", "x")
F = os.environ["DEFAULTED_F"]


def get_token():
    return environ["REQUIRED_H"]


def get_region():
    return _os.environ["REQUIRED_K"]


try:
    I = os.environ["SHIELDED_I"]
except KeyError:
    I = None

J = os.environ["GUARDED_J"] if "GUARDED_J" in os.environ else "j"
name = "DYNAMIC"
L = os.environ[name]

if __name__ == "__main__":
    PORT = int(os.environ["MAIN_ONLY_PORT"])
"""


def test_os_environ_subscripts_are_required_get_and_getenv_are_not():
    assert _found(ENVIRON_READS) == [
        ("os.environ", "REQUIRED_A", 5),
        ("os.environ", "REQUIRED_H", 17),
        ("os.environ", "REQUIRED_K", 21),
    ]


def test_syntax_error_is_no_crash():
    assert _found("from pydantic_settings import BaseSettings\nclass S(BaseSettings:\n    x: str\n") == []
    assert _found("import os\nX = os.environ['A'\n") == []


API_REPO = {
    "api/requirements.txt": "fastapi\npydantic-settings\n",
    "api/main.py": """\
import os

from fastapi import FastAPI

from config import settings

app = FastAPI(title=settings.project_name)
KEY = os.environ["SESSION_SECRET"]


@app.get("/health")
def health():
    return {"ok": True}
""",
    "api/config.py": """\
import os

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env")

    project_name: str
    session_secret: str
    mongodb_url: str = "mongodb://localhost:27017"
    openai_api_key: str | None = None


settings = Settings()
DEBUG = os.getenv("DEBUG", "0") == "1"
""",
    "api/broken.py": "from pydantic_settings import BaseSettings\n\nclass Broken(BaseSettings)\n    token: str\n",
    "api/tests/test_config.py": """\
import os

from pydantic_settings import BaseSettings


class TestSettings(BaseSettings):
    only_in_tests: str


URL = os.environ["TEST_DATABASE_URL"]
""",
    "api/conftest.py": 'import os\n\nos.environ["CONFTEST_ONLY"]\n',
    "worker/job.py": 'import os\n\nQUEUE = os.environ["WORKER_QUEUE"]\n',
}


def test_api_required_env_from_a_repository(tmp_path):
    analysis = analyze_app(repos.build(tmp_path, API_REPO))
    api = analysis.requirements.api
    assert api.root == "api"
    # SESSION_SECRET is both a settings field and an os.environ read: listed once
    assert api.required_env == ["PROJECT_NAME", "SESSION_SECRET"]
    found = sorted(
        (f.file, f.line, f.detail["env"], f.detail["source"]) for f in analysis.findings if f.kind == "required-env"
    )
    # the worker's variable is found but is not the API's: the API image is built from api/ only
    assert found == [
        ("api/config.py", 9, "PROJECT_NAME", "settings:Settings"),
        ("api/config.py", 10, "SESSION_SECRET", "settings:Settings"),
        ("api/main.py", 8, "SESSION_SECRET", "os.environ"),
        ("worker/job.py", 3, "WORKER_QUEUE", "os.environ"),
    ]


def test_api_at_the_repository_root_counts_all_app_code(tmp_path):
    files = {
        "requirements.txt": "fastapi\n",
        "main.py": "from fastapi import FastAPI\n\nfrom core import db\n\napp = FastAPI()\n",
        "core/__init__.py": "",
        "core/db.py": 'import os\n\nURL = os.environ["MONGO_URI"]\nNAME = os.environ["MONGO_DB"]\n',
        "docs/snippet.py": 'import os\n\nos.environ["DOCS_ONLY"]\n',
    }
    api = analyze_app(repos.build(tmp_path, files)).requirements.api
    assert api.required_env == ["MONGO_DB", "MONGO_URI"]


def test_no_required_env_is_an_empty_list(tmp_path):
    api = analyze_app(repos.build(tmp_path, repos.ROOT_FASTAPI)).requirements.api
    assert api.required_env == []


def test_example_app_required_env(example_app):
    analysis = analyze_app(example_app)
    # its settings all have defaults; the database module reads os.environ["MONGODB_URL"] directly
    assert analysis.requirements.api.required_env == ["MONGODB_URL"]
    assert [(f.file, f.line) for f in analysis.findings if f.kind == "required-env"] == [
        ("apps/api/src/database/connection.py", 24)
    ]


def test_odd_but_parsable_code_is_no_crash():
    text = """\
from pydantic_settings import BaseSettings


class A(B, BaseSettings):
    model_config = {"env_prefix": "a_"}
    x: "str[[["
    y: "\\x00"


class B(A):
    z: str
"""
    assert _found(text) == [
        ("settings:A", "A_X", 6),
        ("settings:A", "A_Y", 7),
        ("settings:B", "A_Z", 11),
    ]
