"""The patent landscape of a company, a region or a technology field, on D as known on K.

What a layout-strategy report stands on: where the subject's rights in force lie by WIPO field and
how that compares with the whole jurisdiction (the revealed technological advantage, RTA = the
field's share of the subject's rights over its share of all rights; below 1 the subject is weak
there — the white space), how filings, grants and rights in force moved year by year, who else holds
rights in the same fields and where the subject ranks, whom it co-holds with, in which offices its
families are protected and where the others' are, and what expires in the next three years.

Every count comes from the law's spells (rights in force in the jurisdiction on a date, as
known on K: the same numbers every figure reads), tagged with their WIPO field by the indicators'
own concordance; filings come from the register's applications as known on K. A company is the
first holder of a right after transfers (the spells' holder); the nation is every right in force
in the jurisdiction, whoever holds it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import duckdb
import ibis

from ipgauge.dates import add_months
from ipgauge.engines import connect
from ipgauge.errors import UserError
from ipgauge.indicators import expressions as E
from ipgauge.indicators.fields import field_names
from ipgauge.law import spellfiles
from ipgauge.law.bitemporal import view_sql
from ipgauge.law.jurisdictions import rules_for
from ipgauge.law.ruleset import RuleSet
from ipgauge.law.sources import patent_end_sql
from ipgauge.law.spells import register_hierarchy
from ipgauge.regions.divisions import divisions
from ipgauge.regions.groups import Region, region
from ipgauge.register.store import known_at, last_delivery
from ipgauge.sqltext import day, quoted

YEARS = 10  # the trend covers the ten years up to D
HORIZON = 3  # expiries: the next three years
WEAK_RTA = 0.9  # white space: fields where the subject's RTA is below this
TOP = 10


@dataclass(frozen=True)
class Subject:
    """What the landscape is of: its kind, its key (party id, region code, field number or IPC prefix), a label."""

    kind: str
    key: str
    label_en: str
    label_zh: str
    sql: str  # a predicate over a spell row ``s`` (with its ``field``)
    matched: str = "exactly"  # how a company's name was found: exactly, or by part of its name


@dataclass
class Landscape:
    """The landscape's sections (each a list of rows), with the dates and the jurisdiction they hold for."""

    subject: Subject
    jurisdiction: str
    as_of: date
    known_at: date
    deliveries: int
    sections: dict[str, list[dict]] = field(default_factory=dict)

    def as_json(self) -> dict:
        """What `ipgauge landscape --format json` prints and `GET /v1/landscape` answers."""
        s = self.subject
        return {
            "subject": {"kind": s.kind, "key": s.key, "label_en": s.label_en, "label_zh": s.label_zh},
            "jurisdiction": self.jurisdiction,
            "as_of": str(self.as_of),
            "known_at": str(self.known_at),
            "deliveries": self.deliveries,
            "sections": self.sections,
        }


def one_subject(company: str | None, region: str | None, field: str | None, lead: str = "") -> tuple[str, str]:
    """The one subject given of a landscape or layout report, as (kind, text); ``lead`` prefixes option names."""
    given = [(kind, v) for kind, v in (("company", company), ("region", region), ("field", field)) if v is not None]
    if len(given) != 1:
        raise UserError(f"give one of {lead}company, {lead}region or {lead}field.")
    return given[0]


def _company(con: duckdb.DuckDBPyConnection, text: str, k: date) -> Subject:
    rows = con.execute(
        f"""SELECT party_id, name, coalesce(name_en, '') FROM parties
            WHERE {known_at(k)}
              AND (lower(party_id) = lower($1) OR lower(name) = lower($1) OR lower(name_en) = lower($1))""",
        [text],
    ).fetchall()
    matched = "exactly"
    if not rows:
        matched = "by part of its name"
        rows = con.execute(
            f"""SELECT party_id, name, coalesce(name_en, '') FROM parties
                WHERE {known_at(k)} AND (contains(lower(name), lower($1)) OR contains(lower(name_en), lower($1)))
                ORDER BY name LIMIT 6""",
            [text],
        ).fetchall()
    if not rows:
        from ipgauge.services.names import resolve

        found = resolve(con, text, k)
        if found["status"] == "ambiguous":
            names = "; ".join(f"{c['name']} ({c['party_id']}, score {c['score']:g})" for c in found["candidates"])
            raise UserError(f"{text!r} may be several parties ({names}); give the party id.")
        if found["status"] == "matched":
            matched = f"by name resolution (score {found['score']:g}, {found['how']})"
            rows = con.execute(
                f"SELECT party_id, name, coalesce(name_en, '') FROM parties WHERE {known_at(k)} AND party_id = ?",
                [found["party_id"]],
            ).fetchall()
    if not rows:
        raise UserError(f"no party in the register is called or numbered {text!r}.")
    if len(rows) > 1:
        names = "; ".join(f"{r[1]} ({r[0]})" for r in rows[:5])
        raise UserError(f"{text!r} names several parties ({names}); give the party id.")
    pid, name, name_en = rows[0]
    return Subject("company", pid, name_en or name, name, f"s.party_id = {quoted(pid)}", matched)


def _field(text: str) -> Subject:
    names = field_names()
    if text.isdigit():
        number = int(text)
        if number not in names:
            raise UserError(f"there is no WIPO technology field {number}; the fields are numbered 1 to 35.")
        _, en, zh = names[number]
        return Subject(
            "field", str(number), f"{en} (WIPO field {number})", f"{zh}（WIPO第{number}领域）", f"s.field = {number}"
        )
    code = text.strip().upper().replace(" ", "")
    if not re.fullmatch(r"[A-H](?:\d{2}[A-Z]?)?", code):
        raise UserError(f"{text!r} is neither a WIPO field number (1–35) nor an IPC class or subclass such as H01M.")
    return Subject(
        "field", code, f"IPC {code}", f"IPC {code}", f"starts_with(replace(s.ipc_main, ' ', ''), {quoted(code)})"
    )


def _region(text: str) -> Subject:
    r: Region = region(text)
    if r.is_nation:
        raise UserError("the nation is what a landscape is compared with; name a region, a company or a field.")
    where = f"s.country = {quoted(r.code)}" if r.is_country else r.sql_predicate()
    return Subject("region", r.code, r.name_en, r.name_zh, where)


def subject_of(con: duckdb.DuckDBPyConnection, kind: str, text: str, k: date) -> Subject:
    """The subject named on the command line."""
    if not text.strip():
        raise UserError(f"the {kind} is empty.")
    return {
        "company": lambda: _company(con, text.strip(), k),
        "field": lambda: _field(text),
        "region": lambda: _region(text),
    }[kind]()


def landscape(
    con: duckdb.DuckDBPyConnection,
    db: Path,
    kind: str,
    text: str,
    jurisdiction: str,
    as_of: date,
    k: date,
    upto: int | None = None,
) -> Landscape:
    """The landscape of the subject (see the module's text); ``upto`` pins the deliveries read."""
    subject = subject_of(con, kind, text, k)
    upto = last_delivery(con) if upto is None else upto
    _register_spells(con, jurisdiction, k, upto)
    out = Landscape(subject, jurisdiction, as_of, k, upto)
    total, own = _in_force(con, subject, as_of)
    rows = _by_field(con, own, total)
    out.sections["fields"] = rows
    out.sections["subclasses"] = _subclasses(con, k)
    if subject.kind == "field" and jurisdiction == "CN":  # provinces are China's: none in a foreign report
        out.sections["regions"] = _regions(con, subject)
    else:
        out.sections["white_space"] = _white_space(rows)
    out.sections["trend"] = _trend(con, subject, as_of, k)
    out.sections["top_holders"], rank, (scope_en, scope_zh) = _holders(con, subject, rows, k)
    if subject.kind == "company":
        out.sections["co_holders"] = _co_holders(con, subject, k)
    out.sections["abroad"] = _abroad(con, subject, rows, k)
    out.sections["expiries"] = _expiries(con, as_of, k, rules_for(jurisdiction))
    out.sections["summary"] = [
        {
            "in_force": own,
            "in_force_nation": total,
            "share": round(own / total, 4) if total else None,
            "families_abroad": con.execute("SELECT count(*) FROM _mine WHERE family_abroad").fetchone()[0],
            "family_data": con.execute(f"SELECT count(*) > 0 FROM families WHERE {known_at(k)}").fetchone()[0],
            "expiring_3y": sum(r["expiring"] for r in out.sections["expiries"]),
            "national_rank": rank,
            "holders_ranked_in": scope_en,
            "holders_ranked_in_zh": scope_zh,
        }
    ]
    return out


def _register_spells(con: duckdb.DuckDBPyConnection, jurisdiction: str, k: date, upto: int) -> None:
    """Register ``_spells`` (the patents' spells as known on K, with their field) and ``_app_fields``.

    Every section reads these two relations: the spells for what is in force, the applications'
    fields for the yearly filings and grants (tagged by the same concordance as the spells).
    """
    ibis_con = connect("duckdb", store=con)
    t = spellfiles.read(ibis_con, view_sql(k, rules_for(jurisdiction), upto=upto), con)
    t = E.with_field(t.filter(t.right_type == "patent"))
    base = t.select(
        "right_id",
        "kind",
        "party_id",
        "country",
        "province_code",
        "prefecture_code",
        "county_code",
        "ipc_main",
        "field",
        "family_abroad",
        "valid_from",
        "valid_to",
    ).to_pyarrow()
    con.register("_spells", base)
    apps = con.sql(
        f"SELECT patent_id AS right_id, ipc[1] AS ipc_main FROM patents WHERE {known_at(k)}"
    ).to_arrow_table()
    fields_of_apps = E.with_field(ibis.memtable(apps)).select("right_id", "field")
    con.register("_app_fields", ibis_con.to_pyarrow(fields_of_apps))
    register_hierarchy(con)


def _in_force(con: duckdb.DuckDBPyConnection, subject: Subject, as_of: date) -> tuple[int, int]:
    """Fill ``_now`` (every right in force on D) and ``_mine`` (the subject's); count them (all, the subject's)."""
    D = day(as_of)
    live = f"s.valid_from <= {D} AND {D} < s.valid_to"
    # the rights in force on D, one row each (a right's spell covering D: its holder then)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _now AS SELECT DISTINCT ON (right_id) * FROM _spells s WHERE {live} "
        "ORDER BY right_id, valid_from"
    )
    con.execute(f"CREATE OR REPLACE TEMP TABLE _mine AS SELECT * FROM _now s WHERE {subject.sql}")
    return con.execute("SELECT (SELECT count(*) FROM _now), (SELECT count(*) FROM _mine)").fetchone()


def _by_field(con: duckdb.DuckDBPyConnection, own: int, total: int) -> list[dict]:
    """Per WIPO field: the subject's rights in force, all of them, its share of the field and its RTA there."""
    names = field_names()
    fields = con.execute(
        """WITH n AS (SELECT field, count(*) AS nation FROM _now GROUP BY field),
                m AS (SELECT field, count(*) AS subject FROM _mine GROUP BY field)
           SELECT n.field, coalesce(m.subject, 0), n.nation FROM n LEFT JOIN m ON n.field IS NOT DISTINCT FROM m.field
           ORDER BY coalesce(m.subject, 0) DESC, n.nation DESC, n.field"""
    ).fetchall()
    rows = []
    for f, subject_n, nation_n in fields:
        rta = (subject_n / own) / (nation_n / total) if own and total and nation_n else None
        sector, en, zh = (
            names.get(f, ("", "unclassified", "未分类")) if f is not None else ("", "unclassified", "未分类")
        )
        rows.append(
            {
                "field": f,
                "name_en": en,
                "name_zh": zh,
                "sector": sector,
                "subject": subject_n,
                "nation": nation_n,
                "share_of_field": round(subject_n / nation_n, 4) if nation_n else None,
                "rta": round(rta, 2) if rta is not None else None,
            }
        )
    return rows


def _white_space(rows: list[dict]) -> list[dict]:
    """The fields (of ten rights or more in all) where the subject is absent or weak: at most TOP of them."""
    weak = [
        r for r in rows if r["field"] is not None and r["rta"] is not None and r["rta"] < WEAK_RTA and r["nation"] >= 10
    ]
    # the fields it has not entered first (RTA 0: the white space proper, largest first), then the weak ones
    # it is in (weakest first); a field near the national share (RTA >= 0.9) is not white space
    return sorted(weak, key=lambda r: (r["subject"] > 0, r["rta"], -r["nation"]))[:TOP]


def _trend(con: duckdb.DuckDBPyConnection, subject: Subject, d: date, k: date) -> list[dict]:
    """Per year: applications filed and granted (register, as known on K), rights in force at the year's end (or D)."""
    first = d.year - YEARS + 1
    ends = [date(y, 12, 31) if y < d.year else d for y in range(first, d.year + 1)]
    in_force = con.execute(
        f"""SELECT year(e.d) AS year, count(DISTINCT s.right_id) FROM (SELECT unnest($1::DATE[]) AS d) e
            JOIN _spells s ON s.valid_from <= e.d AND e.d < s.valid_to WHERE {subject.sql} GROUP BY 1""",
        [ends],
    ).fetchall()
    applications = con.execute(
        f"""WITH p AS (
              SELECT p.patent_id AS right_id, p.filing_date, p.grant_date, h.party_id, h.country,
                     r.province_code, r.prefecture_code, r.county_code, p.ipc[1] AS ipc_main
              FROM patents p JOIN parties h ON h.party_id = p.holders[1] AND {known_at(k, "h")}
              LEFT JOIN _hierarchy r ON r.code = h.resolved_region_code
              WHERE {known_at(k, "p")}),
            s AS (SELECT p.*, f.field FROM p LEFT JOIN _app_fields f USING (right_id))
            SELECT y, sum((year(filing_date) = y)::INT), sum((year(grant_date) = y)::INT)
            FROM s, (SELECT unnest(range($1, $2 + 1)) AS y) years
            WHERE {subject.sql} AND (year(filing_date) = y OR year(grant_date) = y) AND filing_date <= $3
            GROUP BY y""",
        [first, d.year, d],
    ).fetchall()
    by_year = {y: (f, g) for y, f, g in applications}
    stock = dict(in_force)
    return [
        {
            "year": y,
            "filings": int(by_year.get(y, (0, 0))[0] or 0),
            "grants": int(by_year.get(y, (0, 0))[1] or 0),
            "in_force_at_end": int(stock.get(y, 0)),
        }
        for y in range(first, d.year + 1)
    ]


def _names(con: duckdb.DuckDBPyConnection, ids: list[str], k: date) -> dict[str, str]:
    if not ids:
        return {}
    return dict(
        con.execute(
            f"SELECT party_id, name FROM parties WHERE {known_at(k)} AND party_id IN (SELECT unnest($1::VARCHAR[]))",
            [ids],
        ).fetchall()
    )


def _holders(
    con: duckdb.DuckDBPyConnection, subject: Subject, fields: list[dict], k: date
) -> tuple[list[dict], int | None, tuple[str, str]]:
    """The top holders where the subject is: in a company's leading field, else in the region or field itself."""
    names_of_fields = field_names()
    if subject.kind == "company":
        lead = next((r["field"] for r in fields if r["subject"] and r["field"] is not None), None)
        scope = f"s.field = {lead}" if lead is not None else "TRUE"
        label = (
            (f"WIPO field {lead} {names_of_fields[lead][1]}", f"WIPO第{lead}领域{names_of_fields[lead][2]}")
            if lead is not None
            else ("the whole jurisdiction", "全部")
        )
    else:
        scope, label = subject.sql, (subject.label_en, subject.label_zh)
    ranked = con.execute(
        f"""SELECT party_id, count(*) AS n, rank() OVER (ORDER BY count(*) DESC) AS rank
            FROM _now s WHERE {scope} AND party_id IS NOT NULL GROUP BY party_id ORDER BY n DESC, party_id"""
    ).fetchall()
    names = _names(con, [r[0] for r in ranked[:TOP]] + ([subject.key] if subject.kind == "company" else []), k)
    top = [{"rank": int(r[2]), "party_id": r[0], "name": names.get(r[0], ""), "in_force": r[1]} for r in ranked[:TOP]]
    rank = None
    if subject.kind == "company":
        national = con.execute(
            """SELECT rank FROM (SELECT party_id, rank() OVER (ORDER BY count(*) DESC) AS rank FROM _now
               GROUP BY party_id) WHERE party_id = $1""",
            [subject.key],
        ).fetchone()
        rank = int(national[0]) if national else None
        mine = [r for r in ranked if r[0] == subject.key]
        if mine and all(t["party_id"] != subject.key for t in top):
            top.append(
                {
                    "rank": int(mine[0][2]),
                    "party_id": subject.key,
                    "name": names.get(subject.key, ""),
                    "in_force": mine[0][1],
                }
            )
    return top, rank, label


def _co_holders(con: duckdb.DuckDBPyConnection, subject: Subject, k: date) -> list[dict]:
    rows = con.execute(
        f"""SELECT other, count(*) AS n FROM (
              SELECT unnest(p.holders) AS other FROM _mine m JOIN patents p ON p.patent_id = m.right_id
              WHERE {known_at(k, "p")} AND len(p.holders) > 1)
            WHERE other <> $1 GROUP BY other ORDER BY n DESC, other LIMIT {TOP}""",
        [subject.key],
    ).fetchall()
    names = _names(con, [r[0] for r in rows], k)
    return [{"party_id": r[0], "name": names.get(r[0], ""), "shared": r[1]} for r in rows]


def _abroad(con: duckdb.DuckDBPyConnection, subject: Subject, fields: list[dict], k: date) -> list[dict]:
    """Per foreign office: the subject's families protected there, the others' in its three leading fields."""
    lead = [r["field"] for r in fields if r["subject"] and r["field"] is not None][:3]
    scope = f"s.field IN ({', '.join(map(str, lead))})" if lead else "FALSE"
    rows = con.execute(
        f"""WITH fam AS (
              SELECT p.patent_id, f.jurisdiction AS office FROM patents p
              JOIN families f ON f.family_id = p.family_id AND {known_at(k, "f")}
              WHERE {known_at(k, "p")} AND f.jurisdiction <> p.jurisdiction)
            SELECT office,
                   count(DISTINCT CASE WHEN {subject.sql} THEN s.right_id END) AS subject,
                   count(DISTINCT CASE WHEN ({subject.sql}) IS NOT TRUE AND {scope} THEN s.right_id END) AS others
            FROM _now s JOIN fam ON fam.patent_id = s.right_id GROUP BY office
            HAVING subject > 0 OR others > 0 ORDER BY subject DESC, others DESC, office"""
    ).fetchall()
    return [{"office": r[0], "subject": r[1], "others_in_its_fields": r[2]} for r in rows]


def _expiries(con: duckdb.DuckDBPyConnection, d: date, k: date, rules: RuleSet) -> list[dict]:
    """The subject's rights in force on D whose term ends in each of the three years after D, by kind.

    A year is twelve months from the day after D (three rows, not the calendar years they touch). Only a
    term's end counts: a right whose spells (as known on K) stop before its term — a lapse, a waiver —
    does not "expire" then, and a lapse recorded after K is unknown here.
    """
    windows = [(add_months(d, 12 * n) + timedelta(days=1), add_months(d, 12 * n + 12)) for n in range(HORIZON)]
    rows = con.execute(
        f"""WITH ends AS (SELECT right_id, any_value(kind) AS kind, max(valid_to) AS out_from
                          FROM _spells WHERE right_id IN (SELECT right_id FROM _mine) GROUP BY right_id),
                 term AS (SELECT p.patent_id AS right_id, {patent_end_sql(rules, "p")} AS term_out
                          FROM patents p WHERE {known_at(k, "p")} AND p.patent_id IN (SELECT right_id FROM _mine))
            SELECT CAST(e.out_from - INTERVAL 1 DAY AS DATE) AS last_day, e.kind, count(*) FROM ends e
            JOIN term t USING (right_id)
            WHERE e.out_from >= t.term_out AND e.out_from > {day(d)} + INTERVAL 1 DAY
              AND e.out_from <= {day(windows[-1][1])} + INTERVAL 1 DAY
            GROUP BY last_day, e.kind"""
    ).fetchall()
    out = []
    for start, end in windows:
        found: dict[str, int] = {}
        for last, kind, n in rows:
            if start <= last <= end:
                found[kind] = found.get(kind, 0) + n
        out.append(
            {
                "year": end.year,
                "from": start.isoformat(),
                "to": end.isoformat(),
                "expiring": sum(found.values()),
                "invention": found.get("invention", 0),
                "utility_model": found.get("utility_model", 0),
                "design": found.get("design", 0),
            }
        )
    return out


def _regions(con: duckdb.DuckDBPyConnection, subject: Subject) -> list[dict]:
    """For a field: each province's rights in it, and its RTA there (where the field is strong, where weak)."""
    rows = con.execute(
        f"""WITH p AS (SELECT province_code, count(*) AS all_rights, count(*) FILTER ({subject.sql}) AS subject
                       FROM _now s WHERE province_code IS NOT NULL GROUP BY province_code)
            SELECT province_code, subject, all_rights, sum(subject) OVER (), sum(all_rights) OVER () FROM p
            ORDER BY subject DESC, all_rights DESC, province_code"""
    ).fetchall()
    out = []
    for code, n, all_rights, field_total, total in rows:
        d = divisions().get(code)
        rta = (n / all_rights) / (field_total / total) if field_total and all_rights else None
        out.append(
            {
                "region_code": code,
                "name_en": d.name_en if d else code,
                "name_zh": d.name_zh if d else code,
                "subject": n,
                "all_rights": all_rights,
                "rta": round(rta, 2) if rta is not None else None,
            }
        )
    return out


def _subclasses(con: duckdb.DuckDBPyConnection, k: date) -> list[dict]:
    """The subject's patents in force by main subclass: the CPC's where the patent has one (US), else the IPC's."""
    rows = con.execute(
        f"""SELECT left(replace(coalesce(p.cpc[1], p.ipc[1]), ' ', ''), 4) AS subclass,
                   count(*) AS n, count(*) FILTER (p.cpc[1] IS NOT NULL) AS by_cpc
            FROM _mine m JOIN patents p ON p.patent_id = m.right_id AND {known_at(k, "p")}
            WHERE coalesce(p.cpc[1], p.ipc[1]) IS NOT NULL
            GROUP BY subclass ORDER BY n DESC, subclass LIMIT 15"""
    ).fetchall()
    return [
        {"subclass": r[0], "scheme": "CPC" if r[2] == r[1] else "IPC" if r[2] == 0 else "CPC/IPC", "subject": r[1]}
        for r in rows
    ]
