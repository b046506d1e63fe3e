"""USPTO patent assignment daily files (XML) → ``transferred`` events and the new holders as parties.

An assignment changes who holds a granted patent when its conveyance transfers ownership —
an assignment of the assignors' interest (also *nunc pro tunc*), a merger, a change of name. It
takes effect when the last assignor signed (the execution date) and the register learns of it when
the USPTO records it (the recorded date). Security interests, their releases and licences do not
change the holder and carry no amount, so they are counted in the manifest's ``not_imported``.
Properties without a granted patent (applications, publications) are counted the same way.

With ``known`` (the patent ids of a register), only the patents the register holds are imported:
a daily file names thousands of patents, and the others would only be rejected by ``load``.
"""

from __future__ import annotations

import re
from pathlib import Path

from babel import Locale
from lxml import etree

from ipgauge.adapters.delivery import DeliveryWriter, head_of
from ipgauge.adapters.uspto_grant import patent_id
from ipgauge.adapters.uspto_xml import Malformed, holder_party
from ipgauge.errors import UserError, why

TABLES = ("parties", "events")
TRANSFERS = ("ASSIGNMENT OF ASSIGNOR", "NUNC PRO TUNC ASSIGNMENT", "MERGER", "CHANGE OF NAME", "CORRECTIVE ASSIGNMENT")
GRANTED_KINDS = {"B1", "B2", "E", "E1", "S", "S1", "P2", "P3"}
US_STATES = {
    "ALABAMA": "AL", "ALASKA": "AK", "ARIZONA": "AZ", "ARKANSAS": "AR", "CALIFORNIA": "CA", "COLORADO": "CO",
    "CONNECTICUT": "CT", "DELAWARE": "DE", "DISTRICT OF COLUMBIA": "DC", "FLORIDA": "FL", "GEORGIA": "GA",
    "HAWAII": "HI", "IDAHO": "ID", "ILLINOIS": "IL", "INDIANA": "IN", "IOWA": "IA", "KANSAS": "KS",
    "KENTUCKY": "KY", "LOUISIANA": "LA", "MAINE": "ME", "MARYLAND": "MD", "MASSACHUSETTS": "MA", "MICHIGAN": "MI",
    "MINNESOTA": "MN", "MISSISSIPPI": "MS", "MISSOURI": "MO", "MONTANA": "MT", "NEBRASKA": "NE", "NEVADA": "NV",
    "NEW HAMPSHIRE": "NH", "NEW JERSEY": "NJ", "NEW MEXICO": "NM", "NEW YORK": "NY", "NORTH CAROLINA": "NC",
    "NORTH DAKOTA": "ND", "OHIO": "OH", "OKLAHOMA": "OK", "OREGON": "OR", "PENNSYLVANIA": "PA", "RHODE ISLAND": "RI",
    "SOUTH CAROLINA": "SC", "SOUTH DAKOTA": "SD", "TENNESSEE": "TN", "TEXAS": "TX", "UTAH": "UT", "VERMONT": "VT",
    "VIRGINIA": "VA", "WASHINGTON": "WA", "WEST VIRGINIA": "WV", "WISCONSIN": "WI", "WYOMING": "WY",
    "PUERTO RICO": "PR", "GUAM": "GU", "VIRGIN ISLANDS": "VI",
}  # fmt: skip
#: country names the USPTO writes that the CLDR list spells otherwise
COUNTRY_ALIASES = {
    "HONG KONG": "HK", "KOREA, REPUBLIC OF": "KR", "REPUBLIC OF KOREA": "KR", "KOREA": "KR", "TAIWAN": "TW",
    "UNITED KINGDOM": "GB", "GREAT BRITAIN": "GB", "ENGLAND": "GB", "RUSSIAN FEDERATION": "RU", "MACAO": "MO",
    "CHINA": "CN", "VIET NAM": "VN", "IRAN, ISLAMIC REPUBLIC OF": "IR", "CZECH REPUBLIC": "CZ",
}  # fmt: skip
_PARSER = etree.XMLParser(load_dtd=False, no_network=True, resolve_entities=False, huge_tree=True)


def countries_by_name() -> dict[str, str]:
    """Upper-case English country names → ISO 3166-1 codes (CLDR's names and the USPTO's spellings)."""
    names = {name.upper(): code for code, name in Locale("en").territories.items() if len(code) == 2}
    return names | COUNTRY_ALIASES


def run(files: list[Path], writer: DeliveryWriter, tick, known: set[str] | None = None) -> None:
    """Every assignment of every file: a transfer event per granted patent it conveys."""
    countries = countries_by_name()
    total = sum(f.stat().st_size for f in files)
    done = 0
    for path in files:
        _check_format(path)
        try:
            for n, (_, record) in enumerate(etree.iterparse(str(path), tag="patent-assignment", **_ITER), start=1):
                writer.documents += 1
                try:
                    _assignment(record, writer, countries, known)
                except Malformed as e:
                    writer.reject(path.name, f"{_reel_frame(record)} (assignment {n})", str(e))
                record.clear(keep_tail=False)
                if n % 1000 == 0:
                    tick("importing assignments", done, total)
        except etree.XMLSyntaxError as e:
            writer.reject(path.name, f"line {e.lineno}", f"not well-formed XML ({e.msg}); the rest of the file is lost")
        except OSError as e:
            raise UserError(f"cannot read {path} ({why(e)}).") from None
        done += path.stat().st_size
        tick("importing assignments", done, total)


_ITER = {"load_dtd": False, "no_network": True, "resolve_entities": False, "huge_tree": True}


def _check_format(path: Path) -> None:
    """One sentence (exit 2) for a file that is not a USPTO assignment file at all."""
    if b"<us-patent-assignments" not in head_of(path, 1 << 14):
        raise UserError(f"{path.name} is not a USPTO patent-assignment file (no us-patent-assignments in it).")


def _reel_frame(record) -> str:
    reel, frame = (record.findtext(f"assignment-record/{t}") or "?" for t in ("reel-no", "frame-no"))
    return f"reel {reel} frame {frame}"


def _ymd(text: str | None, what: str) -> str:
    t = (text or "").strip()
    if not re.fullmatch(r"\d{8}", t):
        raise Malformed(f"{what} {t!r} is not a date (YYYYMMDD)")
    return f"{t[:4]}-{t[4:6]}-{t[6:]}"


def _assignment(record, writer: DeliveryWriter, countries: dict[str, str], known: set[str] | None) -> None:
    conveyance = (record.findtext("assignment-record/conveyance-text") or "").upper()
    kind = next((t for t in TRANSFERS if conveyance.startswith(t)), None)
    if kind is None:
        writer.notes[f"conveyance {conveyance.split(' (')[0].strip() or '(none)'}"] += 1
        return
    recorded = _ymd(record.findtext("assignment-record/recorded-date/date"), "recorded date")
    signed = [
        _ymd(d.text, "execution date") for d in record.iterfind("patent-assignors/patent-assignor/execution-date/date")
    ]
    effective = max(signed, default=recorded)  # a merger or change of name may carry no execution date
    patents = []
    for prop in record.iterfind("patent-properties/patent-property"):
        granted = [d for d in prop.iterfind("document-id") if (d.findtext("kind") or "").strip() in GRANTED_KINDS]
        if not granted:
            writer.notes["property without a granted patent"] += 1
            continue
        pid = patent_id(granted[0].findtext("doc-number") or "")
        if known is not None and pid not in known:
            writer.notes["patent not in the register"] += 1
            continue
        patents.append(pid)
    if not patents:
        return
    holders = [_assignee(a, countries) for a in record.iterfind("patent-assignees/patent-assignee")]
    if not holders:
        raise Malformed("no assignee")
    for h in holders:
        writer.row("parties", h)
    for pid in patents:
        writer.row(
            "events",
            {
                "right_type": "patent",
                "right_id": pid,
                "event": "transferred",
                "effective_date": effective,
                "recorded_date": max(recorded, effective),
                "value": [h["party_id"] for h in holders],
                "note": f"USPTO {_reel_frame(record)}: {conveyance.split(' (')[0].strip().lower()}",
            },
        )


def _assignee(el, countries: dict[str, str]) -> dict:
    name = " ".join((el.findtext("name") or "").split())
    state = (el.findtext("state") or "").strip().upper()
    country_name = (el.findtext("country-name") or "").strip().upper()
    if country_name:
        country = countries.get(country_name)
        if country is None:
            raise Malformed(f"assignee {name!r}: country {country_name!r} is not one ipgauge knows")
    elif state in US_STATES or state in US_STATES.values():
        country = "US"
    else:
        raise Malformed(f"assignee {name!r} has neither a country nor a US state")
    code = US_STATES.get(state, state) if country == "US" else ""
    return holder_party(
        name, not _looks_like_a_person(name), (el.findtext("city") or "").strip().title(), code, country
    )


def _looks_like_a_person(name: str) -> bool:
    """'WEINSTEIN, DAMON' is a person; 'SOUNDBITE COMMUNICATIONS, INC.' is not."""
    company = re.search(
        r"\b(INC|LLC|LTD|CORP|CORPORATION|COMPANY|CO|GMBH|AG|SA|BV|NV|PLC|LIMITED|UNIVERSITY|"
        r"INSTITUTE|TRUST|BANK|LP|LLP|KK|AB|OY|SPA|SRL)\b\.?",
        name.upper(),
    )
    return bool(re.fullmatch(r"[A-Z' .-]+, [A-Z' .-]+", name.upper())) and not company
