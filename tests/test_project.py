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


def test_no_module_is_over_800_lines():
    long = {str(p.relative_to(ROOT)): n for p in (ROOT / "safepassage").rglob("*.py")
            if (n := len(p.read_text().splitlines())) > 800}
    assert long == {}


def test_types_are_checked():
    """mypy, configured in pyproject.toml, finds nothing in the package."""
    import pytest

    pytest.importorskip("mypy", reason="mypy is not installed (pip install -e '.[test]')")
    proc = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True,
                          text=True)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert "Success: no issues found" in proc.stdout


#: The package's modules in data-flow order (docs/ARCHITECTURE.md).
FLOW = ["settings", "errors", "utils", "io", "progress", "sites", "graph", "features", "source",
        "incidents", "ways", "safety", "crossings", "routing", "incident_report", "directions",
        "locate", "coverage", "beats", "planfile", "request", "offline", "chromium", "maps",
        "handouts", "pipeline", "batch", "workspace", "cli"]

_IMPORT = re.compile(
    r"^\s*(?:from\s+(\.*)([\w.]*)\s+import\s+(\([^)]*\)|[\w, ]+)|import\s+(safepassage[\w.]*))",
    flags=re.M)


def _unit_of(path: Path) -> str:
    """The top-level module or subpackage of the data flow a source file belongs to."""
    return path.relative_to(ROOT / "safepassage").parts[0].removesuffix(".py")


def _imported_units(path: Path, text: str | None = None) -> set[str]:
    """Top-level units a file imports: ``from .x``, ``from ..x``, ``from . import x``,
    ``from safepassage.x import``, ``from safepassage import x``, ``import safepassage.x``."""
    package = list(path.relative_to(ROOT).with_suffix("").parts[:-1])  # ["safepassage", ...]
    units = set()
    for dots, module, names, absolute in _IMPORT.findall(text or path.read_text()):
        if absolute:
            parts = absolute.split(".")
        elif dots:
            parts = package[: len(package) - (len(dots) - 1)] + [m for m in module.split(".") if m]
        elif module.split(".")[0] == "safepassage":
            parts = module.split(".")
        else:
            continue
        if len(parts) == 1:  # "from . import x" at the top, "from safepassage import x"
            units.update(n.strip() for n in names.strip("()").split(",") if n.strip() in FLOW)
        else:
            units.add(parts[1])
    return units


def test_data_flows_one_way():
    # the package's own __init__ / __main__ stand above the flow (they export and run it)
    files = [p for p in (ROOT / "safepassage").rglob("*.py")
             if p.parent != ROOT / "safepassage" or p.name not in ("__init__.py", "__main__.py")]
    units = {_unit_of(p) for p in files}
    assert units == set(FLOW), "add new modules to FLOW and docs/ARCHITECTURE.md"
    rank = {m: i for i, m in enumerate(FLOW)}
    backwards = sorted(
        f"{p.relative_to(ROOT)} imports {imp}" for p in files for imp in _imported_units(p)
        if imp in rank and rank[imp] > rank[_unit_of(p)]
    )
    assert backwards == []


def test_the_layering_check_sees_every_import_form():
    text = ("from safepassage.maps import x\nimport safepassage.cli\nfrom .pipeline import y\n"
            "from . import batch, settings\nfrom safepassage import (\n    handouts,\n)\n")
    assert _imported_units(ROOT / "safepassage" / "graph.py", text) == {
        "maps", "cli", "pipeline", "batch", "settings", "handouts"}
    inside = ROOT / "safepassage" / "coverage" / "demand.py"
    assert _imported_units(inside, "from ..routing import a\nfrom .problem import b\n") == {
        "routing", "coverage"}
