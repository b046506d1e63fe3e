"""A folder that ``ipgauge synth --format cnipa`` wrote, imported the way a user imports CNIPA's files.

Its patents, trademarks and legal status go through ``import cnipa-patent``, ``cnipa-trademark`` and
``cnipa-legal``; the supplement is a canonical delivery already. Loaded in that order, at the
synthetic register's recorded date, they make the register the canonical delivery makes.
"""

from __future__ import annotations

import json
from pathlib import Path

from ipgauge.adapters import cnipa_legal, cnipa_patent, cnipa_trademark
from ipgauge.adapters.delivery import DeliveryWriter
from ipgauge.errors import UserError

STEPS = (("patent", "cnipa-patent", cnipa_patent), ("trademark", "cnipa-trademark", cnipa_trademark),
         ("legal", "cnipa-legal", cnipa_legal))  # fmt: skip


def import_folder(folder: Path, work: Path, tick) -> tuple[list[Path], str]:
    """The deliveries to load, in order (the imports', then the supplement), and the date they were recorded."""
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        recorded = manifest["recorded_date"]
    except (OSError, ValueError, KeyError, TypeError):
        raise UserError(f"{folder} is not a folder that `ipgauge synth --format cnipa` wrote.") from None
    deliveries = []
    for part, name, adapter in STEPS:
        files = sorted(p for p in (folder / "cnipa" / part).iterdir() if p.is_file())
        with DeliveryWriter(work / part, name, adapter.TABLES) as writer:
            writer.synthetic = bool(manifest.get("synthetic"))
            adapter.run(files, writer, tick)
            writer.close(files)
        if writer.rejected:
            raise UserError(f"{writer.rejected} {part} documents of {folder} were rejected (see {work / part}).")
        deliveries.append(work / part)
    return [*deliveries, folder / "supplement"], recorded
