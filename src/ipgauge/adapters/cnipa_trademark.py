"""CNIPA's trademark open data (商标数据开放, CSV tables) → canonical trademarks, parties and renewals.

The tables are told apart by their columns, not their file names; all are keyed by ``注册号/申请号``:

- basic registration information (注册商标基本信息): ``国际分类`` (one row per Nice class),
  ``申请日期``, ``注册公告日期``, ``专用期结束日期``;
- registrants (商标注册人信息): ``注册人中文名称``, ``注册人外文名称``;
- goods and services (注册商标商品服务信息): ``商品中文名称`` with its ``类似群`` (the similar group of
  the 类似商品和服务区分表), kept as the trademark's ``goods``: ``2501 服装; 2507 鞋`` (the items in the
  order given, each after its group where there is one).

Columns the canonical tables need that the observed batch did not show are read under the names
CNIPA's description of its 60 items suggests, and said to be unverified in docs/import.md:
``商标名称`` (absent: the mark is named by its number), ``商标类型`` (普通/集体/证明商标),
``是否地理标志`` (是/否), ``注册人中文地址``. Every other column is kept verbatim, not guessed at:
``KEPT/<file>`` beside the delivery holds each record's number and those columns.

A registration whose exclusive right ends later than ten years after registration was renewed: one
``renewed`` event to that end, dated the day the current term began (the record does not say when
the renewal was filed), its note saying so. A mark without a registration date is an application:
counted in the manifest's ``not_imported``.
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

from ipgauge.adapters.cnipa_common import TextPlaces, clean_address, country_of_text, report_addresses
from ipgauge.adapters.delivery import DeliveryWriter, head_of
from ipgauge.adapters.uspto_xml import Malformed
from ipgauge.dates import add_months
from ipgauge.errors import UserError, why

TABLES = ("parties", "trademarks", "events")
KEY = "注册号/申请号"
KEY_ALIASES = (KEY, "注册号", "申请号")
BASIC = {"国际分类", "申请日期", "注册公告日期", "专用期结束日期", "商标名称", "商标类型", "是否地理标志"}
HOLDER = {"注册人中文名称", "注册人外文名称", "注册人中文地址", "注册人外文地址"}
GOODS = {"商品中文名称", "商品英文名称", "类似群", "类似群号"}
KINDS = {"普通商标": "ordinary", "集体商标": "collective", "证明商标": "certification"}
TERM_YEARS = 10
_NOT_UTF8 = re.compile("[\udc80-\udcff]")  # bytes that did not decode (surrogateescape)


def _rows(path: Path) -> tuple[list[str], list[tuple[int, dict]]]:
    """A table's header and its rows with their line; a row with bytes that are not UTF-8 is marked."""
    head_of(path)
    csv.field_size_limit(10**7)
    try:
        with open(path, "rb") as f:
            text = io.TextIOWrapper(f, encoding="utf-8-sig", errors="surrogateescape", newline="")
            reader = csv.DictReader(text)
            header = [h.strip() for h in reader.fieldnames or []]
            twice = sorted({h for h in header if header.count(h) > 1})
            if twice:
                raise UserError(
                    f"{path.name} names the column {twice[0]} twice; which one holds the data is not known."
                )
            reader.fieldnames = header
            rows = [(reader.line_num, row) for row in reader]
    except csv.Error as e:
        raise UserError(f"{path.name} is not valid CSV ({e}).") from None
    except OSError as e:
        raise UserError(f"cannot read {path} ({why(e)}).") from None
    return header, rows


def _key_column(header: list[str], path: Path) -> str:
    key = next((k for k in KEY_ALIASES if k in header), None)
    if key is None and _in_gbk(path):
        raise UserError(f"{path.name} is encoded in GBK, not UTF-8; save it as UTF-8 and import it again.")
    if key is None:
        raise UserError(f"{path.name} is not a CNIPA trademark table (no column {KEY}).")
    return key


def _date(text: str | None, what: str) -> str | None:
    t = (text or "").strip()
    if not t:
        return None
    m = re.fullmatch(r"(\d{4})[-/.年]?(\d{1,2})[-/.月]?(\d{1,2})日?(?:[ T].*)?", t)
    if not m:
        raise Malformed(f"{what} {t!r} is not a date")
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3))).isoformat()
    except ValueError:
        raise Malformed(f"{what} {t!r} is not a date that exists") from None


def _in_gbk(path: Path) -> bool:
    """Whether the file's first line reads, in GBK (GB 18030), as a table keyed by 注册号."""
    with open(path, "rb") as f:
        first = f.readline(1 << 16)
    try:
        return "注册号" in first.decode("gb18030")
    except UnicodeDecodeError:
        return False


def run(files: list[Path], writer: DeliveryWriter, tick) -> None:
    """Read every table, join them by number, write each registration or its reject."""
    marks: dict[str, dict] = defaultdict(lambda: {"classes": [], "holders": [], "goods": [], "where": "? line ?"})
    kept: dict[str, list] = {}
    total, done = sum(f.stat().st_size for f in files), 0
    for path in files:
        header, rows = _rows(path)
        key = _key_column(header, path)
        unknown = [h for h in header if h not in {key} | BASIC | HOLDER | GOODS]
        if unknown:
            kept[path.name] = [[KEY, *unknown]]
        for line, row in rows:
            number = (row.get(key) or "").strip()
            if _NOT_UTF8.search("".join(v for v in row.values() if isinstance(v, str))):
                writer.reject(path.name, f"{number or '?'} (line {line})", "holds bytes that are not UTF-8")
                continue
            if None in row:
                writer.reject(path.name, f"{number or '?'} (line {line})", "more fields than the header names")
                continue
            if None in row.values():
                writer.reject(path.name, f"{number or '?'} (line {line})", "fewer fields than the header names")
                continue
            if not number:
                writer.reject(path.name, f"? (line {line})", f"no {KEY}")
                continue
            m = marks[number]
            if "国际分类" in header or "注册公告日期" in header:
                m["where"] = f"{path.name} line {line}"
                m.update({c: row[c].strip() for c in BASIC if c in row and c != "国际分类" and row[c].strip()})
                m["classes"].append(row.get("国际分类", "").strip())
            if "注册人中文名称" in header or "注册人外文名称" in header:
                m["holders"].append({c: row.get(c, "").strip() for c in HOLDER})
            if "商品中文名称" in header and (
                item := (row.get("商品中文名称") or row.get("商品英文名称") or "").strip()
            ):
                group = (row.get("类似群") or row.get("类似群号") or "").strip()
                m["goods"].append(f"{group} {item}" if group else item)
            if unknown:
                kept[path.name].append([number, *(row[c] for c in unknown)])
        done += path.stat().st_size
        tick("importing trademarks", done, total)
    if not any(m["where"] != "? line ?" for m in marks.values()) and marks:
        raise UserError(
            "no basic-information table (注册商标基本信息: 国际分类, 申请日期, 注册公告日期) among the files."
        )
    places = TextPlaces()
    for m in marks.values():
        for h in m["holders"]:
            places.add(h["注册人中文地址"] or h["注册人外文地址"])
    places.resolve()
    for number, m in marks.items():
        writer.documents += 1
        try:
            _mark(number, m, writer, places)
        except Malformed as e:
            file, _, line = m["where"].partition(" ")
            writer.reject(file, f"{number} ({line})", str(e))
    writer.kept = kept
    report_addresses(writer, "text")


def _mark(number: str, m: dict, writer: DeliveryWriter, places: TextPlaces) -> None:
    """One registration's rows: its holders, the mark, and a renewal the end of its exclusive right shows."""
    registered = _date(m.get("注册公告日期"), "registration date (注册公告日期)")
    filed = _date(m.get("申请日期"), "filing date (申请日期)")
    if filed is None and registered is None:
        raise Malformed("not in the basic-information table (no 申请日期 or 注册公告日期)")
    if registered is None:
        writer.notes["trademark applications not registered"] += 1
        return
    if filed is None:
        raise Malformed("registered without a filing date (申请日期)")
    classes = []
    for c in m["classes"]:
        digits = c.lstrip("0") or "0"
        if not digits.isdigit() or not 1 <= int(digits) <= 45:
            raise Malformed(f"Nice class {c!r} is not 1–45")
        classes.append(digits)
    holders = [_holder(h, places) for h in m["holders"] if h["注册人中文名称"] or h["注册人外文名称"]]
    if not holders:
        raise Malformed("no registrant (注册人中文名称) in the registrant table")
    kind = KINDS.get(m.get("商标类型", "普通商标").strip(), None)
    if kind is None:
        raise Malformed(f"mark type {m.get('商标类型')!r} is not 普通商标, 集体商标 or 证明商标")
    last_day = _date(m.get("专用期结束日期"), "end of the exclusive right (专用期结束日期)")
    for h in holders:  # the mark is whole: its parties may be written
        writer.row("parties", h)
    writer.row(
        "trademarks",
        {
            "trademark_id": number, "jurisdiction": "CN", "mark_text": m.get("商标名称") or f"(商标 {number})",
            "kind": kind, "is_gi": m.get("是否地理标志", "否").strip() in ("是", "1", "Y", "true"),
            "nice_classes": sorted(set(classes), key=int), "filing_date": filed, "registration_date": registered,
            "holders": list(dict.fromkeys(h["party_id"] for h in holders)),
            "goods": "; ".join(dict.fromkeys(m["goods"]))[:4000] or None,
        },
    )  # fmt: skip
    if last_day is None:
        return
    # the record prints the term's last day (2010-06-14 registered: 2020-06-13); the register's expiry is the day after.
    # A renewal adds ten years: an end within a year of the first term's is that term, however printed
    expiry = date.fromisoformat(last_day) + timedelta(days=1)
    if expiry > add_months(date.fromisoformat(registered), 12 * (TERM_YEARS + 1)):
        began = add_months(expiry, -12 * TERM_YEARS).isoformat()
        writer.row("events", {
            "right_type": "trademark", "right_id": number, "event": "renewed", "effective_date": began,
            "recorded_date": began, "value": expiry.isoformat(),
            "note": f"derived from 专用期结束日期 {last_day}: renewed for the term that began on {began} "
                    "(the data do not say when the renewal was filed)",
        })  # fmt: skip


def _holder(h: dict, places: TextPlaces) -> dict:
    """A registrant: Chinese name (else foreign), its country from the address (a foreign name alone: not CN)."""
    name = h["注册人中文名称"] or h["注册人外文名称"]
    address = h["注册人中文地址"] or h["注册人外文地址"]
    country = country_of_text(address) if address else None
    if country is None:
        country = "CN" if (address and re.search(r"[省市区县]", address)) or h["注册人中文名称"] else ""
    if not country:
        raise Malformed(f"registrant {name!r} has no address to tell its country")
    return places.party(name, clean_address(address), country)
