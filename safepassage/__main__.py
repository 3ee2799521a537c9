"""``python -m safepassage``: the same as the ``safepassage`` command."""

from .cli import run

run()
