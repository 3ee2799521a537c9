"""The planner map's incident density, community concerns and counts by class: offline, escaped."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from browser import dump_dom

from safepassage import maps
from safepassage.incidents import read_concerns, read_incidents
from safepassage.maps.incidents import (
    BANDS,
    add_incident_layer,
    density_cells,
    incident_panel_html,
)
from safepassage.offline import external_references, offline_map
from safepassage.pipeline import compute_routes, routes_frame
from safepassage.safety import edge_risk, load_profile, parse_window

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "geodata" / "demo" / "lapd_crime_2020_demo.csv"
HOSTILE = '<img src=x onerror="document.body.dataset.xss=1">'


@pytest.fixture(scope="module")
def evening(demo_area: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The demo's evening incidents, with a concern whose note is hostile, under a hostile
    file name."""
    folder = tmp_path_factory.mktemp("inc")
    odd = folder / "<i>crimes.csv"
    shutil.copyfile(DEMO, odd)
    found = read_incidents(odd)
    node = demo_area.G.nodes[demo_area.origin_node]
    c = folder / "c.csv"
    c.write_text(f"lat,lon,note\n{node['lat']},{node['lon']},\"{HOSTILE.replace(chr(34), '')}\"\n")
    found.concerns = read_concerns(c)
    risk = edge_risk(demo_area.G, load_profile("night"), parse_window("evening"),
                     incidents=found)
    assert risk.incidents is not None
    return risk.incidents


def test_density_cells_follow_the_kernel_and_the_bands(evening: Any) -> None:
    cells = density_cells(evening)
    assert len(cells) > 10 and cells.crs.to_epsg() == 4326
    assert (cells["density"] >= BANDS[0] * evening.hot_spot).all()
    assert set(cells["band"]) <= {0, 1, 2, 3} and cells["band"].max() >= 2
    # a denser cell is never in a lower band
    order = np.argsort(cells["density"].to_numpy())
    assert np.all(np.diff(cells["band"].to_numpy()[order]) >= 0)
    # the densest cell has incidents around it; no cell claims more than were used
    assert 0 < cells["incidents"].max() <= len(evening.used)
    assert all(re.match(r"\d+ incidents? within 100 m in this window", t) for t in cells["tip"])


def test_no_incidents_no_cells(evening: Any) -> None:
    empty = type(evening)(**{**evening.__dict__, "used": evening.used.iloc[:0]})
    assert len(density_cells(empty)) == 0
    assert "No incidents in this window" in incident_panel_html(empty)


def test_panel_counts_by_class_and_escapes(evening: Any) -> None:
    text = incident_panel_html(evening)
    # where the incidents come from in plain words: not the input file's (hostile) name
    assert "crimes.csv" not in text and "<i>" not in text
    assert "LAPD crime data (City of Los Angeles open data)" in text
    rows = dict(re.findall(r'<tr><th scope="row">([^<]+)</th><td>(\d+)</td>', text))
    assert sum(int(n) for n in rows.values()) == len(evening.used)
    assert rows["vehicle and property crime"] == str(evening.by_class()["property"])
    assert "Community concerns: 1 named by residents, 1 near the streets" in text
    assert "never on handouts" in text
    assert incident_panel_html(None) == ""


def test_layers_are_offline_and_escaped(evening: Any, tmp_path: Path) -> None:
    m = offline_map((34.0506, -118.25595), 16, title="t")
    add_incident_layer(m, evening)
    page = tmp_path / "m.html"
    m.save(str(page))
    text = page.read_text()
    assert external_references(text) == []
    assert "leaflet.heat" not in text.lower() and "heatmap" not in text.lower()
    assert "sp-incident-density" in text and "sp-concern" in text
    assert "incidents within 100 m in this window" in text
    assert "<img src=x" not in text and "&lt;img src=x" in text


def test_planner_map_with_incidents_in_chromium(chromium: str, demo_area: Any, evening: Any,
                                                tmp_path: Path) -> None:
    from safepassage import coverage

    plan = compute_routes(demo_area)
    frame = routes_frame(demo_area, plan)
    cp = coverage.plan_posts(coverage.coverage_problem(demo_area.G, plan, "evening"), 2)
    page = maps.write_planner_map(tmp_path / "planner.html", demo_area, frame,
                                  maps.CoverageView.from_plan(cp), incidents=evening)
    dom = dump_dom(page, budget_ms=5000, window_size=(1400, 900))
    body = dom[dom.index("<body"):]
    cells = re.findall(r'<path class="sp-svg sp-incident-density', body)
    assert len(cells) == len(density_cells(evening))
    assert len(re.findall(r'<path class="sp-svg sp-concern', body)) == 1
    assert "data-xss" not in body
    assert "Incidents: evening (18:00-22:00)" in body
