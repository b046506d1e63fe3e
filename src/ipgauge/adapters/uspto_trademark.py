"""USPTO trademark case files (the daily and annual "Trademark Full Text XML" products) → canonical rows.

A daily file (``apcYYMMDD.xml``, zipped or not) or an annual backfile holds one
``<trademark-applications-daily>`` document with thousands of ``<case-file>`` elements; they are cut
out as the file streams (memory holds one case file at a time) and parsed in a pool like the patent
adapters (:func:`uspto_xml.import_documents`). What a case file becomes:

- **an application** ``USTM<serial>`` (every case file): its mark as the title, classes, owners,
  route (``madrid_designation`` for a §66(a) extension, with its international registration), and
  where it stands: ``granted`` on its registration date, ``rejected`` on the day an opposition was
  sustained (15 U.S.C. 1063), ``withdrawn`` on its abandonment date, else ``pending``;
- **a trademark** ``USTM<serial>`` once registered (the registration number kept), its mark, form
  (standard characters, design …), kind (collective, certification), Nice classes and goods, dates,
  design search codes and Madrid data; the registrant as holder and a later owner as a transfer;
- **events**: renewals (§9, with the new expiry: 20-year terms before 1989-11-16), declarations of use
  filed or accepted (§8, §71: a filed one keeps the mark alive until the office cancels it),
  cancellations (with the header's cancellation date), a later owner as a transfer, and the
  prosecution or post-registration step the law does not read kept verbatim as ``office_event``
  only where it marks a stage (published, opposition instituted, §15 acknowledged).

The same serial met in several files (a week of daily files) is imported once, from the newest file
(files are read newest first, by their creation date). A case file with no filing date, mark or owner
(the oldest backfile entries, 1870 registrations) is counted, not rejected: there is nothing to register.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Iterator
from datetime import date
from pathlib import Path

from ipgauge.adapters.delivery import DeliveryWriter, head_of
from ipgauge.adapters.uspto_xml import (
    Malformed,
    Parsed,
    distinct_parties,
    field_text,
    holder_party,
    import_documents,
    parse_document,
    xml_date,
)
from ipgauge.dates import add_months
from ipgauge.errors import UserError

TABLES = ("parties", "trademarks", "applications", "events")
#: The mark drawing code's first digit (TMEP 807; ``4000`` or ``4``).
FORMS = {
    "1": "typed",
    "2": "design",
    "3": "words_and_design",
    "4": "standard_characters",
    "5": "stylized",
    "6": "non_visual",
}
#: Registrations before this date ran 20 years, as did renewals recorded before it (TLRA 1988).
TLRA = date(1989, 11, 16)
#: Prosecution steps kept as office events (the rest of a case file's history is the office's own business).
STAGES = re.compile(
    r"PUBLISHED FOR OPPOSITION|OPPOSITION INSTITUTED|SEC(TION)?\.? ?15 ACK|NOTICE OF ALLOWANCE - ISSUED"
)
#: A declaration of use filed or accepted (§8, §71): the mark lives on until the office decides on it.
_DECLARED = re.compile(r"SEC(?:TION)?\.? ?(8|71)\b[^/]*(ACCEPT|RECEIVED|FILED)")
_RENEWED = re.compile(r"RENEWED|SEC(?:TION)?\.? ?9 GRANTED")
_ORDINALS = ("FIRST", "SECOND", "THIRD", "FOURTH", "FIFTH", "SIXTH", "SEVENTH", "EIGHTH", "NINTH", "TENTH")
_NTH = re.compile(rf"\b({'|'.join(_ORDINALS)}) RENEWAL - (\d+) YRS")
EMPTY = "case files with nothing to register (no filing date, mark or owner: the oldest backfile entries)"


#: A mark longer than this is not a mark but a broken field (the longest registered slogans are a few hundred)
MAX_MARK = 1000


def parse(line: int | str, doc: bytes, prolog: bytes = b"") -> Parsed:
    """One case file's rows; a malformed one comes back with ``error`` set, keyed by its serial where readable.

    ``prolog``: the file's XML declaration when it names an encoding other than UTF-8, so that the
    case file cut out of it is read in that encoding.
    """
    p = parse_document(line, prolog + doc, {"case-file": _case_file}, "a USPTO trademark case file")
    if p.error and re.fullmatch(r"\d{8}", p.document):
        p.key = f"USTM{p.document}"
    return p


def parse_batch(batch: list[tuple[int | str, bytes]]) -> list[Parsed]:
    """A worker's task: several case files at once (each may come with its file's prolog, ``(prolog, doc)``)."""
    return [parse(line, doc[1], doc[0]) if isinstance(doc, tuple) else parse(line, doc) for line, doc in batch]


def trademark_id(serial: str) -> str:
    """'87310367' → 'USTM87310367' (the contract's id: USTM and the 8-digit serial number)."""
    s = (serial or "").strip()
    if not re.fullmatch(r"\d{8}", s):
        raise Malformed(f"serial number {s!r} is not 8 digits")
    return f"USTM{s}"


def _date(el, path: str, what: str) -> str | None:
    text = field_text(el, path)
    return xml_date(text, what) if text and text.strip("0") else None


def _case_file(root, line: int | str) -> Parsed:
    tm_id = trademark_id(field_text(root, "serial-number"))
    head = root.find("case-file-header")
    if head is None:
        head = root.makeelement("case-file-header")
    filed = _date(head, "filing-date", "filing-date")
    mark = " ".join(field_text(head, "mark-identification").split())
    if len(mark) > MAX_MARK:
        raise Malformed(f"the mark text is {len(mark):,} characters long (a mark is at most {MAX_MARK:,})")
    owners = root.findall("case-file-owners/case-file-owner")
    if not filed and not mark and not owners:
        return Parsed(tm_id, line, note=EMPTY)
    if not filed:
        raise Malformed("the case file has no filing date")
    if not owners:
        raise Malformed("the case file names no owner")
    history = _history(root)
    generations = _owners(owners)
    classes = _classes(root)
    if not classes:
        raise Malformed("no Nice class (only US classes A, B or 200)")
    registered = _registered(root, head)
    form = FORMS.get(field_text(head, "mark-drawing-code")[:1])
    if not mark:
        mark = _pseudo_mark(root) or ("(design)" if form in ("design", "words_and_design") else "(no words)")
    ir_number = field_text(root, "international-registration/international-registration-number") or None
    madrid = (
        field_text(head, "filing-basis-filed-as-66a-in") == "T"
        or field_text(head, "filing-basis-current-66a-in") == "T"
    )
    p = Parsed(tm_id, line, key=tm_id)
    applicant = [x for g, x in generations if g < 30] or [generations[0][1]]
    status, status_date = _standing(head, history, registered, filed)
    p.rows.append(
        (
            "applications",
            {
                "application_id": tm_id,
                "jurisdiction": "US",
                "kind": "trademark",
                "route": "madrid_designation" if madrid else "national",
                "title": mark,
                "filing_date": filed,
                "publication_date": _date(head, "published-for-opposition-date", "published-for-opposition-date"),
                "applicants": [o["party_id"] for o in applicant[-1]],
                "madrid_number": ir_number,
                "status": status,
                "status_date": status_date,
                "right_id": tm_id if status == "granted" else None,
                "nice_classes": classes,
            },
        )
    )
    p.parties = distinct_parties([o for _, gen in generations for o in gen])
    if registered:
        p.rows.append(
            ("trademarks", _trademark(root, head, tm_id, mark, form, filed, registered, classes, generations))
        )
        p.rows[-1][1]["madrid_number"] = ir_number
        p.events = _events(tm_id, head, history, filed, registered, generations, field_text(root, "transaction-date"))
    return p


def _registered(root, head) -> str | None:
    number = field_text(root, "registration-number").lstrip("0")
    when = _date(head, "registration-date", "registration-date")
    return when if number and when else None


def _standing(head, history: list[tuple[str, str, str]], registered: str | None, filed: str) -> tuple[str, str | None]:
    """Where the application stands: granted, rejected (an opposition sustained), withdrawn (abandoned), pending."""
    if registered:
        return "granted", registered
    sustained = [d for d, code, _ in history if code == "OP.S"]
    abandoned = _date(head, "abandonment-date", "abandonment-date")
    if sustained and (not abandoned or sustained[0] <= abandoned):
        return "rejected", max(sustained[0], filed)
    if abandoned:
        return "withdrawn", max(abandoned, filed)
    status = field_text(head, "status-code")
    if status.isdigit() and 600 <= int(status) < 630:  # abandoned, with no abandonment date written
        return "withdrawn", max(_date(head, "status-date", "status-date") or filed, filed)
    return "pending", None


def _trademark(root, head, tm_id, mark, form, filed, registered, classes, generations) -> dict:
    collective = any(field_text(head, f) == "T" for f in ("collective-trademark-in", "collective-service-mark-in",
                                                          "collective-membership-mark-in"))  # fmt: skip
    kind = (
        "certification"
        if field_text(head, "certification-mark-in") == "T"
        else "collective"
        if collective
        else "ordinary"
    )
    registrant = [x for g, x in generations if g == 30] or [x for g, x in generations if g < 30] or [generations[0][1]]
    return {
        "trademark_id": tm_id,
        "jurisdiction": "US",
        "mark_text": mark,
        "kind": kind,
        "is_gi": False,
        "nice_classes": classes,
        "filing_date": filed,
        "registration_date": registered,
        "holders": [o["party_id"] for o in registrant[0]],
        "registration_number": field_text(root, "registration-number"),
        "mark_form": form,
        "publication_date": _date(head, "published-for-opposition-date", "published-for-opposition-date"),
        "design_codes": [c.text.strip() for c in root.findall("design-searches/design-search/code") if c.text],
        "goods": _goods(root, classes),
    }


def _events(tm_id: str, head, history, filed: str, registered: str, generations, transaction: str) -> list[dict]:
    """Renewals with their new expiry, declarations accepted, the cancellation, a later owner, the stages."""

    def event(name: str, when: str, value: str | None = None, note: str | None = None, recorded: str | None = None):
        return {"right_type": "trademark", "right_id": tm_id, "event": name, "effective_date": max(when, filed),
                "recorded_date": max(recorded or when, when, filed), "value": value, "note": note}  # fmt: skip

    out = [event("renewed", when, expiry) for when, expiry in _renewals(history, date.fromisoformat(registered))]
    for when, code, text in history:
        m = _DECLARED.search(text)
        if m:
            sections = m.group(1) + (",15" if " 15 " in text[m.start() : m.end()] + " " else "")
            out.append(event("declared", when, sections, f"{code} {m.group(2).lower()}"))
        elif STAGES.search(text):
            out.append(event("office_event", when, code, text))
    cancelled = _date(head, "cancellation-date", "cancellation-date")
    if cancelled:
        said = [(d, text) for d, code, text in history if text.startswith("CANCEL") and d >= cancelled]
        recorded, text = said[0] if said else (cancelled, "cancelled")
        code = field_text(head, "cancellation-code")
        out.append(event("cancelled", cancelled, None, f"{text} (cancellation code {code})", recorded))
    out += _transfers(event, history, registered, [x for g, x in generations if g > 30], transaction)
    return _one_per_key(out)


def _transfers(event, history, registered: str, later: list[list[dict]], transaction: str) -> list[dict]:
    """Each owner after the registrant (party types 31 and up, in order) as a transfer.

    The case file names the owners but not when each took over: the assignments its history records
    after registration date them, the latest owner the latest assignment, the one before it the one
    before; an owner with no assignment left to date it takes the earliest one known, said in its note
    (or the file's transaction date where the history records none).
    """
    dates = sorted(dict.fromkeys(d for d, _, text in history if "ASSIGN" in text and d >= registered))
    fallback = xml_date(transaction, "transaction-date") if transaction else registered
    out = []
    for i, owners in enumerate(later):
        n = len(dates) - (len(later) - i)
        when, note = (dates[n], "recorded assignment") if n >= 0 else (
            (dates[0], "date unknown: the earliest recorded assignment") if dates
            else (fallback, "date unknown: the case file's transaction date"))  # fmt: skip
        out.append(event("transferred", when, ";".join(o["party_id"] for o in owners), note))
    return out


def _next_end(end: date) -> date:
    """The end of the term after one ending on ``end``: 20 years for a renewal before 1989-11-16, then 10."""
    return add_months(end, 12 * (20 if end < TLRA else 10))


def _renewals(history, registered: date) -> list[tuple[str, str]]:
    """Each renewal's date and the expiry it gives.

    The N-th renewal of its description (with its years), or for a bare "§9 granted" the term ending
    within a year of it (renewals are filed in the year before the end or the six months after), so
    that an earlier renewal missing from the history does not shift it.
    """
    first = add_months(registered, 12 * (20 if registered < TLRA else 10))
    out: dict[str, str] = {}
    for when, _, text in history:
        if not _RENEWED.search(text):
            continue
        m = _NTH.search(text)
        end = first
        if m:
            for _ in range(_ORDINALS.index(m.group(1))):
                end = _next_end(end)
            expiry = add_months(end, 12 * int(m.group(2)))
        else:
            while _next_end(end) <= add_months(date.fromisoformat(when), 12):
                end = _next_end(end)
            expiry = add_months(end, 120)
        out.setdefault(expiry.isoformat(), when)
    return [(when, expiry) for expiry, when in out.items()]


def _one_per_key(events: list[dict]) -> list[dict]:
    """The register keys events by right, event and effective date: two steps on one day are one event."""
    seen: dict[tuple[str, str], dict] = {}
    for e in events:
        seen.setdefault((e["event"], e["effective_date"]), e)
    return list(seen.values())


def _history(root) -> list[tuple[str, str, str]]:
    """The case file's events as (date, code, description), in date and number order (files do not sort them)."""
    out = []
    for e in root.findall("case-file-event-statements/case-file-event-statement"):
        when = field_text(e, "date")
        if not when.strip("0"):
            continue
        number = field_text(e, "number")
        out.append((xml_date(when, "event date"), int(number) if number.isdigit() else 0, field_text(e, "code"),
                    " ".join(field_text(e, "description-text").upper().split())))  # fmt: skip
    return [(d, code, text) for d, _, code, text in sorted(out)]


def _owners(owners) -> list[tuple[int, list[dict]]]:
    """The owners by generation (party type 10 applicant … 30 registrant, 31-4x later owners), oldest first."""
    by_type: dict[int, list[dict]] = {}
    for o in owners:
        kind = field_text(o, "party-type")
        country = (field_text(o, "nationality/country") or ("US" if field_text(o, "nationality/state") else "")
                   or field_text(o, "country") or ("US" if field_text(o, "state") else ""))  # fmt: skip
        party = holder_party(
            " ".join(field_text(o, "party-name").split()),
            field_text(o, "legal-entity-type-code") != "01",  # 01: an individual
            field_text(o, "city").title(),
            field_text(o, "state") if country == "US" else "",
            country.upper(),
        )
        by_type.setdefault(int(kind) if kind.isdigit() else 0, []).append(party)
    return [(k, distinct_parties(v)) for k, v in sorted(by_type.items())]


def _classes(root) -> list[str]:
    """The Nice classes, as written once each ('009' → '9'); US classes A, B and 200 are not Nice classes."""
    out = []
    for c in root.findall("classifications/classification"):
        for code in [field_text(c, "international-code")] + [field_text(c, "primary-code")]:
            if code.isdigit() and 1 <= int(code) <= 45:
                out.append(str(int(code)))
                break
    return list(dict.fromkeys(out))


def _goods(root, classes: list[str]) -> str | None:
    """'9: Computer software …; 42: …' from the GS statements (GS + class + sequence), a class's text capped.

    Old records number their statements by US class: a number that is none of the Nice classes is the
    only Nice class where there is one, else written 'US n'.
    """
    parts = []
    for s in root.findall("case-file-statements/case-file-statement"):
        code = field_text(s, "type-code")
        if code.startswith("GS") and code[2:5].isdigit():
            n = str(int(code[2:5]))
            label = n if n in classes else classes[0] if len(classes) == 1 else f"US {n}"
            parts.append(f"{label}: {' '.join(field_text(s, 'text').split())[:1000]}")
    return "; ".join(parts) or None


def _pseudo_mark(root) -> str:
    """The office's pseudo mark (PM statement): how a mark with no words, or odd spelling, is searched."""
    for s in root.findall("case-file-statements/case-file-statement"):
        if field_text(s, "type-code").startswith("PM"):
            return " ".join(field_text(s, "text").split())
    return ""


# -- the files ------------------------------------------------------------------------------------------
def case_files(path: Path) -> Iterator[tuple[int | str, bytes | tuple[bytes, bytes]]]:
    """The case files of a daily or annual file, or of each XML member of a ZIP, with where each starts.

    A ZIP's members are read newest first (by their creation date); a damaged member is one sentence.
    """
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as z:
            heads = {i.filename: _read_head(z, i, path) for i in z.infolist() if i.filename.lower().endswith(".xml")}
            members = sorted(
                (z.getinfo(name) for name in heads), key=lambda i: _stamp_of(heads[i.filename]), reverse=True
            )
            for info in members:
                try:
                    with z.open(info) as f:
                        prolog = _prolog(heads[info.filename])
                        for line, doc in _split(f):
                            yield f"{info.filename} line {line}", (prolog, doc) if prolog else doc
                except (zipfile.BadZipFile, zlib.error, EOFError) as e:
                    raise UserError(f"{path.name}: member {info.filename} is damaged ({e}).") from None
        return
    prolog = _prolog(head_of(path))
    with open(path, "rb") as f:
        for line, doc in _split(f):
            yield line, (prolog, doc) if prolog else doc


def _prolog(head: bytes) -> bytes:
    """The file's XML declaration when it names an encoding other than UTF-8 (ISO-8859-1 …), else nothing."""
    m = re.match(rb"\s*<\?xml[^>]*encoding=[\"']([A-Za-z0-9._-]+)[\"'][^>]*\?>", head)
    return m.group(0).strip() if m and m.group(1).lower().replace(b"_", b"-") not in (b"utf-8", b"utf8") else b""


def _split(f, chunk: int = 1 << 20) -> Iterator[tuple[int, bytes]]:
    """Each ``<case-file>…</case-file>`` of a stream, read a megabyte at a time, with the line it starts on."""
    buf, line = b"", 1  # line: the line buf[counted] is on
    while True:
        data = f.read(chunk)
        buf += data
        pos = counted = 0
        while (start := buf.find(b"<case-file>", pos)) >= 0 and (end := buf.find(b"</case-file>", start)) >= 0:
            line += buf.count(b"\n", counted, start)
            counted, pos = start, end + len(b"</case-file>")
            yield line, buf[start:pos]
        start = buf.find(b"<case-file>", pos)
        if not data:
            if start >= 0:  # an unclosed case file: its parse says so
                yield line + buf.count(b"\n", counted, start), buf[start:]
            return
        cut = start if start >= 0 else max(pos, len(buf) - 16)
        line += buf.count(b"\n", counted, cut)
        buf = buf[cut:]


def stamp(path: Path) -> str:
    """The file's creation date-time (or its first case file's transaction date), to read the newest first.

    A ZIP's is its newest member's.
    """
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as z:
            members = [i for i in z.infolist() if i.filename.lower().endswith(".xml")]
            return max((_stamp_of(_read_head(z, i, path)) for i in members), default="")
    return _stamp_of(head_of(path))


def _stamp_of(head: bytes) -> str:
    m = re.search(rb"<creation-datetime>\s*(\d+)", head) or re.search(rb"<transaction-date>\s*(\d+)", head)
    return m.group(1).decode() if m else ""


def _read_head(z: zipfile.ZipFile, info: zipfile.ZipInfo, path: Path) -> bytes:
    try:
        with z.open(info) as f:
            return f.read(1 << 16)
    except (zipfile.BadZipFile, zlib.error, EOFError) as e:
        raise UserError(f"{path.name}: member {info.filename} is damaged ({e}).") from None


def _head(path: Path) -> bytes:
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as z:
            members = [i for i in z.infolist() if i.filename.lower().endswith(".xml")]
            return _read_head(z, members[0], path) if members else b""
    return head_of(path)


def check_format(path: Path) -> None:
    """One sentence (exit 2) for a file that is not USPTO trademark XML at all."""
    try:
        head = _head(path)
    except (zipfile.BadZipFile, OSError) as e:
        raise UserError(f"{path.name} cannot be read as a ZIP archive ({e}).") from None
    if not re.search(rb"<(trademark-applications-daily|case-file)\b", head):
        raise UserError(f"{path.name} is not USPTO trademark XML (no trademark-applications-daily or case-file in it).")


def run(files: list[Path], writer: DeliveryWriter, tick, workers: int = 2) -> None:
    """Import every case file of ``files``, newest file first; a malformed one is a reject, not a stop."""
    for path in files:
        check_format(path)
    newest_first = sorted(files, key=stamp, reverse=True)
    import_documents(newest_first, writer, tick, parse_batch, check_format, "importing trademarks", workers,
                     split=case_files)  # fmt: skip
