"""The Python API a notebook user calls: exported names, parameter-named errors."""

from __future__ import annotations

import subprocess
import sys

import pytest

import safepassage as sp


def test_every_exported_name_resolves() -> None:
    assert set(sp.__all__) == {"__version__", *sp._EXPORTS}
    for name in sp.__all__:
        assert getattr(sp, name) is not None, name
    with pytest.raises(AttributeError, match="no attribute"):
        _ = sp.no_such_step  # type: ignore[attr-defined]


def test_importing_the_package_is_light() -> None:
    code = "import sys, safepassage; print('osmnx' in sys.modules, 'geopandas' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_sources_are_made_by_name() -> None:
    assert sp.Source.demo().kind == "demo"
    assert sp.Source.from_site("jordan downs").site.name == "Jordan Downs"
    assert sp.Source.from_point(34.05, -118.25).kind == "point"
    src = sp.Source.from_file("x.osm.pbf", 34.05, -118.25)
    assert src.kind == "file" and src.osm_file is not None and src.osm_file.name == "x.osm.pbf"
    with pytest.raises(sp.InputError, match="coordinates"):
        sp.Source.from_point(134.0, -118.25)


def test_errors_from_python_name_parameters_and_the_cli_names_flags() -> None:
    with pytest.raises(sp.InputError, match=r"^radius_m must be between 1 and 20,000 m"):
        sp.load_area(sp.Source.demo(), radius_m=-3)
    with pytest.raises(sp.InputError, match="include takes 'osm' and 'metro'"):
        sp.load_area(sp.Source.demo(), include=("osm", "buses"))
    from safepassage.cli import as_flags

    try:
        sp.load_area(sp.Source.demo(), radius_m=0)
    except sp.InputError as exc:
        assert as_flags(exc, str(exc)).startswith("--radius must be between 1 and 20,000 m")
    # a plan file's key keeps its name: only a message's leading parameter is translated
    plain = sp.InputError("plan.yaml: max_detour_pct must be a number")
    assert as_flags(plain, str(plain)) == "plan.yaml: max_detour_pct must be a number"


def test_the_readme_python_example_runs_as_written(tmp_path, monkeypatch) -> None:
    """The README's "Use from Python" code, unchanged, in a fresh interpreter."""
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    section = readme.split("## Use from Python", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.+?)\n```", section, flags=re.S)
    assert len(blocks) == 1
    script = tmp_path / "example.py"
    script.write_text(blocks[0])
    proc = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "% of the walking demand covered" in proc.stdout
    assert "officer_map.html" in proc.stdout
    assert (tmp_path / "maps" / "notebook-demo" / "plan.json").exists()
