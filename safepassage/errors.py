"""Errors users can act on, each mapped to the command line's exit code.

Every error the product raises on purpose derives from :class:`SafePassageError`; the command
line prints its message as one line on stderr and exits with its ``exit_code``. Anything else is
a bug and keeps its traceback.

Exit codes: 2 bad input or usage (:class:`InputError`), 3 the data is not available or nothing
could be routed (:class:`DataUnavailableError`, :class:`UnreachableError`), 4 the output cannot be
written (:class:`OutputError`: a read-only folder, a full disk), 130 and 143 interrupted (Ctrl-C,
SIGTERM).
"""

from __future__ import annotations


class SafePassageError(Exception):
    """Base class for errors that are reported to the user as one line.

    Parameters
    ----------
    message : str
        One line for the user.
    param : str, optional
        The Python API parameter the message starts with ("radius_m must be ..."); the command
        line puts its own option in its place ("--radius must be ...").
    """

    exit_code = 1

    def __init__(self, *args: object, param: str | None = None) -> None:
        super().__init__(*args)
        self.param = param


class InputError(SafePassageError, ValueError):
    """Bad input or usage: unknown site, malformed file, bad coordinates (exit code 2)."""

    exit_code = 2


class DataUnavailableError(SafePassageError):
    """The data a command needs cannot be had: no network, no cache, no file (exit code 3)."""

    exit_code = 3


class UnreachableError(DataUnavailableError):
    """No destination could be routed: a run that routes nothing is an error (exit code 3)."""

    exit_code = 3


class OutputError(SafePassageError, OSError):
    """The output cannot be written: no permission, a read-only or full disk (exit code 4)."""

    exit_code = 4


class Interrupted(BaseException):
    """The run was asked to stop (SIGTERM); raised by the command line's signal handler."""

    exit_code = 143
