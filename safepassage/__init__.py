"""Safe Passages: safe walking routes and officer posts around CSP public-housing sites.

The package is laid out the way data flows, one module per concern:

``sites`` and ``settings`` (where things are), ``graph`` (the walking network),
``features`` (destinations), ``safety`` (what makes a street dangerous), ``routing`` and
``directions`` (safe routes and how to walk them), ``coverage`` (where officers stand),
``maps``/``handouts`` (maps and printouts), and ``pipeline`` (everything in order). The
command line in ``cli`` is a thin layer over those functions.
"""

__version__ = "0.1.0"
