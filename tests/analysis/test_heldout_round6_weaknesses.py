"""One regression test per general weakness the sixth held-out round showed (12 public FARM
repositories scored at first sight; see benchmarks/README.md).

Each rebuilds the shape with minimal code of our own and pins the exact fact or finding; where a
fix narrows a rule, a control case pins what still counts.
"""

from __future__ import annotations

import json

import pytest

from analysis.load import analyze_app
from analysis.scan.detectors.uploads import reads_upload_only
from tests.analysis import repos
from tests.analysis.repos import MAIN, findings, warned_local_files

# --------------------------------------------------------------------------- a plain JavaScript front end bundled by webpack


def _package(build: str, dev: dict[str, str], runtime: dict[str, str] | None = None) -> str:
    scripts = {"start": "webpack serve", "build": build}
    return json.dumps({"name": "shop-ui", "scripts": scripts, "dependencies": runtime or {}, "devDependencies": dev})


def test_plain_javascript_bundled_by_webpack_is_a_front_end(tmp_path):
    # no React, Vite, CRA or Next: the build script runs webpack, which writes static files to dist
    files = {
        "server/requirements.txt": "fastapi\n",
        "server/main.py": MAIN,
        "web/package.json": _package("webpack --config webpack.prod.js", {"webpack": "5", "webpack-cli": "4"}),
        "web/package-lock.json": "{}\n",
        "web/src/settings.js": "export const API = 'http://localhost:9000/api';\n",
    }
    analysis = analyze_app(repos.build(tmp_path, files))
    web = analysis.requirements.web
    assert (web.root, web.framework, web.package_manager, web.output_dir) == ("web", "unknown", "npm", "dist")
    assert web.build_command == "npm run build"
    # the front end's own files now count: its hard-coded API address is a warning
    assert warned_local_files(analysis) == ["web/src/settings.js"]


@pytest.mark.parametrize(
    ("build", "dev", "runtime"),
    [
        # webpack installed, but the build script runs something else (a type check)
        ("tsc -p .", {"webpack": "5", "typescript": "5"}, None),
        # the build script names webpack without depending on it
        ("webpack --mode production", {"eslint": "8"}, None),
        # a Node server bundled by webpack
        ("webpack --mode production", {"webpack": "5"}, {"express": "4"}),
    ],
)
def test_a_package_without_a_webpack_build_is_no_front_end(tmp_path, build, dev, runtime):
    package = _package(build, dev, runtime)
    files = {"main.py": MAIN, "requirements.txt": "fastapi\n", "tools/package.json": package}
    assert analyze_app(repos.build(tmp_path, files)).requirements.web is None


# --------------------------------------------------------------------------- an upload read in memory by a helper module

RECOGNISE = (
    "import imagelib\n\n\ndef recognise(stream):\n    picture = imagelib.load(stream)\n"
    "    return {'faces': imagelib.count_faces(picture)}\n"
)
HANDLER = (
    "from fastapi import File, UploadFile\n\nfrom faces import recognise\n\n\n@app.post('/recognise')\n"
    "def check(photo: UploadFile = File(...)):\n    return {'name': photo.filename, 'result': recognise(photo.file)}\n"
)


def test_an_upload_a_helper_module_only_reads_needs_no_storage(tmp_path):
    files = {"requirements.txt": "fastapi\n", "main.py": MAIN + HANDLER, "faces.py": RECOGNISE}
    analysis = analyze_app(repos.build(tmp_path, files))
    uploads = findings(analysis, "file-upload")
    assert [(f.detail["stored"], f.detail["read_by"]) for f in uploads] == [("false", "faces:recognise:0")]
    assert analysis.requirements.has_file_storage is False


@pytest.mark.parametrize(
    "helper",
    [
        # the helper writes the stream to disk
        "import shutil\n\n\ndef recognise(stream):\n    with open('/tmp/in.png', 'wb') as out:\n"
        "        shutil.copyfileobj(stream, out)\n",
        # the helper hands it to another of the app's own functions, which is not followed
        "from archive import keep\n\n\ndef recognise(stream):\n    return keep(stream)\n",
    ],
)
def test_an_upload_a_helper_module_may_store_still_needs_storage(tmp_path, helper):
    files = {"requirements.txt": "fastapi\n", "main.py": MAIN + HANDLER, "faces.py": helper}
    analysis = analyze_app(repos.build(tmp_path, files))
    assert [f.detail["stored"] for f in findings(analysis, "file-upload")] == ["true"]
    assert analysis.requirements.has_file_storage is True


def test_a_helper_is_found_by_its_name_and_the_arguments_position():
    text = "import imagelib\n\n\ndef size(name, stream):\n    return imagelib.load(stream).size\n"
    assert reads_upload_only(text, "size", 1) is True
    assert reads_upload_only(text, "size", 2) is False  # no such parameter
    assert reads_upload_only(text, "missing", 0) is False


# --------------------------------------------------------------------------- a connection string assembled in a class body

CONFIG = """\
import os

from pydantic import BaseSettings
from urlkit import Address


class Settings(BaseSettings):
    MONGO_HOST: str = os.environ.get("MONGO_HOST")
    MONGO_USER: str = os.environ.get("MONGO_USER")
    MONGO_PASSWORD: str = os.environ.get("MONGO_PASSWORD")
    MONGO_ADDRESS = {value}


settings = Settings()
"""
CLIENT = (
    "from motor.motor_asyncio import AsyncIOMotorClient\n\nfrom config import settings\n\n"
    "client = AsyncIOMotorClient(str(settings.MONGO_ADDRESS))\n"
)


def test_a_class_attribute_assembled_from_its_fields_names_no_variable(tmp_path):
    # MONGO_ADDRESS holds an object built from the other fields: a variable of that name holds a
    # string, which pydantic v1 rejects for that field; the address comes from the parts
    value = 'Address(f"mongodb://{MONGO_USER}:{MONGO_PASSWORD}@{MONGO_HOST}")'
    files = {
        "requirements.txt": "fastapi\nmotor\n",
        "main.py": MAIN + "from db import client\n",
        "config.py": CONFIG.format(value=value),
        "db.py": CLIENT,
    }
    analysis = analyze_app(repos.build(tmp_path, files))
    [composed] = [f for f in findings(analysis, "mongodb-client") if f.detail.get("name")]
    assert composed.detail == {
        "how": "composed",
        "parts": "MONGO_USER,MONGO_PASSWORD,MONGO_HOST",
        "name": "MONGO_ADDRESS",
    }
    # no variable holds the whole address: the plan names its own and says the app assembles it
    [unresolved] = findings(analysis, "mongodb-uri-unresolved")
    assert (unresolved.file, unresolved.detail["how"]) == ("config.py", "composed")
    assert analysis.requirements.database.uri_env == unresolved.detail["env"] == "MONGODB_URL"


def test_a_string_settings_field_with_an_assembled_default_is_still_the_variable(tmp_path):
    # control: a plain string field of a settings class: the variable MONGO_ADDRESS replaces the default
    value = 'f"mongodb://{MONGO_USER}:{MONGO_PASSWORD}@{MONGO_HOST}"'
    files = {
        "requirements.txt": "fastapi\nmotor\n",
        "main.py": MAIN + "from db import client\n",
        "config.py": CONFIG.format(value=value).replace("MONGO_ADDRESS =", "MONGO_ADDRESS: str ="),
        "db.py": CLIENT,
    }
    analysis = analyze_app(repos.build(tmp_path, files))
    assert findings(analysis, "mongodb-uri-unresolved") == []
    assert analysis.requirements.database.uri_env == "MONGO_ADDRESS"


# --------------------------------------------------------------------------- a weak password of a real Atlas account


def _uri_app(uri: str) -> dict[str, str]:
    return {
        "requirements.txt": "fastapi\npymongo\n",
        "main.py": MAIN,
        "db.py": f'from pymongo import MongoClient\n\nURI = "{uri}"\nclient = MongoClient(URI)\n',
    }


def test_a_word_password_of_a_real_atlas_account_is_a_secret(tmp_path):
    uri = "mongodb+srv://harbourmaster_db_user:harbourpassword42@shipyard.q7kz3wd.mongodb.net/?appName=Shipyard"
    analysis = analyze_app(repos.build(tmp_path, _uri_app(uri)))
    assert [(f.detail["variable"], f.severity) for f in findings(analysis, "secret")] == [("URI", "error")]


@pytest.mark.parametrize(
    "uri",
    [
        # a tutorial's cluster id
        "mongodb+srv://harbourmaster:harbourpassword42@cluster0.xxxxx.mongodb.net/",
        "mongodb+srv://harbourmaster:harbourpassword42@cluster0.abcde.mongodb.net/",
        # a placeholder user on a real-looking cluster
        "mongodb+srv://test_user:mypass123@shipyard.q7kz3wd.mongodb.net/",
        # not Atlas
        "mongodb://harbourmaster:harbourpassword42@db.example.net:27017/",
    ],
)
def test_placeholder_accounts_and_other_hosts_keep_the_placeholder_rule(tmp_path, uri):
    analysis = analyze_app(repos.build(tmp_path, _uri_app(uri)))
    assert findings(analysis, "secret") == []


# --------------------------------------------------------------------------- local addresses that break nothing


def test_an_address_quoted_in_a_trailing_python_comment_is_not_in_use(tmp_path):
    main = (
        MAIN + "from fastapi.middleware.cors import CORSMiddleware\n\n"
        'app.add_middleware(CORSMiddleware, allow_origins=["*"])  # or ["http://localhost:3000"]\n'
        'ORIGIN = "#" and "http://localhost:3001"  # a comment after the address\n'
    )
    analysis = analyze_app(repos.build(tmp_path, {"requirements.txt": "fastapi\n", "main.py": main}))
    # control: on the next line the first `#` is inside a string and the address is code
    assert [(f.line, f.severity) for f in findings(analysis, "localhost-url")] == [(7, "warning")]


@pytest.mark.parametrize(
    "line",
    [
        "const base = env.BACKEND_URL || 'http://localhost:8000';",
        "const base = env['BACKEND_URL'] ?? 'http://localhost:8000';",
    ],
)
def test_an_address_after_an_env_read_in_js_is_a_default(tmp_path, line):
    # SvelteKit's `import { env } from '$env/dynamic/private'`, read on the server with a fallback
    files = {
        "requirements.txt": "fastapi\n",
        "main.py": MAIN,
        "web/package.json": json.dumps({"devDependencies": {"vite": "5", "@sveltejs/kit": "2"}}),
        "web/src/lib/backend.ts": f"import {{ env }} from '$env/dynamic/private';\n\n{line}\n",
        "web/src/lib/client.ts": "export const base = () => 'http://localhost:5173';\n",
    }
    analysis = analyze_app(repos.build(tmp_path, files))
    # control: the address with no variable before it stays hard-coded
    assert warned_local_files(analysis) == ["web/src/lib/client.ts"]
    [default] = [f for f in findings(analysis, "localhost-url") if f.file == "web/src/lib/backend.ts"]
    assert default.detail["hard_coded"] == "false"


DEBUG_PAGE = "<html><body><script>fetch('http://localhost:5000/api/logout')</script></body></html>\n"


def test_a_public_page_nothing_links_to_is_not_the_app(tmp_path):
    files = {
        "requirements.txt": "fastapi\n",
        "main.py": MAIN,
        "web/package.json": json.dumps({"dependencies": {"react": "18", "react-scripts": "5"}}),
        "web/public/index.html": '<div id="root"></div>\n',
        "web/public/reset-session.html": DEBUG_PAGE,
        "web/public/help.html": DEBUG_PAGE,
        "web/src/App.js": "export const Help = () => <a href='/help.html'>help</a>;\n",
    }
    analysis = analyze_app(repos.build(tmp_path, files))
    # control: help.html is linked from the app: its address breaks what users reach
    assert warned_local_files(analysis) == ["web/public/help.html"]
    [unlinked] = [f for f in findings(analysis, "localhost-url") if f.file == "web/public/reset-session.html"]
    assert (unlinked.severity, unlinked.detail["unlinked_page"]) == ("info", "true")
