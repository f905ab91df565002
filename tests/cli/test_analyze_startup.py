"""`farm-deploy analyze` starts lean: only its own command module, no YAML library without stack
files, and no helper thread, so that the analyzer may read on two cores (it forks only a
single-threaded process)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from farm_deploy.commands.common import slow

ROOT = Path(__file__).resolve().parents[2]
MAIN = "from fastapi import FastAPI\n\napp = FastAPI()\n"


def _app(tmp_path: Path) -> tuple[Path, Path]:
    app = tmp_path / "app"
    app.mkdir()
    (app / "main.py").write_text(MAIN)
    (app / "requirements.txt").write_text("fastapi\n")
    project = tmp_path / "project"
    project.mkdir()
    return app, project


def test_analyze_loads_only_its_own_command_and_no_yaml_without_stack_files(tmp_path):
    app, project = _app(tmp_path)
    code = (
        "import contextlib, io, sys\n"
        "from farm_deploy.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    code = main(['analyze', '--json', '--project-dir', {str(project)!r}, {str(app)!r}])\n"
        "print(code, sorted(m for m in sys.modules if m.startswith(('farm_deploy.', 'ruamel', 'pulumi'))))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    expected = (
        "['farm_deploy.cli', 'farm_deploy.commands', 'farm_deploy.commands.analyze', 'farm_deploy.commands.common']"
    )
    assert out.strip() == f"0 {expected}"


def test_version_is_looked_up_only_when_asked():
    code = "import sys\nfrom farm_deploy.cli import build_parser\nbuild_parser('docker')\nprint('importlib.metadata' in sys.modules)\n"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_the_analyzer_may_fork_under_the_cli(tmp_path):
    """The progress timer of `analyze` is a signal, not a thread: FARM_ANALYZER_JOBS=2 forks.

    In a fresh process: the test process itself may hold other tests' threads, and the
    walker rightly refuses to fork a multi-threaded process.
    """
    app, project = _app(tmp_path)
    code = (
        "import contextlib, io, os, threading\n"
        "from analysis.scan import walker\n"
        "from farm_deploy.cli import main\n"
        "forks, real_fork = [], os.fork\n"
        "def fork():\n"
        "    forks.append(threading.active_count())\n"
        "    return real_fork()\n"
        "walker.os.fork = fork\n"
        "out = io.StringIO()\n"
        "with contextlib.redirect_stdout(out):\n"
        f"    code = main(['analyze', '--json', '--project-dir', {str(project)!r}, {str(app)!r}])\n"
        # The child leaves with os._exit once it has read its share: only the parent prints.
        'print(code, \'"entrypoint": "main:app"\' in out.getvalue(), forks)\n'
    )
    env = {**os.environ, "FARM_ANALYZER_JOBS": "2"}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "0 True [1]"


def test_the_alarm_timer_says_slow_work_and_leaves_no_thread_or_handler(capsys):
    import signal

    before = signal.getsignal(signal.SIGALRM)
    threads = threading.active_count()
    with slow("quick", alarm=True):
        assert threading.active_count() == threads
    with slow("analyzing a large repository", after=0.05, alarm=True):
        assert threading.active_count() == threads
        time.sleep(0.3)
    assert capsys.readouterr() == ("", "... analyzing a large repository\n")
    assert signal.getsignal(signal.SIGALRM) == before
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
