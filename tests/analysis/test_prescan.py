"""The forked prescan (analysis/scan/prescan.py) gives the in-process scan's result, finding for
finding, and every way it can fail falls back to the in-process scan.

The forks run in a fresh process: the test process may hold other tests' threads, and a
multi-threaded process is rightly never forked (`fork_ok`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from analysis.load import analyze_app
from analysis.scan import prescan, registry
from analysis.scan.wants import WANTS
from tests.analysis import corpus_shapes, repos

ROOT = Path(__file__).resolve().parents[2]

# Run in a fresh process with FARM_ANALYZER_JOBS=2 (the fork is forced whatever the load).
SCRIPT = """
import json, os, sys
from pathlib import Path
from analysis.scan import prescan as P
root, other = Path(sys.argv[1]), Path(sys.argv[2])
pending = P.start(root)  # before the detectors and models are imported, as the command does
from analysis.load import analyze_app
from analysis.scan import registry, walk
detectors = list(registry().values())
out = {"started": pending is not None}
taken = pending.take(root, False, detectors)
out["taken"] = taken is not None
os.environ["FARM_ANALYZER_JOBS"] = "1"
serial = walk(root, detectors, False)
os.environ["FARM_ANALYZER_JOBS"] = "2"
out["same_findings"] = [f.model_dump() for f in taken.findings] == [f.model_dump() for f in serial.findings]
out["same_inventory"] = taken.inventory == serial.inventory
out["report"] = analyze_app(root, prescan=P.start(root)).model_dump_json()
# what it scanned must be what is asked, or the in-process scan runs
out["other_root"] = P.start(root).take(other, False, detectors) is None
out["other_templates"] = P.start(root).take(root, True, detectors) is None
out["other_detectors"] = P.start(root).take(root, False, detectors[:-1]) is None
# a child that fails: no result, and the analysis is the in-process one
real = P.prescan
def failing(*args, **kwargs):
    raise OSError("simulated")
P.prescan = failing
out["failed_child"] = P.start(root).take(root, False, detectors) is None
out["failed_report"] = analyze_app(root, prescan=P.start(root)).model_dump_json()
P.prescan = real
# a result never taken (an error came first): the child is stopped and reaped
pending = P.start(root)
pid = pending._pid
pending.close()
try:
    os.waitpid(pid, os.WNOHANG)
    out["reaped"] = False
except ChildProcessError:
    out["reaped"] = True
print(json.dumps(out))
"""


def _fixture(tmp_path: Path) -> Path:
    files: dict[str, str | bytes] = dict(corpus_shapes.DEPLOY_OUTSIDE["files"])
    # enough files that pass the prefilter for the payload to overflow a pipe's buffer
    for i in range(300):
        files[f"backend/app/mod_{i:03d}.py"] = (
            f"import os\nX_{i} = os.getenv('JWT_SECRET', 'Zk29fQ81xVb7Lp40TmW3eR{i:03d}')\n# {'z' * 400}\n"
        )
    for i in range(300):
        files[f"backend/app/quiet_{i:03d}.py"] = f"def f_{i}(x):\n    return x + {i}\n"
    # the walk's and the reads' own findings travel back too
    files["backend/app/blob.py"] = b"\x00\x01\x02binary" * 10
    files["backend/app/latin.py"] = "import os\nNAME = 'caf\xe9'\nos.getenv('MONGO_URI')\n".encode("latin-1")
    files["backend/app/huge.py"] = "# " + "x" * (1024 * 1024 + 10) + "\n"
    files["{{cookiecutter.slug}}/main.py"] = "from fastapi import FastAPI\napp = FastAPI()\n"
    files["tools/env/pyvenv.cfg"] = "home = /usr/bin\n"
    root = repos.build(tmp_path / "repo", files)
    (root / "outside-link").symlink_to(tmp_path)
    return root


def test_the_forked_prescan_gives_the_in_process_result_and_falls_back_on_failure(tmp_path, monkeypatch):
    root = _fixture(tmp_path)
    monkeypatch.setenv("FARM_ANALYZER_JOBS", "1")
    expected = analyze_app(root).model_dump_json()
    kinds = {f["kind"] for f in json.loads(expected)["findings"]}
    assert {"binary-file", "non-utf8", "file-too-large", "skipped-template", "skipped-symlink"} <= kinds
    assert "skipped-virtualenv" in kinds
    env = {**os.environ, "FARM_ANALYZER_JOBS": "2"}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(root), str(tmp_path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    out = json.loads(done.stdout)
    assert out.pop("report") == expected
    assert out.pop("failed_report") == expected
    assert out == {
        "started": True,
        "taken": True,
        "same_findings": True,
        "same_inventory": True,
        "other_root": True,
        "other_templates": True,
        "other_detectors": True,
        "failed_child": True,
        "reaped": True,
    }


def test_no_fork_when_told_threaded_or_on_one_cpu(monkeypatch):
    import threading

    monkeypatch.setattr(threading, "active_count", lambda: 1)
    monkeypatch.setattr(prescan.os, "cpu_count", lambda: 2)
    monkeypatch.delenv("FARM_ANALYZER_JOBS", raising=False)
    assert prescan.fork_ok()
    monkeypatch.setattr(prescan.os, "getloadavg", lambda: (3.5, 3.0, 3.0))  # busy: forked is still faster
    assert prescan.fork_ok()
    monkeypatch.setenv("FARM_ANALYZER_JOBS", "1")
    assert not prescan.fork_ok()
    assert prescan.start(Path(".")) is None
    monkeypatch.setenv("FARM_ANALYZER_JOBS", "2")
    monkeypatch.setattr(threading, "active_count", lambda: 2)
    assert not prescan.fork_ok()
    monkeypatch.setattr(threading, "active_count", lambda: 1)
    monkeypatch.setattr(prescan.os, "cpu_count", lambda: 1)
    assert not prescan.fork_ok()


def test_the_wants_table_is_the_registry():
    """wants.py is generated (`python -m analysis.scan.prescan`): regenerate it when a detector's
    suffixes, names, prefixes, quick tokens or scope change. A stale table is caught at run time
    too (the in-process scan runs), but costs the overlap."""
    assert [prescan.want_of(d) for d in registry().values()] == list(WANTS)
    assert prescan.WANTS_FILE.read_text(encoding="utf-8") == prescan.render_wants()
    assert WANTS[0][0] == "ai-provider" and ".py" in WANTS[0][1]


def test_analyze_with_a_bad_stage_leaves_no_child_behind(tmp_path):
    app = repos.build(tmp_path / "app", {"main.py": "from fastapi import FastAPI\napp = FastAPI()\n"})
    project = tmp_path / "project"
    project.mkdir()
    code = (
        "import contextlib, io, os\n"
        "from farm_deploy.cli import main\n"
        "with contextlib.redirect_stderr(io.StringIO()) as err:\n"
        f"    code = main(['analyze', '--json', '--stage', 'qa', '--project-dir', {str(project)!r}, {str(app)!r}])\n"
        "try:\n"
        "    os.waitpid(-1, os.WNOHANG)\n"
        "    left = True\n"
        "except ChildProcessError:\n"
        "    left = False\n"
        "print(code, 'unknown stage' in err.getvalue(), left)\n"
    )
    env = {**os.environ, "FARM_ANALYZER_JOBS": "2"}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "2 True False"
