"""Benchmark: `farm-deploy analyze --json` against a pruned grep and a Python floor, same tree, same run.

    .venv/bin/python benchmarks/bench_analyzer.py [--files 50000] [--runs 3] [--keep] [--quick]

Generates a large FARM repository in a temporary folder: the example app
(examples/farm-chat), then 60% of `--files` as a `node_modules` of JavaScript
(30,000 of the default 50,000) and 40% as Python modules of the API (20,000).
Then prints, for the same tree in the same run:

- grep's wall time: `grep -rlE 'fastapi|WebSocket|UploadFile|ollama|openai'` with
  `--exclude-dir` for every folder name the analyzer skips;
- the Python floor: `FLOOR`, a 15-line script that walks the same pruned tree,
  reads every file and runs one regex over it, as a fresh process;
- `farm-deploy analyze --json`, as a fresh process (interpreter start, imports,
  the scan, the plan and the JSON), and `analyze_app()` alone in another fresh
  process, with the peak resident memory (ru_maxrss of that process, from wait4).

Targets (issue 17): the fresh `analyze --json` within 1.5x the Python floor,
under 200 MB resident.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analysis.scan import SKIP_DIRS  # noqa: E402

PATTERN = "fastapi|WebSocket|UploadFile|ollama|openai"

MODULE = '''"""Domain module {n}."""

from pydantic import BaseModel


class Record{n}(BaseModel):
    id: str
    name: str
    score: float = 0.0


def score_{n}(records: list[Record{n}]) -> float:
    return sum(r.score for r in records) / max(len(records), 1)
{padding}
'''
NODE_FILE = """'use strict';
// vendored package {pkg}, file {n}: mentions openai and fastapi to make grep work
module.exports = function f{n}(x) {{ return x + {n}; }};
{padding}
"""


def _pad(rng: random.Random, low: int, high: int) -> str:
    return "// " + "x" * rng.randint(low, high)


def generate(root: Path, total: int, seed: int = 7) -> dict[str, int]:
    rng = random.Random(seed)
    shutil.copytree(ROOT / "examples" / "farm-chat", root, dirs_exist_ok=True)
    counts: dict[str, int] = {}

    def write_many(folder: str, count: int, per_dir: int, make) -> None:
        for i in range(count):
            path = root / folder / f"d{i // per_dir:03d}" / make(i)[0]
            if i % per_dir == 0:
                path.parent.mkdir(parents=True, exist_ok=True)
            content = make(i)[1]
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content)
        counts[folder] = count

    node = int(total * 0.6)
    modules = total - node
    write_many(
        "node_modules",
        node,
        200,
        lambda i: (f"f{i}.js", NODE_FILE.format(pkg=i // 200, n=i, padding=_pad(rng, 200, 3000))),
    )
    write_many(
        "apps/api/src/domain",
        modules,
        300,
        lambda i: (f"mod_{i}.py", MODULE.format(n=i, padding="# " + "y" * rng.randint(50, 800))),
    )
    return counts


def count_files(root: Path) -> int:
    return sum(len(files) for _, _, files in os.walk(root))


def time_grep(root: Path) -> tuple[float, int]:
    cmd = ["grep", "-rlE", PATTERN, *[f"--exclude-dir={d}" for d in sorted(SKIP_DIRS)], str(root)]
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(f"grep failed: {proc.stderr}")
    return elapsed, len(proc.stdout.splitlines())


# The Python floor: walk the pruned tree, read every file, one regex. argv: root, skipped names.
FLOOR = """
import os, re, sys
skip = set(sys.argv[2].split(","))
pattern = re.compile(rb"fastapi|WebSocket|UploadFile|ollama|openai")
stack, hits = [sys.argv[1]], 0
while stack:
    with os.scandir(stack.pop()) as entries:
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                if entry.name not in skip:
                    stack.append(entry.path)
            elif entry.is_file(follow_symlinks=False):
                with open(entry.path, "rb") as fh:
                    hits += pattern.search(fh.read()) is not None
print(hits)
"""

CHILD = """
import json, sys, time
start = time.perf_counter()
from analysis.load import analyze_app
imported = time.perf_counter()
analysis = analyze_app(sys.argv[1])
done = time.perf_counter()
print(json.dumps({"import_s": imported - start, "analyze_s": done - imported,
                  "findings": len(analysis.findings), "entrypoint": analysis.requirements.api.entrypoint}))
"""


def _fresh(cmd: list[str]) -> tuple[float, float, str]:
    """Run `cmd` as a fresh process: (wall seconds, peak RSS in MiB from wait4, stdout)."""
    # as a user runs it: bytecode cached (this sandbox sets PYTHONDONTWRITEBYTECODE, which
    # would make every run recompile the analyzer's modules)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if proc.returncode != 0:
            raise SystemExit(f"{cmd[0]} failed:\n{err.read().decode()}")
        return elapsed, usage.ru_maxrss / 1024, out.read().decode()


def time_floor(root: Path) -> tuple[float, int]:
    elapsed, _, out = _fresh([sys.executable, "-c", FLOOR, str(root), ",".join(sorted(SKIP_DIRS))])
    return elapsed, int(out.strip())


def time_cli(root: Path) -> tuple[float, float]:
    """`farm-deploy analyze --json` as a user runs it: (wall seconds, peak RSS in MiB)."""
    cli = Path(sys.executable).with_name("farm-deploy")
    cmd = [str(cli)] if cli.exists() else [sys.executable, "-m", "farm_deploy"]
    # a folder with no stack files: the plan uses the defaults, as on a fresh checkout
    elapsed, rss, out = _fresh([*cmd, "analyze", "--json", "--project-dir", str(root), str(root)])
    json.loads(out)
    return elapsed, rss


def time_analyzer(root: Path) -> tuple[float, float, dict[str, object]]:
    """(wall seconds, peak RSS in MiB, what the child printed)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(root)], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    out = proc.stdout.read().decode() if proc.stdout else ""
    err = proc.stderr.read().decode() if proc.stderr else ""
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"analyzer failed:\n{err}")
    return elapsed, usage.ru_maxrss / 1024, json.loads(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=50_000, help="files to generate (default 50000)")
    parser.add_argument("--runs", type=int, default=3, help="timed runs of each; the best is reported")
    parser.add_argument("--keep", action="store_true", help="keep the generated tree and print its path")
    parser.add_argument(
        "--quick", action="store_true", help="2000 files, one run: checks that it runs and prints its figures (CI)"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.files, args.runs = min(args.files, 2000), 1

    tmp = Path(tempfile.mkdtemp(prefix="farm-bench-"))
    try:
        repo = tmp / "repo"
        t0 = time.perf_counter()
        counts = generate(repo, args.files)
        total = count_files(repo)
        print(f"generated {total} files in {time.perf_counter() - t0:.1f}s under {repo}")
        for folder, count in counts.items():
            print(f"  {folder:40s} {count:6d}")
        # warm the page cache (and the bytecode caches) for every contender alike
        time_grep(repo)
        time_floor(repo)
        time_cli(repo)
        time_analyzer(repo)
        grep = min(time_grep(repo)[0] for _ in range(args.runs))
        floor = min(time_floor(repo)[0] for _ in range(args.runs))
        cli = [time_cli(repo) for _ in range(args.runs)]
        analyzer = [time_analyzer(repo) for _ in range(args.runs)]
        cli_best = min(c[0] for c in cli)
        cli_rss = max(c[1] for c in cli)
        best = min(analyzer, key=lambda a: a[0])
        rss = max(a[1] for a in analyzer)
        call = min(float(a[2]["analyze_s"]) for a in analyzer)
        print()
        print(f"grep -rlE (excluding {len(SKIP_DIRS)} folder names):  {grep * 1000:7.0f} ms")
        print(f"Python floor (walk, read, one regex):          {floor * 1000:7.0f} ms  ({floor / grep:.2f}x grep)")
        print(
            f"farm-deploy analyze --json, fresh process:     {cli_best * 1000:7.0f} ms  "
            f"({cli_best / floor:.2f}x floor, {cli_best / grep:.2f}x grep), peak RSS {cli_rss:.1f} MiB"
        )
        print(
            f"analyze_app(), fresh process:                  {best[0] * 1000:7.0f} ms  "
            f"({best[0] / floor:.2f}x floor), peak RSS {rss:.1f} MiB"
        )
        print(f"analyze_app() call alone:                      {call * 1000:7.0f} ms  ({call / floor:.2f}x floor)")
        print(f"analyzer result: entrypoint {best[2]['entrypoint']}, {best[2]['findings']} findings")
        print("targets (issue 17):")
        print(f"  analyze --json within 1.5x the Python floor: {'met' if cli_best <= 1.5 * floor else 'NOT met'}")
        print(f"  peak RSS under 200 MB:                       {'met' if max(rss, cli_rss) < 200 else 'NOT met'}")
        return 0
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
