"""The synthetic register written the way CNIPA's bulk products are (``ipgauge synth --format cnipa``).

What CNIPA publishes goes into CNIPA's shapes, under ``cnipa/``:

- ``patent/``: every granted patent as a newer-format XML document (B invention, U utility model,
  S design), a folder per document in ZIP shards of :data:`SHARD` documents;
- ``legal/``: the legal events the PRS products carry, as PRS records (CF01 lapses without their
  effective date, as CNIPA prints them; AV01, IW01, IP01, RR01, TR01 with new holders and addresses);
- ``trademark/``: the registrations as the open-data CSV tables.

What CNIPA does not publish in those products comes as a canonical delivery, ``supplement/``: the
applications (an application appears in the bulk data only on publication, a utility model or design
one never before grant), families, GI products, the casework, pledges with their amounts (PRS gives
none), awards, annual fees paid, term adjustments (PRS gives no days) and every trademark event.
Its parties are the canonical ones those rows name.

Importing ``cnipa/`` with ``ipgauge import cnipa-*`` and loading it with the supplement gives the
canonical delivery's figures (tests/test_cnipa_roundtrip.py).
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import tempfile
import zipfile
import zlib
from datetime import date
from pathlib import Path
from xml.sax.saxutils import escape

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ipgauge.adapters.cnipa_common import APPL_TYPES, TextPlaces, clean_address, country_of_text, party
from ipgauge.outputs import check_out
from ipgauge.regions.address import resolve
from ipgauge.regions.divisions import PLACEHOLDERS, divisions
from ipgauge.regions.parts import division_code, short
from ipgauge.register.schema import TABLES_BY_NAME

SHARD = 5_000  # documents per ZIP shard
PRS_FILE = 50_000  # records per PRS file
NS = 'xmlns:business="http://www.sipo.gov.cn/XMLSchema/business" xmlns:base="http://www.sipo.gov.cn/XMLSchema/base"'
#: canonical events → the PRS code that carries them, and the PRSInformation key of the effective date
PRS = {
    "lapsed_unpaid_fee": ("CF01", "未缴年费专利权终止", None),
    "waived": ("AV01", "专利权的主动放弃", "放弃生效日"),
    "invalidated": ("IW01", "专利权全部无效", "无效宣告决定日"),
    "partially_invalidated": ("IP01", "专利权部分无效", "无效宣告决定日"),
    "restored": ("RR01", "专利权的恢复", None),
    "transferred": ("TR01", "专利权的转移", "登记生效日"),
}
KIND_CODES = {"invention": ("B", "1"), "utility_model": ("U", "2"), "design": ("S", "3")}
APPL_TYPE = {digit: t for t, digit in APPL_TYPES.items() if t in ("10", "20", "30")}


def _appl_type(app: str) -> str:
    """The applType of an application number (without CN): its kind digit, the fifth of 12 or third of 8."""
    return APPL_TYPE[app[4] if len(app) == 14 else app[2]]


def _day(d: date | None) -> str:
    return d.strftime("%Y%m%d") if d else ""


class Places:
    """Each party's place as CNIPA writes it: Province/City/County names and an address text."""

    def __init__(self, parties) -> None:
        rows = parties.to_pylist()
        loose = [r["address"] for r in rows if not r["region_code"] and r["address"] and r["country"] == "CN"]
        found = dict(zip(loose, resolve(loose), strict=True)) if loose else {}
        self.by_id = {}
        self._parts: dict[str, tuple[dict, str, str, str, str]] = {}
        for r in rows:
            code = r["region_code"] or (found.get(r["address"]) if r["country"] == "CN" else None)
            self.by_id[r["party_id"]] = (r, code)

    def parts(self, party_id: str) -> tuple[dict, str, str, str, str]:
        """(the party, province, city, county, address text); ``0`` for a part not known, as CNIPA writes it."""
        found = self._parts.get(party_id)
        if found is None:
            found = self._parts[party_id] = self._place(party_id)
        return found

    def _place(self, party_id: str) -> tuple[dict, str, str, str, str]:
        row, code = self.by_id[party_id]
        d = divisions().get(code or "")
        if d is None:
            text = row["address"] or (_country_zh(row["country"]) if row["country"] != "CN" else "")
            return row, "0", "0", "0", text or ""
        chain = [d]
        while chain[-1].parent_code:
            chain.append(divisions()[chain[-1].parent_code])
        by_level = {x.level: x.name_zh for x in chain}
        province, city, county = by_level["province"], by_level.get("prefecture", "0"), by_level.get("county", "0")
        text = row["address"] or province + ("" if city in PLACEHOLDERS or city == "0" else city) + (
            county if county != "0" else ""
        )
        return (row, *_as_written(zlib.crc32(party_id.encode()), province, city, county), text)

    def imported_ids(self, in_documents: set[str]) -> dict[str, str]:
        """Each canonical party's id as the imports will make it (cnipa_common.party), from what is written.

        A patent document's holder is placed by its Province/City/County parts; a party named in a PRS
        record or a trademark table by its address text, resolved. A party met both ways is the
        document's; one the CNIPA files never name (a casework client) is given the text's id too, so
        that the supplement's rows name every party one way.
        """
        places = TextPlaces()
        written = {pid: self.parts(pid) for pid in self.by_id}
        for _row, *_, text in written.values():
            places.add(text)
        places.resolve()
        ids = {}
        for pid, (row, province, city, county, text) in written.items():
            if pid in in_documents:
                region = division_code(province, city, county) if row["country"] == "CN" else None
                ids[pid] = party(row["name"], row["country"], region, clean_address(text) or None)["party_id"]
            else:
                country = row["country"] if row["country"] != "CN" else (country_of_text(clean_address(text)) or "CN")
                ids[pid] = places.party(row["name"], text, country)["party_id"]
        return ids


def _as_written(h: int, province: str, city: str, county: str) -> tuple[str, str, str]:
    """The parts as applicants write them, varied by ``h`` (a stable hash of the party).

    辽宁 for 辽宁省 (a third), 沈阳 for 沈阳市 (a fifth), a municipality's city as 市辖区 or its own name.
    """
    if city == "市辖区" and h % 2:
        city = province
    elif city not in PLACEHOLDERS and h % 5 == 0:
        city = short(city)
    if h % 3 == 0:
        province = short(province)
    return province, city, county


@functools.cache
def _country_zh(code: str) -> str:
    from babel import Locale

    return Locale("zh").territories.get(code, code)


def _party_xml(tag: str, seq: int, places: Places, pid: str) -> str:
    row, province, city, county, text = places.parts(pid)
    return (
        f'<business:{tag} sequence="{seq}"><base:AddressBook lang="zh"><base:Name>{escape(row["name"])}</base:Name>'
        f"<base:Address><base:County>{escape(county)}</base:County><base:City>{escape(city)}</base:City>"
        f"<base:Province>{escape(province)}</base:Province><base:WIPOST3Code>{row['country']}</base:WIPOST3Code>"
        f"<base:Text>{escape(text)}</base:Text></base:Address></base:AddressBook></business:{tag}>"
    )


def _ipc_xml(symbols: list[str] | None) -> str:
    out = []
    for i, s in enumerate(symbols or [], start=1):
        sub, group = s.split(" ")
        main, sg = group.split("/")
        out.append(
            f'<business:ClassificationIPCR sequence="{i}"><business:Section>{sub[0]}</business:Section>'
            f"<business:MainClass>{sub[1:3]}</business:MainClass><business:Subclass>{sub[3]}</business:Subclass>"
            f"<business:MainGroup>{main}</business:MainGroup><business:Subgroup>{sg}</business:Subgroup>"
            f"<base:Text>{sub}  {group}</base:Text></business:ClassificationIPCR>"
        )
    return f"<business:ClassificationIPCRDetails>{''.join(out)}</business:ClassificationIPCRDetails>" if out else ""


def patent_xml(p: dict, number: str, places: Places) -> str:
    """One granted patent as a newer-format document."""
    kind, _ = KIND_CODES[p["kind"]]
    app = p["patent_id"][2:]
    bib = "DesignBibliographicData" if kind == "S" else "BibliographicData"
    holders = p["holders"]
    parties = "".join(_party_xml("Applicant", i, places, h) for i, h in enumerate(holders, 1))
    patentees = "".join(_party_xml("Assignee", i, places, h) for i, h in enumerate(holders, 1))
    abstract = (
        f'<business:Abstract lang="zh"><base:Paragraphs num="0001">{escape(p["abstract"])}</base:Paragraphs>'
        "</business:Abstract>"
        if p["abstract"]
        else ""
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<business:PatentDocumentAndRelated {NS} xsdVersion="V2.2.1" '
        f'lang="zh" country="CN" docNumber="{number}" kind="{kind}" datePublication="{_day(p["grant_date"])}">'
        f'<business:{bib}><business:PublicationReference dataFormat="original" sequence="1"><base:DocumentID>'
        f"<base:WIPOST3Code>CN</base:WIPOST3Code><base:DocNumber>{number}</base:DocNumber><base:Kind>{kind}</base:Kind>"
        f"<base:Date>{_day(p['grant_date'])}</base:Date></base:DocumentID></business:PublicationReference>"
        f'<business:ApplicationReference applType="{_appl_type(app)}" dataFormat="original" sequence="1">'
        f"<base:DocumentID><base:WIPOST3Code>CN</base:WIPOST3Code><base:DocNumber>{app}</base:DocNumber>"
        f"<base:Date>{_day(p['filing_date'])}</base:Date></base:DocumentID></business:ApplicationReference>"
        f'{_ipc_xml(p["ipc"])}<business:InventionTitle lang="zh">{escape(p["title"])}</business:InventionTitle>'
        f"<business:Parties><business:ApplicantDetails>{parties}</business:ApplicantDetails>"
        f"<business:AssigneeDetails>{patentees}</business:AssigneeDetails></business:Parties></business:{bib}>"
        f"{abstract}</business:PatentDocumentAndRelated>\n"
    )


def _write_patents(granted, places: Places, folder: Path, tick) -> int:
    """Every granted patent as a document, a shard of :data:`SHARD` at a time (rows held a shard at a time)."""
    folder.mkdir(parents=True)
    serial = {k: 0 for k in KIND_CODES}
    done = 0
    for i, batch in enumerate(granted.to_batches(max_chunksize=SHARD)):
        shard = folder / f"CN-PA-TXTS-{i + 1:05d}.zip"
        with zipfile.ZipFile(shard, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
            for p in batch.to_pylist():
                serial[p["kind"]] += 1
                kind, digit = KIND_CODES[p["kind"]]
                number = f"{digit}{serial[p['kind']]:08d}"
                name = f"CN{p['patent_id'][2:].replace('.', '')}CN00{number}{kind}FULZH{_day(p['grant_date'])}CN00B"
                z.writestr(f"{name}/{name}.XML", patent_xml(p, number, places))
                if serial[p["kind"]] % 10 == 1:  # some documents with their image, as the shards hold them
                    image = f"{name}/{p['patent_id'][2:].replace('.', '')}.JPG"
                    z.writestr(image, b"\xff\xd8\xff\xd9", zipfile.ZIP_STORED)
        done += batch.num_rows
        tick("writing CNIPA patent documents", done, granted.num_rows)
    return granted.num_rows


def _prs_record(e: dict, filed: date, places: Places) -> str:
    code, name, key = PRS[e["event"]]
    app = e["right_id"][2:]
    lines = [f"专利号:ZL{app}"]
    if key:
        lines.append(f"{key}:{_day(e['effective_date'])}")
    if e["event"] == "transferred":
        buyers = [places.parts(p.strip()) for p in (e["value"] or "").split(";") if p.strip()]
        lines += ["变更事项:专利权人", "变更后权利人:" + ";".join(b[0]["name"] for b in buyers)]
        lines += ["变更事项:地址", "变更后权利人:" + ";".join(b[4] for b in buyers)]
    gazette = e["recorded_date"] or e["effective_date"]
    info = escape("\n".join(lines))
    return (
        f'<business:PRSRecord status="C"><business:ApplicationReference applType="{_appl_type(app)}" '
        f'dataFormat="original" sequence="1"><base:DocumentID><base:DocNumber>{app}</base:DocNumber>'
        f"<base:Date>{_day(filed)}</base:Date></base:DocumentID></business:ApplicationReference>"
        f"<business:PRSPublicationDate><base:Date>{_day(gazette)}</base:Date></business:PRSPublicationDate>"
        f"<business:PRSCode>{code}</business:PRSCode><business:PRSValue>{name}</business:PRSValue>"
        f"<business:PRSInformation>{info}</business:PRSInformation></business:PRSRecord>\n"
    )


def _write_legal(events, filed: dict, places: Places, folder: Path):
    """The PRS files, and the events they cannot carry (a table, for the supplement)."""
    folder.mkdir(parents=True)
    ids = pa.array(list(filed), pa.string())
    carried = pc.and_(
        pc.and_(pc.equal(events["right_type"], "patent"), pc.is_in(events["event"], value_set=pa.array(list(PRS)))),
        pc.is_in(events["right_id"], value_set=ids),
    )
    prs = events.filter(carried)
    for i, batch in enumerate(prs.to_batches(max_chunksize=PRS_FILE)):
        with open(folder / f"CN-PA-PRSS-{i + 1:04d}.xml", "w", encoding="utf-8") as f:
            f.write(f'<?xml version="1.0" encoding="UTF-8"?>\n<business:PRS {NS}>\n')
            f.writelines(_prs_record(e, filed[e["right_id"]], places) for e in batch.to_pylist())
            f.write("</business:PRS>\n")
    return prs, events.filter(pc.invert(carried))


def _write_trademarks(marks, events, places: Places, folder: Path, cutoff: date) -> int:
    """The registrations as the open-data tables: a row per mark and class, a row per mark and registrant.

    The exclusive right ends, as CNIPA prints it, on the last day of the term the latest renewal known
    by the cut-off reached. Written set-wise by DuckDB (millions of rows); UTF-8 without the byte-order
    mark CNIPA's files carry (the import reads either).
    """
    import duckdb

    folder.mkdir(parents=True)
    holders = sorted({h for hs in marks["holders"].to_pylist() for h in hs})
    rows = [places.parts(h) for h in holders]
    who = pa.table({
        "party_id": holders, "name": [r[0]["name"] for r in rows], "name_en": [r[0]["name_en"] or "" for r in rows],
        "text": [r[4] for r in rows],
    })  # fmt: skip
    con = duckdb.connect()
    con.register("marks", marks)
    con.register("events", events)
    con.register("who", who)
    con.execute(f"""CREATE TEMP TABLE cn AS
        SELECT m.*,
               greatest(CAST(m.registration_date + INTERVAL 10 YEAR AS DATE), coalesce(r.expiry, DATE '1800-01-01'))
               - INTERVAL 1 DAY AS last_day
        FROM marks m LEFT JOIN (
            SELECT right_id, max(TRY_CAST(value AS DATE)) AS expiry FROM events
            WHERE right_type = 'trademark' AND event = 'renewed' AND recorded_date <= DATE '{cutoff}'
            GROUP BY right_id) r ON r.right_id = m.trademark_id
        WHERE m.jurisdiction = 'CN'""")
    kinds = "CASE kind WHEN 'ordinary' THEN '普通商标' WHEN 'collective' THEN '集体商标' ELSE '证明商标' END"
    con.execute(
        f"""COPY (
        SELECT trademark_id AS "注册号/申请号", unnest(nice_classes) AS "国际分类", filing_date AS "申请日期",
               registration_date AS "注册公告日期", CAST(last_day AS DATE) AS "专用期结束日期", mark_text AS "商标名称",
               {kinds} AS "商标类型", CASE WHEN is_gi THEN '是' ELSE '否' END AS "是否地理标志"
        FROM cn ORDER BY trademark_id) TO ? (FORMAT csv, HEADER)""",
        [str(folder / "注册商标基本信息.csv")],
    )
    con.execute("""COPY (
        SELECT h.trademark_id AS "注册号/申请号", w.name AS "注册人中文名称", w.name_en AS "注册人外文名称",
               w.text AS "注册人中文地址"
        FROM (SELECT trademark_id, unnest(holders) AS party_id, generate_subscripts(holders, 1) AS i FROM cn) h
        JOIN who w USING (party_id) ORDER BY h.trademark_id, h.i) TO ? (FORMAT csv, HEADER)""",
        [str(folder / "商标注册人信息.csv")])  # fmt: skip
    n = con.execute("SELECT count(*) FROM cn").fetchone()[0]
    con.close()
    return n


def _write_supplement(t: dict, rest, ids: dict[str, str], produced: set[str], folder: Path, manifest: dict) -> None:
    """The canonical rows CNIPA's products do not carry, naming parties by the ids the imports give them.

    Its parties are those no CNIPA file names (the imports write the others); each once.
    """
    folder.mkdir()
    parties = t["parties"].to_pylist()
    kept = {}
    for r in parties:
        new = ids[r["party_id"]]
        if new not in produced and new not in kept:
            kept[new] = r | {"party_id": new}
    tables = {"parties": pa.Table.from_pylist(list(kept.values()), schema=t["parties"].schema)}
    for name in ("families", "gi_products", "centres", "amounts"):
        if name in t:
            tables[name] = t[name]
    keys, values = pa.array(list(ids), pa.string()), pa.array(list(ids.values()), pa.string())
    apps = t["applications"]
    names = apps["applicants"].combine_chunks()
    mapped = pc.take(values, pc.index_in(names.flatten(), value_set=keys))
    applicants = pa.ListArray.from_arrays(names.offsets, mapped, mask=names.is_null())
    tables["applications"] = apps.set_column(apps.schema.get_field_index("applicants"), "applicants", applicants)
    cases = t["cases"]
    client = cases["client_party_id"]
    named = pc.take(values, pc.index_in(client, value_set=keys))
    client = pc.if_else(pc.is_valid(named), named, client)
    tables["cases"] = cases.set_column(cases.schema.get_field_index("client_party_id"), "client_party_id", client)
    moved = pc.equal(rest["event"], "transferred")
    transfers = rest.filter(moved).to_pylist()  # a trademark's new holders, named as the imports name them
    for e in transfers:
        e["value"] = ";".join(ids[x.strip()] for x in e["value"].split(";"))
    tables["events"] = pa.concat_tables(
        [rest.filter(pc.invert(moved)), pa.Table.from_pylist(transfers, schema=rest.schema)]
    )
    foreign = t["patents"].filter(pc.not_equal(t["patents"]["jurisdiction"], "CN"))
    if foreign.num_rows:
        tables["patents"] = foreign
    for name, table in tables.items():
        pq.write_table(table, folder / f"{name}.parquet")
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def convert(canonical: Path, out: Path, tick) -> dict:
    """Write ``canonical`` (a synthetic delivery in Parquet) into ``out`` as CNIPA files and a supplement."""
    t = {
        name: pq.read_table(canonical / f"{name}.parquet")
        for name in TABLES_BY_NAME
        if (canonical / f"{name}.parquet").exists()
    }
    manifest = json.loads((canonical / "manifest.json").read_text(encoding="utf-8"))
    cutoff = date.fromisoformat(manifest["recorded_date"])
    places = Places(t["parties"])
    patents = t["patents"]
    granted = patents.filter(pc.and_(pc.equal(patents["jurisdiction"], "CN"), pc.is_valid(patents["grant_date"])))
    n_docs = _write_patents(granted, places, out / "cnipa" / "patent", tick)
    filed = dict(zip(granted["patent_id"].to_pylist(), granted["filing_date"].to_pylist(), strict=True))
    prs, rest = _write_legal(t["events"], filed, places, out / "cnipa" / "legal")
    n_tm = _write_trademarks(t["trademarks"], t["events"], places, out / "cnipa" / "trademark", cutoff)
    holders = {h for hs in granted["holders"].to_pylist() for h in hs}
    marks = t["trademarks"].filter(pc.equal(t["trademarks"]["jurisdiction"], "CN"))
    named = holders | {h for hs in marks["holders"].to_pylist() for h in hs}
    moved = prs.filter(pc.equal(prs["event"], "transferred"))["value"].to_pylist()
    named |= {x.strip() for v in moved for x in (v or "").split(";") if x.strip()}
    ids = places.imported_ids(holders)
    _write_supplement(t, rest, ids, {ids[p] for p in named}, out / "supplement", manifest)
    return manifest | {
        "format": "cnipa",
        "cnipa": {"patent_documents": n_docs, "prs_records": prs.num_rows, "trademarks": n_tm},
        "supplement_events": rest.num_rows,
    }


def synthesize_cnipa(scale: str, seed: int, out: Path, tick) -> dict:
    """``ipgauge synth --format cnipa``: the canonical register written, then converted; moved into ``out`` whole."""
    from ipgauge.synth.generate import _earlier_synth, synthesize

    check_out(out, _earlier_synth, "a register ipgauge synth wrote")
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(dir=out, prefix=".synth-"))
    try:
        synthesize(scale, seed, work / "canonical", "parquet", tick)
        made = work / "made"
        made.mkdir()
        manifest = convert(work / "canonical", made, tick)
        (made / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        for name in ("cnipa", "supplement", "manifest.json"):
            target = out / name
            if target.is_dir():
                shutil.rmtree(target)
            os.replace(made / name, target)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return manifest
