"""Reading on two cores (a forked child takes every other file) gives exactly the serial result."""

from __future__ import annotations

import threading

from analysis.load import analyze_app
from analysis.scan import walker
from tests.analysis import corpus_shapes, repos


def test_forked_read_gives_the_serial_report(tmp_path, monkeypatch):
    files = dict(corpus_shapes.DEPLOY_OUTSIDE["files"])
    for i in range(40):
        files[f"backend/app/mod_{i}.py"] = (
            f"import os\nX_{i} = os.getenv('JWT_SECRET', 'Zk29fQ81xVb7Lp40TmW3eR{i:02d}')\n"
        )
    root = repos.build(tmp_path, files)
    monkeypatch.setenv("FARM_ANALYZER_JOBS", "1")
    serial = analyze_app(root).model_dump_json()
    monkeypatch.setenv("FARM_ANALYZER_JOBS", "2")
    assert walker._parallel_ok(1) == (threading.active_count() == 1)
    assert analyze_app(root).model_dump_json() == serial


def test_small_trees_busy_machines_and_threaded_processes_read_serially(monkeypatch):
    monkeypatch.delenv("FARM_ANALYZER_JOBS", raising=False)
    monkeypatch.setattr(threading, "active_count", lambda: 1)
    monkeypatch.setattr(walker.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(walker.os, "getloadavg", lambda: (0.2, 0.2, 0.2))
    assert walker._parallel_ok(walker.PARALLEL_MIN_FILES)
    assert not walker._parallel_ok(walker.PARALLEL_MIN_FILES - 1)
    monkeypatch.setattr(walker.os, "getloadavg", lambda: (1.5, 1.5, 1.5))
    assert not walker._parallel_ok(walker.PARALLEL_MIN_FILES)
    monkeypatch.setenv("FARM_ANALYZER_JOBS", "1")
    assert not walker._parallel_ok(10 * walker.PARALLEL_MIN_FILES)
    monkeypatch.setattr(threading, "active_count", lambda: 2)
    monkeypatch.setenv("FARM_ANALYZER_JOBS", "2")
    assert not walker._parallel_ok(10 * walker.PARALLEL_MIN_FILES)
