"""``python -m safepassage.cli``: the same as the ``safepassage`` command."""

from . import run

run()
