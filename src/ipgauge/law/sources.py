"""What the law reads: the register's tables (every version) on an Ibis backend or as named SQL relations.

Also the small Ibis pieces every stage of :mod:`ipgauge.law.stages` uses: a table as the first N
deliveries left it, the versions held on one K, a list's item, date arithmetic that stays a date,
and the term of a patent by a rule set.
"""

from __future__ import annotations

import functools
import hashlib
import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import ibis
import ibis.expr.types as ir
import pyarrow as pa
import sqlglot
from ibis.backends.sql.datatypes import DuckDBType

from ipgauge.engines import arrow_table, written_join_order
from ipgauge.law.ruleset import RuleSet
from ipgauge.regions.divisions import hierarchy
from ipgauge.register import store
from ipgauge.register.cache import cache_dir, cached
from ipgauge.sqltext import engine_path

OPEN = ibis.date(store.OPEN)  # the open end, as an Ibis literal
BEGINNING = ibis.date(store.BEGINNING)
#: The register tables the law reads, each with every version and its bitemporal columns.
TABLES = ("patents", "trademarks", "gi_products", "events", "parties", "families")
#: The name the division hierarchy has in SQL run on the register's connection (spells.register_hierarchy).
HIERARCHY = "_hierarchy"


@dataclass(frozen=True)
class Sources:
    """The register's tables (every version) and the division hierarchy, as Ibis tables.

    Bound to a backend (an export's Parquet files on DuckDB or Spark: run there), or unbound, named
    as the register names them (:meth:`of_store`: compiled to SQL that runs on the register's own
    connection, inside a load's transaction if need be).
    """

    patents: ir.Table
    trademarks: ir.Table
    gi_products: ir.Table
    events: ir.Table
    parties: ir.Table
    families: ir.Table
    hierarchy: ir.Table
    backend: ibis.BaseBackend | None = None

    @classmethod
    def of_store(cls, con: duckdb.DuckDBPyConnection) -> Sources:
        """The register's tables as ``con`` sees them (its open transaction's own rows included), unbound."""
        tables = [ibis.table(_schema(con, t), name=t) for t in TABLES]
        return cls(*tables, ibis.table(pa.table(hierarchy()).schema, name=HIERARCHY))

    @classmethod
    def of_export(cls, ib: ibis.BaseBackend, folder: Path) -> Sources:
        """The tables of an ``ipgauge export`` folder (every version) on ``ib``; :func:`store.open_export` checks it."""
        tables = [
            ib.read_parquet(
                engine_path(ib.name, store.history_file(folder, t)), table_name=f"{t}_{uuid.uuid4().hex[:8]}"
            )
            for t in TABLES
        ]
        written_join_order(ib)
        hier = arrow_table(ib, f"hierarchy_{uuid.uuid4().hex[:8]}", pa.table(hierarchy()))
        return cls(*tables, hier, backend=ib)

    def table(self, name: str) -> ir.Table:
        """One of the register's tables by its name."""
        return getattr(self, name)


def _schema(con: duckdb.DuckDBPyConnection, table: str) -> ibis.Schema:
    return ibis.schema(
        {name: DuckDBType.from_string(kind) for name, kind, *_ in con.execute(f"DESCRIBE {table}").fetchall()}
    )


def as_left(t: ir.Table, upto: int | None) -> ir.Table:
    """``t`` as the first ``upto`` deliveries left it: later rows unseen, a later delivery's supersession undone."""
    if upto is None:
        return t
    return t.filter(t.delivery_id <= upto).mutate(
        known_to=ibis.ifelse(t.closed_by > upto, ibis.null("date"), t.known_to)
    )


def known(t: ir.Table, k: date) -> ir.Table:
    """The versions of ``t``'s records held on ``k``: the Ibis twin of :func:`ipgauge.register.store.known_at`."""
    return t.filter((t.known_from <= k) & (ibis.literal(k) < t.known_to.fill_null(OPEN)))


def item(values: ir.ArrayValue, i: int) -> ir.Value:
    """Element ``i`` of a list, NULL past its end (Spark's ANSI mode would fail the query instead)."""
    return ibis.ifelse(values.length() > i, values[i], ibis.null(values.type().value_type))


def as_date(d: ir.DateValue) -> ir.DateValue:
    """Date arithmetic's result as a date.

    DuckDB makes ``date + interval`` a timestamp, while Ibis, deeming it a date already, drops a plain cast.
    """
    return d.cast("timestamp").cast("date")


def years_after(d: ir.DateValue, years: int) -> ir.DateValue:
    """The same day ``years`` later."""
    return as_date(d + ibis.interval(years=years))


def store_shape(con: duckdb.DuckDBPyConnection) -> tuple:
    """The register's tables and columns: SQL compiled for one register is reused only for one of its shape."""
    sql = "SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = "
    return tuple(con.execute(sql + "current_schema() ORDER BY ALL").fetchall())


def trademark_term(t: ir.Table, rules: RuleSet) -> tuple[ir.DateValue, ir.DateValue]:
    """A trademark's term end (its last renewal's, or the first term's) and its stop with the grace period.

    ``t`` has the registration date and, per right, ``renewed_to`` (the latest renewal's new expiry),
    ``declared`` (a declaration of use or a renewal known) and ``ended`` (a cancellation's date). Where
    the rule set asks for a declaration of use (US §8), a registration without one stops at the end of
    its grace period.
    """
    reg = t.registration_date
    first = years_after(reg, rules.trademark_term_years)
    if rules.trademark_transition:
        since, years = rules.trademark_transition
        first = ibis.ifelse(reg < since, years_after(reg, years), first)
    term = ibis.greatest(first, t.renewed_to.fill_null(BEGINNING))
    grace = ibis.interval(months=rules.trademark_grace_months)
    stop = ibis.least(as_date(term + grace), t.ended.fill_null(OPEN))
    if rules.trademark_declaration:
        since, years = rules.trademark_declaration
        due = as_date(years_after(reg, years) + grace)
        stop = ibis.ifelse((reg >= since) & ~t.declared.fill_null(False), ibis.least(stop, due), stop)
    return term, stop


def patent_end(p: ir.Table, rules: RuleSet) -> ir.DateValue:
    """The first day a patent is out of force by its term alone (before extensions), by ``rules``' terms."""
    counted = {"filing": p.filing_date, "grant": p.grant_date, "term_from": p.term_from.fill_null(p.filing_date)}
    arms = []
    for t in rules.patent_terms:
        applies = p.kind == t.kind
        if t.filed_from:
            applies &= p.filing_date >= t.filed_from
        arms.append((applies, years_after(counted[t.counted_from], t.years)))
    end = ibis.cases(*arms)
    if rules.transition:
        since, years = rules.transition
        end = ibis.ifelse(
            (p.kind != "design") & (p.filing_date < since), ibis.greatest(end, years_after(p.grant_date, years)), end
        )
    return as_date(end + ibis.interval(days=1)) if rules.anniversary_in_force else end


@functools.cache
def patent_end_sql(rules: RuleSet, alias: str) -> str:
    """:func:`patent_end` as a DuckDB SQL expression over the relation ``alias`` (kind, filing, grant, term_from).

    For the few one-off queries that need a patent's term outside the stages (``ipgauge status``,
    a layout's expiries, a risk report's legal status): compiled from the one Ibis expression, so
    the term is written once.
    """
    p = ibis.table({"kind": "string", "filing_date": "date", "grant_date": "date", "term_from": "date"}, name="_patent")
    select = sqlglot.parse_one(ibis.to_sql(p.select(term_out=patent_end(p, rules)), dialect="duckdb"), read="duckdb")
    term = select.expressions[0].this
    for column in term.find_all(sqlglot.exp.Column):
        column.set("table", sqlglot.exp.to_identifier(alias))
    return term.sql(dialect="duckdb")


def register_files(con: duckdb.DuckDBPyConnection, db: Path) -> Path:
    """The tables the law reads, every version, as Parquet beside the register: what Spark runs the law over.

    Laid out like an export's ``history/`` (:meth:`Sources.of_export` reads either); written once per
    register state, keyed like every cache and never trusted on its name.
    """
    key = f"{store.identity(con)}|law-tables"
    path = cache_dir(db) / f"law-tables-{hashlib.sha256(key.encode()).hexdigest()[:16]}"

    def write(tmp: Path) -> None:
        for t in TABLES:
            target = store.history_file(tmp, t)
            target.parent.mkdir(parents=True, exist_ok=True)
            con.execute(f"COPY (SELECT * FROM {t} ORDER BY known_from) TO ? (FORMAT parquet)", [str(target)])

    return cached(db, path, key, write, "the law's tables")
