"""benchmarks/plan_corpus.py on a small corpus of rebuilt apps: one ships, one cannot be planned."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from tests.analysis import repos

ROOT = Path(__file__).resolve().parents[2]
MAIN = "from fastapi import FastAPI\n\napp = FastAPI()\n\n\n@app.get('/api/health')\ndef health():\n    return {}\n"


def plan_corpus():
    spec = importlib.util.spec_from_file_location("plan_corpus", ROOT / "benchmarks" / "plan_corpus.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_each_repository_gets_a_verdict_and_the_total_counts_the_shipped(tmp_path: Path, capsys) -> None:
    corpus = tmp_path / "corpus"
    repos.build(
        corpus / "acme+api-and-web",
        {
            "backend/main.py": MAIN,
            "backend/requirements.txt": "fastapi\n",
            "frontend/package.json": '{"name": "web", "scripts": {"build": "vite build"}, '
            '"dependencies": {"react": "^18.0.0"}, "devDependencies": {"vite": "^5.0.0"}}',
            "frontend/index.html": "<div id=root></div>",
        },
    )
    # No FastAPI app at all: nothing to plan, and the plan says so.
    repos.build(corpus / "acme+no-api", {"tools/report.py": "print('hello')\n"})
    assert plan_corpus().main(["--corpus", str(corpus)]) == 0
    out = capsys.readouterr().out.splitlines()
    verdicts = {line.split()[1].rstrip(":"): line.split()[0] for line in out if line.startswith(("shipped", "error"))}
    assert verdicts == {"acme+api-and-web": "shipped", "acme+no-api": "error"}
    assert out[-1].startswith("1/2 repositories plan (dev, default stack file) to a deployment that ships their code")


def test_an_empty_corpus_is_one_message_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert plan_corpus().main(["--corpus", str(tmp_path)]) == 2
    assert "no checkouts" in capsys.readouterr().err
