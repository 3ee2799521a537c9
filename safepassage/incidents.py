"""Incidents and community concerns: what happened where and when, and how much it counts.

Three incident formats are read, told apart by their header (or a ``.geojson`` suffix):

LAPD export
    The City of Los Angeles open-data export "Crime Data from 2020 to Present" as it comes:
    ``DR_NO``, ``DATE OCC``, ``TIME OCC``, ``Crm Cd``, ``LAT``, ``LON`` are required; ``Crm Cd
    Desc``, ``Premis Cd``, ``Premis Desc`` are read when present and every other column is
    kept as an attribute. ``DATE OCC`` is ``MM/DD/YYYY HH:MM`` or ``MM/DD/YYYY hh:mm:ss AM``
    (only the date counts; ISO ``YYYY-MM-DD...`` is accepted too), ``TIME OCC`` is 24-hour
    ``HHMM`` with or without leading zeros (``1``, ``45``, ``930``, ``2130``). Headers may carry
    a byte-order mark, stray spaces and blank column names. Rows at 0,0 or without a location
    are skipped and counted; a repeated ``DR_NO`` counts once.
simple CSV
    ``lat,lon`` and optionally ``datetime`` (ISO 8601), ``category``, ``weight``.
GeoJSON
    Points with the simple format's properties.

A citywide export has about a million rows, so the LAPD reader goes through the file in chunks
and keeps only the rows inside the area's bounding box (:meth:`IncidentFile.read`).

What an incident weighs on a street is ``given weight × class weight × premise factor``:

* the **class** comes from the crime code through the profile's ``[incident_codes]`` table
  (codes or ranges ``"first-last"`` to a class of :data:`CLASSES`; codes not listed are
  "other"); simple files name a class in ``category`` or are "unclassified" (their own weight
  stands). Each class weighs ``[incident_classes] <class>``;
* the **premise** comes from ``Premis Cd`` through ``[incident_premise_codes]`` to a kind of
  :data:`PREMISE_KINDS`, each with a factor ``[incident_premises] <kind>``: an assault inside a
  home counts less for a walker than one on the sidewalk.

The tables and their reasons are in ``safepassage/profiles/default.toml``; a profile overrides
any entry. Community concerns (``--concerns``: places residents named as unsafe) are points or
polygons weighing ``weight × [concerns] weight``, in every time window.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .errors import InputError
from .io import read_geojson_features
from .utils import TIME_NOTES, clean_text, time_of_day

#: Kinds of crime, in the order reports list them, with their plain-language names.
CLASSES: dict[str, str] = {
    "violence": "violence against persons",
    "robbery": "robbery",
    "weapons": "weapons and shots fired",
    "sexual": "sexual offences",
    "theft_person": "theft from persons",
    "property": "vehicle and property crime",
    "fraud": "fraud and identity crimes",
    "other": "other",
    "unclassified": "unclassified (weight as given in the file)",
}

#: Kinds of place an incident happened at (LAPD premise codes map to these).
PREMISE_KINDS: dict[str, str] = {
    "outdoors": "street, sidewalk, alley, park, bus stop or parking lot",
    "transit": "bus, train or station",
    "vehicle": "inside a vehicle",
    "business": "store, restaurant, bar or bank",
    "school": "school or college",
    "dwelling": "home, apartment, hotel, yard or porch",
    "office": "office, hospital, church or public building",
    "online": "cyberspace",
    "other": "other premises",
    "unknown": "premise not given",
}

#: Columns of the LAPD export the reader needs, and what it calls them.
LAPD_REQUIRED = {"DR_NO": "dr_no", "DATE OCC": "date_occ", "TIME OCC": "time_occ",
                 "Crm Cd": "crm_cd", "LAT": "lat", "LON": "lon"}
#: Columns of the LAPD export read when present.
LAPD_OPTIONAL = {"Crm Cd Desc": "crime", "Premis Cd": "premise_cd", "Premis Desc": "premise"}
SIMPLE_COLUMNS = ("lat", "lon", "datetime", "category", "weight")

#: Rows per chunk when reading an LAPD export.
CHUNK_ROWS = 200_000

#: Columns every incident table has, whatever the file's format.
COLUMNS = ("dr_no", "lat", "lon", "date", "minute", "crm_cd", "crime", "premise_cd", "premise",
           "category", "given_weight")

#: Why rows of a file were not used, in the order the filters apply.
SKIP_REASONS = ("duplicate DR_NO", "no location", "outside the period", "outside the area",
                "outside the time window", "weighs nothing")


#: Heaviest weight one incident (or concern) may carry in a file.
MAX_WEIGHT = 1000.0


def _norm(name: str) -> str:
    return re.sub(r"\s+", " ", name.replace("\ufeff", "")).strip().lower()


def parse_day(text: str | dt.date | None, name: str) -> dt.date | None:
    """A ``YYYY-MM-DD`` date (``since``/``until``), or None.

    Raises
    ------
    InputError
        Naming the parameter and the accepted form.
    """
    if text is None or isinstance(text, dt.date):
        return text
    try:
        return dt.date.fromisoformat(str(text).strip())
    except ValueError:
        raise InputError(f"bad date {text!r} for {name}: use YYYY-MM-DD, e.g. 2020-06-30"
                         ) from None


def check_period(since: dt.date | None, until: dt.date | None) -> None:
    """Raise :class:`InputError` when the period starts after it ends."""
    if since is not None and until is not None and since > until:
        raise InputError(f"the period is empty: since {since.isoformat()} is after until "
                         f"{until.isoformat()}")


def period_text(since: dt.date | None, until: dt.date | None,
                first: dt.date | None = None, last: dt.date | None = None) -> str:
    """"every date in the file (2020-01-01 to 2020-12-31)" or "2020-03-01 to 2020-06-30"."""
    if since is None and until is None:
        span = f" ({first.isoformat()} to {last.isoformat()})" if first and last else ""
        return f"every date in the file{span}"
    a = since.isoformat() if since else "the first date"
    b = until.isoformat() if until else "the last date"
    return f"{a} to {b}"


# ---------------------------------------------------------------------------------------------
# Code tables


def expand_codes(table: Mapping[str, str], what: str = "incident_codes") -> dict[int, str]:
    """Expand a code table (``"624"`` or ``"310-331"`` to a name) into one entry per code.

    Wider ranges apply first, so a narrower range or a single code inside one wins.

    Raises
    ------
    InputError
        For a key that is not a code or a range.
    """
    spans = []
    for key, value in table.items():
        m = re.fullmatch(r"\s*(\d{1,4})\s*(?:-\s*(\d{1,4})\s*)?", str(key))
        if not m:
            raise InputError(f"{what}: {key!r} is not a code or a range like \"310-331\"")
        a = int(m.group(1))
        b = int(m.group(2)) if m.group(2) else a
        if b < a:
            raise InputError(f"{what}: range {key!r} ends before it starts")
        spans.append((b - a, a, b, value))
    out: dict[int, str] = {}
    for _, a, b, value in sorted(spans, key=lambda s: -s[0]):
        for code in range(a, b + 1):
            out[code] = value
    return out


def _codes(values: pd.Series) -> np.ndarray:
    """Integer codes from text ("624", "0624", "101.0"); -1 where there is none."""
    num = pd.to_numeric(values.astype(str).str.strip(), errors="coerce")
    ok = num.notna() & (num == np.floor(num.fillna(0)))
    return np.where(ok, num.fillna(-1), -1).astype(np.int64)


def classify(frame: pd.DataFrame, code_classes: Mapping[int, str],
             premise_codes: Mapping[int, str]) -> tuple[np.ndarray, np.ndarray]:
    """Class and premise kind of every incident.

    Parameters
    ----------
    frame : pandas.DataFrame
        Incidents (:data:`COLUMNS`).
    code_classes, premise_codes : mapping of int to str
        Expanded tables (:func:`expand_codes`).

    Returns
    -------
    tuple of numpy.ndarray
        ``(classes, premise_kinds)`` as object arrays.
    """
    n = len(frame)
    crm = _codes(frame["crm_cd"]) if n else np.zeros(0, dtype=np.int64)
    cls = np.array([code_classes.get(int(c), "other") for c in crm], dtype=object)
    cat = frame["category"].astype(str).str.strip().str.lower().str.replace(" ", "_")
    given = cat.isin(list(CLASSES)).to_numpy()
    cls = np.where(crm < 0, np.where(given, cat.to_numpy(), "unclassified"), cls)
    prem = _codes(frame["premise_cd"]) if n else np.zeros(0, dtype=np.int64)
    kinds = np.array([premise_codes.get(int(c), "other") if c >= 0 else "unknown"
                      for c in prem], dtype=object)
    return cls.astype(object), kinds


def incident_weights(classes: np.ndarray, kinds: np.ndarray, given: np.ndarray,
                     class_weights: Mapping[str, float],
                     premise_factors: Mapping[str, float]) -> np.ndarray:
    """``given × class weight × premise factor``; unclassified rows keep their own weight."""
    cw = np.array([1.0 if c == "unclassified" else class_weights[c] for c in classes])
    pf = np.array([premise_factors[k] for k in kinds])
    return np.asarray(given, dtype=float) * cw * pf


def in_window(minutes: np.ndarray, start: int, length: int) -> np.ndarray:
    """Whether each minute of the day lies in a window; unknown times (-1) always do."""
    m = np.asarray(minutes, dtype=np.int64)
    if length >= 1440:
        return np.ones(len(m), dtype=bool)
    return (m < 0) | (((m - start) % 1440) < length)


# ---------------------------------------------------------------------------------------------
# Reading


@dataclass
class IncidentSet:
    """Incidents read from a file, with what was skipped on the way.

    Attributes
    ----------
    frame : pandas.DataFrame
        :data:`COLUMNS` (``date`` is a datetime64 day or NaT, ``minute`` the minute of the day
        or -1), then the file's other columns as attributes.
    source : str
        The file's name.
    format : str
        "LAPD export", "simple CSV" or "GeoJSON".
    read : int
        Records in the file.
    skipped : collections.Counter
        Records not kept, by reason (:data:`SKIP_REASONS`).
    since, until : datetime.date or None
        The period asked for.
    first, last : datetime.date or None
        Earliest and latest occurrence date among the located records.
    concerns : geopandas.GeoDataFrame
        Community concerns (``note``, ``weight``, ``geometry``), empty when none were given.
    notes : list of str
        What reading assumed (times with a zone converted to Los Angeles time, dates alone).
    """

    frame: pd.DataFrame
    source: str
    format: str
    read: int
    skipped: Counter[str] = field(default_factory=Counter)
    since: dt.date | None = None
    until: dt.date | None = None
    first: dt.date | None = None
    last: dt.date | None = None
    concerns: gpd.GeoDataFrame = field(default_factory=lambda: empty_concerns())
    notes: list[str] = field(default_factory=list)

    @property
    def period(self) -> str:
        """The period, in words (:func:`period_text`)."""
        return period_text(self.since, self.until, self.first, self.last)


@dataclass(frozen=True)
class IncidentFile:
    """An incidents file whose header has been checked, ready to read for an area.

    Attributes
    ----------
    path : Path
    format : str
        "LAPD export", "simple CSV" or "GeoJSON".
    names : tuple of str
        The reader's names for the file's columns (LAPD export).
    since, until : datetime.date or None
        Only incidents that occurred in this period (inclusive).
    """

    path: Path
    format: str
    names: tuple[str, ...] = ()
    since: dt.date | None = None
    until: dt.date | None = None

    def read(self, bbox: tuple[float, float, float, float] | None = None) -> IncidentSet:
        """Read the incidents, keeping those inside ``bbox`` (south, west, north, east)."""
        if self.format == "LAPD export":
            return _read_lapd(self, bbox)
        rows = (_read_simple_csv(self.path) if self.format == "simple CSV"
                else _read_geojson(self.path))
        found = _finish(self, pd.DataFrame(rows, columns=list(COLUMNS)), bbox)
        when = Counter(r.get("when") for r in rows)  # what was assumed about times, said once
        found.notes = [note.format(when[k]) for k, note in TIME_NOTES.items() if when[k]]
        return found


def open_incidents(path: str | Path, *, since: str | dt.date | None = None,
                   until: str | dt.date | None = None) -> IncidentFile:
    """Check an incidents file's header and the period, without reading the rows.

    Raises
    ------
    InputError
        A missing file, a CSV that is neither the LAPD export nor the simple format (naming
        the columns each needs), bad dates or a period that starts after it ends.
    """
    path = Path(path)
    s, u = parse_day(since, "since"), parse_day(until, "until")
    check_period(s, u)
    if not path.is_file():
        raise InputError(f"incidents file not found: {path}")
    if path.suffix.lower() in (".geojson", ".json"):
        _read_geojson(path)  # small: every row is checked now, before any slow work
        return IncidentFile(path, "GeoJSON", since=s, until=u)
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            header = next(csv.reader(fh), [])
    except UnicodeDecodeError:
        raise InputError(f"{path.name}: not a UTF-8 text CSV file") from None
    norm = [_norm(h) for h in header]
    wanted = {_norm(k): v for k, v in {**LAPD_REQUIRED, **LAPD_OPTIONAL}.items()}
    if all(_norm(k) in norm for k in LAPD_REQUIRED):
        names = tuple(wanted.get(n) or (h.strip() or f"_blank{i}")
                      for i, (h, n) in enumerate(zip(header, norm, strict=True)))
        return IncidentFile(path, "LAPD export", names, s, u)
    lapd_missing = [k for k in LAPD_REQUIRED if _norm(k) not in norm]
    if len(lapd_missing) <= 2 and any(_norm(k) in norm for k in ("DR_NO", "DATE OCC")):
        raise InputError(f"{path.name}: looks like an LAPD crime data export but has no "
                         f"{', '.join(lapd_missing)} column (it needs "
                         f"{', '.join(LAPD_REQUIRED)})")
    if "lat" in norm and "lon" in norm:
        _read_simple_csv(path)  # small: every row is checked now, before any slow work
        return IncidentFile(path, "simple CSV", since=s, until=u)
    raise InputError(
        f"{path.name}: neither an LAPD crime data export (needs columns "
        f"{', '.join(LAPD_REQUIRED)}; missing {', '.join(lapd_missing)}) nor a simple "
        "incidents CSV (needs lat,lon and optionally datetime,category,weight)")


def read_incidents(path: str | Path, *, since: str | dt.date | None = None,
                   until: str | dt.date | None = None,
                   bbox: tuple[float, float, float, float] | None = None) -> IncidentSet:
    """Read an incidents file (LAPD export, simple CSV or GeoJSON points).

    Parameters
    ----------
    path : str or Path
        The file.
    since, until : str or datetime.date, optional
        Keep incidents that occurred in this period (``YYYY-MM-DD``, inclusive). Default:
        every date in the file.
    bbox : tuple of float, optional
        ``(south, west, north, east)``: keep only incidents inside it.

    Returns
    -------
    IncidentSet

    Raises
    ------
    InputError
        See :func:`open_incidents`; also unparseable dates, times or coordinates, naming the
        line.
    """
    return open_incidents(path, since=since, until=until).read(bbox)


def _bad(path: Path, line: int, message: str) -> InputError:
    return InputError(f"{path.name} line {line}: {message}")


def _parse_dates(values: pd.Series) -> pd.Series:
    """LAPD ``DATE OCC`` to days: ``MM/DD/YYYY ...`` or ``YYYY-MM-DD...``; NaT if neither."""
    text = values.str.strip().str.slice(0, 10)
    us = pd.to_datetime(text, format="%m/%d/%Y", errors="coerce")
    iso = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
    return us.fillna(iso)


def _parse_times(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """LAPD ``TIME OCC`` (HHMM, leading zeros optional) to minutes; and which were bad."""
    text = values.str.strip()
    digits = text.str.fullmatch(r"\d{1,4}").fillna(False).to_numpy(dtype=bool)
    num = pd.to_numeric(text.where(digits, "0"), errors="coerce").fillna(0).to_numpy(np.int64)
    hh, mm = num // 100, num % 100
    bad = ~digits | (hh > 23) | (mm > 59)
    return np.where(bad, -1, hh * 60 + mm), bad


def _lapd_chunks(f: IncidentFile) -> Iterable[pd.DataFrame]:
    try:
        reader = pd.read_csv(
            f.path, header=0, names=list(f.names), dtype=str, keep_default_na=False,
            chunksize=CHUNK_ROWS, encoding="utf-8-sig", skip_blank_lines=False,
            usecols=[n for n in f.names if not n.startswith("_blank")],
        )
        yield from reader
    except UnicodeDecodeError:
        raise InputError(f"{f.path.name}: not a UTF-8 text CSV file") from None
    except (pd.errors.ParserError, ValueError) as exc:
        raise InputError(f"{f.path.name}: malformed CSV ({str(exc).strip()})") from None


def _lapd_chunk(f: IncidentFile, ch: pd.DataFrame, first_line: int, seen: set[str],
                bbox: tuple[float, float, float, float] | None,
                counts: Counter[str]) -> tuple[pd.DataFrame, int, list[dt.date]]:
    """Check and filter one chunk; returns the kept rows, the records read, and date range."""
    required = [v for v in LAPD_REQUIRED.values()]
    blank = (ch[required] == "").all(axis=1).to_numpy()
    lines = first_line + np.arange(len(ch))
    ch, lines = ch[~blank], lines[~blank]
    lat = pd.to_numeric(ch["lat"].str.strip(), errors="coerce").to_numpy()
    lon = pd.to_numeric(ch["lon"].str.strip(), errors="coerce").to_numpy()
    for col, num in (("lat", lat), ("lon", lon)):
        bad = np.isnan(num) & (ch[col].str.strip() != "").to_numpy()
        if bad.any():
            i = int(np.argmax(bad))
            raise _bad(f.path, int(lines[i]), f"{col.upper()} {ch[col].iloc[i]!r} is not a number")
    days = _parse_dates(ch["date_occ"])
    bad_day = days.isna().to_numpy()
    if bad_day.any():
        i = int(np.argmax(bad_day))
        raise _bad(f.path, int(lines[i]), f"DATE OCC {ch['date_occ'].iloc[i]!r} is not a date "
                   "(MM/DD/YYYY, as in the LAPD export)")
    minutes, bad_time = _parse_times(ch["time_occ"])
    if bad_time.any():
        i = int(np.argmax(bad_time))
        raise _bad(f.path, int(lines[i]), f"TIME OCC {ch['time_occ'].iloc[i]!r} is not a time "
                   "(24-hour HHMM, e.g. 930 or 2130)")
    dr = ch["dr_no"].str.strip()
    dup = ((dr != "") & (dr.isin(seen) | dr.duplicated())).to_numpy()
    seen.update(dr[dr != ""])
    located = ~np.isnan(lat) & ~np.isnan(lon) & ~((lat == 0) & (lon == 0)) & \
        (np.abs(lat) <= 90) & (np.abs(lon) <= 180)
    period = np.ones(len(ch), dtype=bool)
    if f.since is not None:
        period &= days.to_numpy() >= np.datetime64(f.since)
    if f.until is not None:
        period &= days.to_numpy() <= np.datetime64(f.until)
    inside = _in_bbox(lat, lon, bbox)
    counts["duplicate DR_NO"] += int(dup.sum())
    counts["no location"] += int((~dup & ~located).sum())
    counts["outside the period"] += int((~dup & located & ~period).sum())
    counts["outside the area"] += int((~dup & located & period & ~inside).sum())
    keep = ~dup & located & period & inside
    dated = days[~dup & located]
    span = [dated.min().date(), dated.max().date()] if len(dated) else []
    out = ch[keep].copy()
    out["dr_no"] = dr[keep]
    out["lat"], out["lon"] = lat[keep], lon[keep]
    out["date"] = days[keep]
    out["minute"] = minutes[keep]
    return out, len(ch), span


def _in_bbox(lat: np.ndarray, lon: np.ndarray,
             bbox: tuple[float, float, float, float] | None) -> np.ndarray:
    if bbox is None:
        return np.ones(len(lat), dtype=bool)
    s, w, n, e = bbox
    return (lat >= s) & (lat <= n) & (lon >= w) & (lon <= e)


def _read_lapd(f: IncidentFile, bbox: tuple[float, float, float, float] | None) -> IncidentSet:
    counts: Counter[str] = Counter()
    seen: set[str] = set()
    parts, span = [], []
    read, line = 0, 2
    for ch in _lapd_chunks(f):
        kept, n, s = _lapd_chunk(f, ch, line, seen, bbox, counts)
        line += len(ch)
        read += n
        span += s
        parts.append(kept)
    frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=list(COLUMNS))
    for col in ("crime", "premise_cd", "premise", "category"):
        if col not in frame:
            frame[col] = ""
    frame["given_weight"] = 1.0
    frame["minute"] = frame["minute"].astype(np.int64)
    frame["category"] = ""
    extra = [c for c in frame.columns if c not in COLUMNS and c not in ("date_occ", "time_occ")]
    frame = frame[[*COLUMNS, *extra]].reset_index(drop=True)
    return IncidentSet(frame, f.path.name, f.format, read, counts, f.since, f.until,
                       min(span) if span else None, max(span) if span else None)


def _finish(f: IncidentFile, frame: pd.DataFrame,
            bbox: tuple[float, float, float, float] | None) -> IncidentSet:
    """Period and area filters for the small formats (their rows are all located)."""
    counts: Counter[str] = Counter()
    days = pd.to_datetime(frame["date"])
    period = np.ones(len(frame), dtype=bool)
    if f.since is not None:
        period &= (days.isna() | (days >= pd.Timestamp(f.since))).to_numpy()
    if f.until is not None:
        period &= (days.isna() | (days <= pd.Timestamp(f.until))).to_numpy()
    inside = _in_bbox(frame["lat"].to_numpy(float), frame["lon"].to_numpy(float), bbox)
    counts["outside the period"] += int((~period).sum())
    counts["outside the area"] += int((period & ~inside).sum())
    dated = days.dropna()
    out = frame[period & inside].reset_index(drop=True)
    out["date"] = pd.to_datetime(out["date"])
    out["minute"] = out["minute"].astype(np.int64)
    out["given_weight"] = out["given_weight"].astype(float)
    return IncidentSet(out, f.path.name, f.format, len(frame), counts, f.since, f.until,
                       dated.min().date() if len(dated) else None,
                       dated.max().date() if len(dated) else None)


def _simple_row(r: Mapping[str, str], where: str) -> dict[str, object]:
    try:
        lat, lon = float(r["lat"]), float(r["lon"])
    except (KeyError, ValueError, TypeError):
        raise InputError(f"{where}: lat/lon must be numbers") from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise InputError(f"{where}: coordinates {lat}, {lon} out of range")
    minute, day, when = -1, None, ""
    if r.get("datetime"):
        try:  # in Los Angeles time; a date alone is no time of day (-1), not midnight
            minute, day, when = time_of_day(str(r["datetime"]))
        except ValueError:
            raise InputError(f"{where}: datetime {r['datetime']!r} is not ISO 8601 "
                             "(e.g. 2026-03-04T15:20)") from None
    weight = _weight(r.get("weight"), where)
    category = clean_text(r.get("category"))
    return {"dr_no": str(r.get("dr_no") or ""), "lat": lat, "lon": lon, "date": day,
            "minute": minute, "crm_cd": "", "crime": category, "premise_cd": "",
            "premise": "", "category": category, "given_weight": weight, "when": when}


def _read_simple_csv(path: Path) -> list[dict[str, object]]:
    rows = []
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            for i, raw in enumerate(reader, start=2):
                r = {_norm(k or ""): (v or "").strip() for k, v in raw.items() if k}
                if not any(r.values()):
                    continue
                rows.append(_simple_row(r, f"{path.name} line {i}"))
    except UnicodeDecodeError:
        raise InputError(f"{path.name}: not a UTF-8 text CSV file") from None
    except csv.Error as exc:
        raise InputError(f"{path.name}: malformed CSV ({exc})") from None
    return rows


def _read_geojson(path: Path) -> list[dict[str, object]]:
    feats = read_geojson_features(path, ("Point",), what="incidents file",
                                  expect="incidents must be Points", allow_empty=True)
    rows = []
    for where, geom, props in feats:
        r = {_norm(str(k)): ("" if v is None else str(v)) for k, v in props.items()}
        rows.append(_simple_row({**r, "lat": str(geom.y), "lon": str(geom.x)}, where))
    return rows


@dataclass(frozen=True)
class IncidentOptions:
    """What a planner asks about incidents: the file, the period and the community concerns.

    Attributes
    ----------
    path : str or Path or None
        Incidents file (LAPD export, simple CSV or GeoJSON).
    since, until : str or None
        Period, ``YYYY-MM-DD`` inclusive; default every date in the file.
    concerns : str or Path or None
        Community concerns file.
    """

    path: str | Path | None = None
    since: str | None = None
    until: str | None = None
    concerns: str | Path | None = None

    def open(self) -> tuple[IncidentFile | None, gpd.GeoDataFrame | None]:
        """Check everything (see :func:`open_incidents`, :func:`read_concerns`)."""
        if self.path:
            found: IncidentFile | None = open_incidents(self.path, since=self.since,
                                                        until=self.until)
        else:  # a period without a file selects nothing, but must still be a period
            check_period(parse_day(self.since, "since"), parse_day(self.until, "until"))
            found = None
        return found, read_concerns(self.concerns) if self.concerns else None


# ---------------------------------------------------------------------------------------------
# Community concerns


def empty_concerns() -> gpd.GeoDataFrame:
    """A concerns table with no rows."""
    return gpd.GeoDataFrame({"concern_id": [], "note": [], "weight": []},
                            geometry=gpd.GeoSeries([], crs="EPSG:4326"), crs="EPSG:4326")


def read_concerns(path: str | Path) -> gpd.GeoDataFrame:
    """Places residents named as unsafe: CSV ``lat,lon[,note,weight]`` or GeoJSON.

    GeoJSON features may be Points, Polygons or MultiPolygons with optional ``note`` and
    ``weight`` properties.

    Returns
    -------
    geopandas.GeoDataFrame
        ``concern_id`` (1, 2, ...), ``note``, ``weight``, ``geometry`` (WGS84).

    Raises
    ------
    InputError
        Naming the line or feature and the problem.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"concerns file not found: {path}")
    rows: list[dict[str, object]] = []
    if path.suffix.lower() in (".geojson", ".json"):
        feats = read_geojson_features(path, ("Point", "Polygon", "MultiPolygon"),
                                      what="concerns file",
                                      expect="concerns must be Points or Polygons")
        for where, geom, props in feats:
            rows.append({"note": clean_text(props.get("note") or props.get("name")),
                         "weight": _weight(props.get("weight"), where),
                         "geometry": geom})
    else:
        try:
            with path.open(newline="", encoding="utf-8-sig") as fh:
                reader = csv.DictReader(fh)
                fields = [_norm(k or "") for k in reader.fieldnames or []]
                if "lat" not in fields or "lon" not in fields:
                    raise InputError(f"{path.name}: a concerns CSV needs columns lat,lon "
                                     "(and optionally note,weight)")
                for i, raw in enumerate(reader, start=2):
                    r = {_norm(k or ""): (v or "").strip() for k, v in raw.items() if k}
                    where = f"{path.name} line {i}"
                    row = _simple_row({"lat": r.get("lat", ""), "lon": r.get("lon", "")}, where)
                    rows.append({"note": clean_text(r.get("note")),
                                 "weight": _weight(r.get("weight"), where),
                                 "geometry": shapely.Point(row["lon"], row["lat"])})
        except UnicodeDecodeError:
            raise InputError(f"{path.name}: not a UTF-8 text CSV file") from None
    if not rows:
        raise InputError(f"{path.name}: no concerns in the file")
    out = gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")
    out.insert(0, "concern_id", np.arange(1, len(out) + 1))
    return out


def _weight(value: object, where: str) -> float:
    """A weight from a file: 1 when not given, else a number from 0 to :data:`MAX_WEIGHT`."""
    if value in (None, ""):
        return 1.0
    try:
        w = float(str(value))
    except ValueError:
        raise InputError(f"{where}: weight must be a number") from None
    if not (math.isfinite(w) and 0 <= w <= MAX_WEIGHT):
        raise InputError(f"{where}: weight {value!r} must be between 0 and {MAX_WEIGHT:g}")
    return w


# ---------------------------------------------------------------------------------------------
# What was used


@dataclass
class IncidentUse:
    """The incidents and concerns that weighed on the streets in one time window.

    Attributes
    ----------
    window : str
        The window's label ("evening (18:00-22:00)").
    used : pandas.DataFrame
        The incidents used: :data:`COLUMNS` plus ``crime_class``, ``premise_kind``, ``weight``.
    concerns : geopandas.GeoDataFrame
        The concerns near the streets, with their ``weight`` after the profile.
    source, format, period : str
        Where the incidents came from and the period read.
    read : int
        Records in the file.
    skipped : collections.Counter
        Records not used, by reason (:data:`SKIP_REASONS`); ``read == sum(skipped) + len(used)``.
    concerns_given : int
        Concerns in the concerns file.
    bandwidth_m, hot_spot : float
        The profile's kernel bandwidth and hot-spot density they were weighed with.
    notes : list of str
        What reading the file assumed (:attr:`IncidentSet.notes`).
    """

    window: str
    used: pd.DataFrame
    concerns: gpd.GeoDataFrame
    source: str
    format: str
    period: str
    read: int
    skipped: Counter[str]
    concerns_given: int = 0
    bandwidth_m: float = 100.0
    hot_spot: float = 1.0
    notes: list[str] = field(default_factory=list)

    def by_class(self) -> dict[str, int]:
        """Incidents used per class, in :data:`CLASSES` order, classes with none left out."""
        counts = Counter(self.used["crime_class"]) if len(self.used) else Counter()
        return {c: int(counts[c]) for c in CLASSES if counts[c]}

    def summary(self) -> dict[str, object]:
        """Plain dictionary for ``plan.json``."""
        return {
            "source": self.source, "format": self.format, "period": self.period,
            "window": self.window, "read": self.read,
            "skipped": {k: int(self.skipped[k]) for k in SKIP_REASONS if self.skipped[k]},
            "used": len(self.used), "used_weight": round(float(self.used["weight"].sum()), 2)
            if len(self.used) else 0.0,
            "used_by_class": self.by_class(),
            "concerns_given": self.concerns_given, "concerns_used": len(self.concerns),
            "notes": list(self.notes),
        }

    def text(self) -> str:
        """One line for the terminal: read, skipped (and why), used by class."""
        skipped = ", ".join(f"{self.skipped[k]:,} {k}" for k in SKIP_REASONS if self.skipped[k])
        classes = ", ".join(f"{CLASSES[c]} {n}" for c, n in self.by_class().items())
        used = f"used {len(self.used):,}" + (f" ({classes})" if classes else "")
        return (f"incidents, {self.window}: {self.format} {self.source}, {self.period}: "
                f"{self.read:,} read; skipped {skipped or 'none'}; {used}"
                + "".join(f"; {n}" for n in self.notes))

    def features(self) -> gpd.GeoDataFrame:
        """The used incidents as points for ``incidents.geojson`` (no other attributes)."""
        u = self.used
        geom = gpd.points_from_xy(u["lon"].astype(float), u["lat"].astype(float))
        minute = u["minute"].to_numpy(np.int64)
        return gpd.GeoDataFrame({
            "dr_no": u["dr_no"].astype(str).to_numpy(),
            "date": [d.date().isoformat() if pd.notna(d) else None for d in u["date"]],
            "time": [f"{m // 60:02d}:{m % 60:02d}" if m >= 0 else None for m in minute],
            "crime": u["crime"].astype(str).to_numpy(),
            "crm_cd": u["crm_cd"].astype(str).to_numpy(),
            "class": u["crime_class"].to_numpy(),
            "premise": u["premise"].astype(str).to_numpy(),
            "premise_kind": u["premise_kind"].to_numpy(),
            "weight": np.round(u["weight"].to_numpy(float), 4),
            "window": self.window,
        }, geometry=geom, crs="EPSG:4326")


def count_near(lines: Iterable[shapely.Geometry | None], points: np.ndarray,
               weights: np.ndarray, radius_m: float) -> list[tuple[int, float]]:
    """Incidents (and their summed weight) within ``radius_m`` of each projected line.

    Parameters
    ----------
    lines : iterable of shapely geometry
        Projected routes (None or empty for none).
    points : numpy.ndarray
        Projected shapely points of the incidents.
    weights : numpy.ndarray
        Their weights.
    radius_m : float
        Distance in the lines' units (metres).

    Returns
    -------
    list of tuple
        ``(count, weight)`` per line.
    """
    geoms = list(lines)
    out = [(0, 0.0)] * len(geoms)
    if not len(points):
        return out
    tree = shapely.STRtree(points)
    for i, g in enumerate(geoms):
        if g is None or g.is_empty:
            continue
        hit = tree.query(g, predicate="dwithin", distance=radius_m)
        out[i] = (len(hit), round(float(weights[hit].sum()), 2))
    return out
