"""EPO INPADOC legal events (an OPS legal-status response) → canonical patent events.

Each family member's events are attached to the member's publication (``EP1000000``, a US one by
the US contract: ``US10465445``). An event is mapped to a canonical one only where it means one:

- ``AS`` (a US assignment passed through INPADOC) whose free text is a transfer of ownership (an
  assignment of the assignors' interest, a merger, a change of name) → ``transferred`` to its
  ``OWNER``, effective on its "Effective DATE" when given, else the gazette date. A security interest
  recorded as ``AS`` changes no holder and stays verbatim.

Every other event is kept verbatim as an ``office_event`` — the office's code as the value, its
description and free text as the note — informative: a lapse "in a contracting state" (``PG25``)
ends one national part of a European patent, not the right the register holds, and a US fee event
(``FEPP``, "ORIGINAL EVENT CODE: BIG.") restates what the maintenance-fee file says more precisely.
"""

from __future__ import annotations

import re
from pathlib import Path

from lxml import etree

from ipgauge.adapters.delivery import DeliveryWriter, head_of
from ipgauge.adapters.uspto_assignment import TRANSFERS, US_STATES, countries_by_name
from ipgauge.adapters.uspto_grant import patent_id
from ipgauge.adapters.uspto_xml import Malformed, holder_party
from ipgauge.errors import UserError, why

TABLES = ("parties", "events")
NS = {"ops": "http://ops.epo.org", "x": "http://www.epo.org/exchange"}
_PARSER = etree.XMLParser(load_dtd=False, no_network=True, resolve_entities=False, huge_tree=True)


def run(files: list[Path], writer: DeliveryWriter, tick, known: set[str] | None = None) -> None:
    """Every event of every family member of every file."""
    countries = countries_by_name()
    total, done = sum(f.stat().st_size for f in files), 0
    for path in files:
        head_of(path, 1 << 12)
        try:
            root = etree.parse(str(path), _PARSER).getroot()
        except etree.XMLSyntaxError as e:
            writer.reject(path.name, f"line {e.lineno}", f"not well-formed XML ({e.msg})")
            continue
        except OSError as e:
            raise UserError(f"cannot read {path} ({why(e)}).") from None
        if root.tag != f"{{{NS['ops']}}}world-patent-data":
            raise UserError(f"{path.name} is not an EPO OPS legal-status response (ops:world-patent-data).")
        for member in root.iterfind(".//ops:family-member", NS):
            writer.documents += 1
            try:
                _member(member, writer, countries, known)
            except Malformed as e:
                writer.reject(path.name, _publication_hint(member), str(e))
        done += path.stat().st_size
        tick("importing legal events", done, total)


def _publication_hint(member) -> str:
    d = member.find("x:publication-reference/x:document-id[@document-id-type='docdb']", NS)
    return "".join((d.findtext(f"x:{t}", "", NS) or "").strip() for t in ("country", "doc-number", "kind")) or "?"


def right_id(country: str, number: str) -> str:
    """The register's id of a publication: the US contract for US patents, country + number otherwise."""
    if country == "US":
        return patent_id(number)
    digits = number.strip().lstrip("0")
    if not re.fullmatch(r"[A-Z]{2}", country) or not digits:
        raise Malformed(f"publication {country}{number} has no country or number")
    return f"{country}{digits}"


def _member(member, writer: DeliveryWriter, countries: dict[str, str], known: set[str] | None) -> None:
    pub = member.find("x:publication-reference/x:document-id[@document-id-type='docdb']", NS)
    if pub is None:
        raise Malformed("no docdb publication reference")
    rid = right_id(pub.findtext("x:country", "", NS).strip(), pub.findtext("x:doc-number", "", NS))
    if known is not None and rid not in known:
        writer.notes["family member not in the register"] += 1
        return
    rows: dict[tuple[str, str], dict] = {}  # one row per (event, date): the register's key
    for legal in member.iterfind("ops:legal", NS):
        code = (legal.get("code") or "").strip()
        gazette = _iso(legal.findtext("ops:L007EP", "", NS), "gazette date")
        lines = [" ".join((p.text or "").split()) for p in legal.iterfind("ops:pre", NS)]
        effective = _effective(lines, gazette)
        free = "; ".join(t.split(" ", 2)[-1] for t in lines)  # without the fixed-width prefix
        owner = legal.findtext("ops:L500EP/ops:L509EP", "", NS).strip()
        conveyance = legal.findtext("ops:L500EP/ops:L510EP", "", NS).strip().upper()
        if code == "AS" and owner and conveyance.startswith(TRANSFERS):
            holder = _owner(owner, countries)
            writer.row("parties", holder)
            row = _event(rid, "transferred", effective, gazette, holder["party_id"], f"INPADOC AS: {free}")
        else:
            row = _event(rid, "office_event", effective, gazette, code, f"{legal.get('desc', '')}: {free}")
        key = (row["event"], row["effective_date"])
        if key in rows:  # two events of a kind on one day (two reviews filed together): one row, both kept
            rows[key]["value"] = f"{rows[key]['value']};{row['value']}"
            rows[key]["note"] = f"{rows[key]['note']} | {row['note']}"[:4000]
        else:
            rows[key] = row
    for row in rows.values():
        writer.row("events", row)


def _effective(lines: list[str], gazette: str) -> str:
    """When the event took effect: its "Effective DATE", else an assignment's last signature, else the gazette."""
    text = " ".join(lines)
    m = re.search(r"Effective DATE (\d{8})", text) or re.search(r"SIGNING DATES? (?:FROM \d{8} TO )?(\d{8})", text)
    return _iso(m.group(1), "effective date") if m else gazette


def _iso(text: str, what: str) -> str:
    t = text.strip().replace("-", "")
    if not re.fullmatch(r"\d{8}", t):
        raise Malformed(f"{what} {text!r} is not a date")
    return f"{t[:4]}-{t[4:6]}-{t[6:]}"


def _owner(text: str, countries: dict[str, str]) -> dict:
    """'NCS OILFIELD SERVICES CANADA, INC., CANADA' → a party in CA; '…, TEXAS' → in US-TX (the last item)."""
    name, _, place = text.rpartition(", ")
    place = place.strip().upper()
    state = US_STATES.get(place, "")
    country = "US" if state else countries.get(place)
    if not name or country is None:
        raise Malformed(f"owner {text!r} does not end with a country or US state ipgauge knows")
    return holder_party(name.strip(), True, "", state, country)


def _event(rid: str, event: str, effective: str, recorded: str, value: str, note: str) -> dict:
    return {
        "right_type": "patent",
        "right_id": rid,
        "event": event,
        "effective_date": effective,
        "recorded_date": max(effective, recorded),
        "value": value or None,
        "note": note[:4000],
    }
