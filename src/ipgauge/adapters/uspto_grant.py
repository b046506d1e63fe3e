"""USPTO patent grant full text (XML) → canonical patents, parties, claims and term-extension events.

Reads the three generations in the samples: ICE ``us-patent-grant`` v4.x (2005 on), and the ST.32
"B-tag" ``PATDOC`` of 2001–2004 (SGML-derived). A weekly file is many ``<?xml`` documents one after
another; they are split as the file streams, so memory holds one document at a time, and parsed in
a pool of processes (one per core). Entities that only the external DTD declares (``&copy;``,
``&mdash;``) are resolved from the HTML entity table, never by fetching the DTD.

Contract: ``patent_id`` is ``US`` + the number without leading zeros or kind (``US8930553``,
``USD435854``, ``USRE45678``, ``USPP12345``); the kind code goes in ``kind_code``.
"""

from __future__ import annotations

import hashlib
import html.entities
import re
import signal
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from lxml import etree

from ipgauge.adapters.delivery import DeliveryWriter, head_of
from ipgauge.errors import UserError

TABLES = ("parties", "patents", "claims", "events")
BATCH = 64  # documents per task sent to a worker process
_XML_ENTITIES = {"amp", "lt", "gt", "quot", "apos"}
_ENTITY = re.compile(rb"&([A-Za-z][A-Za-z0-9]*);")
_NUMBER = re.compile(r"^0*([A-Z]{0,2})0*(\d+)$")
#: appl-type / ST.32 document prefixes → canonical kind
KINDS = {"utility": "invention", "reissue": "invention", "design": "design", "plant": "plant"}
#: continuity relations whose parent's filing date can start the US term (not provisional applications)
TERM_RELATIONS = ("continuation", "continuation-in-part", "division", "continuing-reissue", "reissue")


class Malformed(ValueError):
    """A document that cannot be imported; the message says why."""


@dataclass
class Parsed:
    """One document's rows, or why it was rejected."""

    document: str
    line: int
    patent: dict | None = None
    parties: list[dict] = field(default_factory=list)
    claims: list[dict] = field(default_factory=list)
    events: list[dict] = field(default_factory=list)
    error: str | None = None
    application: dict | None = None  # a pre-grant publication's application (adapters/uspto_application.py)


def documents(path: Path) -> Iterator[tuple[int, bytes]]:
    """The XML documents of a (possibly concatenated) file, each with the line it starts on."""
    buf: list[bytes] = []
    start = 1
    with open(path, "rb") as f:
        for n, line in enumerate(f, start=1):
            if line.lstrip().startswith(b"<?xml") and buf:
                yield start, b"".join(buf)
                buf, start = [], n
            buf.append(line)
    if any(chunk.strip() for chunk in buf):
        yield start, b"".join(buf)


def _entities(doc: bytes) -> bytes:
    """Replace entities only the external DTD declares with character references (HTML's, then the ISO sets')."""

    def sub(m: re.Match) -> bytes:
        name = m.group(1).decode()
        if name in _XML_ENTITIES:
            return m.group(0)
        code = html.entities.name2codepoint.get(name)
        if code is not None:
            return f"&#{code};".encode()
        text = html.entities.html5.get(f"{name};") or ISO_GREEK.get(name)  # the ISO sets: &plus; &lsqb; &agr; …
        if text is None:
            raise Malformed(f"entity &{name}; is not one the USPTO's DTDs declare")
        return "".join(f"&#{ord(c)};" for c in text).encode()

    return _ENTITY.sub(sub, doc)


#: ISO 8879's Greek letters (ISOgrk1), which the 2001 application DTD uses and HTML does not name: &agr; is α.
_GREEK = "a b g d e z ee th i k l m n x o p r s t u ph kh ps oh".split()
ISO_GREEK = (
    {f"{n}gr": chr(0x3B1 + i + (i > 16)) for i, n in enumerate(_GREEK)}
    | {f"{n.upper()}gr": chr(0x391 + i + (i > 16)) for i, n in enumerate(_GREEK)}
    | {"sfgr": "ς"}
)

_PARSER = etree.XMLParser(load_dtd=False, no_network=True, resolve_entities=False, huge_tree=True, recover=False)


def parse(line: int, doc: bytes) -> Parsed:
    """One document's canonical rows; a malformed one comes back with ``error`` set."""
    return parse_document(line, doc, {"us-patent-grant": _ice, "PATDOC": _st32}, "a USPTO grant document")


def parse_document(line: int, doc: bytes, readers: dict[str, Callable], what: str) -> Parsed:
    """A document read by the reader of its root element; a malformed one comes back with ``error`` set."""
    number = _doc_number_hint(doc)
    try:
        root = etree.fromstring(_entities(doc), _PARSER)
    except Malformed as e:
        return Parsed(number, line, error=str(e))
    except etree.XMLSyntaxError as e:
        return Parsed(number, line, error=f"not well-formed XML ({e.msg}, line {e.lineno} of the document)")
    try:
        if root.tag not in readers:
            raise Malformed(f"<{root.tag}> is not {what} ({' or '.join(readers)})")
        return readers[root.tag](root, line)
    except Malformed as e:
        return Parsed(number, line, error=str(e))


def parse_batch(batch: list[tuple[int, bytes]]) -> list[Parsed]:
    """A worker's task: several documents at once, so that the pool's overhead stays small."""
    return [parse(line, doc) for line, doc in batch]


def _doc_number_hint(doc: bytes) -> str:
    """The document number as far as it can be read without parsing (for the reject of a broken document)."""
    m = re.search(rb"<doc-number>([^<]+)</doc-number>", doc) or re.search(rb"<B110><DNUM><PDAT>([^<]+)<", doc)
    return m.group(1).decode(errors="replace") if m else "?"


def patent_id(number: str) -> str:
    """'08930553' → 'US8930553'; 'D0435854' → 'USD435854'; 'RE045678' → 'USRE45678'."""
    m = _NUMBER.match(number.strip().replace(",", "").replace(" ", ""))
    if not m:
        raise Malformed(f"document number {number!r} is not a US patent number")
    return f"US{m.group(1)}{m.group(2)}"


def _date(text: str | None, what: str) -> str:
    if not text or not re.fullmatch(r"\d{8}", text.strip()):
        raise Malformed(f"{what} {text!r} is not a date (YYYYMMDD)")
    t = text.strip()
    try:
        return date(int(t[:4]), int(t[4:6]), int(t[6:])).isoformat()
    except ValueError:
        raise Malformed(f"{what} {t} is not a date that exists") from None


def _text(el) -> str:
    return " ".join("".join(el.itertext()).split()) if el is not None else ""


def holder_party(name: str, is_org: bool, city: str, state: str, country: str) -> dict:
    """A canonical party; the id is a digest of what identifies it, so the same holder is one party."""
    if not name:
        raise Malformed("a holder has no name")
    if not re.fullmatch(r"[A-Z]{2}", country or ""):
        raise Malformed(f"holder {name!r} has no country")
    digest = hashlib.sha1(f"{name.casefold()}|{city.casefold()}|{state}|{country}".encode()).hexdigest()[:12]
    return {
        "party_id": f"USP{digest}",
        "name": name,
        "party_type": "enterprise" if is_org else "individual",
        "country": country,
        "city": city or None,
        "subdivision": f"{country}-{state}" if state and re.fullmatch(r"[A-Z]{2}", state) else None,
    }


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
    grant = _date(pub.findtext("date"), "grant date")
    filing = _date(app.findtext("document-id/date"), "filing date")
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
        "title": _text(bib.find("invention-title")) or None,
        "abstract": _text(root.find("abstract")) or None,
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
        city, state, country = (_field(book, f"address/{tag}") for tag in ("city", "state", "country"))
        out.append(holder_party((name or "").strip(), bool(org), city, state, country))
    if not out:
        raise Malformed("no assignee or applicant")
    return list({p["party_id"]: p for p in out}.values())


def _field(el, path: str) -> str:
    return (el.findtext(path) or "").strip()


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
            stamp = _date(when, f"{tag} date") if when else ""
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
                related.append(f"publication:{number}:{_date(when, 'publication date') if when else ''}")
        if tag == "us-provisional-application":
            d = rel.find("document-id")
            if d is not None:
                related.append(
                    f"provisional:US {d.findtext('doc-number') or ''}:{_date(d.findtext('date'), 'provisional date')}"
                )
    earliest = min(parents, default=None)
    return related, earliest if earliest and earliest < filing else None


def _ice_priorities(bib) -> list[str]:
    """Foreign priority claims as 'priority:country number:date' (Paris Convention, 35 U.S.C. 119)."""
    out = []
    for claim in bib.findall("priority-claims/priority-claim"):
        number = f"{claim.findtext('country') or ''} {claim.findtext('doc-number') or ''}".strip()
        when = claim.findtext("date")
        out.append(f"priority:{number}:{_date(when, 'priority date') if when else ''}")
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
    return {"patent_id": pid, "number": int(number), "depends_on": refs, "text": _text(claim)}


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
    grant = _date(pdat("B100/B140/DATE/PDAT"), "grant date")
    filing = _date(pdat("B200/B220/DATE/PDAT"), "filing date")
    prefix = re.match(r"[A-Z]*", number).group(0)
    kind = {"D": "design", "PP": "plant"}.get(prefix, "invention")
    title = _text(root.find("SDOBI/B500/B540"))
    if not title:
        raise Malformed("no invention title")
    people = root.findall("SDOBI/B700/B730/B731/PARTY-US") or root.findall("SDOBI/B700/B720/B721/PARTY-US")
    holders = []
    for p in people:
        org = _text(p.find("NAM/ONM"))
        name = org or " ".join(filter(None, [_text(p.find("NAM/FNM")), _text(p.find("NAM/SNM"))]))
        holders.append(
            holder_party(
                name,
                bool(org),
                _text(p.find("ADR/CITY")),
                _text(p.find("ADR/STATE")),
                _text(p.find("ADR/CTRY")) or ("US" if _text(p.find("ADR/STATE")) else ""),
            )
        )
    if not holders:
        raise Malformed("no assignee or inventor")
    holders = list({h["party_id"]: h for h in holders}.values())
    ipc = [s for s in (_st32_ipc(pdat("B500/B510/B511/PDAT")),) if s] if kind != "design" else []
    claims = []
    for i, clm in enumerate(root.findall("SDOCL/CL/CLM"), start=1):
        number_attr = re.sub(r"\D", "", clm.get("ID", "")) or str(i)
        refs = sorted({int(re.sub(r"\D", "", r.get("IDREF", "")) or 0) for r in clm.iter("CLREF")} - {0})
        claims.append({"patent_id": pid, "number": int(number_attr), "depends_on": refs, "text": _text(clm)})
    patent = {
        "patent_id": pid,
        "jurisdiction": "US",
        "kind": kind,
        "kind_code": pdat("B100/B130/PDAT") or None,
        "title": title,
        "abstract": _text(root.find("SDOAB")) or None,
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


def _quiet_worker() -> None:
    """Workers leave Ctrl-C to the main process, which stops them and removes the unfinished delivery."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def run(files: list[Path], writer: DeliveryWriter, tick, workers: int = 2) -> None:
    """Import every document of ``files`` into ``writer``; a malformed document is a reject, not a stop."""
    import_documents(files, writer, tick, parse_batch, check_format, "importing grants", workers)


def import_documents(
    files: list[Path],
    writer: DeliveryWriter,
    tick,
    parse_batch: Callable[[list[tuple[int, bytes]]], list[Parsed]],
    check: Callable[[Path], None],
    what: str,
    workers: int = 2,
) -> None:
    """Stream the XML documents of ``files`` through ``parse_batch`` in a pool; write each one's rows or its reject."""
    for path in files:
        check(path)
    total = sum(f.stat().st_size for f in files)
    done = 0
    latest: dict[str, dict] = {}  # an application published twice (A1, then A2 or A9): its latest publication
    with ProcessPoolExecutor(max_workers=workers, initializer=_quiet_worker) as pool:
        for path in files:
            for parsed_batch, size in _parsed(path, pool, parse_batch):
                for p in parsed_batch:
                    writer.documents += 1
                    if p.error:
                        writer.reject(path.name, f"{p.document} (line {p.line})", p.error)
                        continue
                    for party in p.parties:
                        writer.row("parties", party)
                    if p.patent:
                        writer.row("patents", p.patent)
                    if p.application:
                        held = latest.get(key := p.application["application_id"])
                        if held is None or held["publication_date"] <= p.application["publication_date"]:
                            latest[key] = p.application
                    for c in p.claims:
                        writer.row("claims", c)
                    for e in p.events:
                        writer.row("events", e)
                done += size
                tick(what, done, total)
    for application in latest.values():
        writer.row("applications", application)


def _parsed(path: Path, pool: ProcessPoolExecutor, parse_batch) -> Iterator[tuple[list[Parsed], int]]:
    """Batches of parsed documents in file order, at most a few batches in flight (bounded memory)."""
    pending = []
    batch: list[tuple[int, bytes]] = []
    size = 0

    def submit() -> None:
        nonlocal batch, size
        pending.append((pool.submit(parse_batch, batch), size))
        batch, size = [], 0

    for line, doc in documents(path):
        batch.append((line, doc))
        size += len(doc)
        if len(batch) >= BATCH:
            submit()
            while len(pending) > 4:
                future, n = pending.pop(0)
                yield future.result(), n
    if batch:
        submit()
    for future, n in pending:
        yield future.result(), n
