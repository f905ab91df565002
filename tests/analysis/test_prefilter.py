"""The cheap stages before any detector runs: the walker's prefilter and its reads, and the
`env-read` detector that shares them. Each must let through every file a detector would have
found something in: the facts below are the analyzer's, from real files written into tmp_path."""

from __future__ import annotations

import random

import pytest

from analysis.load import analyze_app
from analysis.scan import MAX_FILE_BYTES, REGISTRY
from analysis.scan.prefilter import Prefilter, minimal
from analysis.scan.walker import FIRST_READ

from . import repos

MAIN = "from fastapi import FastAPI\n\napp = FastAPI()\n"
PY_TOKENS = sorted({q for d in REGISTRY.values() if ".py" in d.suffixes for q in d.quick})


# --------------------------------------------------------------------------- the prefilter itself


def test_minimal_drops_tokens_that_contain_another():
    assert minimal(["mongo", "Mongo", "mongodb", "pymongo", "mo"]) == ["mo", "Mongo"]


@pytest.mark.parametrize("token", PY_TOKENS)
def test_every_python_token_alone_passes_the_prefilter(token):
    gate = Prefilter(PY_TOKENS)
    padding = "# nothing to see here, just words and numbers 12 34\n" * 40
    text = padding + f"x = {token!r}\n" + padding
    assert gate.admits(text.encode("ascii"))
    assert gate.admits_text(text)
    assert gate.admits_text("é" + text)


def test_pieces_of_tokens_do_not_pass_and_the_empty_cases_are_exact():
    gate = Prefilter(["environ", "localhost"])
    # "viron" and "host" occur, neither token does
    data = b"the virons of the hostname, local\n"
    assert not gate.admits(data)
    assert not gate.admits_text(data.decode())
    assert gate.admits(data + b"os.environ\n")
    assert not Prefilter([]).admits(b"anything")  # no token: nothing passes
    assert Prefilter(["", "abc"]).admits(b"")  # the empty token occurs in every text
    # a token with a non-ASCII character, in UTF-8 bytes and in text decoded from UTF-16
    accented = Prefilter(["café"])
    assert accented.admits("le café".encode()) and accented.admits_text("le café".encode("utf-16").decode("utf-16"))
    assert not accented.admits_text("le cafe")


def test_the_prefilter_answers_exactly_whether_a_token_occurs():
    """Random texts made of pieces of the tokens (so that anchors and near-misses abound)."""
    rng = random.Random(17)
    tokens = minimal(PY_TOKENS)
    pieces = [t[i:j] for t in tokens for i in range(len(t)) for j in range(i + 1, len(t) + 1)][:4000]
    pieces += [" ", "\n", "x", "_", "(", "/", '"', "'"]
    gate = Prefilter(PY_TOKENS)
    admitted = 0
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 12)))
        expected = any(t in text for t in PY_TOKENS)
        assert gate.admits(text.encode("ascii")) is expected, text
        assert gate.admits_text(text) is expected, text
        admitted += expected
    assert 300 < admitted < 2700  # both answers were exercised


# --------------------------------------------------------------------------- through the analyzer


def test_a_token_past_the_first_read_is_still_seen(tmp_path):
    """A file larger than one read: the detector still sees its end, with the right line."""
    padding = "# " + "generated " * 20 + "\n"
    lines = (FIRST_READ // len(padding)) + 10
    big = (
        "from fastapi import WebSocket\n"
        + padding * lines
        + ("\n\n@router.websocket('/ws/late')\nasync def late(ws: WebSocket):\n    await ws.accept()\n")
    )
    assert len(big) > FIRST_READ
    files = {"main.py": MAIN, "requirements.txt": "fastapi\n", "ws.py": big}
    analysis = analyze_app(repos.build(tmp_path, files))
    [ws] = [f for f in analysis.findings if f.kind == "websocket"]
    assert (ws.file, ws.line, ws.detail) == ("ws.py", lines + 4, {"path": "/ws/late"})
    assert analysis.requirements.has_realtime


def test_files_at_the_size_limit_are_read_and_one_byte_more_is_not(tmp_path):
    tail = "\nfrom motor.motor_asyncio import AsyncIOMotorClient\n"
    at_limit = "#" * (MAX_FILE_BYTES - len(tail)) + tail
    files = {
        "main.py": MAIN,
        "requirements.txt": "fastapi\n",
        "db.py": at_limit,
        "db2.py": "#" + at_limit,
    }
    analysis = analyze_app(repos.build(tmp_path, files))
    assert len((tmp_path / "db.py").read_bytes()) == MAX_FILE_BYTES
    found = sorted((f.kind, f.file) for f in analysis.findings if f.kind in ("mongodb-driver", "file-too-large"))
    assert found == [("file-too-large", "db2.py"), ("mongodb-driver", "db.py")]


def test_non_ascii_files_take_the_text_path(tmp_path):
    """UTF-8 with accents, UTF-16 with a BOM, and Latin-1 bytes: decoded before the prefilter."""
    files = {
        "main.py": MAIN,
        "requirements.txt": "fastapi\n",
        "accents.py": "# réglages: café\nimport os\n\nDB = os.environ['MONGODB_URL']\n",
        "wide.py": "import os\n\nKEY = os.environ['JWT_SECRET']\n".encode("utf-16"),
        "latin.py": b"# caf\xe9\nimport os\n\nTOKEN = os.environ['API_TOKEN']\n",
    }
    analysis = analyze_app(repos.build(tmp_path, files))
    assert analysis.requirements.api.required_env == ["API_TOKEN", "JWT_SECRET", "MONGODB_URL"]
    assert [(f.kind, f.file, f.line) for f in analysis.findings if f.kind == "non-utf8"] == [
        ("non-utf8", "latin.py", 1)
    ]


def test_a_file_with_no_token_gives_no_finding_and_is_still_counted_as_read(tmp_path):
    files = {"main.py": MAIN, "requirements.txt": "fastapi\n", "plain.py": "def add(a, b):\n    return a + b\n"}
    analysis = analyze_app(repos.build(tmp_path, files))
    assert [f for f in analysis.findings if f.file == "plain.py"] == []
    from analysis.scan import scan

    assert scan(tmp_path).inventory.files_read == 3


# --------------------------------------------------------------------------- env_reads


def test_env_reads_come_from_every_module_of_the_api_that_names_the_environment(tmp_path):
    """The `env-read` detector's names under the API's folder, and nowhere else, become
    `ApiFacts.read_env`; its findings are bookkeeping and leave the report."""
    repos.build(
        tmp_path,
        {
            "api/main.py": MAIN,
            "api/requirements.txt": "fastapi\n",
            "api/settings.py": (
                "from pydantic_settings import BaseSettings as Base\n\n\n"
                "class Settings(Base):\n    ollama_model: str = 'llama3.1:8b'\n"
            ),
            "api/aliased.py": "from os import getenv as ge\n\nDB = ge('MONGODB_DB', 'app')\n",
            "api/windows.py": "import os\r\n\r\nREDIS = os.environ.get('REDIS_URL')\r\n",
            "api/plain.py": "def add(a, b):\n    return a + b\n",
            # not what the server runs: a test, a test folder, a script folder, another service
            "api/test_settings.py": "import os\nT = os.getenv('ONLY_IN_A_TEST')\n",
            "api/tests/conftest_env.py": "import os\nT = os.getenv('ONLY_IN_TESTS')\n",
            "api/scripts/seed.py": "import os\nT = os.getenv('ONLY_IN_SCRIPTS')\n",
            "worker/job.py": "import os\nT = os.getenv('ONLY_IN_THE_WORKER')\n",
        },
    )
    analysis = analyze_app(tmp_path)
    assert analysis.requirements.api.root == "api"
    assert analysis.requirements.api.read_env == ["MONGODB_DB", "OLLAMA_MODEL", "REDIS_URL"]
    assert not [f for f in analysis.findings if f.kind == "env-read"]
