"""What loading a delivery did, file by file: the counts a load prints, logs and decides its exit code by.

Its own module because every step of a load fills it in: the merge its counts, the rejects their lines,
the transaction the delivery's id.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path


@dataclass
class TableReport:
    """What loading one file did."""

    table: str
    file: str
    rows: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    duplicates: int = 0
    rejected: int = 0
    unresolved: int = 0  # parties whose address resolves to no region (kept, reported, never guessed)
    reject_lines: list[str] = field(default_factory=list)
    checksum: str = ""
    rules: str = ""  # the digest of the rules and reference data it was (or would be) checked by
    #: The delivery whose file for this table was byte for byte this one (it lost no row): not read again.
    same_as: int | None = None


@dataclass
class LoadReport:
    """What loading a delivery did, table by table."""

    source: Path
    rejects_dir: Path
    synthetic: bool
    recorded_date: date
    tables: list[TableReport]
    delivery_id: int | None = None
    #: The delivery this one repeats byte for byte when it was the last one loaded (nothing to do).
    same_as: int | None = None
    #: What the delivery log records as the source, when not the folder (an API write: the key's id).
    origin: str | None = None

    @property
    def rejected(self) -> int:
        """Rows rejected over all files."""
        return sum(t.rejected for t in self.tables)

    @property
    def accepted(self) -> int:
        """Rows that passed validation over all files (whether or not they changed the store)."""
        return sum(t.rows - t.rejected for t in self.tables)

    @property
    def exit_code(self) -> int:
        """0 when every row loaded, 1 when some were rejected, 2 when every row was rejected."""
        if self.rejected == 0:
            return 0
        return 2 if self.accepted == 0 else 1
