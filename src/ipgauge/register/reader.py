"""Reading one canonical file (CSV or Parquet) into a staging table, streaming.

Every value is staged as text (empty → NULL) with the row's line number, so that validation can
report ``file:line: column: reason`` and write rejected rows back exactly as they came. Reading
never holds a whole file in memory: pyarrow yields batches and DuckDB consumes them as a stream.
"""

from __future__ import annotations

import contextlib
import csv
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from ipgauge.errors import UserError
from ipgauge.register.schema import Table
from ipgauge.register.store import scalar

BLOCK_SIZE = 8 << 20  # bytes per CSV batch: big enough to amortise, small enough to bound memory
PARQUET_BATCH = 200_000
MAX_FIELD = 1 << 30  # the csv module's default of 128 KiB would fail on long claims text

ReadSoFar = Callable[[int], None]  # called with the number of bytes (or rows) read so far


@dataclass
class StagedFile:
    """What reading a file left behind: its staging table and the rows that could not be split."""

    path: Path
    stage: str
    rows: int
    header: list[str]
    #: rows whose field count differs from the header: (line, fields, reason)
    malformed: list[tuple[int, list[str], str]] = field(default_factory=list)


def find_file(folder: Path, table: Table) -> Path | None:
    """The delivery's file for ``table`` (CSV or Parquet), or None when the delivery has none."""
    found = [p for p in (folder / f"{table.name}.csv", folder / f"{table.name}.parquet") if p.exists()]
    if len(found) > 1:
        raise UserError(f"{folder} holds both {found[0].name} and {found[1].name}; keep one of them.")
    return found[0] if found else None


def check_header(path: Path, names: list[str], table: Table) -> None:
    """Reject the whole delivery when a column is unknown, repeated or a required one is missing."""
    unknown = [n for n in names if n not in table.column_names]
    if unknown:
        raise UserError(
            f"{path.name}: unknown column {unknown[0][:40]!r}; {table.name} takes {', '.join(table.column_names)}."
        )
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise UserError(f"{path.name}: column {repeated[0]!r} appears more than once.")
    missing = [c.name for c in table.columns if c.required and c.name not in names]
    if missing:
        raise UserError(f"{path.name}: required column {missing[0]!r} is missing.")


def _csv_header(path: Path) -> list[str]:
    with open(path, "rb") as f:
        first = f.readline()
    try:
        text = first.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UserError(f"{path.name} is not UTF-8 (its header cannot be decoded); re-save it as UTF-8.") from None
    header = next(csv.reader([text]), [])
    if not header or header == [""]:
        raise UserError(f"{path.name} is empty: it has no header row.")
    return header


def _newlines(batch: pa.RecordBatch) -> np.ndarray:
    """Line breaks inside the values of each row (quoted multi-line values shift later line numbers)."""
    total = np.zeros(batch.num_rows, dtype=np.int64)
    for col in batch.columns:
        total += pc.fill_null(pc.count_substring(col, "\n"), 0).to_numpy(zero_copy_only=False)
    return total


def _csv_batches(path: Path, header: list[str], on_progress: ReadSoFar, bad: list[str]) -> Iterator[pa.RecordBatch]:
    with open(path, "rb") as f:
        f.readline()
        if not f.read(4096).strip():  # a header and nothing else (pyarrow calls that an empty file)
            return
    stream = pa.input_stream(str(path))

    def on_invalid(row: pacsv.InvalidRow) -> str:
        bad.append(row.text)
        return "skip"

    reader = pacsv.open_csv(
        stream,
        read_options=pacsv.ReadOptions(block_size=BLOCK_SIZE, use_threads=True),
        parse_options=pacsv.ParseOptions(newlines_in_values=True, invalid_row_handler=on_invalid),
        convert_options=pacsv.ConvertOptions(
            column_types={n: pa.string() for n in header}, strings_can_be_null=False, quoted_strings_can_be_null=False
        ),
    )
    line, ordinal = 2, 0
    for batch in reader:
        n = batch.num_rows
        nl = _newlines(batch)
        lines = line + np.arange(n, dtype=np.int64) + np.concatenate([[0], np.cumsum(nl)[:-1]]).astype(np.int64)
        line += n + int(nl.sum())
        yield batch.append_column("_line", pa.array(lines)).append_column(
            "_ord", pa.array(np.arange(ordinal, ordinal + n, dtype=np.int64))
        )
        ordinal += n
        on_progress(stream.tell())


def _exact_lines(path: Path, width: int) -> tuple[np.ndarray, list[tuple[int, list[str]]]]:
    """Line numbers of well-formed records and the malformed ones, by a slower exact pass.

    Only needed when a file has rows with the wrong number of fields: pyarrow skips them without
    saying where they were, which would shift the line numbers of every later row.
    """
    good: list[int] = []
    malformed: list[tuple[int, list[str]]] = []
    csv.field_size_limit(MAX_FIELD)
    with open(path, encoding="utf-8-sig", newline="") as f:
        reader = csv.reader(f)
        next(reader)
        start = reader.line_num + 1
        for record in reader:
            if record:
                (good.append(start) if len(record) == width else malformed.append((start, record)))
            start = reader.line_num + 1
    return np.array(good, dtype=np.int64), malformed


def _check_types(path: Path, schema: pa.Schema, table: Table) -> None:
    """Refuse Parquet columns that have no canonical text form (structs, maps, nested lists, binary)."""
    sums = {c.name for c in table.columns if c.kind == "decimal"}  # an amount may be a decimal, never a float
    for f in schema:
        t = f.type
        if pa.types.is_list(t) or pa.types.is_large_list(t):
            t = t.value_type
        if pa.types.is_nested(t) or pa.types.is_binary(t) or pa.types.is_large_binary(t):
            raise UserError(
                f"{path.name}: column {f.name!r} is of type {f.type}; canonical columns are text, numbers, dates, "
                "booleans or lists of them."
            )
        if pa.types.is_decimal(t) and f.name in sums and t.scale <= 2:
            continue
        if pa.types.is_floating(t) or pa.types.is_decimal(t):  # 1011518 would become the id "1011518.00"
            raise UserError(
                f"{path.name}: column {f.name!r} is of type {f.type}; ids, codes and counts must be text or whole "
                "numbers."
            )


def _string_batches(path: Path, on_progress: ReadSoFar) -> Iterator[pa.RecordBatch]:
    """Parquet batches with every column rendered as canonical text (lists joined by ';')."""
    pf = pq.ParquetFile(path)
    ordinal = 0
    for batch in pf.iter_batches(batch_size=PARQUET_BATCH):
        cols = []
        for col in batch.columns:
            if pa.types.is_list(col.type) or pa.types.is_large_list(col.type):
                col = pc.binary_join(pc.cast(col, pa.list_(pa.string())), ";")
            elif pa.types.is_boolean(col.type):
                col = pc.if_else(col, "true", "false")
            elif not pa.types.is_string(col.type):
                col = pc.cast(col, pa.string())
            cols.append(col)
        n = batch.num_rows
        yield pa.RecordBatch.from_arrays(
            [
                *cols,
                pa.array(np.arange(ordinal + 2, ordinal + 2 + n, dtype=np.int64)),
                pa.array(np.arange(ordinal, ordinal + n, dtype=np.int64)),
            ],
            names=[*batch.schema.names, "_line", "_ord"],
        )
        ordinal += n
        on_progress(ordinal)


def stage_file(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    table: Table,
    on_progress: ReadSoFar,
    derived: str = "",
    precomputed: dict[str, str] | None = None,
) -> StagedFile:
    """Stream ``path`` into the temporary table ``_stage_<table>`` (all text, empty → NULL).

    ``derived``: further columns computed from the row as it streams in (``expr AS name, ...``), so that
    they cost no second copy of the file. ``precomputed`` (name → SQL): columns computed first, which
    ``derived`` may read, and which are not kept.
    """
    if path.suffix == ".parquet":
        try:
            arrow_schema = pq.ParquetFile(path).schema_arrow
        except (pa.ArrowException, OSError) as e:
            raise UserError(f"{path.name} is not a readable Parquet file ({e}).") from None
        names = arrow_schema.names
        check_header(path, names, table)
        _check_types(path, arrow_schema, table)
        batches = _string_batches(path, on_progress)
    else:
        names = _csv_header(path)
        check_header(path, names, table)
        bad: list[str] = []
        batches = _csv_batches(path, names, on_progress, bad)
    schema = pa.schema([*((n, pa.string()) for n in names), ("_line", pa.int64()), ("_ord", pa.int64())])
    stage = f"_stage_{table.name}"
    select = ", ".join(
        f"NULLIF({c}, '') AS {c}" if c in names else f"CAST(NULL AS VARCHAR) AS {c}" for c in table.column_names
    )
    interrupted: list[BaseException] = []

    def watched() -> Iterator[pa.RecordBatch]:
        try:
            yield from batches
        except KeyboardInterrupt as e:  # DuckDB would report it as an "Unknown error" of the stream
            interrupted.append(e)
            raise

    reader = pa.RecordBatchReader.from_batches(schema, watched())
    con.register("_reader", reader)
    try:
        rows = f"SELECT {select}, _line, _ord FROM _reader"
        if precomputed:
            computed = ", ".join(f"{sql} AS {name}" for name, sql in precomputed.items())
            rows = f"SELECT *, {computed} FROM ({rows})"
        kept = [f"* EXCLUDE ({', '.join(precomputed)})" if precomputed else "*", *([derived] if derived else [])]
        con.execute(f"CREATE OR REPLACE TEMP TABLE {stage} AS SELECT {', '.join(kept)} FROM ({rows})")
    except (duckdb.Error, pa.ArrowException) as e:
        if interrupted:
            raise KeyboardInterrupt from None
        if isinstance(e, duckdb.InterruptException):
            raise
        if any(m in str(e) for m in ("invalid UTF8", "UTF-8", "UTF8", "codec can't decode")):
            where = _first_non_utf8(path) if path.suffix == ".csv" else None
            at = f" (line {where[0]:,}, byte {where[1]:,}: 0x{where[2]:02x})" if where else ""
            raise UserError(f"{path.name} is not UTF-8{at}; re-save it as UTF-8.") from None
        if "straddling" in str(e):
            raise UserError(
                f"{path.name} has a row longer than {BLOCK_SIZE >> 20} MiB, which is not a record."
            ) from None
        why = str(e).splitlines()[0].split(". Detail:")[0].split("Python exception")[0].rstrip(" .:")
        raise UserError(f"{path.name} could not be read: {why}.") from None
    finally:
        with contextlib.suppress(duckdb.Error):  # a failed read aborts the load's transaction: the error above counts
            con.unregister("_reader")
    rows = scalar(con, f"SELECT count(*) FROM {stage}")
    staged = StagedFile(path, stage, rows, names)
    if path.suffix != ".parquet" and bad:
        lines, malformed = _exact_lines(path, len(names))
        con.register("_lines", pa.table({"_ord": np.arange(len(lines), dtype=np.int64), "line": lines}))
        con.execute(f"UPDATE {stage} SET _line = l.line FROM _lines l WHERE {stage}._ord = l._ord")
        con.unregister("_lines")
        staged.malformed = [(line, fields, _width_reason(len(names), fields)) for line, fields in malformed]
    return staged


def _first_non_utf8(path: Path, chunk: int = 1 << 24) -> tuple[int, int, int] | None:
    """(line, byte offset, byte) of the first byte of ``path`` that is not UTF-8, or None.

    Read only when a file was refused, so that the message says where to look: in a file of
    gigabytes, "not UTF-8" alone leaves a person searching. Lines count from 1, bytes from 0.
    """
    offset, line, pending = 0, 1, b""
    with open(path, "rb") as f:
        while True:
            block = f.read(chunk)
            data = pending + block
            try:
                data.decode("utf-8")
                good = len(data)
            except UnicodeDecodeError as e:
                if not block or e.reason != "unexpected end of data":  # not a character the block boundary cut
                    return line + data.count(b"\n", 0, e.start), offset + e.start, data[e.start]
                good = e.start
            line += data.count(b"\n", 0, good)
            offset += good
            pending = data[good:]
            if not block:
                return None


def _width_reason(width: int, fields: list[str]) -> str:
    """Why a record of the wrong width was rejected.

    The values beyond the header's columns, which the rejects file has no column for, are kept in
    the reason as a JSON list: on one line (a line break in a value is escaped), nothing lost.
    """
    reason = f"expected {width} fields, found {len(fields)}"
    if len(fields) <= width:
        return reason
    return f"{reason}; the extra values (JSON): {json.dumps(fields[width:], ensure_ascii=False)}"
