"""The legal status a screening lists for each right it found, for all of them at once.

What a professional reads beside a claim chart: who holds the right (every co-owner, the first
named first), since when it is in force and until when (the term, with patent term adjustment and a
terminal disclaimer noted), the endings and restorations known on K, and for a US patent the
maintenance fees paid and the next one due — its window, the surcharge period and the entity status
(35 U.S.C. 41(b), 37 CFR 1.20(e)–(h), 1.362). A date D inside a lapse that a later restoration undid
carries the intervening-rights warning of 35 U.S.C. 41(c)(2).

Everything comes from the same stored spells that every figure reads, and from the register's rows as
known on K, in four queries for the whole batch of results (one right at a time compiled the law's
expression anew for each: 1.5 s a result).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import duckdb

from ipgauge.dates import add_months
from ipgauge.law.bitemporal import view_sql
from ipgauge.law.ruleset import RuleSet
from ipgauge.law.sources import patent_end_sql
from ipgauge.law.status import OPEN, EventNote, event_notes
from ipgauge.register.store import known_at

#: The US maintenance fees: due 3.5, 7.5 and 11.5 years after grant, payable from 3, 7 and 11 years,
#: with a surcharge in the six months of grace that end on the 4th, 8th and 12th anniversary.
US_FEE_YEARS = (4, 8, 12)


@dataclass
class Legal:
    """One right's legal status on D as known on K, as a screening result shows it."""

    right_id: str
    title: str
    kind: str
    kind_code: str | None
    since: date
    expiry: date | None  # the last day in force as known on K
    holder: str
    holder_id: str
    co_owners: list[str]
    events: list[EventNote]
    term_last_day: date | None  # the last day of the term, extensions included
    pta_days: int = 0
    terminal_disclaimer: bool = False
    fees: dict | None = None  # US: paid, next due, entity status
    warnings: list[str] = field(default_factory=list)
    biblio: dict = field(default_factory=dict)  # filing and grant dates, IPC/CPC, related applications, family …

    def history(self) -> list[dict]:
        """The endings and restorations known on K (a lapse undone by a restoration …)."""
        return [
            {
                "event": e.event,
                "date": e.effective_date.isoformat(),
                "recorded": e.recorded_date.isoformat(),
                "effect": e.effect,
            }
            for e in self.events
            if e.known and e.effect.startswith(("ends the right", "undone by", "restores", "voids"))
        ]


def statuses(
    con: duckdb.DuckDBPyConnection,
    ids: list[str],
    d: date,
    k: date,
    rules: RuleSet,
    upto: int | None = None,
) -> dict[str, Legal]:
    """The legal status of each patent in ``ids`` in force on ``d`` as known on ``k`` (absent: not in force)."""
    if not ids:
        return {}
    spells, events, rows, families, names = _read(con, ids, k, rules, upto)
    out = {}
    for rid, title, kind, kind_code, granted, holders, disclaimer, term_out, *more in rows:
        found = [s for s in spells.get(rid, []) if s[0] <= d < s[1]]
        if not found:
            continue
        start, end, party = found[0]
        for s_from, s_to, _ in spells[rid]:  # spells that follow without a gap (a change of holder) continue it
            if s_from == end:
                end = s_to
        own = events.get(rid, [])
        notes = event_notes([e[:4] for e in own], k, rules)
        pta = sum(int(v) for e, _, _, v, _ in own if e == rules.extension_event and str(v or "").isdigit())
        term = (term_out + timedelta(days=pta) - timedelta(days=1)) if term_out else None
        expiry = (end - timedelta(days=1)) if end != OPEN else term
        legal = Legal(
            rid,
            title or "",
            kind or "",
            kind_code,
            start,
            expiry,
            names.get(party, party or ""),
            party or "",
            [names.get(h, h) for h in (holders or [])],
            notes,
            term,
            pta,
            bool(disclaimer),
        )
        if rules.jurisdiction == "US" and kind != "design" and granted:
            legal.fees = us_fees(granted, own, d, rules)
        legal.biblio = _biblio(granted, more, families, own, d, expiry, rules)  # the term left as known on K
        legal.warnings = _warnings(legal, notes, d, rules)
        out[rid] = legal
    return out


def _biblio(granted: date | None, more: list, families: dict, own: list[tuple], d: date, end, rules) -> dict:
    """The bibliographic data an FTO report lists, from what the register carries."""
    filed, ipc, cpc, related, family_id, citations = more
    transfers = [
        {"date": eff.isoformat(), "to": str(v or "").split(";")[0], "recorded": rec.isoformat()}
        for e, eff, rec, v, _ in sorted(own, key=lambda e: e[1])
        if e == rules.transfer_event
    ]
    remaining = round((end - d).days / 365.25, 1) if end and end >= d else None
    return {
        "filing_date": filed.isoformat() if filed else None,
        "grant_date": granted.isoformat() if granted else None,
        "ipc": list(ipc or []),
        "cpc": list(cpc or []),
        "related": list(related or []),  # 'relation:country number:date': continuation, division, provisional …
        "family": families.get(family_id, []) if family_id else [],
        "transfers": transfers,
        "remaining_term_years": remaining,
        "citations": list(citations or []),  # 'examiner:US 7844851 B2, Name, 2010-11', 'applicant:NPL …'
        "examiner_cited": sum(c.startswith("examiner:") for c in citations or []),
    }


def _read(con: duckdb.DuckDBPyConnection, ids: list[str], k: date, rules: RuleSet, upto: int | None) -> tuple:
    """Everything the statuses rest on, for all of ``ids`` at once: spells, events, patents, families, names."""
    spells: dict[str, list[tuple]] = {}
    for rid, start, end, party in con.execute(
        f"SELECT right_id, valid_from, valid_to, party_id FROM ({view_sql(k, rules, upto=upto)}) s "
        "WHERE right_type = 'patent' AND list_contains(?, right_id) ORDER BY right_id, valid_from",
        [ids],
    ).fetchall():
        spells.setdefault(rid, []).append((start, end, party))
    events: dict[str, list[tuple]] = {}
    for rid, *event in con.execute(
        f"""SELECT right_id, event, effective_date, greatest(coalesce(recorded_date, effective_date), known_from),
                   value, note
            FROM events WHERE right_type = 'patent' AND list_contains(?, right_id) AND {known_at(k, upto=upto)}""",
        [ids],
    ).fetchall():
        events.setdefault(rid, []).append(tuple(event))
    rows = con.execute(
        f"""SELECT patent_id, title, kind, kind_code, grant_date, holders, terminal_disclaimer,
                   {patent_end_sql(rules, "p")}, filing_date, ipc, cpc, related, family_id, citations
            FROM patents p WHERE list_contains(?, patent_id) AND {known_at(k, upto=upto)}""",
        [ids],
    ).fetchall()
    families: dict[str, list[str]] = {}
    for fid, office, number in con.execute(
        f"SELECT family_id, jurisdiction, document_number FROM families WHERE list_contains(?, family_id) "
        f"AND {known_at(k, upto=upto)} ORDER BY jurisdiction, document_number",
        [sorted({r[12] for r in rows if r[12]})],
    ).fetchall():
        families.setdefault(fid, []).append(f"{office} {number}")
    parties = {p for s in spells.values() for *_, p in s} | {h for r in rows for h in (r[5] or [])}
    names = dict(
        con.execute(
            f"SELECT party_id, name FROM parties WHERE list_contains(?, party_id) AND {known_at(k, upto=upto)}",
            [sorted(p for p in parties if p)],
        ).fetchall()
    )
    return spells, events, rows, families, names


def us_fees(granted: date, events: list[tuple], d: date, rules: RuleSet) -> dict:
    """The maintenance fees on D: paid, overdue, and the next one due — window, surcharge period, entity status."""
    payments = sorted((eff, int(v)) for e, eff, _, v, _ in events if e == "annuity_paid" and str(v or "").isdigit())
    paid = sorted({y for eff, y in payments if eff <= d})  # paid by D: what the status on D rests on
    later = [{"year": y, "date": eff.isoformat()} for eff, y in payments if eff > d]  # known on K, paid after D
    notes = [n for e, eff, *_, n in sorted(events, key=lambda e: e[1]) if eff <= d and n and "entity" in n]
    entity = notes[-1].split("; ")[-1] if notes else "entity status unknown"
    # a stage whose grace period ended by D unpaid: the patent lapsed then (a late payment may have revived it)
    overdue = [y for y in US_FEE_YEARS if y not in paid and add_months(granted, 12 * y) < d]
    due = [y for y in US_FEE_YEARS if y not in paid and add_months(granted, 12 * y) >= d]
    fees: dict = {"paid": paid, "paid_after_d": later, "overdue": overdue, "entity": entity, "next": None}
    if due:
        y = due[0]
        anniversary = add_months(granted, 12 * y)
        lapse = [e for e in events if e[0] in rules.ending_events and e[1] == anniversary + timedelta(days=1)]
        fees["next"] = {
            "year": y,
            "window_opens": add_months(granted, 12 * y - 12).isoformat(),  # 37 CFR 1.362(d): from 3, 7, 11 years
            # the last day without surcharge (3.5, 7.5, 11.5 years) and of grace (41(b)), inclusive; a day
            # the Office is closed moves to the next business day (35 U.S.C. 21(b): weekends counted here)
            "due": _business_day(add_months(granted, 12 * y - 6)).isoformat(),
            "surcharge_until": _business_day(anniversary).isoformat(),
            "lapsed": lapse[0][1].isoformat() if lapse else None,  # unpaid: the lapse recorded, as known on K
        }
    return fees


def _business_day(day: date) -> date:
    """A deadline on a Saturday or Sunday falls on the Monday after (federal holidays are not counted)."""
    return day + timedelta(days=(7 - day.weekday()) % 7 if day.weekday() >= 5 else 0)


def _warnings(legal: Legal, notes: list[EventNote], d: date, rules: RuleSet) -> list[str]:
    """What a professional must not miss: a lapse later restored (intervening rights); a terminal disclaimer.

    A lapse restored before D still matters on D: a use begun while the patent had lapsed may continue
    (35 U.S.C. 41(c)(2)), so it is said whenever the lapse began on or before D.
    """
    out = []
    for n in notes:
        if n.known and n.event in rules.restorable_events and n.effect.startswith("undone by the restoration of "):
            restored = date.fromisoformat(n.effect.removeprefix("undone by the restoration of "))
            if n.effective_date > d:
                continue
            window = f"the lapse from {n.effective_date} undone on {restored}"
            where = f"{d} falls in {window}" if d < restored else f"the patent was out of force in {window}"
            out.append(
                f"{where}: intervening rights may protect a use begun in that window (35 U.S.C. 41(c)(2))"
                if rules.jurisdiction == "US"
                else where
            )
    if legal.terminal_disclaimer:
        out.append("a terminal disclaimer may end the term earlier, with the patent it was disclaimed over")
    return out
