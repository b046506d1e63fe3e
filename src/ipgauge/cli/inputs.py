"""What a command reads from its user besides options: text and query files, checked whole before any work."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from ipgauge.errors import UserError, why

MAX_QUERIES_CHARS = 200_000_000  # a --queries file: 10,000 descriptions of 20,000 characters


def utf8(text: str, what: str) -> str:
    """``text`` as given on the command line, refused in one sentence when its bytes are not UTF-8."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as e:
        bad = text[e.start].encode("utf-8", "surrogateescape")
        raise UserError(f"{what} is not UTF-8 (byte 0x{bad.hex()} at character {e.start + 1}).") from None
    return text


def _queries(text: str | None, file: Path | None, queries: Path | None) -> list[tuple[str, str]]:
    """The queries to screen, each checked before any is screened (a bad row names its line)."""
    from ipgauge.services.screen import MAX_QUERY_CHARS, query_problem

    given = [x for x in (text, file, queries) if x is not None]
    if len(given) != 1:
        raise UserError("give one of: the text to screen, --file FILE, or --queries FILE.csv.")
    if text is not None:
        found = [("query", utf8(text, "the text to screen"))]
    else:
        path = file or queries
        limit = MAX_QUERY_CHARS + 1 if file is not None else MAX_QUERIES_CHARS  # never more than is screened
        try:
            with open(path, encoding="utf-8-sig") as f:
                raw = f.read(limit)
                if queries is not None and f.read(1):
                    raise UserError(f"{path} holds more than {MAX_QUERIES_CHARS:,} characters; split it.")
        except UnicodeDecodeError:
            raise UserError(f"{path} is not UTF-8 text; save it as UTF-8 and try again.") from None
        except OSError as e:
            raise UserError(f"cannot read {path} ({why(e)}).") from None
        found = [(path.stem, raw)] if file is not None else _csv_queries(path, raw)
    for query_id, query in found:
        problem = query_problem(query)
        if problem:
            where = f"{queries} (id {query_id!r}): " if queries else ""
            raise UserError(f"{where}{problem}; give a product description or claims to screen.")
    return found


def _csv_queries(path: Path, raw: str) -> list[tuple[str, str]]:
    from ipgauge.services.screen import query_problem

    csv.field_size_limit(10**8)
    reader = csv.DictReader(io.StringIO(raw, newline=""), strict=True)
    rows, seen, start = [], set(), 2
    try:
        if not reader.fieldnames or not {"id", "text"} <= set(reader.fieldnames):
            raise UserError(f"{path} needs a header with the columns id and text (one query per row).")
        start = reader.line_num + 1
        for row in reader:
            where = f"{path} line {start}"
            start = reader.line_num + 1  # the next row begins after the lines this one took
            if None in row:
                raise UserError(f"{where}: more fields than the header names (quote a text holding commas).")
            key = (row["id"] or "").strip()  # " a" and "a" are one id to whoever reads the results
            if not key:
                raise UserError(f"{where}: the id is empty.")
            if key in seen:
                raise UserError(f"{where}: the id {key!r} is used twice.")
            problem = query_problem(row["text"] or "")
            if problem:
                raise UserError(f"{where} ({key!r}): {problem}.")
            seen.add(key)
            rows.append((key, row["text"]))
    except csv.Error as e:
        raise UserError(f"{path} line {start}: not valid CSV ({e}).") from None
    if not rows:
        raise UserError(f"{path} holds no query (one per row, under the header id,text).")
    return rows
