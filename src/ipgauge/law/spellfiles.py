"""The stored spells on disk: Parquet files per delivery beside the register, listed inside it.

A delivery's spells are written as Parquet into ``<register>.spells/`` — one file per rule set and
right type (``rows``), one file of the earlier rows it ended (``closures``: right, the delivery
whose rows it closed, the closing delivery) — and the files are named in the register's table
``spell_files`` in the load's own transaction. Only listed files are read, so a load killed at any
point leaves the last good state: the files it wrote are listed nowhere, and the next load removes
them (:func:`prune`). A listed file is checked whenever the register is opened (:meth:`Listing.intact`):
one missing, changed or unreadable makes the spells stale, and they are rebuilt.

Both engines read the same files — DuckDB through temporary views made for each connection
(:func:`attach`), Spark by reading them itself (:func:`read`); the view that joins rows and
closures is one SQL text (:func:`spells_view`). Files accumulate one or two per delivery; past
:data:`MAX_FILES` of a kind the smallest are merged into one (:func:`compact`), and the files they
replace are removed by the next load, so that a reader still holding the old list is not cut short.

Closures accumulate too — a weekly national delivery of 1% adds about 0.7 million — and every
read joins them, so once they pass :data:`BAKE_SHARE` of the rows they are written into the
rows themselves (:func:`bake`: each row's ``closed_by`` column), and the join starts again from none.
"""

from __future__ import annotations

import os
import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from ipgauge.errors import UserError, why
from ipgauge.law.spells import DIVISION_COLUMNS, SPELL_TYPES
from ipgauge.register import store
from ipgauge.sqltext import engine_path, identifier, path_literal, quoted

if TYPE_CHECKING:
    import ibis
    import ibis.expr.types as ir

#: The register's list of the files that hold its spells (a file not named there is not read): name in
#: the spells folder, part (rows, closures or divisions), the delivery it was written for (the last one
#: merged, when compacted), its rows, and its size and time written, checked whenever the register opens.
_LISTED = (
    ("file", "VARCHAR PRIMARY KEY"),
    ("part", "VARCHAR NOT NULL"),
    ("delivery_id", "INTEGER NOT NULL"),
    ("rows", "BIGINT NOT NULL"),
    ("bytes", "BIGINT NOT NULL"),
    ("written_s", "BIGINT NOT NULL"),
)
LISTING_DDL = f"CREATE TABLE spell_files ({', '.join(f'{c} {t}' for c, t in _LISTED)})"
#: The columns of a rows file, with their types: the spells' own (less the division columns a region
#: code implies, joined when read), the rule set, the trademark grace, the knowledge interval, the
#: delivery, and the delivery that closed the row once a :func:`bake` has written it in (else NULL).
ROW_TYPES = (
    *((c, t) for c, t in SPELL_TYPES if c not in DIVISION_COLUMNS),
    ("jurisdiction", "VARCHAR"),
    ("grace_from", "DATE"),
    ("known_from", "DATE"),
    ("known_to", "DATE"),
    ("delivery_id", "INTEGER"),
    ("closed_by", "INTEGER"),
)
#: The columns of a closures file: the right, the delivery whose rows of it were closed, and by which delivery.
CLOSURE_TYPES = (
    ("right_type", "VARCHAR"),
    ("right_id", "VARCHAR"),
    ("delivery_id", "INTEGER"),
    ("closed_by", "INTEGER"),
)
#: The views each engine reads the files through, by part.
VIEWS = {"rows": "spell_rows", "closures": "spell_closures", "divisions": "spell_divisions"}
#: How the files are named (delivery, part, label, a random part): :func:`prune` removes no other file.
_NAMED = re.compile(r"\d{6}-(rows|closures|divisions)(-[A-Za-z0-9_-]+)?-[0-9a-f]{12}\.parquet")
#: Rows per Parquet row group: a million (DuckDB's default is 122,880) makes a national file's footer
#: an eighth as long, read each time a register opens, and its figures no slower (measured: 0.07 s
#: against 0.09 s for a national point); a part's files are skipped by right type either way.
ROW_GROUP = 1_000_000
#: Past this many files of one part, the smallest are merged (a national delivery of 1% adds about five).
MAX_FILES = 24
#: Past this share of the rows, the closures are baked into them. Every read joins the closures, and
#: every bake rewrites every row: on the national register (95 million rows, 2 cores) a point took
#: 0.40-0.58 s with 3.5 million closures against 0.09-0.12 s baked, and a bake took 57 s. A weekly 1%
#: delivery adds about 0.7 million, so at a twentieth a bake comes about every seventh load (8 s a load)
#: and a point's join stays under about 0.7 s (docs/benchmarks.md).
BAKE_SHARE = 0.05


def folder(db: Path) -> Path:
    """The register's spells folder, beside it."""
    return db.parent / f"{db.name}.spells"


def register_path(con: duckdb.DuckDBPyConnection) -> Path:
    """The file of the register ``con`` is connected to."""
    return Path(store.scalar(con, "SELECT file FROM pragma_database_list WHERE name = current_database()"))


def typed(sql: str, types: tuple[tuple[str, str], ...]) -> str:
    """``sql``'s columns in the given order and types: every file of a part has exactly one schema."""
    return f"SELECT {', '.join(f'CAST({c} AS {t}) AS {c}' for c, t in types)} FROM ({sql}) AS t"


def empty(types: tuple[tuple[str, str], ...]) -> str:
    """No row, with the columns: a part with no rows still has a file, so that every reader finds its schema."""
    return f"SELECT {', '.join(f'CAST(NULL AS {t}) AS {c}' for c, t in types)} WHERE false"


@dataclass(frozen=True)
class Listing:
    """The files the register lists, by part: (path, rows, (bytes, time written)) each."""

    where: Path
    files: dict[str, list[tuple[Path, int, tuple[int, int]]]]

    def paths(self, part: str) -> list[Path]:
        """The files of ``part``."""
        return [p for p, _, _ in self.files.get(part, [])]

    def rows(self, part: str) -> int:
        """How many rows the files of ``part`` hold together."""
        return sum(n for _, n, _ in self.files.get(part, []))

    def intact(self) -> bool:
        """Every part has a file, each with the size and time it was written with and a footer that reads back.

        The footers (a few kilobytes each, not the data) are read on a connection of their own, since a
        failed statement would abort the register's transaction: a file overwritten in place, its time
        restored, is caught there; a flipped bit inside the data is not (docs/law.md).
        """
        if any(not self.files.get(part) for part in VIEWS):
            return False
        listed = sorted((p, n, signed) for fs in self.files.values() for p, n, signed in fs)
        try:
            stats = [p.stat() for p, _, _ in listed]
        except OSError:
            return False
        if any(_signature(st) != signed for st, (_, _, signed) in zip(stats, listed, strict=True)):
            return False
        # footers read once per process for the same files as they are now: the inode and the change time
        # (which a write moves and no one can set back) tell a file rewritten since, its times restored
        seen = tuple(
            (str(p), n, st.st_size, st.st_ino, st.st_ctime_ns) for (p, n, _), st in zip(listed, stats, strict=True)
        )
        if seen not in _READ_BACK:
            try:
                with duckdb.connect() as own:
                    sql = f"SELECT num_rows FROM parquet_file_metadata({_list([p for p, _, _ in listed])})"
                    counted = own.execute(sql).fetchall()
            except duckdb.Error:
                return False
            if sorted(n for (n,) in counted) != sorted(n for _, n, _ in listed):
                return False
            _READ_BACK.add(seen)
        return True


#: The lists of files (path, rows, size, inode, change time) whose footers this process has read back.
_READ_BACK: set[tuple] = set()


def _signature(st: os.stat_result) -> tuple[int, int]:
    """A file's size and modification time as listed: what a file replaced or changed in place no longer matches.

    The time in whole seconds, which every copy that keeps times keeps (tar keeps no more). A digest of
    the contents would be surer, but it would read gigabytes each time a national register opens.
    """
    return st.st_size, int(st.st_mtime)


def listing(con: duckdb.DuckDBPyConnection) -> Listing | None:
    """The register's listed files, or None for a register without the list (none yet, or an older format)."""
    have = con.execute(
        "SELECT list(column_name ORDER BY ordinal_position) FROM information_schema.columns "
        "WHERE table_name = 'spell_files' AND table_schema = 'main'"
    ).fetchall()[0][0]
    if have != [c for c, _ in _LISTED]:  # none yet, or a list of another form: the spells are rebuilt
        return None
    where = folder(register_path(con))
    files: dict[str, list[tuple[Path, int, tuple[int, int]]]] = {}
    listed = con.execute("SELECT file, part, rows, bytes, written_s FROM spell_files ORDER BY file").fetchall()
    for name, part, rows, size, written in listed:
        files.setdefault(part, []).append((where / name, rows, (size, written)))
    return Listing(where, files)


def reset(con: duckdb.DuckDBPyConnection) -> None:
    """An empty list, in the caller's transaction (the old files go with the next :func:`prune`)."""
    db = store.scalar(con, "SELECT current_database()")
    for table in ("spells", "spell_divisions", "spell_files"):  # the first two: how the spells were kept before files
        con.execute(f"DROP TABLE IF EXISTS {identifier(db)}.main.{table}")  # not the connection's temporary views
    con.execute(LISTING_DDL)


def write(con: duckdb.DuckDBPyConnection, sql: str, part: str, delivery: int, label: str = "") -> int:
    """Write ``sql``'s rows as a new file of ``part`` for ``delivery`` and list it (in the caller's transaction)."""
    where = folder(register_path(con))
    try:
        where.mkdir(exist_ok=True)
        if not os.access(where, os.W_OK):
            raise PermissionError(13, "Permission denied")
    except OSError as e:
        raise UserError(
            f"cannot write the register's spells in {where} ({why(e)}); make that folder writable, and nothing "
            "else is changed."
        ) from None
    name = f"{delivery:06d}-{part}{'-' + label if label else ''}-{uuid.uuid4().hex[:12]}.parquet"
    path = where / name
    rows = store.scalar(con, f"COPY ({sql}) TO ? (FORMAT parquet, ROW_GROUP_SIZE {ROW_GROUP})", [str(path)])
    listed = [name, part, delivery, rows, *_signature(path.stat())]
    con.execute("INSERT INTO spell_files VALUES (?, ?, ?, ?, ?, ?)", listed)
    return rows


def prune(con: duckdb.DuckDBPyConnection) -> None:
    """Remove the files of the spells folder the register does not list: a killed load's, or compacted ones.

    Run by the writer (DuckDB's lock makes it the only one) before it writes, so every file not listed
    then belongs to no committed state.
    """
    kept = listing(con)
    where = folder(register_path(con))
    if not where.is_dir():
        return
    listed = {p.name for fs in (kept.files.values() if kept else []) for p, _, _ in fs}
    for path in where.iterdir():  # only files named as this module names them: nothing else is touched
        if path.name not in listed and _NAMED.fullmatch(path.name) and path.is_file():
            path.unlink(missing_ok=True)


def bake(con: duckdb.DuckDBPyConnection, delivery: int) -> None:
    """Write the closures into the rows when they pass :data:`BAKE_SHARE` of them (the caller's transaction).

    Every row is rewritten once, into one file, with its ``closed_by``; the closures start again from an
    empty file. The views of ``con`` must show the listed files (:func:`attach`); the caller makes them
    again once its upkeep is done.
    """
    now = listing(con)
    assert now is not None
    if now.rows("closures") <= BAKE_SHARE * now.rows("rows"):
        return
    replaced = [p.name for part in ("rows", "closures") for p in now.paths(part)]
    write(con, typed(spells_view(closures=True), ROW_TYPES), "rows", delivery, "baked")
    write(con, empty(CLOSURE_TYPES), "closures", delivery, "none")
    con.execute("DELETE FROM spell_files WHERE list_contains(?, file)", [replaced])


def compact(con: duckdb.DuckDBPyConnection, delivery: int) -> None:
    """Merge the smallest files of a part into one when it has more than :data:`MAX_FILES` (caller's transaction)."""
    now = listing(con)
    assert now is not None
    for part, types in (("rows", ROW_TYPES), ("closures", CLOSURE_TYPES)):
        files = sorted(now.files.get(part, []), key=lambda f: f[1])
        if len(files) <= MAX_FILES:
            continue
        merged = [p for p, _, _ in files[: len(files) - MAX_FILES // 2 + 1]]
        write(con, typed(f"SELECT * FROM {_read(merged)}", types), part, delivery, "merged")
        con.execute("DELETE FROM spell_files WHERE list_contains(?, file)", [[p.name for p in merged]])


def _read(paths: list[Path]) -> str:
    return f"read_parquet({_list(paths)})"


def _list(paths: list[Path]) -> str:
    """A SQL list of the files at ``paths``, each read literally."""
    return f"[{', '.join(quoted(path_literal(p)) for p in paths)}]"


def spells_view(closures: bool) -> str:
    """The stored spells with the delivery that closed each row (NULL while current), on either engine.

    A row closed before the last :func:`bake` says so itself; the others are joined with the closures
    since, and without any (a register of one delivery, or just baked) there is nothing to join. The
    columns are named, not ``r.* REPLACE``, which Spark's SQL does not have.
    """
    if not closures:
        return "SELECT * FROM spell_rows"
    kept = ", ".join(f"r.{c}" for c, _ in ROW_TYPES if c != "closed_by")
    return (
        f"SELECT {kept}, coalesce(r.closed_by, c.closed_by) AS closed_by FROM spell_rows r "
        "LEFT JOIN spell_closures c ON c.right_id = r.right_id AND c.delivery_id = r.delivery_id "
        "AND c.right_type = r.right_type"
    )


def attach(con: duckdb.DuckDBPyConnection) -> None:
    """Make the listed files readable on ``con`` as ``spells`` and ``spell_divisions`` (temporary views)."""
    now = listing(con)
    if now is None or not now.intact():
        return  # no spells yet (or stale ones): the connection's owner brings them up first
    try:
        for part, view in VIEWS.items():
            con.execute(f"CREATE OR REPLACE TEMP VIEW {view} AS SELECT * FROM {_read(now.paths(part))}")
    except duckdb.Error as e:  # a file of the right size and time that is not the Parquet written
        raise UserError(
            f"the spells kept in {now.where} are damaged ({why(e)}); remove that folder and open the register "
            "again to rebuild them."
        ) from None
    con.execute(f"CREATE OR REPLACE TEMP VIEW spells AS {spells_view(now.rows('closures') > 0)}")


def read(ib: ibis.BaseBackend, sql: str, con: duckdb.DuckDBPyConnection) -> ir.Table:
    """The spells as known on K (``sql``, a filter on the spells view) as an Ibis table on ``ib``.

    DuckDB reads the register's files through the views of its connection ``con`` (which ``ib``
    wraps); Spark reads the same files, listed by ``con``, under the same names.
    """
    name = f"spells_known_{uuid.uuid4().hex[:12]}"  # two engines of one Spark session must not share a view
    if ib.name == "duckdb":
        attach(ib.con)  # Ibis works on a cursor of ``con``: a connection of its own, with its own views
        ib.raw_sql(f"CREATE OR REPLACE TEMP VIEW {name} AS {sql}")
        return ib.table(name)
    now = listing(con)
    if now is None or not now.intact():
        raise UserError("the register's spells are not up to date; open it with ipgauge once to bring them up.")
    _attach_spark(ib._session, now)
    ib._session.sql(f"CREATE OR REPLACE TEMP VIEW {name} AS {sql}")
    return ib.table(name)


def _attach_spark(session, now: Listing) -> None:  # noqa: ANN001 - a pyspark SparkSession, imported only with Spark
    """The same views on a Spark session, over the same files (the Spark copy *is* the files)."""
    for part, view in VIEWS.items():
        paths = [engine_path("pyspark", p) for p in now.paths(part)]
        session.read.parquet(*paths).createOrReplaceTempView(view)
    session.sql(f"CREATE OR REPLACE TEMP VIEW spells AS {spells_view(now.rows('closures') > 0)}")
