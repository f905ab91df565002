"""benchmarks/README.md's figures are written by the scripts, between markers,
with the date and the command; rewriting a section leaves the rest alone."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def bench_program():
    spec = importlib.util.spec_from_file_location("bench_program", ROOT / "benchmarks" / "bench_program.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_section_is_replaced_between_its_markers_only(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(
        "# Benchmarks\n\nintro\n\n<!-- x: begin (written by the script) -->\nold figures\n<!-- x: end -->\n\ntail\n"
    )
    bench_program().write_readme_section(readme, "x", "new figures")
    assert readme.read_text() == (
        "# Benchmarks\n\nintro\n\n<!-- x: begin (written by the script) -->\nnew figures\n<!-- x: end -->\n\ntail\n"
    )


def test_missing_section_is_appended(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("# Benchmarks\n")
    bench_program().write_readme_section(readme, "y", "figures")
    assert readme.read_text() == "# Benchmarks\n\n<!-- y: begin (written by the script) -->\nfigures\n<!-- y: end -->\n"


def test_shipped_figures_carry_their_date_and_command() -> None:
    text = (ROOT / "benchmarks" / "README.md").read_text()
    section = text.split("<!-- bench_program: begin (written by the script) -->\n", 1)[1].split(
        "<!-- bench_program: end -->", 1
    )[0]
    assert re.match(
        r"Measured \d{4}-\d{2}-\d{2} with `python benchmarks/bench_program\.py [^`]*--write-readme`", section
    )
    assert "stack evaluated: program (" in section  # the program itself, not the hand-wired fallback


def test_analyzer_figures_carry_their_date_command_and_load() -> None:
    text = (ROOT / "benchmarks" / "README.md").read_text()
    section = text.split("<!-- bench_analyzer: begin (written by the script) -->\n", 1)[1].split(
        "<!-- bench_analyzer: end -->", 1
    )[0]
    assert re.match(
        r"Measured \d{4}-\d{2}-\d{2} with `python benchmarks/bench_analyzer\.py [^`]*--write-readme` "
        r"\(\d+ CPUs, Python [\d.]+, load average before: [\d. ]+, after: [\d. ]+\), \d+ files:",
        section,
    )
    assert "Python floor (walk, read, one regex)" in section
    assert "analyze --json within 1.5x the Python floor: " in section
