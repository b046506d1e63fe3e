"""Output folders: commands write only into new or empty folders, or over their own earlier output.

``synth``, ``export`` and ``release`` (and so ``demo``) each recognise what they wrote before and
replace it; anything else in the folder is someone's work, and the command refuses to touch it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ipgauge.errors import UserError


def check_out(out: Path, ours: Callable[[Path], bool], what: str) -> None:
    """Refuse ``out`` when it is a file, or a non-empty folder that ``ours`` does not recognise as ``what``."""
    if out.exists() and not out.is_dir():
        raise UserError(f"--out {out} is a file; name a folder.")
    if out.is_dir() and any(out.iterdir()) and not ours(out):
        raise UserError(f"--out {out} already holds files that are not {what}; name a new or empty folder.")
