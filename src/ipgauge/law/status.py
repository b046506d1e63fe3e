"""Why a right is or is not in force on D as known on K: the spells, and the events that decided them.

What an analyst asks when a figure looks wrong. The verdict comes from the law's stages (:mod:`ipgauge.law.stages`),
restricted to one right; this module only explains it, event by event.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta

import duckdb

from ipgauge.errors import UserError
from ipgauge.law.jurisdictions import rules_for
from ipgauge.law.ruleset import DEFAULT_POLICY, Policy, RuleSet
from ipgauge.law.sources import patent_end_sql
from ipgauge.law.spells import SPELL_COLUMNS
from ipgauge.law.stages import spell_sql
from ipgauge.regions.divisions import place_name
from ipgauge.register.schema import check_digit
from ipgauge.register.store import OPEN, known_at
from ipgauge.sqltext import day
from ipgauge.terms import term

RIGHTS = (
    ("patent", "patents", "patent_id", "title"),
    ("trademark", "trademarks", "trademark_id", "mark_text"),
    ("gi_product", "gi_products", "gi_id", "name"),
)


@dataclass
class EventNote:
    """One event of the right and what it did to the verdict."""

    event: str
    effective_date: date
    recorded_date: date
    value: str | None
    known: bool
    effect: str
    effect_zh: str = ""


@dataclass
class Status:
    """The verdict for one right on D as known on K, with its explanation."""

    right_type: str
    right_id: str
    kind: str
    label: str
    as_of: date
    known_at: date
    in_force: bool
    reason: str
    term_end: date | None
    reason_zh: str = ""
    spells: list[dict] = field(default_factory=list)
    events: list[EventNote] = field(default_factory=list)


def _holder(con: duckdb.DuckDBPyConnection, spell: dict, k: date) -> tuple[str, str]:
    """The first holder as a sentence names it, in English and Chinese.

    'International Business Machines Corporation (USP7ca1…, US-NY)', '… (P000117852, Pingshan District, Shenzhen)'.
    """
    party = spell["party_id"]
    if not party:
        return "—", "—"
    rows = con.execute(
        f"SELECT name, coalesce(subdivision, country) FROM parties WHERE party_id = ? AND {known_at(k)}", [party]
    ).fetchall()
    name, place = rows[0] if rows else (party, None)
    if spell["region_code"]:
        return (f"{name} ({party}, {place_name(spell['region_code'], 'en')})",
                f"{name}（{party}，{place_name(spell['region_code'], 'zh')}）")  # fmt: skip
    return f"{name} ({party}, {place or 'place unknown'})", f"{name}（{party}，{place or '地点不详'}）"


def _candidates(right_id: str) -> list[str]:
    """The id as given, then as the register writes what people type.

    A US number: US08930553, US8930553B2, US 8,930,553. A CN application number: ZL201910000011.2
    (the grant's prefix), cn201910000011.2, 201910000011.2, CN 2019 1000 0011.2, or without its check
    digit (201910000011: the digit is computed).
    """
    rid = unicodedata.normalize("NFKC", right_id).strip().replace("·", ".").replace("。", ".")  # ＺＬ２０１９… as typed
    m = re.fullmatch(r"US\s*([A-Z]{0,2})[\s0]*([\d,]+)(?:[A-Z]\d?)?", rid.upper())
    if m:
        return [rid, f"US{m.group(1)}{m.group(2).replace(',', '')}"]
    packed = re.sub(r"\s+", "", rid.upper())
    cn = re.fullmatch(r"(?:ZL|CN)?(\d{12}|\d{8})(?:\.?([\dX]))?", packed)
    if cn:
        return [rid, f"CN{cn.group(1)}.{cn.group(2) or check_digit(cn.group(1))}"]
    return [rid, packed] if packed != rid else [rid]


def _find(con: duckdb.DuckDBPyConnection, right_id: str, k: date) -> tuple[str, dict]:
    candidates = _candidates(right_id)
    for candidate in candidates[1:]:
        try:
            return _find_exactly(con, candidate, k)
        except UserError:
            pass
    try:
        return _find_exactly(con, right_id.strip(), k)
    except UserError as e:
        wrong = re.fullmatch(r"CN(\d{12}|\d{8})\.([\dX])", candidates[-1])
        digit = check_digit(wrong.group(1)) if wrong else None
        if wrong and digit != wrong.group(2):
            raise UserError(f"{e} Its check digit is wrong: the number would be CN{wrong.group(1)}.{digit}.") from None
        raise


def _find_exactly(con: duckdb.DuckDBPyConnection, right_id: str, k: date) -> tuple[str, dict]:
    for right_type, table, key, label in RIGHTS:
        rows = con.execute(f"SELECT * FROM {table} WHERE {key} = ? AND {known_at(k)}", [right_id])
        cols = [d[0] for d in rows.description]
        found = rows.fetchall()
        if found:
            return right_type, dict(zip(cols, found[0], strict=True)) | {"_label": found[0][cols.index(label)]}
    raise UserError(f"no patent, trademark or GI product {right_id!r} in the register as known on {k}.")


def _term_end(con: duckdb.DuckDBPyConnection, right_type: str, row: dict, rules: RuleSet) -> date | None:
    if right_type == "patent":  # the first day out of force by the term alone
        sql = (
            f"SELECT {patent_end_sql(rules, 'r')} FROM (SELECT ?::VARCHAR AS kind, ?::DATE AS filing_date, "
            "?::DATE AS grant_date, ?::DATE AS term_from) r"
        )
        values = [row["kind"], row["filing_date"], row.get("grant_date"), row.get("term_from")]
        return con.execute(sql, values).fetchall()[0][0]
    if right_type == "trademark":
        registered, years = row["registration_date"], rules.trademark_term_years
        if rules.trademark_transition and registered < rules.trademark_transition[0]:
            years = rules.trademark_transition[1]
        return con.execute(f"SELECT CAST(?::DATE + to_years({int(years)}) AS DATE)", [registered]).fetchall()[0][0]
    return None


def event_notes(events: list[tuple], k: date, rules: RuleSet) -> list[EventNote]:
    """Each event with its effect, pairing restorations with the ending they undo as the law's stages do."""
    notes = []
    known = sorted((e for e in events if e[2] <= k), key=lambda e: (e[1], e[0] == rules.restore_event))
    undone: dict[int, date] = {}
    chain = [i for i, e in enumerate(known) if e[0] in rules.restorable_events or e[0] == rules.restore_event]
    for a, b in zip(chain, chain[1:], strict=False):
        if known[a][0] != rules.restore_event and known[b][0] == rules.restore_event:
            undone[a] = known[b][1]
    for i, (event, eff, rec, value) in enumerate(known):
        if i in undone:
            effect = (f"undone by the restoration of {undone[i]}", f"已因{undone[i]}恢复权利而撤销")
        elif event in rules.retroactive_events:
            effect = ("voids the right: deemed never to have existed", "权利视为自始即不存在")
        elif event in rules.ending_events:
            effect = (f"ends the right on {eff}", f"权利于{eff}终止")
        elif event == rules.restore_event:
            effect = ("restores the right (undoes the ending before it)", "恢复权利（撤销此前的终止）")
        elif event == rules.transfer_event:
            holder = str(value).split(";")[0]
            effect = (f"first holder becomes {holder} from {eff}", f"自{eff}起第一权利人变更为{holder}")
        elif event == rules.extension_event:
            effect = (f"extends the patent term by {value} days", f"专利权期限延长{value}日")
        elif event == rules.renewal_event:
            effect = (f"renews the registration until {value}", f"注册续展至{value}")
        else:
            effect = ("informative", "仅供参考，不影响有效性")
        notes.append(EventNote(event, eff, rec, value, True, *effect))
    for event, eff, rec, value in sorted(e for e in events if e[2] > k):
        notes.append(EventNote(event, eff, rec, value, False, f"not yet known on {k} (recorded {rec})",
                               f"{k}尚不知悉（{rec}登记）"))  # fmt: skip
    return notes


def explain(
    con: duckdb.DuckDBPyConnection,
    right_id: str,
    d: date,
    k: date,
    rules: RuleSet | None = None,
    policy: Policy = DEFAULT_POLICY,
) -> Status:
    """The status of ``right_id`` on ``d`` as known on ``k``, by the rule set of its jurisdiction."""
    right_type, row = _find(con, right_id, k)
    right_id = row.get("patent_id") or row.get("trademark_id") or row.get("gi_id") or right_id  # as the register has it
    rules = rules or rules_for(row.get("jurisdiction") or "CN")
    sql = spell_sql(con, k, rules, policy, (right_type, right_id))
    spells = [dict(zip(SPELL_COLUMNS, r, strict=True)) for r in con.execute(sql + " ORDER BY valid_from").fetchall()]
    # the versions the register held on K, and those it learned of later (shown as not yet known)
    events = con.execute(
        f"""SELECT event, effective_date, greatest(coalesce(recorded_date, effective_date), known_from), value
            FROM events WHERE right_type = ? AND right_id = ?
              AND ({known_at(k)} OR (known_to IS NULL AND known_from > {day(k)}))""",
        [right_type, right_id],
    ).fetchall()
    notes = event_notes(events, k, rules)
    covering = [s for s in spells if s["valid_from"] <= d < s["valid_to"]]
    term_end = _term_end(con, right_type, row, rules)
    if covering:
        s = covering[0]
        last = s["valid_to"] - timedelta(days=1)
        until = ("open-ended", "未定终止日") if s["valid_to"] == OPEN else (f"last day {last}", f"最后一日{last}")
        holder = _holder(con, s, k)
        reason = (f"in force since {s['valid_from']} ({until[0]}), first holder {holder[0]}",
                  f"自{s['valid_from']}起有效（{until[1]}），第一权利人{holder[1]}")  # fmt: skip
    else:
        reason = _why_not(right_type, row, spells, d, k, notes, rules)
    return Status(
        right_type,
        right_id,
        str(row.get("kind") or row.get("category") or ""),
        str(row["_label"]),
        d,
        k,
        bool(covering),
        reason[0],
        term_end,
        reason[1],
        spells,
        notes,
    )


def _why_not(
    right_type: str, row: dict, spells: list[dict], d: date, k: date, notes: list[EventNote], rules: RuleSet
) -> tuple[str, str]:
    """Why no spell covers D, in English and Chinese."""
    start_col = {"patent": "grant_date", "trademark": "registration_date", "gi_product": "approval_date"}[right_type]
    start = row.get(start_col)
    start_zh = {"patent": "授权日", "trademark": "注册日", "gi_product": "批准日"}[right_type]
    void = [n for n in notes if n.known and n.event in rules.retroactive_events and n.effect.startswith("voids")]
    if void:
        v = void[0]
        return (f"{term(v.event, 'en')} (recorded {v.recorded_date}): deemed never to have existed",
                f"{term(v.event, 'zh')}（{v.recorded_date}登记）：权利视为自始即不存在")  # fmt: skip
    if start is None:
        return "not granted (pending or refused)", "未授权（审查中或已驳回）"
    if start > k:
        return (f"its {start_col.replace('_', ' ')} {start} is after the knowledge date",
                f"其{start_zh}{start}晚于知悉日期")  # fmt: skip
    if d < start:
        return f"in force only from {start}", f"自{start}起才有效"
    if spells and d >= spells[-1]["valid_to"]:
        end = spells[-1]["valid_to"]
        ender = [n for n in notes if n.known and n.effect == f"ends the right on {end}"]
        if ender:
            e = ender[0]
            return (f"{term(e.event, 'en')} on {end} (recorded {e.recorded_date})",
                    f"{end}{term(e.event, 'zh')}（{e.recorded_date}登记）")  # fmt: skip
        last = end - timedelta(days=1)
        return f"its term ended: the last day in force was {last}", f"保护期届满：最后有效日为{last}"
    return "no spell covers this date", "该日不在任何有效期间内"
