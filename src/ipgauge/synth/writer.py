"""Writing synthetic tables in the canonical format, chunk by chunk, as CSV or Parquet.

Files are written into a hidden folder and moved into place only when the whole register is done,
so an interrupted run never leaves a half-written delivery that looks complete.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from ipgauge.register.schema import Table


class TableWriter:
    """Appends chunks (dicts of arrays: strings, ``date32`` dates, booleans) to one canonical file."""

    def __init__(self, folder: Path, table: Table, fmt: str) -> None:
        self.table = table
        self.fmt = fmt
        self.path = folder / f"{table.name}.{fmt}"
        self.rows = 0
        self._writer: pacsv.CSVWriter | pq.ParquetWriter | None = None

    def _arrow(self, columns: dict[str, pa.Array]) -> pa.Table:
        arrays, fields = [], []
        n = len(next(iter(columns.values())))
        for c in self.table.columns:
            a = columns.get(c.name)
            if a is None:
                a = pa.nulls(n, pa.string())
            elif not isinstance(a, pa.Array | pa.ChunkedArray):
                a = pa.array(a, type=pa.date32() if c.kind == "date" else None)
            if c.kind == "date":
                a = pc.cast(a, pa.date32())
            elif c.kind in ("list", "regions") and self.fmt == "parquet":
                a = pc.split_pattern(a, ";")
            arrays.append(a)
            fields.append(pa.field(c.name, a.type))
        return pa.Table.from_arrays(arrays, schema=pa.schema(fields))

    def write(self, columns: dict[str, pa.Array]) -> None:
        """Append one chunk."""
        t = self._arrow(columns)
        if t.num_rows == 0:
            return
        if self._writer is None:
            if self.fmt == "csv":
                self._writer = pacsv.CSVWriter(
                    str(self.path), t.schema, write_options=pacsv.WriteOptions(quoting_style="needed")
                )
            else:
                self._writer = pq.ParquetWriter(str(self.path), t.schema, compression="zstd")
        self._writer.write_table(t)
        self.rows += t.num_rows

    def close(self) -> None:
        """Finish the file; a table with no rows still gets its header."""
        if self._writer is not None:
            self._writer.close()
        elif self.fmt == "csv":
            self.path.write_text(",".join(self.table.column_names) + "\n", encoding="utf-8")
        else:
            empty = {c.name: pa.array([], pa.string()) for c in self.table.columns}
            pq.write_table(self._arrow(empty), self.path)
