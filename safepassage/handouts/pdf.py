"""Handouts printed to PDF (US Letter) with headless Chromium, offline, where one is installed.

Without Chromium nothing is written and a warning says so; a Chromium that fails or times out
raises :class:`safepassage.chromium.BrowserError`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

from .. import chromium

__all__ = ["write_handout_pdf", "write_handout_pdfs"]

log = logging.getLogger(__name__)


def write_handout_pdf(
    html_path: str | Path,
    pdf_path: str | Path | None = None,
    *,
    timeout: float = chromium.DEFAULT_TIMEOUT,
) -> Path | None:
    """Print a handout to PDF (US Letter) with headless Chromium, offline.

    Parameters
    ----------
    html_path : str or Path
        A handout written by :func:`~safepassage.handouts.write_handout`.
    pdf_path : str or Path, optional
        The PDF to write (next to the HTML, ``.pdf``, by default); replaced atomically.
    timeout : float
        Seconds Chromium may take.

    Returns
    -------
    Path or None
        The PDF, or None when no Chromium is installed (a warning says so; nothing is
        written).

    Raises
    ------
    safepassage.chromium.BrowserError
        If Chromium is installed but fails or times out.
    """
    html_path = Path(html_path)
    pdf = Path(pdf_path) if pdf_path is not None else html_path.with_suffix(".pdf")
    if chromium.find_chromium() is None:
        log.warning("%s; PDF of %s not written", chromium.MISSING_MESSAGE, html_path.name)
        return None
    return chromium.print_pdf(html_path, pdf, timeout=timeout)


def write_handout_pdfs(
    html_paths: Iterable[str | Path],
    *,
    workers: int | None = None,
    timeout: float = chromium.DEFAULT_TIMEOUT,
) -> list[Path]:
    """Print many handouts to PDF at once, each next to its HTML (``.pdf``).

    Headless Chromium processes print side by side (:func:`safepassage.chromium.print_pdfs`),
    each with its own throw-away profile and each printing page after page without starting
    again; every PDF is replaced atomically.

    Parameters
    ----------
    html_paths : iterable of str or Path
        Handouts written by :func:`~safepassage.handouts.write_handouts`.
    workers : int, optional
        Browsers at a time (default: one per two CPUs, see
        :func:`safepassage.chromium.pdf_workers`).
    timeout : float
        Seconds each Chromium may take.

    Returns
    -------
    list of Path
        The PDFs, in the order of ``html_paths``; empty when no Chromium is installed (a
        warning says so; nothing is written).

    Raises
    ------
    safepassage.chromium.BrowserError
        If Chromium is installed but fails or times out on a handout (the others are still
        printed first).
    """
    pages = [Path(h) for h in html_paths]
    if not pages:
        return []
    if chromium.find_chromium() is None:
        log.warning("%s; %d handout PDF(s) not written", chromium.MISSING_MESSAGE, len(pages))
        return []
    return chromium.print_pdfs([(h, h.with_suffix(".pdf")) for h in pages], workers=workers,
                               timeout=timeout)
