"""Score the analyzer fact by fact against ground truth written by reading real repositories.

    .venv/bin/python benchmarks/score_corpus.py --corpus /path/to/checkouts [--truth benchmarks/corpus] [--misses]

`benchmarks/corpus/<owner+name>.yaml` holds, for one public FARM repository, the
commit it was read at and the expected value of each fact with the file:line that
shows it (secret names only, never values). The repositories are not vendored: check
each one out at its commit as `<corpus>/<owner+name>` (a git clone, so that the
analyzer can ask git which files are committed), e.g.

    git clone https://github.com/<owner>/<name> <corpus>/<owner>+<name>
    git -C <corpus>/<owner>+<name> checkout <commit>

The corpus folder can also come from the `FARM_CORPUS_DIR` environment variable.
Prints accuracy per fact kind and per repository, the crashes (an exception or a
user error where the truth expects an app), and with `--misses` every wrong fact.
Exit status 1 when `--min` is given and the overall accuracy is below it.

`facts_of` and `score_repo` are also used by tests/analysis/test_corpus_shapes.py,
which runs the same fact checks on small rebuilt fixtures in CI.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analysis.load import analyze_app  # noqa: E402
from analysis.models import AppAnalysis  # noqa: E402

FACT_KINDS = (
    "api_root",
    "api_entrypoint",
    "python_version",
    "web_root",
    "web_framework",
    "web_package_manager",
    "db_drivers",
    "db_uri_env",
    "db_name",
    "ai_providers",
    "has_realtime",
    "has_file_storage",
    "writes_local_disk",
    "secrets",
    "compose_services",
    "is_template",
    "localhost_files",
)


def facts_of(analysis: AppAnalysis) -> dict[str, Any]:
    """The analyzer's answer for each fact kind, in the form the truth files use."""
    req = analysis.requirements
    findings = analysis.findings
    api, web, db = req.api, req.web, req.database
    unresolved_uri = any(f.kind == "mongodb-uri-unresolved" for f in findings)
    providers = {f.detail["provider"] for f in findings if f.kind in ("ai-provider", "unsupported-ai-provider")}
    return {
        "api_root": api.root if api else None,
        "api_entrypoint": api.entrypoint if api else None,
        "python_version": api.python_version if api else None,
        "web_root": web.root if web else None,
        "web_framework": web.framework if web else None,
        "web_package_manager": web.package_manager if web else None,
        "db_drivers": sorted(db.drivers) if db else [],
        "db_uri_env": None if db is None or unresolved_uri else db.uri_env,
        "db_name": db.database_name if db else None,
        "ai_providers": sorted(providers),
        "has_realtime": req.has_realtime,
        "has_file_storage": req.has_file_storage,
        "writes_local_disk": req.writes_local_disk,
        "secrets": sorted({f.detail["variable"].upper() for f in findings if f.kind == "secret"}),
        "compose_services": sorted({f.detail["service"] for f in findings if f.kind == "compose-service"}),
        "is_template": any(f.kind == "template-repository" for f in findings),
        # source files with a loopback or private address that breaks once deployed
        "localhost_files": sorted({f.file for f in findings if f.kind == "localhost-url" and f.severity == "warning"}),
    }


def _normal(value: Any) -> Any:
    return sorted(value) if isinstance(value, list) else value


def score_repo(truth: dict[str, Any], path: Path) -> dict[str, Any]:
    """{"facts": {kind: (expected, got, right)}, "crash": str | None, "seconds": float}."""
    started = time.perf_counter()
    crash = None
    try:
        got = facts_of(analyze_app(path))
    except Exception as exc:  # a crash scores every fact wrong; the message is reported
        crash = f"{type(exc).__name__}: {exc}"
        got = {}
    out: dict[str, tuple[Any, Any, bool]] = {}
    for kind, fact in truth["facts"].items():
        expected = _normal(fact["value"])
        value = _normal(got.get(kind, "<crash>"))
        out[kind] = (expected, value, crash is None and value == expected)
    return {"facts": out, "crash": crash, "seconds": time.perf_counter() - started}


def load_truth(folder: Path) -> list[dict[str, Any]]:
    return [yaml.safe_load(p.read_text()) for p in sorted(folder.glob("*.yaml"))]


def report(results: dict[str, dict[str, Any]], misses: bool) -> float:
    by_kind: dict[str, list[bool]] = defaultdict(list)
    print(f"{'repository':<66} right/facts  crash")
    total_right = total = 0
    for repo, result in results.items():
        facts = result["facts"]
        right = sum(ok for *_, ok in facts.values())
        total_right += right
        total += len(facts)
        for kind, (*_, ok) in facts.items():
            by_kind[kind].append(ok)
        crash = result["crash"] or ""
        print(f"{repo:<66} {right:>5}/{len(facts):<5}  {crash[:60]}")
    print()
    print(f"{'fact kind':<24} right/facts  accuracy")
    for kind in FACT_KINDS:
        oks = by_kind.get(kind, [])
        if oks:
            print(f"{kind:<24} {sum(oks):>5}/{len(oks):<5}  {100 * sum(oks) / len(oks):6.1f}%")
    crashes = sum(1 for r in results.values() if r["crash"])
    accuracy = total_right / total if total else 0.0
    print()
    print(
        f"overall: {total_right}/{total} facts right = {100 * accuracy:.1f}%, {crashes} crash(es), {len(results)} repositories"
    )
    if misses:
        print()
        for repo, result in results.items():
            for kind, (expected, got, ok) in result["facts"].items():
                if not ok:
                    print(f"MISS {repo} {kind}: expected {expected!r}, got {got!r}")
    return accuracy


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", default=os.environ.get("FARM_CORPUS_DIR"), help="folder of <owner+name> checkouts")
    parser.add_argument("--truth", default=str(ROOT / "benchmarks" / "corpus"), help="folder of truth YAML files")
    parser.add_argument("--misses", action="store_true", help="list every wrong fact")
    parser.add_argument("--json", action="store_true", help="print the per-repository results as JSON")
    parser.add_argument("--min", type=float, default=None, help="fail below this overall accuracy (0-1)")
    args = parser.parse_args(argv)
    if not args.corpus:
        print("score_corpus: give --corpus or set FARM_CORPUS_DIR", file=sys.stderr)
        return 2
    corpus = Path(args.corpus)
    results = {}
    for truth in load_truth(Path(args.truth)):
        folder = corpus / truth["repo"].replace("/", "+")
        if not folder.is_dir():
            print(f"skipped {truth['repo']}: not checked out at {folder}", file=sys.stderr)
            continue
        results[truth["repo"]] = score_repo(truth, folder)
    if args.json:
        print(json.dumps({k: {**v, "facts": {f: list(t) for f, t in v["facts"].items()}} for k, v in results.items()}))
        return 0
    accuracy = report(results, args.misses)
    return 1 if args.min is not None and accuracy < args.min else 0


if __name__ == "__main__":
    sys.exit(main())
