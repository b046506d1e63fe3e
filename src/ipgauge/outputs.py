"""Output folders: commands write only into new or empty folders, or over their own earlier output.

``synth``, ``export`` and ``release`` (and so ``demo``) each recognise what they wrote before and
replace it; anything else in the folder is someone's work, and the command refuses to touch it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from ipgauge.errors import UserError, why


def check_out(out: Path, ours: Callable[[Path], bool], what: str, option: str = "--out") -> None:
    """Refuse ``out`` when it is a file, or a non-empty folder that ``ours`` does not recognise as ``what``."""
    if out.exists() and not out.is_dir():
        raise UserError(f"{option} {out} is a file; name a folder.")
    if out.is_dir() and any(out.iterdir()) and not ours(out):
        raise UserError(f"{option} {out} already holds files that are not {what}; name a new or empty folder.")


@contextmanager
def staged(out: Path, what: str) -> Iterator[tuple[Path, list[Path]]]:
    """A hidden folder inside ``out`` to write files into, and the list of their final paths.

    When the block ends well, each file is moved into ``out`` whole (a reader never sees half a
    file); the hidden folder goes in any case. A failure to write is one sentence naming ``what``.
    """
    created = not out.exists()
    try:
        out.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(dir=out, prefix=".staging-"))
    except OSError as e:
        raise UserError(f"cannot write {what} to {out} ({why(e)}).") from None
    written: list[Path] = []
    try:
        yield work, written
        for p in sorted(work.iterdir()):
            os.replace(p, out / p.name)
            written.append(out / p.name)
    except OSError as e:
        raise UserError(f"cannot write {what} to {out} ({why(e)}).") from None
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if created and not written and out.is_dir() and not any(out.iterdir()):
            out.rmdir()  # nothing landed: leave no empty folder behind ("nothing was changed")
