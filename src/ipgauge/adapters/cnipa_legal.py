"""CNIPA legal-status records (PRS, products CN-PA-PRSS-10/20/30) → canonical patent events and parties.

A file is a ``business:PRS`` of many ``business:PRSRecord``, each keyed by its application number
(the register's CN patent id), with the gazette date (``PRSPublicationDate``), a code (``PRSCode``),
the event's name (``PRSValue``) and free text, one ``key:value`` a line (``PRSInformation``). Records
stream: memory holds one at a time.

Dates: the gazette date is when the register learns of the event (``recorded_date``); the effective
date is the record's own where it gives one (登记生效日, 放弃生效日, 无效宣告决定日, 终止日期, 解除日).
A lapse for an unpaid annual fee (CF01) usually gives none: the CN rule set derives it from the fee
due dates (:func:`ipgauge.law.cn.unpaid_fee_lapse`) and the event's note says so. Codes that mean a
canonical event are mapped (:data:`CODES`); every other code is kept verbatim as an ``office_event``.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from lxml import etree

from ipgauge.adapters.cnipa_common import TextPlaces, application_id, clean_address, country_of_text, report_addresses
from ipgauge.adapters.delivery import DeliveryWriter, head_of
from ipgauge.adapters.uspto_xml import Malformed, xml_date
from ipgauge.errors import UserError, why
from ipgauge.law.cn import LAPSE_ANNOUNCED_AFTER_MONTHS, fee_years_paid, unpaid_fee_lapse

TABLES = ("parties", "events")
B = "{http://www.sipo.gov.cn/XMLSchema/business}"
BASE = "{http://www.sipo.gov.cn/XMLSchema/base}"

#: PRS code → (canonical event, the PRSInformation keys that give its effective date, first found wins).
#: Current scheme (2017 on) and the legacy codes INPADOC shows (C19 …). Anything else: office_event.
CODES: dict[str, tuple[str, tuple[str, ...]]] = {
    "CF01": ("lapsed_unpaid_fee", ("终止日期", "专利权终止日")),
    "C19": ("lapsed_unpaid_fee", ("终止日期",)),
    "AV01": ("waived", ("放弃生效日",)),
    "AD01": ("waived", ("放弃生效日",)),  # deemed abandoned
    "AR01": ("waived", ("放弃生效日",)),  # a utility model given up for the same invention's grant (Art. 9)
    "CE01": ("waived", ("终止日期",)),  # termination, cause not given
    "C17": ("waived", ("终止日期",)),
    "C20": ("waived", ("放弃生效日",)),
    "C25": ("waived", ("放弃生效日",)),
    "IW01": ("invalidated", ("无效宣告决定日", "决定日")),
    "RW01": ("invalidated", ("决定日",)),
    "IP01": ("partially_invalidated", ("无效宣告决定日", "决定日")),
    "RP01": ("partially_invalidated", ("决定日",)),
    "RR01": ("restored", ()),
    "RA01": ("restored", ()),
    "C49": ("restored", ()),
    "C52": ("restored", ()),
    "TR01": ("transferred", ("登记生效日",)),
    "C41": ("transferred", ("登记生效日",)),
    "CP01": ("transferred", ()),  # the patentee's name changed: the right moves to the holder as now named
    "CP02": ("transferred", ()),  # … its address changed
    "CP03": ("transferred", ()),  # … both
    "PE01": ("pledged", ("登记生效日",)),
    "PC01": ("pledge_released", ("解除日",)),
}
_HOLDER_KEYS = ("专利权人", "权利人", "申请人", "专利申请人")
_ADDRESS_KEYS = ("地址",)
_PARSER_ARGS = {"load_dtd": False, "no_network": True, "resolve_entities": False, "huge_tree": True}


def information(text: str) -> list[tuple[str, str]]:
    """PRSInformation's ``key:value`` lines in order (a key may repeat: 变更事项 blocks); full-width colons too."""
    out = []
    for line in re.split(r"[\r\n]+", text or ""):
        m = re.match(r"\s*([^:：]{1,20})[:：]\s*(.*?)\s*$", line)
        if m:
            out.append((m.group(1).strip(), m.group(2)))
        elif out and line.strip():  # a value continued on the next line
            out[-1] = (out[-1][0], f"{out[-1][1]} {line.strip()}")
    return out


def _first(info: list[tuple[str, str]], keys: tuple[str, ...]) -> str | None:
    return next((v for k, v in info if k in keys and v.strip()), None)


def _date(text: str | None, what: str) -> str | None:
    """A date printed 20200101, 2020-01-01 or 2020.01.01 (None when not given)."""
    if not text:
        return None
    return xml_date(re.sub(r"[-./年月日\s]", "", text)[:8], what)


def new_holders(info: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The holders after a transfer or change: (name, address) from the 变更事项 blocks' 变更后… values."""
    names: list[str] = []
    addresses: list[str] = []
    subject = ""
    for key, value in info:
        if key == "变更事项":
            subject = value
        elif key.startswith("变更后"):
            items = [v.strip() for v in re.split(r"[;；]", value) if v.strip()]
            if any(w in subject for w in _ADDRESS_KEYS):
                addresses += items
            elif any(w in subject for w in _HOLDER_KEYS) or not subject:
                names += items
    if not names:
        raise Malformed("names no holder after the change (变更后权利人)")
    return [
        (n, addresses[i] if i < len(addresses) else (addresses[0] if addresses else "")) for i, n in enumerate(names)
    ]


def _record(rec, writer: DeliveryWriter, known: set[str] | None) -> dict | None:
    """One PRSRecord's event row (its new holders written as parties); None when the patent is not wanted."""
    refs = rec.findall(f"{B}ApplicationReference")
    refs.sort(key=lambda r: r.get("dataFormat") != "original")
    if not refs:
        raise Malformed("no ApplicationReference")
    rid = application_id(refs[0].findtext(f"{BASE}DocumentID/{BASE}DocNumber"))
    if known is not None and rid not in known:
        writer.notes["patent not in the register"] += 1
        return None
    filed = refs[0].findtext(f"{BASE}DocumentID/{BASE}Date")
    gazette = xml_date(rec.findtext(f"{B}PRSPublicationDate/{BASE}Date"), "gazette date (PRSPublicationDate)")
    code = (rec.findtext(f"{B}PRSCode") or "").strip().upper()
    if not code:
        raise Malformed("no PRSCode")
    name = " ".join((rec.findtext(f"{B}PRSValue") or "").split())
    info_text = rec.findtext(f"{B}PRSInformation") or ""
    info = information(info_text)
    event, keys = CODES.get(code, ("office_event", ()))
    effective = _date(_first(info, keys), "effective date") if keys else None
    note, value = f"{code} {name}".strip(), None
    if event == "office_event":
        value, note = code, f"{name}: {' '.join(info_text.split())}"[:4000]
    elif event == "lapsed_unpaid_fee":
        if not filed:
            raise Malformed("a lapse for an unpaid fee needs the filing date (ApplicationReference Date)")
        filing = date.fromisoformat(xml_date(filed, "filing date"))
        try:
            due, years = unpaid_fee_lapse(filing, date.fromisoformat(gazette))
        except ValueError as e:
            if effective is None:
                raise Malformed(str(e)) from None
            due, years = date.fromisoformat(effective), 0
        if effective is not None:
            years = fee_years_paid(filing, date.fromisoformat(effective))
        value = str(years)
        if effective is None:
            effective = due.isoformat()
            note += (
                f"; effective date derived: the fee for year {years + 1} fell due on {due} (the filing anniversary) "
                f"and was not paid within the 6 months' grace; the termination was announced on {gazette}, "
                f"at least {LAPSE_ANNOUNCED_AFTER_MONTHS} months after (Patent Law Art. 44, "
                "Implementing Regulations Rules 6 and 115)"
            )
    elif event == "transferred":
        value = new_holders(info)  # (name, address) pairs: parties once every address is resolved (run)
    effective = effective or gazette
    return {
        "right_type": "patent", "right_id": rid, "event": event, "effective_date": effective,
        "recorded_date": max(effective, gazette), "value": value, "note": note[:4000],
    }  # fmt: skip


def _holder(name: str, address: str, places: TextPlaces) -> dict:
    """A new holder: its country from the address text (日本… → JP; a Chinese address or none: CN)."""
    text = clean_address(address)
    return places.party(name, text, country_of_text(text) or "CN")


def check_format(path: Path) -> None:
    """One sentence (exit 2) for a file that is not a CNIPA PRS file."""
    if not re.search(rb"<business:PRS\b|<PRS\b", head_of(path)):
        raise UserError(f"{path.name} is not a CNIPA legal-status (PRS) file (no business:PRS element).")


def run(files: list[Path], writer: DeliveryWriter, tick, known: set[str] | None = None) -> None:
    """Every record of every file, streamed; a bad record is a reject, the rest still imports."""
    for path in files:
        check_format(path)
    total, done = sum(f.stat().st_size for f in files), 0
    rows: dict[tuple[str, str, str], dict] = {}  # the register's key: one row per right, event and day, over all files
    for path in files:
        try:
            for _, rec in etree.iterparse(str(path), tag=f"{B}PRSRecord", **_PARSER_ARGS):
                writer.documents += 1
                try:
                    row = _record(rec, writer, known)
                except Malformed as e:
                    writer.reject(path.name, _hint(rec), str(e))
                    row = None
                rec.clear()
                if row is not None:
                    _keep(rows, row)
        except etree.XMLSyntaxError as e:
            writer.reject(
                path.name, f"line {e.lineno}", f"not well-formed XML ({e.msg}); the records after it are not read"
            )
        except OSError as e:
            raise UserError(f"cannot read {path} ({why(e)}).") from None
        done += path.stat().st_size
        tick("importing legal status", done, total)
    places = TextPlaces()
    for row in rows.values():
        if row["event"] == "transferred":
            for _, address in row["value"]:
                places.add(address)
    places.resolve()
    for row in rows.values():
        if row["event"] == "transferred":
            holders = [_holder(n, a, places) for n, a in row["value"]]
            for h in holders:
                writer.row("parties", h)
            row["value"] = ";".join(dict.fromkeys(h["party_id"] for h in holders))
        writer.row("events", row)
    report_addresses(writer, "text")


def _keep(rows: dict, row: dict) -> None:
    """Two records of one kind on one day (C06 and PB01, two pledges): one row, values and texts joined."""
    key = (row["right_id"], row["event"], row["effective_date"])
    held = rows.get(key)
    if held is None:
        rows[key] = row
    elif held["value"] != row["value"] or held["note"] != row["note"]:
        if isinstance(held["value"], list):  # two transfers on one day: both new holders
            held["value"] = held["value"] + row["value"]
        else:
            held["value"] = ";".join(v for v in (held["value"], row["value"]) if v) or None
        held["note"] = f"{held['note']} | {row['note']}"[:4000]


def _hint(rec) -> str:
    """The record's application number as printed (for a reject)."""
    return (
        " ".join((rec.findtext(f".//{BASE}DocNumber") or "?").split())
        + f" {rec.findtext(f'{B}PRSCode') or ''}".rstrip()
    )
