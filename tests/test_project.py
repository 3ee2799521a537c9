"""The project's promises about itself: README quick start, CI, packaging, style."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    quick = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```bash\n(.+?)\n```", quick, flags=re.S)


def test_quick_start_is_two_commands():
    cmds = _readme_commands()
    assert len(cmds) == 2
    assert all("\n" not in c for c in cmds)
    assert "pip install" in cmds[0] and "safepassage" in cmds[0]
    assert "pip install" in cmds[1] and "pytest" in cmds[1]


def test_ci_runs_the_readme_test_command_verbatim():
    ci = (ROOT / ".ci" / "run").read_text()
    assert _readme_commands()[1] in ci.splitlines()


def test_every_command_has_help_with_an_example():
    from safepassage.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    assert sub.choices, "no commands"
    for name, p in sub.choices.items():
        text = p.format_help()
        assert "example" in text, f"{name} --help has no example"
        assert f"safepassage {name}" in text


def test_code_is_ruff_clean():
    proc = subprocess.run([sys.executable, "-m", "ruff", "check", "safepassage", "tests", "bench",
                           "tools"], cwd=ROOT, capture_output=True, text=True)
    if proc.returncode != 0 and "No module named ruff" in proc.stderr:
        import pytest

        pytest.skip("ruff is not installed (pip install ruff)")
    assert proc.returncode == 0, proc.stdout[-3000:]


#: The package's modules in data-flow order (docs/ARCHITECTURE.md).
FLOW = ["settings", "errors", "io", "progress", "sites", "graph", "features", "source", "safety",
        "crossings", "routing", "directions", "locate", "coverage", "planfile", "offline",
        "chromium", "plot", "handouts", "pipeline", "batch", "cli"]


def _imports(m: str) -> set[str]:
    """Top-level modules a module (or every file of a package) imports relatively."""
    pkg = ROOT / "safepassage" / m
    if pkg.is_dir():  # a subpackage: its files import the top level with two dots
        found: set[str] = set()
        for f in pkg.glob("*.py"):
            found |= set(re.findall(r"^\s*from \.\.(\w+) import", f.read_text(), flags=re.M))
        return found
    text = (ROOT / "safepassage" / f"{m}.py").read_text()
    return set(re.findall(r"^\s*from \.(\w+) import", text, flags=re.M))


def test_data_flows_one_way():
    modules = {p.stem for p in (ROOT / "safepassage").glob("*.py")} - {"__init__"}
    modules |= {p.parent.name for p in (ROOT / "safepassage").glob("*/__init__.py")}
    assert modules == set(FLOW), "add new modules to FLOW and docs/ARCHITECTURE.md"
    rank = {m: i for i, m in enumerate(FLOW)}
    backwards = []
    for m in FLOW:
        for imp in _imports(m):
            if rank[imp] > rank[m]:
                backwards.append(f"{m} imports {imp}")
    assert backwards == []
