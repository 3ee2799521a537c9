"""The ``safepassage`` command line: a thin layer over the Python API.

Exit codes: 0 success, 2 bad input or usage, 3 no data or nothing routed, 4 cannot write the
output, 130/143 Ctrl-C/SIGTERM. Errors and progress go to stderr, tables and JSON to stdout.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from typing import NoReturn

from ..errors import Interrupted, SafePassageError
from .common import EXIT_INTERRUPTED, EXIT_OK, EXIT_OUTPUT, EXIT_TERMINATED, EXIT_USAGE
from .parser import build_parser

__all__ = ["PARAMETER_FLAGS", "as_flags", "build_parser", "main", "run"]


def _run(args: argparse.Namespace) -> int:
    """Run the command in its scratch folder, SIGTERM raising; flush stdout (a full disk)."""
    from ..io import run_scratch, sigterm_raises

    with sigterm_raises(), run_scratch():
        code = int(args.func(args) or 0)
        sys.stdout.flush()
    return code


#: The Python API's parameter names and the command line's options for them: an error that
#: starts with a parameter's name (``InputError(..., param="radius_m")``) is reported with the
#: option instead.
PARAMETER_FLAGS = {
    "radius_m": "--radius",
    "max_detour_pct": "--max-detour",
    "osm_file": "--osm-file",
    "destinations_file": "--destinations",
    "time_window": "--time-window",
    "out_dir": "--out",
}


def as_flags(exc: SafePassageError, message: str) -> str:
    """An API error in the command line's words: "radius_m must be" -> "--radius must be"."""
    param = getattr(exc, "param", None)
    if param in PARAMETER_FLAGS and message.startswith(param):
        return PARAMETER_FLAGS[param] + message[len(param):]
    return message


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    from ..io import error_line, silence_stdout, stdout_failed

    logging.basicConfig(level=logging.WARNING, format="warning: %(message)s")
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        return _run(args)
    except SafePassageError as exc:
        code, message = exc.exit_code, as_flags(exc, error_line(exc))
    except (KeyboardInterrupt, Interrupted) as exc:  # its programs ended by run_scratch
        code = EXIT_INTERRUPTED if isinstance(exc, KeyboardInterrupt) else EXIT_TERMINATED
        message = "interrupted" if code == EXIT_INTERRUPTED else "terminated"
    except BrokenPipeError:  # output piped into `head`: not an error
        silence_stdout()
        return EXIT_OK
    except RecursionError:  # a structure nested too deeply got past the readers' bounds
        code, message = EXIT_USAGE, "an input is nested too deeply to read"
    except OSError as exc:  # a full disk or a read-only folder: say so, no traceback
        if stdout_failed(exc):
            silence_stdout()
        code, message = EXIT_OUTPUT, error_line(exc)
    print(f"error: {message}", file=sys.stderr)
    return code


def run() -> NoReturn:
    """The console script: :func:`main`, then at once out after an interruption (cleaned up)."""
    from ..io import exit_now

    code = main()
    if code in (EXIT_INTERRUPTED, EXIT_TERMINATED):
        exit_now(code)
    sys.exit(code)

