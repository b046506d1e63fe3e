"""What the USPTO's XML adapters share: streaming documents, entities, one document's parse, the import loop.

A weekly file is many ``<?xml`` documents one after another; they are split as the file streams, so
memory holds one document at a time, and parsed in a pool of processes (one per core). Entities that
only the external DTDs declare (``&copy;``, ``&mdash;``, the ISO sets' ``&plus;`` and ``&agr;``) are
resolved from tables, never by fetching a DTD. The grant and application adapters give
:func:`import_documents` their own readers.
"""

from __future__ import annotations

import functools
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

from ipgauge.adapters.delivery import DeliveryWriter, render

BATCH = 256  # documents per task sent to a worker process


_XML_ENTITIES = {"amp", "lt", "gt", "quot", "apos"}


_ENTITY = re.compile(rb"&([A-Za-z_][\w.-]*);")


#: appl-type / ST.32 document prefixes → canonical kind
KINDS = {"utility": "invention", "reissue": "invention", "design": "design", "plant": "plant"}


class Malformed(ValueError):
    """A document that cannot be imported; the message says why."""


@dataclass
class Parsed:
    """One document's rows, or why it was rejected."""

    document: str
    line: int | str  # where the document starts: a line of a weekly file, or a member of an archive
    patent: dict | None = None
    parties: list[dict] = field(default_factory=list)
    claims: list[dict] = field(default_factory=list)
    events: list[dict] = field(default_factory=list)
    error: str | None = None
    application: dict | None = None  # a pre-grant publication's application (adapters/uspto_application.py)
    #: what a grant says of its application (granted, when, the right): written only for an application
    #: that a publication in the same import brought (a grant alone does not make an application row)
    granted_application: dict | None = None
    #: other tables' rows, in order (the trademark adapter's trademarks and applications)
    rows: list[tuple[str, dict]] = field(default_factory=list)
    #: the record's identity where a later file's record of it supersedes an earlier one (trademark case files)
    key: str | None = None
    #: why a document that is not an error brings nothing (counted in the import's notes)
    note: str | None = None
    #: the rows above rendered as CSV in the worker (table, party id or None, line): the main process only writes
    lines: list[tuple[str, str | None, str]] = field(default_factory=list)


def rendered(parse_batch: Callable, batch: list) -> list[Parsed]:
    """``parse_batch``'s documents with their rows rendered as CSV lines, so that little crosses between processes."""
    out = parse_batch(batch)
    for p in out:
        if p.error:
            continue
        p.lines = [("parties", party["party_id"], render("parties", party)) for party in p.parties]
        p.lines += [("patents", None, render("patents", p.patent))] if p.patent else []
        p.lines += [("claims", None, render("claims", c)) for c in p.claims]
        p.lines += [(table, None, render(table, row)) for table, row in p.rows]
        p.lines += [("events", None, render("events", e)) for e in p.events]
        p.parties, p.patent, p.claims, p.events, p.rows = [], None, [], [], []
    return out


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


def entities(doc: bytes, strict: bool = True) -> bytes:
    """Replace entities only the external DTD declares with character references (HTML's, then the ISO sets').

    An entity none of those tables names is a malformed document, or, not ``strict``, kept as the text
    it was written as (CNIPA's files name a DTD of entities nobody can fetch).
    """

    def sub(m: re.Match) -> bytes:
        name = m.group(1).decode()
        if name in _XML_ENTITIES:
            return m.group(0)
        code = html.entities.name2codepoint.get(name)
        if code is not None:
            return f"&#{code};".encode()
        text = html.entities.html5.get(f"{name};") or ISO_GREEK.get(name)  # the ISO sets: &plus; &lsqb; &agr; …
        if text is None:
            if not strict:
                return b"&amp;" + m.group(0)[1:]
            raise Malformed(f"entity &{name}; is not one the USPTO's DTDs declare")
        return "".join(f"&#{ord(c)};" for c in text).encode()

    return _ENTITY.sub(sub, doc) if b"&" in doc else doc


#: ISO 8879's Greek letters (ISOgrk1), which the 2001 application DTD uses and HTML does not name: &agr; is α.
_GREEK = "a b g d e z ee th i k l m n x o p r s t u ph kh ps oh".split()


ISO_GREEK = (
    {f"{n}gr": chr(0x3B1 + i + (i > 16)) for i, n in enumerate(_GREEK)}
    | {f"{n.upper()}gr": chr(0x391 + i + (i > 16)) for i, n in enumerate(_GREEK)}
    | {"sfgr": "ς"}
)


PARSER = etree.XMLParser(load_dtd=False, no_network=True, resolve_entities=False, huge_tree=True, recover=False)


def parse_document(line: int | str, doc: bytes, readers: dict[str, Callable], what: str, strict: bool = True) -> Parsed:
    """A document read by the reader of its root element; a malformed one comes back with ``error`` set."""
    try:
        root = etree.fromstring(entities(doc, strict), PARSER)
    except Malformed as e:
        return Parsed(doc_number_hint(doc), line, error=str(e))
    except etree.XMLSyntaxError as e:
        return Parsed(
            doc_number_hint(doc), line, error=f"not well-formed XML ({e.msg}, line {e.lineno} of the document)"
        )
    try:
        if root.tag not in readers:
            raise Malformed(f"<{root.tag}> is not {what} ({' or '.join(readers)})")
        return readers[root.tag](root, line)
    except Malformed as e:
        return Parsed(doc_number_hint(doc), line, error=str(e))


def doc_number_hint(doc: bytes) -> str:
    """The document number as far as it can be read without parsing (for the reject of a broken document)."""
    m = (
        re.search(rb"<doc-number>([^<]+)</doc-number>", doc)
        or re.search(rb"<B110><DNUM><PDAT>([^<]+)<", doc)
        or re.search(rb"<base:DocNumber>([^<]+)</base:DocNumber>", doc)
        or re.search(rb"<serial-number>\s*([^<\s]+)\s*</serial-number>", doc)  # a trademark case file
    )
    return m.group(1).decode(errors="replace") if m else "?"


def xml_date(text: str | None, what: str) -> str:
    """A YYYYMMDD date as ISO text; anything else, or a day that does not exist, is a malformed document."""
    if not text or not re.fullmatch(r"\d{8}", text.strip()):
        raise Malformed(f"{what} {text!r} is not a date (YYYYMMDD)")
    t = text.strip()
    try:
        return date(int(t[:4]), int(t[4:6]), int(t[6:])).isoformat()
    except ValueError:
        raise Malformed(f"{what} {t} is not a date that exists") from None


def text_of(el) -> str:
    """An element's text with its children's, spaces collapsed ('' for no element)."""
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


def distinct_parties(parties: list[dict]) -> list[dict]:
    """Each party once, in the order first named (a holder named twice is one party id)."""
    return list({p["party_id"]: p for p in parties}.values())


def field_text(el, path: str) -> str:
    """The stripped text at ``path`` under ``el`` ('' when absent)."""
    return (el.findtext(path) or "").strip()


def quiet_worker() -> None:
    """Workers leave Ctrl-C to the main process, which stops them and removes the unfinished delivery."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def import_documents(
    files: list[Path],
    writer: DeliveryWriter,
    tick,
    parse_batch: Callable[[list[tuple[int, bytes]]], list[Parsed]],
    check: Callable[[Path], None],
    what: str,
    workers: int = 2,
    split: Callable[[Path], Iterator[tuple[int | str, bytes]]] = documents,
) -> None:
    """Stream the XML documents of ``files`` through ``parse_batch`` in a pool; write each one's rows or its reject.

    ``split`` yields a file's documents with where each starts (the line of a weekly file by default).
    An application met in several documents is written once: its latest publication, with what only
    an earlier one said (a CN grant's application keeps its A publication's date).
    """
    for path in files:
        check(path)
    total = sum(f.stat().st_size for f in files)
    done = 0
    latest: dict[str, dict] = {}  # an application published twice (A1, then A2 or A9): its latest publication
    grants: dict[str, dict] = {}
    seen: set[str] = set()  # keyed records written or rejected (files come newest first)
    refused: set[str] = set()  # keyed records whose newest was rejected
    pool = ProcessPoolExecutor(max_workers=workers, initializer=quiet_worker)
    try:
        for path in files:
            for parsed_batch, size in _parsed(path, pool, functools.partial(rendered, parse_batch), split):
                for p in parsed_batch:
                    writer.documents += 1
                    if p.error:
                        where = f"line {p.line}" if isinstance(p.line, int) else p.line
                        writer.reject(path.name, f"{p.document} ({where})", p.error)
                        if p.key and p.key not in seen:  # the newest record rejected: an older one is not news
                            seen.add(p.key)
                            refused.add(p.key)
                        continue
                    if p.note or p.key in seen:
                        older = "older records of a case whose newest record was rejected (not imported)"
                        newer = "records superseded by a newer file's record of the same case"
                        writer.notes[p.note or (older if p.key in refused else newer)] += 1
                        continue
                    if p.key:
                        seen.add(p.key)
                    for table, party_id, text in p.lines:
                        writer.line(table, text, party_id)
                    if p.application:
                        held = latest.get(key := p.application["application_id"])
                        latest[key] = _merged(held, p.application) if held else p.application
                    if p.granted_application:
                        grants[p.granted_application["application_id"]] = p.granted_application
                done += size
                tick(what, done, total)
    except BaseException:  # Ctrl-C or an error: the workers stop now, not after the queue (they ignore SIGINT)
        _stop(pool)
        raise
    pool.shutdown()
    for key, application in latest.items():
        writer.row("applications", _merged(application, grants[key]) if key in grants else application)


def _stop(pool: ProcessPoolExecutor) -> None:
    """End the pool at once: its workers terminated, and the queue that feeds them let go of.

    A worker killed mid-task can leave the queue's feeder thread blocked on a pipe nobody reads and the
    pool's reader thread waiting on half a message; the command then ends the process itself
    (:func:`pool_abandoned`), after its cleanup, instead of letting the interpreter wait for them.
    """
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        process.terminate()
    queue = getattr(pool, "_call_queue", None)
    if queue is not None:
        queue.cancel_join_thread()
    pool.shutdown(wait=False, cancel_futures=True)
    _ABANDONED.append(pool)


#: pools stopped mid-task: their reader thread may wait forever on a half-sent result (the command ends at once)
_ABANDONED: list[ProcessPoolExecutor] = []


def pool_abandoned() -> bool:
    """Whether an import stopped its worker processes mid-task (Ctrl-C): the process should end at once."""
    return bool(_ABANDONED)


def _merged(held: dict, new: dict) -> dict:
    """One application from two of its documents: the later's values, the earlier's where the later has none."""
    later, earlier = (new, held) if (held["publication_date"] or "") <= (new["publication_date"] or "") else (held, new)
    if later.get("status_date") is None and earlier.get("status_date"):  # a grant outranks a later-dated publication
        later, earlier = earlier, later
    keys = dict.fromkeys([*earlier, *later])  # a grant's few fields merged into its publication's row
    return {k: later[k] if later.get(k) not in (None, []) else earlier.get(k) for k in keys}


def _parsed(path: Path, pool: ProcessPoolExecutor, parse_batch, split) -> Iterator[tuple[list[Parsed], int]]:
    """Batches of parsed documents in file order, at most a few batches in flight (bounded memory)."""
    pending = []
    batch: list[tuple[int | str, bytes]] = []
    size = 0

    def submit() -> None:
        nonlocal batch, size
        pending.append((pool.submit(parse_batch, batch), size))
        batch, size = [], 0

    for line, doc in split(path):
        batch.append((line, doc))
        size += len(doc[-1]) if isinstance(doc, tuple) else len(doc)  # (prolog, document) where a file names one
        if len(batch) >= BATCH:
            submit()
            while len(pending) > 4:
                future, n = pending.pop(0)
                yield future.result(), n
    if batch:
        submit()
    for future, n in pending:
        yield future.result(), n
