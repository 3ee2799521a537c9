"""Places on the maps: destinations by kind, the housing site, and the credits a page owes.

Destinations are one GeoJSON layer per kind, drawn as shape-and-letter symbols with escaped
tooltips and popups; the housing site is a house symbol with its label and, where its point is
approximate, a dashed ring and a note (:func:`approximate_note`). :func:`data_sources` lists
the data a page shows, as plain text.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import folium
import geopandas as gpd
import networkx as nx
import pandas as pd
from folium.utilities import JsCode

from ..offline import add_label, bind_popup, escape_text, popup_html, svg_class_name
from ..source import Area
from ..utils import clean_name
from .geometry import COORD_DECIMALS
from .styles import KIND_STYLES, kind_symbol_html, site_symbol_html, static

__all__ = [
    "BIND_FROM_PROPERTIES",
    "add_destinations",
    "add_site",
    "approximate_note",
    "data_sources",
    "label_side",
    "source_words",
]

#: Binds each GeoJSON feature's pre-escaped ``tip`` and ``popup`` properties.
BIND_FROM_PROPERTIES = JsCode(
    "function (feature, layer) {"
    " var p = feature.properties || {};"
    " if (p.tip) { layer.bindTooltip(p.tip, {className: 'sp-tip'}); }"
    " if (p.popup) { layer.bindPopup(p.popup, {maxWidth: 320}); }"
    " }"
)


def _uses_ladot(G: nx.MultiDiGraph, sample: int = 400) -> bool:
    """Whether the network carries LADOT traffic attributes (the demo extract does)."""
    keys = ("aadt", "busy", "control_type:forward", "control_type:backward", "xwalk:forward")
    for i, (_, _, data) in enumerate(G.edges(data=True)):
        if i >= sample:
            break
        if any(clean_name(data.get(key)) is not None for key in keys):
            return True
    return False


def data_sources(
    area: Area, frame: pd.DataFrame | None = None, *, lang: str = "en"
) -> list[str]:
    """The credits a page must show, as plain text.

    Always "© OpenStreetMap contributors" ("© colaboradores de OpenStreetMap" in Spanish: the
    network and OSM destinations); "LA Metro" when a
    destination shown came from LA Metro's GTFS; "LADOT" when the network carries LADOT traffic
    attributes.

    Parameters
    ----------
    area : Area
        The loaded area.
    frame : pandas.DataFrame, optional
        Rows of what the page shows (destinations or routes, with ``dest_id`` or ``source``);
        all of the area's destinations if None.
    lang : {"en", "es"}
        Language of the descriptions.

    Returns
    -------
    list of str
    """
    es = lang == "es"
    out = ["© colaboradores de OpenStreetMap (ODbL): calles y lugares" if es
           else "© OpenStreetMap contributors (ODbL): streets and places"]
    ids: set[str] = set()
    if frame is not None and "dest_id" in frame:
        ids = {str(x) for x in frame["dest_id"].dropna()}
    dest = area.destinations
    metro = False
    if len(dest) and "source" in dest:
        rows = dest if frame is None else dest[dest["dest_id"].astype(str).isin(ids)]
        metro = bool(rows["source"].astype(str).str.contains("Metro", case=False).any())
    if not metro and ids:
        metro = any(i.startswith("metro:") for i in ids)
    if metro:
        out.append("LA Metro (GTFS): " + (
            "paradas de autobús y tren" if es else "bus and rail stops"))
    if _uses_ladot(area.G):
        out.append("LADOT: " + (
            "volumen de tráfico y cruces" if es else "traffic volumes and crossings"))
    return out


def approximate_note(area: Area, lang: str = "en") -> str | None:
    """The site point's "approximate" note as plain text, or None for a surveyed point."""
    site = area.site
    if not site.approximate:
        return None
    if lang == "es":
        return (f"La ubicación de {site.name} es aproximada; la ruta empieza en la calle más "
                "cercana a ese punto.")
    detail = f" ({site.accuracy})" if site.accuracy else ""
    return (f"The location of {site.name} is approximate{detail}; routes start at the street "
            "nearest to that point.")


def label_side(lon: float, middle_lon: float | None, gap: int) -> dict[str, Any]:
    """Label options that put a label on the side of its point facing the map's middle."""
    right = middle_lon is None or lon <= middle_lon
    return {"direction": "right" if right else "left", "offset": [gap if right else -gap, 0]}


def source_words(source: object) -> str:
    """Where a place on the map comes from, in plain words (never an input file's name)."""
    text = str(source or "")
    if text.startswith("user file"):
        return "the list of places given for this plan"
    if "Metro" in text:
        return "LA Metro"
    return text


def _destination_rows(row: dict[str, Any], kind: str) -> list[tuple[str, object]]:
    rows: list[tuple[str, object]] = [
        ("Kind", KIND_STYLES.get(kind, KIND_STYLES["other"]).label_en)]
    if row.get("source"):
        rows.append(("From", source_words(row.get("source"))))
    if bool(row.get("approximate")):
        rows.append(("Location", "approximate"))
    if row.get("usable") is False or str(row.get("usable")) == "False":
        rows.append(("Not routed", row.get("problem") or "unusable"))
    return rows


def _destination_features(dest: gpd.GeoDataFrame, kind: str) -> dict[str, Any]:
    feats = []
    style = KIND_STYLES.get(kind, KIND_STYLES["other"])
    for row in dest.to_dict("records"):
        lat, lon = row.get("lat"), row.get("lon")
        if lat is None or lon is None or not (math.isfinite(lat) and math.isfinite(lon)):
            geom = row.get("geometry")
            if geom is None or geom.is_empty:
                continue
            pt = geom.representative_point()
            lat, lon = pt.y, pt.x
        name = clean_name(row.get("name")) or style.label_en.rstrip("s")
        feats.append({
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [round(float(lon), COORD_DECIMALS),
                                                          round(float(lat), COORD_DECIMALS)]},
            # Pre-escaped HTML: Leaflet shows these with innerHTML.
            "properties": {"tip": escape_text(name),
                           "popup": popup_html(_destination_rows(row, kind), title=name)},
        })
    return {"type": "FeatureCollection", "features": feats}


def _label_places(group: folium.FeatureGroup, rows: gpd.GeoDataFrame, size: int,
                  middle_lon: float | None) -> None:
    """Write each named place's name beside its symbol (escaped)."""
    for row in rows.to_dict("records"):
        name = clean_name(row.get("name"))
        if name and row.get("lat") is not None and math.isfinite(row["lat"]):
            add_label(group, (float(row["lat"]), float(row["lon"])), name,
                      class_name="sp-label sp-place-label",
                      **label_side(float(row["lon"]), middle_lon, size // 2 + 2))


def add_destinations(m: folium.Map, area: Area, *, label_kinds: Sequence[str] = ("school",),
                     middle_lon: float | None = None) -> list[str]:
    """One GeoJSON layer per destination kind (symbols, escaped tooltips and popups).

    Parameters
    ----------
    m : folium.Map
        The map.
    area : Area
        The loaded area (its destinations).
    label_kinds : sequence of str, default ("school",)
        Kinds whose names are written beside their symbols.
    middle_lon : float, optional
        Longitude of the view's middle: labels face it.

    Returns
    -------
    list of str
        The kinds drawn, in legend order.
    """
    dest = area.destinations
    kinds: list[str] = []
    if not len(dest):
        return kinds
    order = list(KIND_STYLES)
    present = sorted({str(k) for k in dest["kind"]}, key=lambda k: (
        order.index(k) if k in order else len(order), k))
    for kind in present:
        rows = dest[dest["kind"].astype(str) == kind]
        style = KIND_STYLES.get(kind, KIND_STYLES["other"])
        size = 24 if kind == "school" else 20
        group = folium.FeatureGroup(name=escape_text(style.label_en), show=True)
        icon = folium.DivIcon(html=kind_symbol_html(kind, size), icon_size=(size, size),
                              icon_anchor=(size // 2, size // 2), class_name="sp-kind-icon")
        folium.GeoJson(
            _destination_features(rows, kind),
            name=escape_text(style.label_en),
            control=False,
            marker=folium.Marker(icon=icon),
            on_each_feature=BIND_FROM_PROPERTIES,
        ).add_to(group)
        if kind in label_kinds:
            _label_places(group, rows, size, middle_lon)
        group.add_to(m)
        kinds.append(kind)
    return kinds


def add_site(parent: folium.Map | folium.FeatureGroup, area: Area,
             middle_lon: float | None = None) -> None:
    """The housing site: its symbol (above post badges), popup, label and, if approximate, ring.

    Parameters
    ----------
    parent : folium.Map or folium.FeatureGroup
        Where to draw.
    area : Area
        The loaded area (its site).
    middle_lon : float, optional
        Longitude of the view's middle: the label faces it.
    """
    site = area.site
    marker = folium.Marker(
        (round(site.lat, COORD_DECIMALS), round(site.lon, COORD_DECIMALS)),
        icon=folium.DivIcon(html=site_symbol_html(), icon_size=(26, 26), icon_anchor=(13, 13),
                            class_name="sp-site-icon"),
        z_index_offset=1000,  # above a post badge at the same corner
    )
    rows: list[tuple[str, object]] = [("Site", site.name)]
    if site.reference_address:
        rows.append(("Address", site.reference_address))
    if site.lapd_division:
        rows.append(("LAPD division", site.lapd_division))
    rows.append(("Location", "approximate" if site.approximate else "surveyed"))
    if site.accuracy:
        rows.append(("Accuracy", site.accuracy))
    bind_popup(marker, popup_html(rows, title=site.name))
    parent.add_child(marker)
    text = f"{site.name} (approximate location)" if site.approximate else site.name
    add_label(parent, (site.lat, site.lon), text, class_name="sp-label sp-site-label",
              **label_side(site.lon, middle_lon, 14))
    if site.approximate:
        # A dashed ring says "somewhere around here" without claiming a precise radius.
        static(folium.CircleMarker(
            (site.lat, site.lon), radius=22, color="#000000", weight=1.5, dash_array="4 4",
            fill=False, class_name=svg_class_name("sp-site-ring"),
        )).add_to(parent)
