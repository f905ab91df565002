"""The corpus scorer's fact checks, run on small rebuilt shapes of the public repositories.

CI cannot fetch the corpus (benchmarks/corpus/*.yaml); these fixtures reproduce each shape
with our own minimal code and are scored by the same `facts_of`/`score_repo` as the corpus.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from tests.analysis import corpus_shapes, repos

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("score_corpus", ROOT / "benchmarks" / "score_corpus.py")
score_corpus = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(score_corpus)


@pytest.mark.parametrize("name", sorted(corpus_shapes.SHAPES))
def test_shape_scores_every_fact_right(tmp_path, name):
    shape = corpus_shapes.SHAPES[name]
    root = repos.build(tmp_path, shape["files"])
    truth = {"facts": {kind: {"value": value} for kind, value in shape["expected"].items()}}
    result = score_corpus.score_repo(truth, root)
    assert result["crash"] is None
    wrong = {kind: (want, got) for kind, (want, got, ok) in result["facts"].items() if not ok}
    assert wrong == {}


def test_every_truth_file_names_its_commit_and_only_known_fact_kinds():
    truth = score_corpus.load_truth(ROOT / "benchmarks" / "corpus")
    assert len(truth) >= 20
    for doc in truth:
        assert len(doc["commit"]) == 40 and "/" in doc["repo"]
        assert set(doc["facts"]) <= set(score_corpus.FACT_KINDS)
        for fact in doc["facts"].values():
            assert "value" in fact and "evidence" in fact


def test_a_crash_scores_every_fact_wrong(tmp_path):
    (tmp_path / "README.md").write_text("no app here\n")
    truth = {"facts": {"api_root": {"value": "."}, "secrets": {"value": []}}}
    result = score_corpus.score_repo(truth, tmp_path)
    assert result["crash"].startswith("UserError: no FastAPI app found")
    assert [ok for *_, ok in result["facts"].values()] == [False, False]


def test_scorer_prints_per_kind_and_per_repository(tmp_path, capsys):
    corpus = tmp_path / "corpus"
    repos.build(corpus / "acme+shop", corpus_shapes.IN_MEMORY_UPLOAD["files"])
    truth_dir = tmp_path / "truth"
    truth_dir.mkdir()
    (truth_dir / "acme+shop.yaml").write_text(
        "repo: acme/shop\ncommit: " + "0" * 40 + "\nfacts:\n"
        "  python_version: {value: '3.6', evidence: backend/runtime.txt:1}\n"
        "  has_file_storage: {value: true, evidence: wrong on purpose}\n"
    )
    assert score_corpus.main(["--corpus", str(corpus), "--truth", str(truth_dir), "--misses", "--min", "0.9"]) == 1
    out = capsys.readouterr().out
    assert "acme/shop" in out and "    1/2" in out
    assert "python_version               1/1       100.0%" in out
    assert "has_file_storage             0/1         0.0%" in out
    assert "MISS acme/shop has_file_storage: expected True, got False" in out
