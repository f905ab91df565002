"""Benchmark: the analyzer against `grep -rlE` over the same generated repository.

    .venv/bin/python benchmarks/bench_analyzer.py [--files 60000] [--runs 3] [--keep] [--quick]

Generates a large FARM repository in a temporary folder: the example app
(examples/farm-chat), a big `node_modules`, thousands of front-end components,
API modules, docs and images, plus a `.git`, a `.venv` and `__pycache__` folders.
Then prints, for the same tree in the same run:

- grep's wall time: `grep -rlE 'fastapi|WebSocket|UploadFile|ollama|openai'` with
  `--exclude-dir` for every folder name the analyzer skips;
- the analyzer's wall time, as a fresh `python` process calling
  `analysis.load.analyze_app` (interpreter start and imports included), and the
  time of the call alone;
- the analyzer's peak resident memory (ru_maxrss of that process, from wait4).

Targets (issue 2): analyzer within 2x of grep, under 200 MB resident.
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

COMPONENT = """import {{ useState }} from 'react';
import {{ api }} from '../../api';

// Component {n}: renders a list and talks to the API.
export function Widget{n}({{ items }}: {{ items: string[] }}) {{
  const [open, setOpen] = useState(false);
  const filtered = items.filter((item) => item.includes('{n}'));
  return (
    <section className="widget-{n}">
      <button onClick={{() => setOpen(!open)}}>toggle</button>
      {{open && <ul>{{filtered.map((i) => <li key={{i}}>{{i}}</li>)}}</ul>}}
    </section>
  );
}}
{padding}
"""
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
DOC = "# Page {n}\n\nHow the chat works with ollama and openai.\n\n{padding}\n"


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

    node = int(total * 0.55)
    components = int(total * 0.15)
    modules = int(total * 0.06)
    docs = int(total * 0.03)
    images = int(total * 0.05)
    git = int(total * 0.06)
    venv = int(total * 0.07)
    pycache = total - node - components - modules - docs - images - git - venv
    write_many(
        "node_modules",
        node,
        200,
        lambda i: (f"f{i}.js", NODE_FILE.format(pkg=i // 200, n=i, padding=_pad(rng, 200, 3000))),
    )
    write_many(
        "apps/web/src/components",
        components,
        300,
        lambda i: (f"Widget{i}.tsx", COMPONENT.format(n=i, padding=_pad(rng, 100, 1500))),
    )
    write_many(
        "apps/api/src/domain",
        modules,
        300,
        lambda i: (f"mod_{i}.py", MODULE.format(n=i, padding="# " + "y" * rng.randint(50, 800))),
    )
    write_many(
        "docs/pages", docs, 300, lambda i: (f"page{i}.md", DOC.format(n=i, padding="z" * rng.randint(200, 4000)))
    )
    write_many(
        "apps/web/public/img",
        images,
        300,
        lambda i: (f"img{i}.png", b"\x89PNG\r\n\x1a\n" + rng.randbytes(rng.randint(500, 4000))),
    )
    write_many(".git/objects", git, 256, lambda i: (f"{i:038x}", rng.randbytes(rng.randint(100, 2000))))
    write_many(".venv/lib/python3.12/site-packages", venv, 250, lambda i: (f"m{i}.py", f"import openai\nX = {i}\n"))
    write_many("apps/api/src/__pycache__", pycache, 500, lambda i: (f"m{i}.cpython-312.pyc", rng.randbytes(300)))
    (root / ".venv" / "pyvenv.cfg").write_text("home = /usr/bin\n")
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


def time_analyzer(root: Path) -> tuple[float, float, dict[str, object]]:
    """(wall seconds, peak RSS in MiB, what the child printed)."""
    # as a user runs it: bytecode cached (this sandbox sets PYTHONDONTWRITEBYTECODE, which
    # would make every run recompile the analyzer's modules)
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
    parser.add_argument("--files", type=int, default=60_000, help="files to generate (default 60000)")
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
        # warm the page cache (and the analyzer's bytecode cache) for both tools alike
        time_grep(repo)
        time_analyzer(repo)
        grep = [time_grep(repo) for _ in range(args.runs)]
        analyzer = [time_analyzer(repo) for _ in range(args.runs)]
        grep_best = min(g[0] for g in grep)
        best = min(analyzer, key=lambda a: a[0])
        rss = max(a[1] for a in analyzer)
        call = min(float(a[2]["analyze_s"]) for a in analyzer)
        print()
        print(
            f"grep -rlE (excluding {len(SKIP_DIRS)} folder names): {grep_best * 1000:7.0f} ms  ({grep[0][1]} files matched)"
        )
        print(
            f"analyzer, fresh process:                     {best[0] * 1000:7.0f} ms  ({best[0] / grep_best:.2f}x grep)"
        )
        print(f"analyzer, analyze_app() call alone:          {call * 1000:7.0f} ms  ({call / grep_best:.2f}x grep)")
        print(f"analyzer peak RSS:                           {rss:7.1f} MiB")
        print(f"analyzer result: entrypoint {best[2]['entrypoint']}, {best[2]['findings']} findings")
        print("targets (issue 2):")
        print(f"  analyze_app() call within 2x of grep:   {'met' if call <= 2 * grep_best else 'NOT met'}")
        print(f"  fresh process within 2x of grep:        {'met' if best[0] <= 2 * grep_best else 'NOT met'}")
        print(f"  peak RSS under 200 MB:                  {'met' if rss < 200 else 'NOT met'}")
        return 0
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
