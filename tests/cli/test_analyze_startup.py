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


def test_the_executable_exits_quickly_with_its_output_flushed_and_its_exit_code(tmp_path):
    """`python -m farm_deploy` is `entry()`: main(), the exit handlers, a flush, then os._exit. The
    whole JSON report arrives (buffered output is not lost), an exit handler still runs, a user
    error keeps its exit code, and a reader that leaves early is not an error."""
    app, project = _app(tmp_path)
    marker = tmp_path / "atexit-ran"
    code = (
        "import atexit, runpy, sys\n"
        f"atexit.register(lambda: open({str(marker)!r}, 'w').close())\n"
        "sys.argv = ['farm-deploy', *sys.argv[1:]]\n"
        "runpy.run_module('farm_deploy', run_name='__main__')\n"
    )
    run = [sys.executable, "-c", code]
    # stdout block-buffered, as it is for a pipe unless PYTHONUNBUFFERED is set
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    done = subprocess.run(
        [*run, "analyze", "--json", "--project-dir", str(project), str(app)], cwd=ROOT, env=env, capture_output=True
    )
    assert done.returncode == 0, done.stderr
    import json

    report = json.loads(done.stdout)  # complete: 40 KB and more, all flushed before os._exit
    assert report["requirements"]["api"]["entrypoint"] == "main:app" and len(done.stdout) > 10_000
    assert marker.exists()
    bad = subprocess.run(
        [*run, "analyze", "--stage", "qa", "--project-dir", str(project), str(app)],
        cwd=ROOT,
        env=env,
        capture_output=True,
    )
    assert bad.returncode == 2 and b"unknown stage" in bad.stderr and b"Traceback" not in bad.stderr


def test_entry_ends_with_os_exit_unless_a_thread_runs_and_ignores_a_reader_gone_at_the_flush(monkeypatch):
    """In process, with os._exit recorded instead of run: the exit code is main()'s, a flush that
    meets a closed pipe is not an error, and a running thread gets a normal exit (which waits for it)."""
    import io

    from farm_deploy import cli

    class GonePipe(io.StringIO):
        def flush(self) -> None:
            raise BrokenPipeError(32, "Broken pipe")

    exits: list[int] = []
    monkeypatch.setattr(cli.os, "_exit", exits.append)
    monkeypatch.setattr(cli.atexit, "_run_exitfuncs", lambda: None)  # this process's handlers stay
    monkeypatch.setattr(cli, "main", lambda: 3)
    monkeypatch.setattr(sys, "stdout", GonePipe())
    monkeypatch.setattr(threading, "active_count", lambda: 1)  # other tests may have left threads here
    cli.entry()
    assert exits == [3]
    monkeypatch.setattr(threading, "active_count", lambda: 2)
    try:
        cli.entry()
    except SystemExit as exc:
        assert exc.code == 3
    else:
        raise AssertionError("with a second thread, entry() exits normally")
    assert exits == [3]
