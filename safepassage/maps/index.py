"""The run's ``index.html``: a self-contained page linking every output, with a summary."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path

from ..offline import OSM_ATTRIBUTION, escape_text, write_html
from ..sites import Site

__all__ = ["INDEX_CSS", "write_index"]

INDEX_CSS = """
body { font: 16px/1.5 Arial, Helvetica, sans-serif; color: #222; margin: 0 auto;
  max-width: 46rem; padding: 16px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 20px 0 6px; }
ul { padding-left: 1.2em; }
li { margin: 4px 0; }
table { border-collapse: collapse; }
th, td { text-align: left; padding: 2px 12px 2px 0; vertical-align: top; }
.small { font-size: 14px; color: #444; }
"""


def _fmt_num(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 10 else f"{x:,.1f}".rstrip("0").rstrip(".")


def _summary_value(value: object) -> str:
    if isinstance(value, float):
        return _fmt_num(value)
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    if isinstance(value, Mapping):
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    return str(value)


def _link(folder: Path, text: str, target: str | Path) -> str:
    """One list item linking ``target`` (relative to ``folder`` when inside it), with its size."""
    e = escape_text
    p = Path(target)
    try:
        href = p.resolve().relative_to(folder.resolve()).as_posix()
    except ValueError:
        href = p.resolve().as_uri()
    size = ""
    if p.exists() and p.is_file():
        size = f" <span class=\"small\">({p.stat().st_size / 1024:,.0f} KB)</span>"
    return f'<li><a href="{e(href)}">{e(text)}</a>{size}</li>'


def write_index(
    folder: str | Path,
    files: Mapping[str, str | Path],
    site: Site | str,
    summary: Mapping[str, object] | None = None,
    *,
    title: str | None = None,
) -> Path:
    """Write ``index.html``: a self-contained page linking every output of a run.

    Parameters
    ----------
    folder : str or Path
        The run's folder; ``index.html`` is written there and links are relative to it.
    files : mapping of str to str or Path
        Link text (plain text) to file; files inside ``folder`` are linked relatively.
    site : Site or str
        The site (its ``name`` is used) or a name.
    summary : mapping, optional
        Figures shown in a table (plain-text keys and values).
    title : str, optional
        Page title; "Safe Passages: <site>" by default.

    Returns
    -------
    Path
        The index written.
    """
    folder = Path(folder)
    e = escape_text
    name = (site.name if isinstance(site, Site) else None) or str(site)
    title = title or f"Safe Passages: {name}"
    items = [_link(folder, text, target) for text, target in files.items()]
    rows = "".join(f"<tr><th>{e(k)}</th><td>{e(_summary_value(v))}</td></tr>"
                   for k, v in (summary or {}).items())
    approx = ""
    if isinstance(site, Site) and site.approximate:
        approx = (f'<p class="small">The site\'s location is approximate'
                  f'{e(" (" + site.accuracy + ")") if site.accuracy else ""}.'
                  "</p>")
    page = (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{e(title)}</title>\n<style>{INDEX_CSS}</style>\n</head>\n<body>\n"
        f"<h1>{e(title)}</h1>\n{approx}"
        f"<h2>Files</h2>\n<ul>{''.join(items)}</ul>\n"
        + (f"<h2>Summary</h2>\n<table>{rows}</table>\n" if rows else "")
        + f'<p class="small">Made {e(dt.date.today().isoformat())}. Map data '
        f"{OSM_ATTRIBUTION}. Every page here works with no internet connection.</p>\n"
        "</body>\n</html>\n"
    )
    return write_html(page, folder / "index.html")
