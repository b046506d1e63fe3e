"""USPTO pre-grant publications (application full text XML) → canonical applications and parties.

Reads both generations in the samples: the ICE ``us-patent-application`` v4.x (2005 on) and the
``patent-application-publication`` of 2001–2004 (its ``subdoc-bibliographic-information``). A weekly
file is many documents one after another; they stream and parse in a pool like the grants
(:func:`uspto_grant.import_documents`), with the same entity handling and nothing fetched.

What a publication says, and so what is imported: the application (``US`` + its serial number,
``US10830857``), its filing and publication dates and number (``US20050004437A1``), the title, the
applicants (the assignees where named, else the inventors or applicant-inventors), the foreign
priorities claimed (``CH 1974/01``, the earliest date in ``priority_date``), the PCT application it
comes from (``pct_number``: ``route`` pct_national_phase when it entered under 35 U.S.C. 371, as
the ICE ``pct-or-regional-filing-data`` says; a continuation of a PCT application stays national),
and the IPC. A publication says nothing of
the outcome: every application is ``pending`` as the publication knows it; a later grant or
abandonment is another delivery's news. An application published twice in one import (A1, then a
corrected A2 or A9) is kept once, as its latest publication says: the import holds one row per
application until the end (about a kilobyte each).
"""

from __future__ import annotations

import re
from pathlib import Path

from ipgauge.adapters.delivery import DeliveryWriter, head_of
from ipgauge.adapters.uspto_grant import (
    KINDS,
    Malformed,
    Parsed,
    _date,
    _field,
    _text,
    holder_party,
    import_documents,
    parse_document,
)
from ipgauge.errors import UserError

TABLES = ("parties", "applications")
_IPC = re.compile(r"([A-H]\d{2}[A-Z])\s*0*(\d{1,4})\s*/\s*(\d{1,6})")
_PCT = re.compile(r"PCT/[A-Z]{2}\d{2,4}/\d+")


def parse(line: int, doc: bytes) -> Parsed:
    """One publication's rows; a malformed one comes back with ``error`` set."""
    readers = {"us-patent-application": _ice, "patent-application-publication": _v16}
    return parse_document(line, doc, readers, "a USPTO application publication")


def parse_batch(batch: list[tuple[int, bytes]]) -> list[Parsed]:
    """A worker's task: several publications at once."""
    return [parse(line, doc) for line, doc in batch]


def application_id(serial: str) -> str:
    """'10830857' or '09/342,866' → 'US10830857' (the series code and serial, as the USPTO numbers them)."""
    digits = re.sub(r"[\s/,]", "", serial or "")
    if not re.fullmatch(r"\d{8}", digits):
        raise Malformed(f"application number {serial!r} is not a US serial number (8 digits)")
    return f"US{digits}"


def _ipc(symbols: list[str]) -> list[str]:
    """'A61B005/00' → 'A61B 5/00'; what does not read as an IPC group is left out."""
    out = []
    for s in symbols:
        m = _IPC.fullmatch(s.strip())
        if m:
            out.append(f"{m.group(1)} {int(m.group(2))}/{m.group(3)}")
    return list(dict.fromkeys(out))


def _row(
    number: tuple[str, str],
    kind: str,
    title: str,
    filing: str,
    published: str,
    parties: list[dict],
    priorities: list[tuple[str, str | None]],
    pct: tuple[str | None, bool],
    ipc: list[str],
) -> dict:
    """The canonical application; ``pct``: the PCT application it comes from, and whether it entered under §371."""
    if not title:
        raise Malformed("no invention title")
    if not parties:
        raise Malformed("no applicant, assignee or inventor")
    if published < filing:
        raise Malformed(f"publication date {published} is before the filing date {filing}")
    dates = sorted(d for _, d in priorities if d)
    return {
        "application_id": application_id(number[0]),
        "jurisdiction": "US",
        "kind": kind,
        "route": "pct_national_phase" if pct[0] and pct[1] else "national",
        "title": title,
        "filing_date": filing,
        "publication_date": published,
        "publication_number": number[1],
        "applicants": [p["party_id"] for p in parties],
        "priority_date": dates[0] if dates and dates[0] <= filing else None,
        "priority": [p for p, _ in priorities],
        "pct_number": pct[0],
        "status": "pending",
        "ipc": ipc,
    }


# -- ICE us-patent-application (v4.x) --------------------------------------------------------------------
def _ice(root, line: int) -> Parsed:
    bib = root.find("us-bibliographic-data-application")
    if bib is None:
        raise Malformed("no us-bibliographic-data-application")
    pub, app = bib.find("publication-reference/document-id"), bib.find("application-reference")
    if pub is None or app is None:
        raise Malformed("no publication or application reference")
    kind = KINDS.get(app.get("appl-type", "utility"))
    if kind is None:
        raise Malformed(f"application type {app.get('appl-type')!r} is not utility, design, plant or reissue")
    publication = f"US{_field(pub, 'doc-number')}{_field(pub, 'kind')}"
    parties = _ice_parties(bib)
    priorities = [
        (f"{_field(c, 'country')} {_field(c, 'doc-number')}", _date(c.findtext("date"), "priority date"))
        for c in bib.findall("priority-claims/priority-claim")
    ]
    pct = None  # a §371 entry names its PCT application; a continuation may have one as its parent
    for d in bib.iter("doc-number"):
        m = _PCT.search((d.text or "").replace(" ", ""))
        pct = pct or (m.group(0) if m else None)
    entered = bib.find("pct-or-regional-filing-data") is not None
    ipc = _ipc(
        [bib.findtext("classification-ipc/main-classification") or ""]
        + [x.text or "" for x in bib.findall("classification-ipc/further-classification")]
        + [
            f"{_field(c, 'section')}{_field(c, 'class')}{_field(c, 'subclass')} "
            f"{_field(c, 'main-group')}/{_field(c, 'subgroup')}"
            for c in bib.findall("classifications-ipcr/classification-ipcr")
        ]
    )
    row = _row(
        (_field(app, "document-id/doc-number"), publication),
        kind,
        _text(bib.find("invention-title")),
        _date(app.findtext("document-id/date"), "filing date"),
        _date(pub.findtext("date"), "publication date"),
        parties,
        priorities,
        (pct, entered),
        ipc,
    )
    return Parsed(row["application_id"], line, parties=parties, application=row)


def _ice_parties(bib) -> list[dict]:
    """The assignees named; without any, the applicants (inventors, in 2005–2012 publications).

    An assignee printed without an address takes the first applicant's country.
    """
    block = bib.find("us-parties") if bib.find("us-parties") is not None else bib.find("parties")
    applicants = (
        block.findall(".//us-applicant/addressbook") + block.findall(".//applicant/addressbook")
        if block is not None
        else []
    )
    fallback = next((_field(b, "address/country") for b in applicants if _field(b, "address/country")), "")
    out = []
    for book in bib.findall("assignees/assignee/addressbook") or bib.findall("assignees/assignee") or applicants:
        org = book.findtext("orgname")
        name = org or " ".join(filter(None, [book.findtext("first-name"), book.findtext("last-name")]))
        city, state, country = (_field(book, f"address/{tag}") for tag in ("city", "state", "country"))
        country = country or ("US" if state else fallback)
        out.append(holder_party((name or "").strip(), bool(org), city, state, country))
    return list({p["party_id"]: p for p in out}.values())


# -- patent-application-publication (2001-2004) ---------------------------------------------------------------
def _v16(root, line: int) -> Parsed:
    bib = root.find("subdoc-bibliographic-information")
    if bib is None:
        raise Malformed("no subdoc-bibliographic-information")
    publication = f"US{_field(bib, 'document-id/doc-number')}{_field(bib, 'document-id/kind-code')}"
    parties = _v16_parties(bib)
    priorities = []
    for f in bib.findall("foreign-priority-data"):
        country = _text(f.find(".//country-code"))
        number = _field(f, "priority-application-number/doc-number")
        when = _field(f, "filing-date")
        priorities.append((f"{country} {number}".strip(), _date(when, "priority date") if when else None))
    pct = None  # no sample shows a §371 entry of this generation: a PCT application here is a parent
    for d in bib.iter("doc-number"):
        m = _PCT.search((d.text or "").replace(" ", ""))
        pct = pct or (m.group(0) if m else None)
    kind = "plant" if bib.find("technical-information/classification-us/classification-us-primary/uspc/class") \
        is not None and _field(bib, "technical-information/classification-us/classification-us-primary/uspc/class") \
        == "PLT" else "invention"  # fmt: skip
    ipc = _ipc([_text(x) for x in bib.findall("technical-information/classification-ipc//ipc")])
    row = _row(
        (_field(bib, "domestic-filing-data/application-number/doc-number"), publication),
        kind,
        _text(bib.find("technical-information/title-of-invention")),
        _date(_field(bib, "domestic-filing-data/filing-date"), "filing date"),
        _date(_field(bib, "document-id/document-date"), "publication date"),
        parties,
        priorities,
        (pct, False),
        ipc,
    )
    return Parsed(row["application_id"], line, parties=parties, application=row)


def _v16_parties(bib) -> list[dict]:
    """The assignee where the publication names one, else the inventors (first named first).

    An assignee printed without an address (most are: a code says only domestic or foreign) takes the
    first inventor's country of residence.
    """
    inventors = []
    for person in bib.findall("inventors/first-named-inventor") + bib.findall("inventors/inventor"):
        name = " ".join(filter(None, [_text(person.find("name/given-name")), _text(person.find("name/family-name"))]))
        res = person.find("residence")
        country = _text(res.find(".//country-code")) if res is not None else ""
        city = _text(res.find(".//city")) if res is not None else ""
        state = _text(res.find(".//state")) if res is not None else ""
        inventors.append((name, city, state if country == "US" else "", country))
    out = []
    for a in bib.findall("assignee"):
        org = _text(a.find("organization-name"))
        name = org or " ".join(filter(None, [_text(a.find("name/given-name")), _text(a.find("name/family-name"))]))
        country = _text(a.find("address/country/country-code")) or (inventors[0][3] if inventors else "")
        out.append(holder_party(name, bool(org), _text(a.find("address/city")), "", country))
    if not out:
        out = [holder_party(name, False, city, state, country) for name, city, state, country in inventors]
    return list({p["party_id"]: p for p in out}.values())


# -- the import ------------------------------------------------------------------------------------------
def check_format(path: Path) -> None:
    """One sentence (exit 2) for a file that is not a USPTO application publication at all."""
    head = head_of(path)
    if not head.lstrip().startswith(b"<") or not re.search(
        rb"<(us-patent-application|patent-application-publication)\b", head
    ):
        raise UserError(
            f"{path.name} is not USPTO application XML (no us-patent-application or "
            "patent-application-publication document in it)."
        )


def run(files: list[Path], writer: DeliveryWriter, tick, workers: int = 2) -> None:
    """Import every publication of ``files`` into ``writer``; a malformed one is a reject, not a stop."""
    import_documents(files, writer, tick, parse_batch, check_format, "importing applications", workers)
