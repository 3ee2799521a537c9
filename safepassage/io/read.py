"""Reading users' files with bounds checked before parsing: size, nesting, YAML aliases, rows.

Every problem is an :class:`~safepassage.errors.InputError` naming the file, the line and the
problem, so the command line reports it in one line and exits 2.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from ..errors import InputError

#: Largest user file read (bytes), deepest nesting of JSON/YAML, most values once YAML aliases
#: are expanded: a plan file, a zone file and a destinations file are far below all three.
MAX_FILE_BYTES = 200 * 1024 * 1024
MAX_NESTING = 64
MAX_YAML_VALUES = 1_000_000


def read_input_bytes(path: str | Path, what: str, *, max_bytes: int = MAX_FILE_BYTES) -> bytes:
    """The content of a user's file, or an :class:`InputError` saying why it cannot be had."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{what} not found: {path}")
    if not path.is_file():
        raise InputError(f"{what} {path} is not a file")
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise InputError(f"{what} {path.name} is {size / 2**20:,.0f} MB; at most "
                             f"{max_bytes / 2**20:,.0f} MB is read")
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {what} {path}: {exc.strerror or exc}") from None


def decode_text(data: bytes, where: str) -> str:
    """UTF-8 text (a byte-order mark is dropped), or an :class:`InputError` naming the line."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(f"{where}: not a UTF-8 text file (line {line}): save it as "
                         "UTF-8") from None


_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.S)


def check_nesting(data: bytes | str, where: str, *, max_depth: int = MAX_NESTING) -> None:
    """Refuse JSON (or flow-style YAML) nested deeper than ``max_depth``, before parsing it."""
    import numpy as np

    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    if raw.count(b"[") + raw.count(b"{") <= max_depth:
        return
    bare = np.frombuffer(_JSON_STRING.sub(b'""', raw), dtype=np.uint8)
    step = (np.isin(bare, (ord("["), ord("{"))).astype(np.int32)
            - np.isin(bare, (ord("]"), ord("}"))).astype(np.int32))
    if step.size and int(np.cumsum(step).max()) > max_depth:
        raise InputError(f"{where}: nested more than {max_depth} levels deep; not read")


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def load_json(text: str | bytes, where: str, *, problem: str = "not valid JSON") -> Any:
    """Parse a user's JSON with its nesting bounded; NaN and Infinity are refused.

    Parameters
    ----------
    text : str or bytes
        The content (bytes must be UTF-8).
    where : str
        The file's name, for messages.
    problem : str
        How a syntax error is described ("malformed GeoJSON").

    Raises
    ------
    InputError
        Naming the file (``where``), the line and the problem.
    """
    check_nesting(text, where)
    if isinstance(text, bytes):
        text = decode_text(text, where)
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise InputError(f"{where}: {problem} (line {exc.lineno}: {exc.msg})") from None
    except (ValueError, RecursionError) as exc:
        raise InputError(f"{where}: {problem} ({exc})") from None


def _yaml_bounds(text: str, where: str) -> None:
    """Walk the YAML event stream (no recursion) and bound nesting and alias expansion."""
    import yaml

    depth, total = 0, 0
    sizes: dict[str, int] = {}
    stack: list[tuple[str | None, int]] = []
    for ev in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(ev, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_NESTING:
                raise InputError(f"{where}: nested more than {MAX_NESTING} levels deep; not read")
            stack.append((ev.anchor, total))
            total += 1
        elif isinstance(ev, yaml.CollectionEndEvent):
            depth -= 1
            anchor, start = stack.pop()
            if anchor is not None:
                sizes[anchor] = total - start
        elif isinstance(ev, yaml.ScalarEvent):
            total += 1
            if ev.anchor is not None:
                sizes[ev.anchor] = 1
        elif isinstance(ev, yaml.AliasEvent):
            if ev.anchor not in sizes:
                raise InputError(f"{where}: alias *{ev.anchor} refers to itself or to nothing")
            total += sizes[ev.anchor]
        if total > MAX_YAML_VALUES:
            raise InputError(f"{where}: more than {MAX_YAML_VALUES:,} values once its aliases "
                             "are expanded; not read")


def load_yaml(text: str, where: str) -> Any:
    """Parse a user's YAML safely: no code, nesting and alias expansion bounded first.

    Raises
    ------
    InputError
        Naming the file (``where``), the line and the problem.
    """
    import yaml

    try:
        _yaml_bounds(text, where)
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InputError(f"{where}: not valid YAML ({line}{problem})") from None
    except RecursionError:
        raise InputError(f"{where}: nested too deeply; not read") from None
    except ValueError as exc:  # a value YAML cannot build, e.g. the date 2020-02-30
        raise InputError(f"{where}: not valid YAML ({exc})") from None


def read_csv_rows(
    path: str | Path, what: str, required: Sequence[str], *, max_rows: int = 100_000,
    header_hint: str = "",
) -> Iterator[tuple[str, dict[str, str]]]:
    """The rows of a user's CSV: ``(where, row)`` with lower-case, stripped keys and values.

    Parameters
    ----------
    path : str or Path
        The file (UTF-8, a byte-order mark is fine).
    what : str
        What the file is, for messages ("destinations file").
    required : sequence of str
        Columns that must be in the header.
    max_rows : int
        More rows than this is an error (the bound is in the message).
    header_hint : str
        The expected header, for the message about missing columns.

    Raises
    ------
    InputError
        Not UTF-8, NUL bytes, malformed CSV, missing columns, too many rows.
    """
    path = Path(path)
    text = decode_text(read_input_bytes(path, what), path.name)
    if "\0" in text:
        line = text[: text.index("\0")].count("\n") + 1
        raise InputError(f"{path.name} line {line}: holds a NUL byte; not a text CSV file")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        fields = [(f or "").strip().lower() for f in (reader.fieldnames or [])]
        missing = [c for c in required if c not in fields]
        if missing:
            raise InputError(f"{path.name}: missing column(s) {', '.join(missing)}; the header "
                             f"must be {header_hint or ','.join(required)}")
        for i, raw in enumerate(reader, start=2):
            if i - 1 > max_rows:
                raise InputError(f"{path.name}: more than {max_rows:,} rows; split the file")
            row = {(k or "").strip().lower(): (v if isinstance(v, str) else "").strip()
                   for k, v in raw.items() if k}
            yield f"{path.name} line {reader.line_num}", row
    except csv.Error as exc:
        raise InputError(f"{path.name} line {reader.line_num}: malformed CSV ({exc})") from None
