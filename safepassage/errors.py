"""Errors users can act on, each mapped to the command line's exit code.

Every error the product raises on purpose derives from :class:`SafePassageError`; the command
line prints its message as one line on stderr and exits with its ``exit_code``. Anything else is
a bug and keeps its traceback.
"""

from __future__ import annotations


class SafePassageError(Exception):
    """Base class for errors that are reported to the user as one line."""

    exit_code = 1


class InputError(SafePassageError, ValueError):
    """Bad input or usage: unknown site, malformed file, bad coordinates (exit code 2)."""

    exit_code = 2


class DataUnavailableError(SafePassageError):
    """The data a command needs cannot be had: no network, no cache, no file (exit code 3)."""

    exit_code = 3


class UnreachableError(SafePassageError):
    """A destination cannot be reached on the walking network (reported, exit code 3)."""

    exit_code = 3
