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

import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

from ipgauge.adapters.cnipa_common import (
    APPL_TYPES,
    application_id,
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
    return [parse(where, doc) for where, doc in batch]


# -- the newer business:/base: format ---------------------------------------------------------------------
def _t(el, path: str) -> str:
    """The text at ``path`` (``b:`` and ``base:`` prefixes) under ``el``, spaces collapsed ('' when absent)."""
    found = el.find(path.replace("b:", B).replace("base:", BASE)) if el is not None else None
    return " ".join("".join(found.itertext()).split()) if found is not None else ""


def _all(el, path: str) -> list:
    return el.findall(path.replace("b:", B).replace("base:", BASE)) if el is not None else []


def _reference(bib, tag: str) -> tuple[str, object]:
    """An application or publication reference, the original form preferred: (number, its DocumentID)."""
    refs = _all(bib, f"b:{tag}")
    refs.sort(key=lambda r: r.get("dataFormat") != "original")
    if not refs:
        raise Malformed(f"no {tag}")
    return refs[0].get("dataFormat", ""), refs[0]


def _new(root, where: int | str) -> Parsed:
    bib = root.find(f"{B}BibliographicData")
    if bib is None:
        bib = root.find(f"{B}DesignBibliographicData")
    if bib is None:
        raise Malformed("no BibliographicData")
    _, app_ref = _reference(bib, "ApplicationReference")
    app = application_id(_t(app_ref, "base:DocumentID/base:DocNumber"))
    appl_type = app_ref.get("applType")
    if appl_type in APPL_TYPES and KIND_DIGITS[APPL_TYPES[appl_type]] != number_kind(app):
        raise Malformed(f"applType {appl_type} does not match the kind digit of {app}")
    filing = xml_date(_t(app_ref, "base:DocumentID/base:Date"), "filing date")
    _, pub_ref = _reference(bib, "PublicationReference")
    kind_code = (root.get("kind") or _t(pub_ref, "base:DocumentID/base:Kind")).strip().upper()
    published = xml_date(root.get("datePublication") or _t(pub_ref, "base:DocumentID/base:Date"), "publication date")
    number = f"CN{_t(pub_ref, 'base:DocumentID/base:DocNumber').lstrip('CN')}{kind_code}"
    title = _t(bib, "b:InventionTitle") or _t(root, "b:Description/b:InventionTitle")
    if not title:
        raise Malformed("no invention title")
    applicants = [_new_party(a) for a in _all(bib, "b:Parties/b:ApplicantDetails/b:Applicant")]
    patentees = [_new_party(a) for a in _all(bib, "b:Parties/b:AssigneeDetails/b:Assignee")]
    priorities = [
        (f"{_t(p, 'base:WIPOST3Code')} {_t(p, 'base:DocNumber')}".strip(), _date_or_none(_t(p, "base:Date")))
        for p in _all(bib, "b:PriorityDetails/b:Priority")
    ]
    pct = _t(bib, "b:PCTOrRegionalApplicationData/base:DocumentID/base:DocNumber")
    pct_date = _date_or_none(_t(bib, "b:PCTOrRegionalApplicationData/base:DocumentID/base:Date"))
    wo = _t(bib, "b:PCTOrRegionalPublishingData/base:DocumentID/base:DocNumber")
    facts = {
        "app": app, "kind_code": kind_code, "filing": filing, "published": published, "number": number,
        "title": title, "ipc": _new_ipc(bib), "abstract": _t(root, "b:Abstract") or None,
        "priorities": priorities, "pct": (pct, pct_date, wo), "pct_entry": appl_type in ("11", "21"),
        "earlier": _earlier_publication(bib),
    }  # fmt: skip
    claims = [(c.get("num", ""), _t(c, "b:ClaimText") or " ".join("".join(c.itertext()).split())) for c in
              _all(root, "b:Claims/b:Claim")]  # fmt: skip
    return _rows(where, facts, applicants, patentees, claims)


def _date_or_none(text: str) -> str | None:
    return xml_date(text, "date") if text else None


def _new_party(el) -> dict:
    """An applicant or patentee: its name, and its place from the Province/City/County parts or the address text."""
    book = el.find(f"{BASE}AddressBook")
    name = _t(book, "base:Name") or _t(book, "base:OrganizationName")
    addr = book.find(f"{BASE}Address") if book is not None else None
    text = _t(addr, "base:Text") or " ".join(_t(addr, f"base:{p}") for p in ("AddressLine", "Street")).strip()
    country = _t(addr, "base:WIPOST3Code").upper()
    region = division_code(_t(addr, "base:Province"), _t(addr, "base:City"), _t(addr, "base:County"))
    return {"name": name, "country": country, "region": region, "text": text}


def _new_ipc(bib) -> list[str]:
    out = []
    for c in _all(bib, "b:ClassificationIPCRDetails/b:ClassificationIPCR"):
        symbol = _ipc_symbol(
            f"{_t(c, 'b:Section')}{_t(c, 'b:MainClass')}{_t(c, 'b:Subclass')} "
            f"{_t(c, 'b:MainGroup')}/{_t(c, 'b:Subgroup')}"
        ) or _ipc_symbol(_t(c, "base:Text"))
        if symbol and symbol not in out:
            out.append(symbol)
    return out


def _earlier_publication(bib) -> tuple[str, str | None] | None:
    """A grant's earlier A publication (RelatedDocuments): its number and date."""
    for doc in _all(bib, "b:RelatedDocuments//base:DocumentID"):
        if _t(doc, "base:Kind").upper().startswith("A"):
            return f"CN{_t(doc, 'base:DocNumber').lstrip('CN')}A", _date_or_none(_t(doc, "base:Date"))
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
        address = re.sub(r"^\s*\d{6}\s*", "", p["text"] or "") or None
        out.append(party(p["name"], country, region, address))
    return distinct_parties(out)


def _rows(where, f: dict, applicants: list[dict], patentees: list[dict], claims, fallback: str = "") -> Parsed:
    app, code = f["app"], f["kind_code"][:1]
    applicant_rows = _parties(applicants, fallback)
    if code == "A":
        application = _application(f, applicant_rows, published=True)
        return Parsed(app, where, parties=applicant_rows, application=application)
    kind = GRANT_KINDS.get(code)
    if kind is None:
        raise Malformed(f"document kind {f['kind_code']!r} is not A, B, C, U, Y or S")
    if kind != number_kind(app):
        raise Malformed(f"a {f['kind_code']} document ({kind}) for {app}, whose kind digit says {number_kind(app)}")
    holder_rows = _parties(patentees, fallback) if patentees else applicant_rows
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
    grant = _application(f, applicant_rows, published=False) | {
        "status": "granted",
        "status_date": f["published"],
        "right_id": app,
    }
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
def xml_files(paths: list[Path]) -> list[Path]:
    """The files to read: each one named, and the XML and ZIP files anywhere under a folder named."""
    out = []
    for p in paths:
        if p.is_dir():
            found = sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in (".xml", ".zip"))
            if not found:
                raise UserError(f"{p} holds no XML or ZIP file.")
            out += found
        else:
            out.append(p)
    return out


def split(path: Path) -> Iterator[tuple[int | str, bytes]]:
    """A file's documents: the file itself, or every XML member of a ZIP shard (its images skipped)."""
    if path.suffix.lower() != ".zip":
        yield 1, path.read_bytes()
        return
    try:
        with zipfile.ZipFile(path) as z:
            for member in z.infolist():
                if not member.is_dir() and member.filename.lower().endswith(".xml"):
                    yield member.filename, z.read(member)
    except (zipfile.BadZipFile, OSError) as e:
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
    import_documents(xml_files(files), writer, tick, parse_batch, check_format, "importing patents", workers, split)
    report_addresses(writer)
