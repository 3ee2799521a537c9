"""Officer and planner maps: self-contained folium pages drawn on the street network itself.

Every map here is built on :func:`safepassage.offline.offline_map` (Leaflet inlined, no network)
and reads with no map tiles at all: the base map is the area's own walking network
(:mod:`~safepassage.maps.basemap`) with the names of the main streets near the routes written
along them (:mod:`~safepassage.maps.streets`). OpenStreetMap's tiles stay an optional layer,
off by default.

- :func:`officer_map` / :func:`write_officer_map` (:mod:`~safepassage.maps.officer`,
  :mod:`~safepassage.maps.field`): for a field officer's phone. A slim header (site, time
  window and hours, date made, data age) with the list of posts that centres the map on tap,
  a time-window switch, safe routes coloured by their risk, officer posts with the stretch
  each watches and their hours in popups, destinations as symbols by kind, the site with its
  "approximate" note, a legend, the layer switcher, full screen, scale and "locate me".
- :func:`planner_map` / :func:`write_planner_map` (:mod:`~safepassage.maps.planner`,
  :mod:`~safepassage.maps.panel`): for a planner's desk. Walking demand along the corridor as
  line width and colour intensity, covered segments in blue and gaps in dashed orange, the
  posts (locked ones marked), banned places, and a side panel with the coverage figures and
  the gaps by street name; a second plan's posts are square badges "B1", ..., with the
  stretches whose cover changes and the change list (:class:`PlanB`).

Every post badge carries ``data-post`` (the number :mod:`safepassage.coverage` gave it, the
same on every page) and the browser keeps labels and symbols off it at every zoom
(:func:`safepassage.offline.keep_badges_clear`). Distances are in feet and miles unless a
map is made with ``units="metric"``.
- :func:`write_index` (:mod:`~safepassage.maps.index`): an ``index.html`` linking every output
  of a run.

The maps read coverage results through one explicit type, :class:`CoverageView`
(:mod:`~safepassage.maps.view`), which the pipeline builds from :mod:`safepassage.coverage`'s
objects (:meth:`CoverageView.from_plan`, :func:`shift_views`) or from plain tables
(:meth:`CoverageView.from_tables`). Palettes and symbols live in
:mod:`~safepassage.maps.styles`, the legend in :mod:`~safepassage.maps.legend`, posts in
:mod:`~safepassage.maps.posts`, destinations, the site and credits in
:mod:`~safepassage.maps.places`, coordinates and route gaps in
:mod:`~safepassage.maps.geometry`.

Every text that is not ours (OpenStreetMap names, post names, plan labels) is escaped before it
reaches HTML: labels and tooltips through :mod:`safepassage.offline`'s helpers, GeoJSON tooltips
as pre-escaped properties, layer names and the side panel with
:func:`safepassage.offline.escape_text`.
"""

from .basemap import SIMPLIFY_M, add_base_network, base_network_lines, unique_edges
from .geometry import (
    COORD_DECIMALS,
    DEST_GAP_M,
    START_GAP_M,
    RouteGap,
    add_gap_line,
    latlon_parts,
    metres_between,
    route_gaps,
)
from .index import write_index
from .legend import add_legend
from .officer import officer_map, write_officer_map
from .places import approximate_note, data_sources
from .planner import PlanB, planner_map, write_planner_map, write_planner_maps
from .posts import PostPlace, post_places
from .streets import (
    StreetLabel,
    add_street_labels,
    post_street_labels,
    short_street_name,
    street_labels,
)
from .styles import (
    DARK_COLOURS,
    KIND_STYLES,
    POST_COLOURS,
    RISK_CLASSES,
    KindStyle,
    RiskClass,
    add_map_css,
    kind_symbol_html,
    line_swatch,
    post_badge_html,
    post_colour,
    risk_class,
    site_symbol_html,
    static,
)
from .view import (
    CoverageFigures,
    CoverageView,
    normalize_corridor,
    normalize_posts,
    posts_and_corridor,
    shift_views,
    time_window_label,
)

__all__ = [
    "COORD_DECIMALS",
    "DARK_COLOURS",
    "DEST_GAP_M",
    "KIND_STYLES",
    "POST_COLOURS",
    "RISK_CLASSES",
    "SIMPLIFY_M",
    "START_GAP_M",
    "CoverageFigures",
    "CoverageView",
    "KindStyle",
    "PlanB",
    "PostPlace",
    "RiskClass",
    "RouteGap",
    "StreetLabel",
    "add_base_network",
    "add_gap_line",
    "add_legend",
    "add_map_css",
    "add_street_labels",
    "approximate_note",
    "base_network_lines",
    "data_sources",
    "kind_symbol_html",
    "latlon_parts",
    "line_swatch",
    "metres_between",
    "normalize_corridor",
    "normalize_posts",
    "officer_map",
    "planner_map",
    "post_badge_html",
    "post_colour",
    "post_places",
    "post_street_labels",
    "posts_and_corridor",
    "risk_class",
    "route_gaps",
    "shift_views",
    "short_street_name",
    "site_symbol_html",
    "static",
    "street_labels",
    "time_window_label",
    "unique_edges",
    "write_index",
    "write_officer_map",
    "write_planner_map",
    "write_planner_maps",
]
