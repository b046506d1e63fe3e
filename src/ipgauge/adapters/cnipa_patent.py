"""CNIPA patent documents (XML) → canonical patents, applications, parties and claims.

Reads the two generations FORMATS.md documents: the newer ``business:PatentDocumentAndRelated``
(ST.36-style, namespaces ``business``/``base``, ``xsdVersion`` V2.2.1 seen 2021–2023) and the older
``cn-patent-document`` (DTD 06-10-27). A file is one document; a weekly shard is a ZIP with a folder
per document (its images ignored); a folder is searched for both. The DOCTYPE's entity file cannot be
fetched and is not: entities nobody can resolve are kept as written.

A grant (B; U utility model; S design; C/Y after a partial invalidation) is a patent. An application
publication (A) is an application, pending; a grant in the same import marks it granted. A grant
alone makes no application row: the office's data shows an application from its publication only.
"""

from __future__ import annotations

import functools
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ipgauge.adapters.cnipa_common import (
    APPL_TYPES,
    application_id,
    clean_address,
    country_of_text,
    number_kind,
    party,
    report_addresses,
)
from ipgauge.adapters.delivery import DeliveryWriter, head_of
from ipgauge.adapters.uspto_xml import Malformed, Parsed, distinct_parties, import_documents, parse_document, xml_date
from ipgauge.errors import UserError, why
from ipgauge.regions.parts import division_code
from ipgauge.register.schema import KIND_DIGITS

TABLES = ("parties", "patents", "claims", "applications")
B = "{http://www.sipo.gov.cn/XMLSchema/business}"
BASE = "{http://www.sipo.gov.cn/XMLSchema/base}"
#: Document kind → the patent kind it grants (A is an application publication, not a right).
GRANT_KINDS = {"B": "invention", "C": "invention", "U": "utility_model", "Y": "utility_model", "S": "design"}
#: ``appl-type`` of the old DTD, in words.
OLD_APPL_TYPES = {"发明专利": "invention", "实用新型": "utility_model", "外观设计": "design"}
_CLAIM_REF = re.compile(r"权利要求\s*(\d+)(?:\s*(?:[-－~～至到]|或)\s*(\d+))?")


def parse(where: int | str, doc: bytes) -> Parsed:
    """One document's canonical rows; a malformed one comes back with ``error`` set."""
    readers = {f"{B}PatentDocumentAndRelated": _new, "cn-patent-document": _old}
    return parse_document(where, doc, readers, "a CNIPA patent document", strict=False)


def parse_batch(batch: list[tuple[int | str, bytes]]) -> list[Parsed]:
    """A worker's task: several documents at once, so that the pool's overhead stays small."""
    out = []
    for where, doc in batch:
        try:
            out.append(parse(where, _inflate(doc)))
        except zlib.error as e:
            out.append(Parsed("?", where, error=f"a damaged ZIP member ({e})"))
    return out


# -- the newer business:/base: format ---------------------------------------------------------------------
@functools.cache
def _ns(path: str) -> str:
    """``path`` with its ``b:`` and ``base:`` prefixes as the namespaces they stand for (computed once a path)."""
    return path.replace("base:", BASE).replace("b:", B)


def _t(el, path: str) -> str:
    """The text at ``path`` under ``el``, its children's included, spaces collapsed ('' when absent)."""
    found = el.find(_ns(path)) if el is not None else None
    if found is None:
        return ""
    text = found.text if len(found) == 0 else "".join(found.itertext())  # most fields have no children
    return " ".join(text.split()) if text else ""


def _kids(el) -> dict[str, list]:
    """An element's children by tag, in order: one pass in C, so that each field is a dict lookup, not a search."""
    out: dict[str, list] = {}
    for c in el:
        out.setdefault(c.tag, []).append(c)
    return out


def _text(el) -> str:
    """An element's text, its children's included, spaces collapsed ('' for None)."""
    if el is None:
        return ""
    text = el.text if len(el) == 0 else "".join(el.itertext())
    return " ".join(text.split()) if text else ""


def _doc_id(el) -> dict[str, str]:
    """A reference's DocumentID (or the element itself when it holds the fields) as {local name: text}."""
    doc = next((c for c in el if c.tag == f"{BASE}DocumentID"), el)
    return {c.tag.rpartition("}")[2]: (c.text or "").strip() for c in doc}


def _reference(kids: dict[str, list], tag: str) -> tuple[str | None, dict[str, str]]:
    """An application or publication reference, the original form preferred: (its applType, its fields)."""
    refs = sorted(kids.get(f"{B}{tag}", []), key=lambda r: r.get("dataFormat") != "original")
    if not refs:
        raise Malformed(f"no {tag}")
    return refs[0].get("applType"), _doc_id(refs[0])


def _new(root, where: int | str) -> Parsed:
    top = _kids(root)
    bibs = top.get(f"{B}BibliographicData") or top.get(f"{B}DesignBibliographicData")
    if not bibs:
        raise Malformed("no BibliographicData")
    bib = _kids(bibs[0])
    appl_type, app_ref = _reference(bib, "ApplicationReference")
    app = application_id(app_ref.get("DocNumber"))
    if appl_type in APPL_TYPES and KIND_DIGITS[APPL_TYPES[appl_type]] != number_kind(app):
        raise Malformed(f"applType {appl_type} does not match the kind digit of {app}")
    filing = xml_date(app_ref.get("Date"), "filing date")
    _, pub_ref = _reference(bib, "PublicationReference")
    kind_code = (root.get("kind") or pub_ref.get("Kind", "")).strip().upper()
    published = xml_date(root.get("datePublication") or pub_ref.get("Date"), "publication date")
    number = f"CN{pub_ref.get('DocNumber', '').lstrip('CN')}{kind_code}"
    title = _text(_one(bib, "InventionTitle")) or _t(root, "b:Description/b:InventionTitle")
    if not title:
        raise Malformed("no invention title")
    parties = _kids(_one(bib, "Parties")) if _one(bib, "Parties") is not None else {}
    applicants = [_new_party(a) for d in parties.get(f"{B}ApplicantDetails", []) for a in d]
    patentees = [_new_party(a) for d in parties.get(f"{B}AssigneeDetails", []) for a in d]
    priorities = []
    for block in bib.get(f"{B}PriorityDetails", []):
        for p in block:
            f = _doc_id(p)
            priorities.append(
                (f"{f.get('WIPOST3Code', '')} {f.get('DocNumber', '')}".strip(), _date_or_none(f.get("Date", "")))
            )
    pct_ref = (
        _doc_id(_one(bib, "PCTOrRegionalApplicationData"))
        if _one(bib, "PCTOrRegionalApplicationData") is not None
        else {}
    )
    wo_ref = (
        _doc_id(_one(bib, "PCTOrRegionalPublishingData"))
        if _one(bib, "PCTOrRegionalPublishingData") is not None
        else {}
    )
    facts = {
        "app": app, "kind_code": kind_code, "filing": filing, "published": published, "number": number,
        "title": title, "ipc": _new_ipc(bib), "abstract": _text(_one(top, "Abstract")) or None,
        "priorities": priorities, "pct_entry": appl_type in ("11", "21"),
        "pct": (pct_ref.get("DocNumber", ""), _date_or_none(pct_ref.get("Date", "")), wo_ref.get("DocNumber", "")),
        "earlier": _earlier_publication(bib),
    }  # fmt: skip
    claims = [
        (c.get("num", ""), _text(next((t for t in c if t.tag == f"{B}ClaimText"), None)) or _text(c))
        for block in top.get(f"{B}Claims", [])
        for c in block
    ]
    return _rows(where, facts, applicants, patentees, claims)


def _one(kids: dict[str, list], tag: str):
    """The first child called ``tag`` (in the business namespace), or None."""
    found = kids.get(f"{B}{tag}")
    return found[0] if found else None


def _date_or_none(text: str) -> str | None:
    return xml_date(text, "date") if text else None


def _new_party(el) -> dict:
    """An applicant or patentee: its name, and its place from the Province/City/County parts or the address text."""
    book = next((c for c in el if c.tag == f"{BASE}AddressBook"), None)
    fields = _kids(book) if book is not None else {}
    name = _text((fields.get(f"{BASE}Name") or fields.get(f"{BASE}OrganizationName") or [None])[0])
    addr = fields.get(f"{BASE}Address")
    a = {c.tag.rpartition("}")[2]: (c.text or "").strip() for c in addr[0]} if addr else {}
    text = " ".join((a.get("Text") or " ".join(filter(None, (a.get("AddressLine"), a.get("Street"))))).split())
    region = division_code(a.get("Province"), a.get("City"), a.get("County"))
    return {"name": name, "country": a.get("WIPOST3Code", "").upper(), "region": region, "text": text}


def _new_ipc(bib: dict[str, list]) -> list[str]:
    out = []
    for block in bib.get(f"{B}ClassificationIPCRDetails", []):
        for c in block:
            f = {x.tag.rpartition("}")[2]: (x.text or "").strip() for x in c}
            symbol = _ipc_symbol(
                f"{f.get('Section', '')}{f.get('MainClass', '')}{f.get('Subclass', '')} "
                f"{f.get('MainGroup', '')}/{f.get('Subgroup', '')}"
            ) or _ipc_symbol(f.get("Text", ""))
            if symbol and symbol not in out:
                out.append(symbol)
    return out


def _earlier_publication(bib: dict[str, list]) -> tuple[str, str | None] | None:
    """A grant's earlier A publication (RelatedDocuments): its number and date."""
    for block in bib.get(f"{B}RelatedDocuments", []):
        for doc in block.iter(f"{BASE}DocumentID"):
            f = _doc_id(doc)
            if f.get("Kind", "").upper().startswith("A"):
                return f"CN{f.get('DocNumber', '').lstrip('CN')}A", _date_or_none(f.get("Date", ""))
    return None


def _ipc_symbol(text: str) -> str | None:
    """'G06F 16/31', from 'G06F16/31', 'G06F  16/31(2019.01)I' or the parts; None for what is not an IPC group."""
    m = re.match(r"\s*([A-H])\s*(\d{2})\s*([A-Z])\s*0*(\d{1,4})\s*/\s*(\d{1,6})", text or "")
    return f"{m.group(1)}{m.group(2)}{m.group(3)} {m.group(4)}/{m.group(5)}" if m else None


# -- the older cn-patent-document format ---------------------------------------------------------------------
def _old(root, where: int | str) -> Parsed:
    bib = root.find("cn-bibliographic-data")
    if bib is None:
        raise Malformed("no cn-bibliographic-data")
    app_ref = bib.find("application-reference")
    pub = bib.find("cn-publication-reference/document-id")
    if app_ref is None or pub is None:
        raise Malformed("no publication or application reference")
    app = application_id(app_ref.findtext("document-id/doc-number"))
    said = OLD_APPL_TYPES.get((app_ref.get("appl-type") or "").strip())
    if said and said != number_kind(app):
        raise Malformed(f"appl-type {app_ref.get('appl-type')} does not match the kind digit of {app}")
    kind_code = (pub.findtext("kind") or "").strip().upper()
    title = (
        " ".join("".join(bib.find("invention-title").itertext()).split())
        if bib.find("invention-title") is not None
        else ""
    )
    if not title:
        raise Malformed("no invention title")
    applicants = [  # only the first applicant's address is printed: the others take its country
        {"name": (b.findtext("name") or "").strip(), "country": "", "region": None,
         "text": " ".join((b.findtext("address/text") or "").split())}
        for b in bib.findall("cn-parties/cn-applicants/cn-applicant/addressbook")
    ]  # fmt: skip
    first_text = applicants[0]["text"] if applicants else ""
    patentees = [
        {"name": (b.findtext("name") or "").strip(), "country": "", "region": None,
         "text": " ".join((b.findtext("address/text") or "").split())}
        for b in bib.findall("assignees/assignee/addressbook")
    ]  # fmt: skip
    ipcs = [_ipc_symbol(t.text or "") for t in bib.findall("classifications-ipcr/classification-ipcr/text")]
    ipcs += [_ipc_symbol(bib.findtext(f"classification-ipc/{t}") or "") for t in ("main-classification",)]
    ipcs += [_ipc_symbol(t.text or "") for t in bib.findall("classification-ipc/further-classification")]
    priorities = [
        (f"{(p.findtext('country') or '').strip()} {(p.findtext('doc-number') or '').strip()}".strip(),
         _date_or_none((p.findtext("date") or "").strip()))
        for p in bib.findall("priority-claims/priority-claim")
    ]  # fmt: skip
    pct = (
        (bib.findtext("pct-or-regional-filing-data/document-id/doc-number") or "").strip(),
        _date_or_none((bib.findtext("pct-or-regional-filing-data/document-id/date") or "").strip()),
        (bib.findtext("pct-or-regional-publishing-data/document-id/doc-number") or "").strip(),
    )
    abstract = bib.find("abstract")
    facts = {
        "app": app, "kind_code": kind_code, "filing": xml_date(app_ref.findtext("document-id/date"), "filing date"),
        "published": xml_date(pub.findtext("date"), "publication date"),
        "number": f"CN{(pub.findtext('doc-number') or '').strip().lstrip('CN')}{kind_code}", "title": title,
        "ipc": list(dict.fromkeys(s for s in ipcs if s)), "priorities": priorities, "pct": pct,
        "abstract": " ".join("".join(abstract.itertext()).split()) if abstract is not None else None,
        "pct_entry": bib.find("date-pct-article-22-39-fulfilled") is not None, "earlier": None,
    }  # fmt: skip
    claims = [
        (c.get("num", str(i)), " ".join("".join(c.itertext()).split()))
        for i, c in enumerate(root.findall("application-body/claims/claim"), start=1)
    ]
    return _rows(where, facts, applicants, patentees, claims, first_text)


# -- rows ---------------------------------------------------------------------------------------------
def _parties(people: list[dict], fallback_text: str = "") -> list[dict]:
    """Canonical parties; a party without a country takes its address's, else the first party's, else CN."""
    out = []
    first_country = ""
    for p in people:
        country = p["country"] if re.fullmatch(r"[A-Z]{2}", p["country"] or "") else ""
        country = country or (country_of_text(p["text"]) or "") if p["text"] else country
        if not country and (p["region"] or re.search(r"[省市区县]", p["text"] or "")):
            country = "CN"
        country = country or first_country or (country_of_text(fallback_text) or "CN")
        first_country = first_country or country
        region = p["region"] if country == "CN" else None
        address = clean_address(p["text"]) or None
        out.append(party(p["name"], country, region, address))
    return distinct_parties(out)


def _rows(where, f: dict, applicants: list[dict], patentees: list[dict], claims, fallback: str = "") -> Parsed:
    app, code = f["app"], f["kind_code"][:1]
    applicant_rows = _parties(applicants, fallback)
    if code == "A":
        if number_kind(app) != "invention":
            raise Malformed(
                f"an A publication for {app}, whose kind digit says {number_kind(app)} (only inventions are)"
            )
        application = _application(f, applicant_rows, published=True)
        return Parsed(app, where, parties=applicant_rows, application=application)
    kind = GRANT_KINDS.get(code)
    if kind is None:
        raise Malformed(f"document kind {f['kind_code']!r} is not A, B, C, U, Y or S")
    if kind != number_kind(app):
        raise Malformed(f"a {f['kind_code']} document ({kind}) for {app}, whose kind digit says {number_kind(app)}")
    holder_rows = _parties(patentees, fallback) if patentees and patentees != applicants else applicant_rows
    if not holder_rows:
        raise Malformed("no patentee or applicant")
    pct, pct_date, wo = f["pct"]
    related = [f"priority:{n}:{d or ''}" for n, d in f["priorities"]]
    related += [f"pct:{pct}:{pct_date or ''}"] if pct else []
    related += [f"pct-publication:{wo}:"] if wo else []
    if f["earlier"]:
        related.append(f"publication:{f['earlier'][0]}:{f['earlier'][1] or ''}")
    patent = {
        "patent_id": app, "jurisdiction": "CN", "kind": kind, "kind_code": f["kind_code"], "title": f["title"],
        "abstract": f["abstract"], "claims": None, "filing_date": f["filing"], "grant_date": f["published"],
        "ipc": f["ipc"], "holders": [h["party_id"] for h in holder_rows], "related": related,
    }  # fmt: skip
    earlier = f["earlier"] or (None, None)
    grant = {  # what the grant adds to the application its A publication brought (uspto_xml.import_documents)
        "application_id": app, "status": "granted", "status_date": f["published"], "right_id": app,
        "publication_number": earlier[0], "publication_date": earlier[1],
    }  # fmt: skip
    return Parsed(app, where, patent, distinct_parties(holder_rows + applicant_rows), _claims(app, claims),
                  granted_application=grant)  # fmt: skip


def _application(f: dict, applicants: list[dict], published: bool) -> dict:
    pct, _, _ = f["pct"]
    dates = [d for _, d in f["priorities"] if d]
    earlier = f["earlier"] or (None, None)
    return {
        "application_id": f["app"], "jurisdiction": "CN", "kind": number_kind(f["app"]),
        "route": "pct_national_phase" if f["pct_entry"] or pct else "national", "title": f["title"],
        "filing_date": f["filing"], "publication_date": f["published"] if published else earlier[1],
        "publication_number": f["number"] if published else earlier[0],
        "applicants": [a["party_id"] for a in applicants], "priority_date": min(dates, default=None),
        "priority": [n for n, _ in f["priorities"]], "pct_number": pct or None, "madrid_number": None,
        "status": "pending", "status_date": None, "right_id": None, "ipc": f["ipc"],
    }  # fmt: skip


def _claims(pid: str, claims: list[tuple[str, str]]) -> list[dict]:
    out = []
    for i, (num, text) in enumerate(claims, start=1):
        n = int(num.lstrip("0") or 0) if num.strip().lstrip("0").isdigit() else i
        refs = set()
        for m in _CLAIM_REF.finditer(text):
            lo, hi = int(m.group(1)), int(m.group(2) or m.group(1))
            refs.update(r for r in range(lo, min(hi, n - 1) + 1) if r < n)
        if text:
            out.append({"patent_id": pid, "number": n, "depends_on": sorted(refs), "text": text})
    return out


# -- files ---------------------------------------------------------------------------------------------
def xml_files(paths: list[Path]) -> tuple[list[Path], list[Path]]:
    """The files to read, and the files of the folders named that are not patent documents (skipped).

    Each file named is read; under a folder, the patent XML and ZIP files anywhere in it, not a batch's
    index files.
    """
    out, skipped = [], []
    for p in paths:
        if not p.is_dir():
            out.append(p)
            continue
        found = sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in (".xml", ".zip"))
        for f in found:
            try:
                check_format(f)
                out.append(f)
            except UserError:
                skipped.append(f)
        if not found or all(f in skipped for f in found):
            raise UserError(f"{p} holds no CNIPA patent XML or ZIP file.")
    seen: dict[Path, Path] = {}
    for f in out:
        if (real := f.resolve()) in seen:
            raise UserError(f"{f} is named twice (also as {seen[real]}); its documents would be imported twice.")
        seen[real] = f
    return out, skipped


@dataclass(frozen=True)
class Member:
    """A ZIP member's raw bytes as stored (deflated or not) and its CRC: the worker inflates and checks it."""

    data: bytes
    deflated: bool
    crc: int

    def __len__(self) -> int:
        return len(self.data)


def _inflate(doc: bytes | Member) -> bytes:
    """A document's bytes; a ZIP member inflated, and refused when its CRC says it is damaged."""
    if not isinstance(doc, Member):
        return doc
    data = zlib.decompress(doc.data, -15) if doc.deflated else doc.data
    if zlib.crc32(data) != doc.crc:
        raise zlib.error("its CRC does not match: the archive is damaged")
    return data


def split(path: Path) -> Iterator[tuple[int | str, bytes]]:
    """A file's documents: the file itself, or every XML member of a ZIP shard (its images skipped).

    A shard's members are read raw, where the central directory says they lie; the deflated ones are
    inflated by the workers (zipfile would inflate them here, in the one process that feeds the pool).
    """
    if path.suffix.lower() != ".zip":
        yield 1, path.read_bytes()
        return
    try:
        with zipfile.ZipFile(path) as z, open(path, "rb") as raw:
            for m in z.infolist():
                if m.is_dir() or not m.filename.lower().endswith(".xml"):
                    continue
                if m.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) or m.flag_bits & 0x1:
                    yield m.filename, z.read(m)  # another method, or encrypted: zipfile says what it cannot do
                    continue
                raw.seek(m.header_offset)
                head = raw.read(30)
                if head[:4] != b"PK\x03\x04":
                    raise zipfile.BadZipFile(f"member {m.filename} has no local header")
                raw.seek(int.from_bytes(head[26:28], "little") + int.from_bytes(head[28:30], "little"), 1)
                data = raw.read(m.compress_size)
                yield m.filename, Member(data, m.compress_type == zipfile.ZIP_DEFLATED, m.CRC)
    except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError) as e:
        raise UserError(f"cannot read the archive {path.name} ({why(e)}).") from None


def check_format(path: Path) -> None:
    """One sentence (exit 2) for a file that is not CNIPA patent XML or a ZIP shard of it."""
    head = head_of(path)
    if path.suffix.lower() == ".zip" or head.startswith(b"PK"):
        if re.search(r"\.z\d\d$", path.name, re.I) or not zipfile.is_zipfile(path):
            raise UserError(f"{path.name} is not a whole ZIP archive (join a split archive .zip/.z01… first).")
        return
    if re.search(r"\.z\d\d$", path.name, re.I):
        raise UserError(f"{path.name} is part of a split archive; join it (zip -s 0) and give the .zip.")
    if not re.search(rb"<(business:PatentDocumentAndRelated|cn-patent-document)\b", head):
        raise UserError(f"{path.name} is not CNIPA patent XML (no PatentDocumentAndRelated or cn-patent-document).")


def run(files: list[Path], writer: DeliveryWriter, tick, workers: int = 2) -> None:
    """Import every document of ``files`` (folders searched) into ``writer``; a malformed one is a reject."""
    found, skipped = xml_files(files)
    writer.report["files"] = len(found)
    if skipped:
        writer.notes["files in the folders that are not patent documents (index files)"] += len(skipped)
    import_documents(found, writer, tick, parse_batch, check_format, "importing patents", workers, split)
    report_addresses(writer, "parts")
