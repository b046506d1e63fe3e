"""The ``ipgauge`` command line (the README's command table): one module per command group, assembled here.

Each group module registers its commands on :data:`ipgauge.cli.app.app` when it is imported; they are
imported in :data:`GROUPS`' order (Typer lists plain commands before groups). Nothing imports this
package back, and no group imports another: a group needs only :mod:`~ipgauge.cli.app`,
:mod:`~ipgauge.cli.failures`, :mod:`~ipgauge.cli.options`, :mod:`~ipgauge.cli.inputs` and
:mod:`~ipgauge.cli.output` (tests/test_layers.py checks it).
"""

from __future__ import annotations

import sys
from importlib import import_module

from ipgauge.cli.app import app

#: The command groups, in the order ``ipgauge --help`` lists their commands.
GROUPS = ("deliveries", "demo", "lookup", "indicators", "release", "screening", "landscape", "reports",
          "casework", "collaboration", "parties", "cases", "trademark", "serve")  # fmt: skip
for _group in GROUPS:
    import_module(f"ipgauge.cli.{_group}")

__all__ = ["app", "main"]


def main() -> None:
    """Entry point for ``python -m ipgauge``."""
    sys.exit(app())
