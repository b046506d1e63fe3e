"""USPTO Maintenance Fee Events (fixed width) → canonical patent events.

Layouts (``docs/import.md`` cites the public parsers each comes from): the current one, 57
characters a line — patent 1–13, application 15–22, entity 24, filing 26–33, grant 35–42, event
date 44–51, code 53–57 — and the older one with every field 6 columns further left (51
characters). A line's length tells them apart.

What the codes mean in the canonical register:

- ``M?551``/``M?552``/``M?553`` (and the older ``M17x``/``M18x``/``M27x``/``M28x``) — a maintenance
  fee paid for the 4th, 8th or 12th year: ``annuity_paid`` with that year.
- ``EXP.`` — expired for an unpaid fee. Its date is when the USPTO recorded it, commonly the
  anniversary itself; the patent lapsed at the end of the grace period, which ends **on** the 4th,
  8th or 12th anniversary of grant (35 U.S.C. 41(b); MPEP 2506): ``lapsed_unpaid_fee`` effective the
  day after the anniversary of the stage left unpaid (see :func:`_stage`), recorded on the event date,
  the last paid fee year as value. Expiries are dated after every line of the run is read, against
  all its payments whatever their order; a lapse is never placed at a stage shown paid in time.
- ``EXPX`` — the expiry cancelled (a late payment accepted, 37 CFR 1.378): ``restored``.
- Reminders, surcharges, petitions and entity-status changes do not change whether a patent is in
  force; they are counted in the manifest's ``not_imported``, never guessed at. The entity status
  at each imported event (large, small, micro) is kept in its note.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

from ipgauge.adapters.delivery import DeliveryWriter, head_of
from ipgauge.adapters.uspto_grant import patent_id
from ipgauge.adapters.uspto_xml import Malformed
from ipgauge.dates import add_months
from ipgauge.errors import UserError, why

TABLES = ("events",)
LAYOUTS = {  # line length without the line ending → (patent, application, entity, filing, grant, event date, code)
    57: ((0, 13), (14, 22), (23, 24), (25, 33), (34, 42), (43, 51), (52, 57)),
    51: ((0, 7), (8, 16), (17, 18), (19, 27), (28, 36), (37, 45), (46, 51)),
}
FEE_YEARS = {"1": 4, "2": 8, "3": 12}  # the last digit of M1551/M2552/M3553
OLD_FEE_CODES = {  # the older payment codes, by fee year (fastpat; Patent-Tools)
    **dict.fromkeys(("M170", "M173", "M183", "M273", "M283"), 4),
    **dict.fromkeys(("M171", "M174", "M184", "M274", "M284"), 8),
    **dict.fromkeys(("M172", "M175", "M185", "M275", "M285"), 12),
}
_PAID = re.compile(r"M[123]55([123])")
ENTITY = {"N": "large entity", "Y": "small entity", "M": "micro entity"}  # the entity-status column


def fee_year(code: str) -> int | None:
    """The fee year a payment code pays (4, 8 or 12), or None when the code is not a payment."""
    m = _PAID.fullmatch(code)
    return FEE_YEARS[m.group(1)] if m else OLD_FEE_CODES.get(code)


def _ymd(text: str, what: str) -> date:
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        raise Malformed(f"{what} {text!r} is not a date (YYYYMMDD)") from None


def _anniversary(grant: date, years: int) -> date:
    return add_months(grant, 12 * years)


#: codes that change nothing about whether a patent is in force (counted, not imported); any other
#: unknown code is a reject, never guessed at (the weekly MaintFeeEventsDesc file describes them)
NO_EFFECT = {"REM.", "M1555", "BIG.", "SMAL", "PTGR", "LTOS", "MTOS", "STOM"}
_LINE = re.compile(r"[0-9A-Z ]{7,13} \d{8} [YNM ] \d{8} \d{8} \d{8} ")


def run(files: list[Path], writer: DeliveryWriter, tick) -> None:
    """Every line of every file: events for the codes that change whether a patent is in force."""
    total = sum(f.stat().st_size for f in files)
    done = 0
    paid: dict[str, dict[int, date]] = {}  # every payment of the run, by patent: an expiry is dated against all
    expiries: list[tuple[str, int, list[str]]] = []
    for path in files:
        _check_format(path)
        lines = _lines(path)
        for n, raw in enumerate(lines, start=1):
            done += len(raw) + 1
            if n % 50_000 == 0:
                tick("importing fee events", done, total)
            text = raw.rstrip("\r\n")
            if not text.strip():
                continue
            writer.documents += 1
            width = 57 if 53 <= len(text) <= 57 else 51 if 47 <= len(text) <= 51 else None  # codes may lose a space
            if width is None:
                writer.reject(path.name, f"line {n}", f"is {len(text)} characters; a fee event line has 57 (or 51)")
                continue
            fields = [text.ljust(width)[a:b].strip() for a, b in LAYOUTS[width]]
            if fields[6] == "EXP.":  # dated once every payment of the run is known (lines need not be in order)
                expiries.append((path.name, n, fields))
                continue
            _take(writer, path.name, n, fields, paid)
        tick("importing fee events", done, total)
    for name, n, fields in expiries:
        _take(writer, name, n, fields, paid)


def _take(writer: DeliveryWriter, name: str, n: int, fields: list[str], paid: dict[str, dict[int, date]]) -> None:
    """One line's event written, or its reject, or its code counted as changing nothing."""
    try:
        event = _event(fields, paid)
    except Malformed as e:
        writer.reject(name, f"line {n} ({fields[0] or '?'})", str(e))
        return
    if event is None:
        writer.notes[f"fee event {fields[6] or '(blank)'}"] += 1
    else:
        writer.row("events", event)


def _lines(path: Path):
    try:
        with open(path, encoding="ascii", errors="strict", newline="") as f:
            yield from f
    except UnicodeDecodeError as e:
        raise UserError(
            f"{path.name} is not a maintenance fee events file (not ASCII near byte {e.start:,})."
        ) from None
    except OSError as e:
        raise UserError(f"cannot read {path} ({why(e)}).") from None


def _check_format(path: Path) -> None:
    """One sentence (exit 2) for a file that is not a fee-event file at all: empty, XML, another layout."""
    head = head_of(path, 4096)
    first = next(line for line in head.decode("ascii", "replace").splitlines() if line.strip())
    if not _LINE.match(first):  # both layouts: the patent field is 13 or 7 wide
        raise UserError(f"{path.name} is not a maintenance fee events file (its first line is not one).")


def _stage(grant: date, recorded: date, payments: dict[int, date]) -> tuple[int, str]:
    """The fee stage (4, 8, 12) at whose anniversary an expiry recorded on ``recorded`` lapsed the patent.

    Where the run shows the patent's payments, the lapse is at the first stage due by ``recorded`` whose
    fee was not paid before the expiry was recorded; where it shows none (a weekly file holds only that
    week's events), at the latest anniversary on or before ``recorded`` — the USPTO records an expiry
    when the grace period ends. Never at a stage the run shows paid.
    """
    due = [y for y in (4, 8, 12) if _anniversary(grant, y) <= recorded]
    if not due:
        raise Malformed(f"expiry recorded {recorded}, before the first fee's grace period ended")
    # a fee paid before the expiry was recorded settles its stage — in time, or late and accepted (a
    # reinstatement follows) — and implies the earlier ones: the patent was in force to be maintained
    settled = {y for y, when in payments.items() if when <= recorded}
    unpaid = [y for y in due if not any(t >= y for t in settled)]
    if not unpaid:
        last = max(settled)
        raise Malformed(
            f"expiry recorded {recorded}, but the {last}th-year fee was paid on {payments[last]}, before it: "
            "no fee due by then was left unpaid"
        )
    if not payments:
        return due[-1], ""
    if unpaid[0] != due[-1]:
        return unpaid[0], f"the {unpaid[0]}th-year fee is not among the payments imported: lapsed at that anniversary"
    return unpaid[0], ""


def _event(fields: list[str], paid: dict[str, dict[int, date]] | None = None) -> dict | None:
    number, _, entity, _, granted, when, code = fields
    if len(code) < 4:  # every code is 4 or 5 characters (REM., EXPX, M1551)
        raise Malformed(f"event code {code!r} is cut short (a line cut off?)")
    pid = patent_id(number)
    grant, recorded = _ymd(granted, "grant date"), _ymd(when, "event date")
    status = ENTITY.get(entity, "entity status unknown")
    base = {
        "right_type": "patent",
        "right_id": pid,
        "recorded_date": recorded.isoformat(),
        "note": f"USPTO {code}; {status}",
    }
    if pid.startswith("USD") and (fee_year(code) or code in ("EXP.", "EXPX")):
        raise Malformed(f"{pid} is a design patent: designs pay no maintenance fees (35 U.S.C. 41(b))")
    year = fee_year(code)
    payments = {} if paid is None else paid.setdefault(pid, {})
    if year is not None:
        payments[year] = min(payments.get(year, date.max), recorded)
        return base | {"event": "annuity_paid", "effective_date": recorded.isoformat(), "value": str(year)}
    if code == "EXP.":
        stage, why = _stage(grant, recorded, payments)
        lapse = _anniversary(grant, stage) + timedelta(days=1)  # the first day out of force
        last = max((y for y in payments if y < stage), default=0) if payments else stage - 4
        note = base["note"] + (f"; {why}" if why else "")
        return base | {
            "event": "lapsed_unpaid_fee",
            "effective_date": lapse.isoformat(),
            "value": str(last),
            "note": note,
        }
    if code == "EXPX":
        return base | {"event": "restored", "effective_date": recorded.isoformat(), "value": None}
    if code in NO_EFFECT:
        return None
    raise Malformed(f"event code {code!r} is not one ipgauge knows; nothing is guessed from it")
