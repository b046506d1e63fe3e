"""USPTO pre-grant publications (application full text XML) → canonical applications and parties.

Reads both generations in the samples: the ICE ``us-patent-application`` v4.x (2005 on) and the
``patent-application-publication`` of 2001–2004 (its ``subdoc-bibliographic-information``). A weekly
file is many documents one after another; they stream and parse in a pool like the grants
(:func:`uspto_xml.import_documents`), with the same entity handling and nothing fetched.

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
from ipgauge.adapters.uspto_xml import (
    KINDS,
    Malformed,
    Parsed,
    distinct_parties,
    field_text,
    holder_party,
    import_documents,
    parse_document,
    text_of,
    xml_date,
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
    publication = f"US{field_text(pub, 'doc-number')}{field_text(pub, 'kind')}"
    parties = _ice_parties(bib)
    priorities = [
        (f"{field_text(c, 'country')} {field_text(c, 'doc-number')}", xml_date(c.findtext("date"), "priority date"))
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
            f"{field_text(c, 'section')}{field_text(c, 'class')}{field_text(c, 'subclass')} "
            f"{field_text(c, 'main-group')}/{field_text(c, 'subgroup')}"
            for c in bib.findall("classifications-ipcr/classification-ipcr")
        ]
    )
    row = _row(
        (field_text(app, "document-id/doc-number"), publication),
        kind,
        text_of(bib.find("invention-title")),
        xml_date(app.findtext("document-id/date"), "filing date"),
        xml_date(pub.findtext("date"), "publication date"),
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
    fallback = next((field_text(b, "address/country") for b in applicants if field_text(b, "address/country")), "")
    out = []
    for book in bib.findall("assignees/assignee/addressbook") or bib.findall("assignees/assignee") or applicants:
        org = book.findtext("orgname")
        name = org or " ".join(filter(None, [book.findtext("first-name"), book.findtext("last-name")]))
        city, state, country = (field_text(book, f"address/{tag}") for tag in ("city", "state", "country"))
        country = country or ("US" if state else fallback)
        out.append(holder_party((name or "").strip(), bool(org), city, state, country))
    return distinct_parties(out)


# -- patent-application-publication (2001-2004) ---------------------------------------------------------------
def _v16(root, line: int) -> Parsed:
    bib = root.find("subdoc-bibliographic-information")
    if bib is None:
        raise Malformed("no subdoc-bibliographic-information")
    publication = f"US{field_text(bib, 'document-id/doc-number')}{field_text(bib, 'document-id/kind-code')}"
    parties = _v16_parties(bib)
    priorities = []
    for f in bib.findall("foreign-priority-data"):
        country = text_of(f.find(".//country-code"))
        number = field_text(f, "priority-application-number/doc-number")
        when = field_text(f, "filing-date")
        priorities.append((f"{country} {number}".strip(), xml_date(when, "priority date") if when else None))
    pct = None  # no sample shows a §371 entry of this generation: a PCT application here is a parent
    for d in bib.iter("doc-number"):
        m = _PCT.search((d.text or "").replace(" ", ""))
        pct = pct or (m.group(0) if m else None)
    us_class = field_text(bib, "technical-information/classification-us/classification-us-primary/uspc/class")
    kind = "plant" if us_class == "PLT" else "invention"
    ipc = _ipc([text_of(x) for x in bib.findall("technical-information/classification-ipc//ipc")])
    row = _row(
        (field_text(bib, "domestic-filing-data/application-number/doc-number"), publication),
        kind,
        text_of(bib.find("technical-information/title-of-invention")),
        xml_date(field_text(bib, "domestic-filing-data/filing-date"), "filing date"),
        xml_date(field_text(bib, "document-id/document-date"), "publication date"),
        parties,
        priorities,
        (pct, False),
        ipc,
    )
    return Parsed(row["application_id"], line, parties=parties, application=row)


def _person(el) -> str:
    """A person's given and family names, as the 2001 publications split them."""
    return " ".join(filter(None, [text_of(el.find("name/given-name")), text_of(el.find("name/family-name"))]))


def _v16_parties(bib) -> list[dict]:
    """The assignee where the publication names one, else the inventors (first named first).

    An assignee printed without an address (most are: a code says only domestic or foreign) takes the
    first inventor's country of residence.
    """
    inventors = []
    for person in bib.findall("inventors/first-named-inventor") + bib.findall("inventors/inventor"):
        name = _person(person)
        res = person.find("residence")
        country = text_of(res.find(".//country-code")) if res is not None else ""
        city = text_of(res.find(".//city")) if res is not None else ""
        state = text_of(res.find(".//state")) if res is not None else ""
        inventors.append((name, city, state if country == "US" else "", country))
    out = []
    for a in bib.findall("assignee"):
        org = text_of(a.find("organization-name"))
        name = org or _person(a)
        country = text_of(a.find("address/country/country-code")) or (inventors[0][3] if inventors else "")
        out.append(holder_party(name, bool(org), text_of(a.find("address/city")), "", country))
    if not out:
        out = [holder_party(name, False, city, state, country) for name, city, state, country in inventors]
    return distinct_parties(out)


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
