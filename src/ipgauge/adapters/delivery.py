"""Writing a canonical delivery from an adapter: streamed CSV files, rejects kept, moved into place whole.

The files are written into a hidden folder beside the output and moved in when the import is done,
so an interrupted import leaves no half delivery. A party met in many documents is written once.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import tempfile
from collections import Counter
from pathlib import Path
from types import TracebackType

from ipgauge import outputs
from ipgauge.errors import UserError, why
from ipgauge.register.schema import TABLES_BY_NAME

REJECTS = "REJECTS/import.csv"
REJECT_COLUMNS = ["file", "document", "reason"]


def head_of(path: Path, size: int = 1 << 16) -> bytes:
    """The first bytes of an input file, or one sentence when it cannot be read or is empty."""
    try:
        with open(path, "rb") as f:
            head = f.read(size)
    except OSError as e:
        raise UserError(f"cannot read {path} ({why(e)}).") from None
    if not head.strip():
        raise UserError(f"{path.name} is empty.")
    return head


def check_out(out: Path) -> None:
    """Refuse an output folder that is a file or holds someone else's files (an earlier import may be replaced)."""
    outputs.check_out(out, _earlier_import, "an earlier import")


#: What an import writes (and `load` adds: its rejects under REJECTS/); nothing else is ever removed.
OURS = {f"{t}.csv" for t in TABLES_BY_NAME} | {"manifest.json", "REJECTS", "KEPT"}


def _earlier_import(folder: Path) -> bool:
    """Whether ``folder`` holds an earlier import and nothing else (someone's notes are never deleted)."""
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError, TypeError):
        return False
    names = {p.name for p in folder.iterdir() if not p.name.startswith(".import-")}
    if not (isinstance(manifest, dict) and "adapter" in manifest and names <= OURS):
        return False
    # inside REJECTS/ and KEPT/ too, only what an import and a load write: someone's notes are never deleted
    rejects = {"import.csv", "report.txt", "unresolved_addresses.csv"} | {f"{t}.csv" for t in TABLES_BY_NAME}
    kept = {f"{Path(n).stem}.csv" for n in manifest.get("kept", [])}
    for sub, allowed in (("REJECTS", rejects), ("KEPT", kept)):
        if (folder / sub).is_dir() and not {p.name for p in (folder / sub).iterdir()} <= allowed:
            return False
    return True


class DeliveryWriter:
    """Rows of canonical tables, written as they come; ``close`` moves the finished delivery into ``out``."""

    def __init__(self, out: Path, adapter: str, tables: tuple[str, ...]) -> None:
        check_out(out)
        self.out, self.adapter = out, adapter
        self._made = not out.exists()  # an interrupted import removes the folder it made
        try:
            out.mkdir(parents=True, exist_ok=True)
            self.work = Path(tempfile.mkdtemp(dir=out, prefix=".import-"))
        except OSError as e:
            raise UserError(f"cannot write the delivery to {out} ({why(e)}).") from None
        self._files, self._writers, self._columns, self._known, self.counts = {}, {}, {}, {}, Counter()
        for name in tables:
            columns = list(TABLES_BY_NAME[name].column_names)
            f = open(self.work / f"{name}.csv", "w", encoding="utf-8", newline="")  # noqa: SIM115 (closed in close)
            self._files[name], self._writers[name] = f, csv.writer(f, lineterminator="\n")
            self._writers[name].writerow(columns)
            self._columns[name], self._known[name] = columns, set(columns)
        (self.work / "REJECTS").mkdir()
        self._rejects_file = open(self.work / REJECTS, "w", encoding="utf-8", newline="")  # noqa: SIM115
        self._rejects = csv.writer(self._rejects_file, lineterminator="\n")
        self._rejects.writerow(REJECT_COLUMNS)
        self._parties: set[str] = set()
        self.documents = 0
        self.rejected = 0
        self.notes: Counter[str] = Counter()
        #: columns of the source no canonical column holds, kept verbatim: file name → rows (the first a header)
        self.kept: dict[str, list[list[str]]] = {}
        #: what the adapter measured of its input (CNIPA: how many addresses resolved), in the manifest
        self.report: dict[str, object] = {}
        self.synthetic = False  # files ipgauge synth wrote in an office's format (adapters/cnipa.py) stay labelled

    def row(self, table: str, values: dict) -> None:
        """One row; None and empty lists are written empty, lists joined with ';', booleans as true/false."""
        if table == "parties":
            if values["party_id"] in self._parties:
                return
            self._parties.add(values["party_id"])
        columns = self._columns[table]
        if len(values) > len(columns) or not values.keys() <= self._known[table]:
            raise ValueError(f"{table} has no column {sorted(values.keys() - self._known[table])}")
        get = values.get
        self._writers[table].writerow([v if type(v) is str else _cell(v) for v in map(get, columns)])
        self.counts[table] += 1

    def line(self, table: str, text: str, party_id: str | None = None) -> None:
        """A row already rendered as CSV (by :func:`render`, in a worker process); a party met before is skipped."""
        if party_id is not None:
            if party_id in self._parties:
                return
            self._parties.add(party_id)
        self._files[table].write(text)
        self.counts[table] += 1

    def flush(self) -> None:
        """Write what is buffered, so that the files so far can be read back (an adapter's report)."""
        for f in self._files.values():
            f.flush()

    def reject(self, file: str, document: str, reason: str) -> None:
        """A document that could not be imported, with why (the rest of the file still imports)."""
        self._rejects.writerow([file, document, reason])
        self.rejected += 1

    def close(self, sources: list[Path]) -> Path:
        """Finish the files, write the manifest and move the delivery into place."""
        for f in [*self._files.values(), self._rejects_file]:
            f.close()
        manifest = {
            "adapter": self.adapter,
            "sources": [p.name for p in sources],
            "documents": self.documents,
            "rejected_documents": self.rejected,
            "rows": dict(sorted(self.counts.items())),
            "not_imported": dict(sorted(self.notes.items())),
            "synthetic": self.synthetic,
            **self.report,
            **({"kept": sorted(self.kept)} if self.kept else {}),
        }
        if self.kept:
            (self.work / "KEPT").mkdir()
            for name, rows in self.kept.items():
                with open(
                    self.work / "KEPT" / Path(name).with_suffix(".csv").name, "w", encoding="utf-8", newline=""
                ) as f:
                    csv.writer(f, lineterminator="\n").writerows(rows)
        (self.work / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        try:
            for old in [p for p in self.out.iterdir() if p.name in OURS]:  # an earlier import's files
                shutil.rmtree(old) if old.is_dir() else old.unlink()
            for p in sorted(self.work.iterdir()):
                os.replace(p, self.out / p.name)
        except OSError as e:
            raise UserError(f"cannot write the delivery to {self.out} ({why(e)}).") from None
        finally:
            shutil.rmtree(self.work, ignore_errors=True)
        return self.out

    def abandon(self) -> None:
        """Remove the unfinished files (an error or Ctrl-C): nothing half-written is left behind."""
        for f in [*self._files.values(), self._rejects_file]:
            f.close()
        shutil.rmtree(self.work, ignore_errors=True)
        if self._made:
            shutil.rmtree(self.out, ignore_errors=True)

    def __enter__(self) -> DeliveryWriter:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if kind is not None:
            self.abandon()


def render(table: str, values: dict) -> str:
    """One row of ``table`` as the CSV line :meth:`DeliveryWriter.row` would write (for a worker process to make)."""
    columns, known = _COLUMNS[table]
    if not values.keys() <= known:
        raise ValueError(f"{table} has no column {sorted(values.keys() - known)}")
    get = values.get
    _LINE.writerow([v if type(v) is str else _cell(v) for v in map(get, columns)])
    text = _BUFFER.getvalue()
    _BUFFER.seek(0)
    _BUFFER.truncate()
    return text


_COLUMNS = {name: (t.column_names, set(t.column_names)) for name, t in TABLES_BY_NAME.items()}
_BUFFER = io.StringIO()
_LINE = csv.writer(_BUFFER, lineterminator="\n")  # one per process: render is called one row at a time


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return ";".join(str(v) for v in value)
    return str(value)
