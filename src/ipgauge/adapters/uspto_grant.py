"""USPTO patent grant full text (XML) → canonical patents, parties, claims and term-extension events.

Reads the three generations in the samples: ICE ``us-patent-grant`` v4.x (2005 on), and the ST.32
"B-tag" ``PATDOC`` of 2001–2004 (SGML-derived), weekly files streamed and parsed in a pool
(:mod:`ipgauge.adapters.uspto_xml`).

Contract: ``patent_id`` is ``US`` + the number without leading zeros or kind (``US8930553``,
``USD435854``, ``USRE45678``, ``USPP12345``); the kind code goes in ``kind_code``.
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

TABLES = ("parties", "patents", "claims", "events")
_NUMBER = re.compile(r"^0*([A-Z]{0,2})0*(\d+)$")
#: continuity relations whose parent's filing date can start the US term (not provisional applications)
TERM_RELATIONS = ("continuation", "continuation-in-part", "division", "continuing-reissue", "reissue")


def parse(line: int, doc: bytes) -> Parsed:
    """One document's canonical rows; a malformed one comes back with ``error`` set."""
    return parse_document(line, doc, {"us-patent-grant": _ice, "PATDOC": _st32}, "a USPTO grant document")


def parse_batch(batch: list[tuple[int, bytes]]) -> list[Parsed]:
    """A worker's task: several documents at once, so that the pool's overhead stays small."""
    return [parse(line, doc) for line, doc in batch]


def patent_id(number: str) -> str:
    """'08930553' → 'US8930553'; 'D0435854' → 'USD435854'; 'RE045678' → 'USRE45678'."""
    m = _NUMBER.match(number.strip().replace(",", "").replace(" ", ""))
    if not m:
        raise Malformed(f"document number {number!r} is not a US patent number")
    return f"US{m.group(1)}{m.group(2)}"


# -- ICE us-patent-grant (v4.x) ------------------------------------------------------------------------
def _ice(root, line: int) -> Parsed:
    bib = root.find("us-bibliographic-data-grant")
    if bib is None:
        raise Malformed("no us-bibliographic-data-grant")
    pub = bib.find("publication-reference/document-id")
    app = bib.find("application-reference")
    if pub is None or app is None:
        raise Malformed("no publication or application reference")
    number = pub.findtext("doc-number") or ""
    pid = patent_id(number)
    grant = xml_date(pub.findtext("date"), "grant date")
    filing = xml_date(app.findtext("document-id/date"), "filing date")
    kind = KINDS.get(app.get("appl-type", "utility"))
    if kind is None:
        raise Malformed(f"application type {app.get('appl-type')!r} is not utility, design, plant or reissue")
    holders = _ice_holders(bib)
    related, term_from = _ice_related(bib, filing)
    related += _ice_priorities(bib)
    term = bib.find("us-term-of-grant")
    patent = {
        "patent_id": pid,
        "jurisdiction": "US",
        "kind": kind,
        "kind_code": pub.findtext("kind"),
        "title": text_of(bib.find("invention-title")) or None,
        "abstract": text_of(root.find("abstract")) or None,
        "claims": None,
        "filing_date": filing,
        "grant_date": grant,
        "ipc": _symbols(bib.findall("classifications-ipcr/classification-ipcr")),
        "cpc": _symbols(
            bib.findall("classifications-cpc/main-cpc/classification-cpc")
            + bib.findall("classifications-cpc/further-cpc/classification-cpc")
        ),
        "holders": [h["party_id"] for h in holders],
        "term_from": term_from,
        "related": related,
        "terminal_disclaimer": term is not None and term.find("disclaimer") is not None,
        "citations": _ice_citations(bib),
    }
    if not patent["title"]:
        raise Malformed("no invention title")
    claims = [_ice_claim(c, pid) for c in root.findall("claims/claim")]
    events = []
    extension = term.findtext("us-term-extension") if term is not None else None
    if extension and extension.strip() not in ("", "0"):
        if not extension.strip().isdigit():
            raise Malformed(f"term extension {extension!r} is not a number of days")
        events.append(
            _event(pid, "term_extended", grant, extension.strip(), "patent term adjustment (35 U.S.C. 154(b))")
        )
    return Parsed(pid, line, patent, holders, claims, events)


def _ice_holders(bib) -> list[dict]:
    """Assignees at grant; without any, the applicants (inventors who keep their patent)."""
    people = bib.findall("assignees/assignee/addressbook")
    if not people:
        parties = bib.find("us-parties") if bib.find("us-parties") is not None else bib.find("parties")
        if parties is not None:
            people = parties.findall(".//us-applicant/addressbook") + parties.findall(".//applicant/addressbook")
    out = []
    for book in people:
        org = book.findtext("orgname")
        name = org or " ".join(filter(None, [book.findtext("first-name"), book.findtext("last-name")]))
        city, state, country = (field_text(book, f"address/{tag}") for tag in ("city", "state", "country"))
        out.append(holder_party((name or "").strip(), bool(org), city, state, country))
    if not out:
        raise Malformed("no assignee or applicant")
    return distinct_parties(out)


def _ice_related(bib, filing: str) -> tuple[list[str], str | None]:
    """Related applications as 'relation:US number:date', and the earliest non-provisional filing (the term base)."""
    related, parents = [], []
    block = bib.find("us-related-documents")
    if block is None:
        return [], None
    for rel in block:
        tag = rel.tag if isinstance(rel.tag, str) else ""
        for doc in rel.iter("parent-doc", "parent-grant-document", "parent-pct-document"):
            d = doc.find("document-id")
            if d is None:
                continue
            when = d.findtext("date")
            number = f"{d.findtext('country') or 'US'} {d.findtext('doc-number') or ''}".strip()
            stamp = xml_date(when, f"{tag} date") if when else ""
            related.append(f"{tag}:{number}:{stamp}")
            if tag in TERM_RELATIONS and stamp:
                parents.append(stamp)
        if tag == "related-publication":  # the pre-grant publication of this application
            d = rel.find("document-id")
            if d is not None and d.findtext("doc-number"):
                number = (
                    f"{d.findtext('country') or 'US'} {d.findtext('doc-number')} {d.findtext('kind') or ''}".strip()
                )
                when = d.findtext("date")
                related.append(f"publication:{number}:{xml_date(when, 'publication date') if when else ''}")
        if tag == "us-provisional-application":
            d = rel.find("document-id")
            if d is not None:
                when = xml_date(d.findtext("date"), "provisional date")
                related.append(f"provisional:US {d.findtext('doc-number') or ''}:{when}")
    earliest = min(parents, default=None)
    return related, earliest if earliest and earliest < filing else None


def _ice_priorities(bib) -> list[str]:
    """Foreign priority claims as 'priority:country number:date' (Paris Convention, 35 U.S.C. 119)."""
    out = []
    for claim in bib.findall("priority-claims/priority-claim"):
        number = f"{claim.findtext('country') or ''} {claim.findtext('doc-number') or ''}".strip()
        when = claim.findtext("date")
        out.append(f"priority:{number}:{xml_date(when, 'priority date') if when else ''}")
    return out


def _ice_citations(bib) -> list[str]:
    """The documents cited, each with who cited it: 'examiner:US 7844851 B2, Name, 2010-11' or 'examiner:NPL …'.

    Dates are printed with a day of 00 (month precision): kept as year and month. A reference's text
    keeps its first :data:`NPL_CHARS` characters; ';' (the list separator of a delivery) becomes ','.
    """
    block = bib.find("us-references-cited")
    if block is None:
        block = bib.find("references-cited")
    out = []
    for cit in [] if block is None else list(block):
        who = (cit.findtext("category") or "").strip().removeprefix("cited by ").strip() or "unknown"
        doc = cit.find("patcit/document-id")
        if doc is not None:
            stamp = doc.findtext("date") or ""
            when = f"{stamp[:4]}-{stamp[4:6]}" if re.fullmatch(r"\d{6}\d{2}", stamp) else ""
            parts = [f"{doc.findtext('country') or ''} {doc.findtext('doc-number') or ''} {doc.findtext('kind') or ''}"]
            parts += [x for x in (doc.findtext("name"), when) if x]
            item = ", ".join(" ".join(p.split()) for p in parts)
        else:
            text = " ".join("".join(cit.find("nplcit").itertext()).split()) if cit.find("nplcit") is not None else ""
            if not text:
                continue
            item = f"NPL {text[:NPL_CHARS]}{'…' if len(text) > NPL_CHARS else ''}"
        out.append(f"{who}:{item}".replace(";", ","))
    return out


NPL_CHARS = 300


def _symbols(entries) -> list[str]:
    """IPC/CPC entries as 'G06F 15/16', main (first position) first, each once."""
    out = []
    for e in sorted(entries, key=lambda e: e.findtext("symbol-position") != "F"):
        sub = "".join(e.findtext(t) or "" for t in ("section", "class", "subclass"))
        symbol = f"{sub} {e.findtext('main-group')}/{e.findtext('subgroup')}"
        if re.fullmatch(r"[A-H]\d{2}[A-Z] \d{1,4}/\d{1,6}", symbol) and symbol not in out:
            out.append(symbol)
    return out


def _ice_claim(claim, pid: str) -> dict:
    number = claim.get("num", "").lstrip("0")
    if not number.isdigit():
        raise Malformed(f"claim {claim.get('id')!r} has no number")
    refs = sorted(
        {int(r.get("idref", "").split("-")[-1]) for r in claim.iter("claim-ref") if r.get("idref", "")[-1:].isdigit()}
    )
    return {"patent_id": pid, "number": int(number), "depends_on": refs, "text": text_of(claim)}


def _event(pid: str, event: str, when: str, value: str | None, note: str | None) -> dict:
    return {
        "right_type": "patent",
        "right_id": pid,
        "event": event,
        "effective_date": when,
        "recorded_date": when,
        "value": value,
        "note": note,
    }


# -- ST.32 PATDOC (2001-2004) ------------------------------------------------------------------------------
def _st32(root, line: int) -> Parsed:
    def pdat(path: str) -> str:
        return (root.findtext(f"SDOBI/{path}") or "").strip()

    number = pdat("B100/B110/DNUM/PDAT")
    pid = patent_id(number)
    grant = xml_date(pdat("B100/B140/DATE/PDAT"), "grant date")
    filing = xml_date(pdat("B200/B220/DATE/PDAT"), "filing date")
    prefix = re.match(r"[A-Z]*", number).group(0)
    kind = {"D": "design", "PP": "plant"}.get(prefix, "invention")
    title = text_of(root.find("SDOBI/B500/B540"))
    if not title:
        raise Malformed("no invention title")
    people = root.findall("SDOBI/B700/B730/B731/PARTY-US") or root.findall("SDOBI/B700/B720/B721/PARTY-US")
    holders = []
    for p in people:
        org = text_of(p.find("NAM/ONM"))
        name = org or " ".join(filter(None, [text_of(p.find("NAM/FNM")), text_of(p.find("NAM/SNM"))]))
        holders.append(
            holder_party(
                name,
                bool(org),
                text_of(p.find("ADR/CITY")),
                text_of(p.find("ADR/STATE")),
                text_of(p.find("ADR/CTRY")) or ("US" if text_of(p.find("ADR/STATE")) else ""),
            )
        )
    if not holders:
        raise Malformed("no assignee or inventor")
    holders = distinct_parties(holders)
    ipc = [s for s in (_st32_ipc(pdat("B500/B510/B511/PDAT")),) if s] if kind != "design" else []
    claims = []
    for i, clm in enumerate(root.findall("SDOCL/CL/CLM"), start=1):
        number_attr = re.sub(r"\D", "", clm.get("ID", "")) or str(i)
        refs = sorted({int(re.sub(r"\D", "", r.get("IDREF", "")) or 0) for r in clm.iter("CLREF")} - {0})
        claims.append({"patent_id": pid, "number": int(number_attr), "depends_on": refs, "text": text_of(clm)})
    patent = {
        "patent_id": pid,
        "jurisdiction": "US",
        "kind": kind,
        "kind_code": pdat("B100/B130/PDAT") or None,
        "title": title,
        "abstract": text_of(root.find("SDOAB")) or None,
        "claims": None,
        "filing_date": filing,
        "grant_date": grant,
        "ipc": ipc,
        "cpc": [],
        "holders": [h["party_id"] for h in holders],
        "term_from": None,
        "related": [],
        "terminal_disclaimer": None,  # ST.32 has B473US for it, but no sample shows one: left unknown
        "citations": [],  # ST.32 carries them (B560), but no sample to read them from: not imported
    }
    return Parsed(pid, line, patent, holders, claims, [])  # B474 is a design's term in years, not an extension


def _st32_ipc(text: str) -> str | None:
    """ST.32 B511 'G06F 1516' style → 'G06F 15/16' when it reads as an IPC group (design Locarno codes do not)."""
    m = re.fullmatch(r"([A-H]\d{2}[A-Z])\s*(\d{1,4})\s*/?\s*(\d{2,6})", text)
    return f"{m.group(1)} {int(m.group(2))}/{m.group(3)}" if m else None


# -- the import ----------------------------------------------------------------------------------------
def check_format(path: Path) -> None:
    """One sentence (exit 2) for a file that is not USPTO grant XML at all: empty, text, another XML."""
    head = head_of(path)
    if not head.lstrip().startswith(b"<") or not re.search(rb"<(us-patent-grant|PATDOC)\b", head):
        raise UserError(f"{path.name} is not USPTO grant XML (no us-patent-grant or PATDOC document in it).")


def run(files: list[Path], writer: DeliveryWriter, tick, workers: int = 2) -> None:
    """Import every document of ``files`` into ``writer``; a malformed document is a reject, not a stop."""
    import_documents(files, writer, tick, parse_batch, check_format, "importing grants", workers)
