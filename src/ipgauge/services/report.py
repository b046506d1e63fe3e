"""Service reports: the infringement-risk screening report and the layout-strategy report, zh and en.

Like a release, a report is a folder: ``report.zh.md``, ``report.en.md``, ``report.html`` (both
languages, charts inlined), ``report.pdf``, ``report.xlsx`` (a sheet per table) and
``report.json`` — the snapshot: what was asked (the query or subject, D, K, the jurisdiction), the
deliveries read, the register's identity, the claims index's, and every number and text of the
report. ``ipgauge report reproduce DIR`` recomputes it from the same deliveries and says whether it
reproduces to the digit.

A report states the exact D and K, its sources (the register's deliveries), its method, and a
disclaimer: it is a screening or an analysis, never a legal opinion.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb

from ipgauge import outputs
from ipgauge.law.jurisdictions import RULE_SETS
from ipgauge.register.store import identity, is_synthetic
from ipgauge.releases.render import html_table, img_src, md, md_table
from ipgauge.releases.style import CSS

LANGS = ("zh", "en")
KINDS = ("risk", "layout")
LAYOUT_DISCLAIMER = {
    "zh": "本报告为基于本系统登记库数据的统计分析，不构成法律意见或投资建议。",
    "en": "This report is a statistical analysis of register data, not a legal opinion or investment advice.",
}


@dataclass
class Table:
    """A table of the report in both languages; ``rows`` hold values (formatted per language when written)."""

    name: str
    caption: dict[str, str]
    head: dict[str, tuple[str, ...]]
    rows: list[list]
    text_cols: set[int] = field(default_factory=set)
    zh: dict[int, dict[str, str]] = field(default_factory=dict)  # per column, values said otherwise in Chinese
    plain: set[int] = field(default_factory=set)  # columns of years, numbers and ranks: no thousands separator
    percent: set[int] = field(default_factory=set)  # columns of shares (0.0123), shown as percentages (1.23%)

    def body(self, lang: str) -> list[tuple[str, ...]]:
        """The rows as one language shows them."""
        words = self.zh if lang == "zh" else {}
        return [
            tuple(
                words.get(i, {}).get(v, _percent(v) if i in self.percent else cell(v, i in self.plain))
                for i, v in enumerate(r)
            )
            for r in self.rows
        ]


def _percent(value: object) -> str:
    """A share as a percentage: 0.0123 → 1.23%."""
    return f"{value * 100:.2f}%" if isinstance(value, int | float) and not isinstance(value, bool) else cell(value)


@dataclass
class Document:
    """What a report says, in both languages, before it is written to files."""

    title: dict[str, str]
    lead: dict[str, list[str]]
    tables: list[Table]
    notes: dict[str, list[str]]
    charts: list[tuple[str, dict[str, str]]] = field(default_factory=list)  # file name, caption per language


def cell(value: object, plain: bool = False) -> str:
    """A value as a table shows it: counts with separators (``plain``: years, ranks), ratios to 4 digits."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "✓" if value else "✗"
    if isinstance(value, int):
        return str(value) if plain else f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.4g}"
    return str(value)


def markdown(doc: Document, lang: str, report_id: str) -> str:
    """The report in one language as Markdown."""
    lines = [f"# {md(doc.title[lang])}", ""]
    lines += [md(p) + "\n" for p in doc.lead[lang]]
    for t in doc.tables:
        body = t.body(lang)
        lines += [f"**{md(t.caption[lang])}**", "", md_table(t.head[lang], body) if body else _none(lang), ""]
    for name, caption in doc.charts:
        lines += [f"![{md(caption[lang])}]({name})", ""]
    lines += [("注：" if lang == "zh" else "Notes:"), ""] + [f"- {md(n)}" for n in doc.notes[lang]]
    lines += ["", f"{'报告编号' if lang == 'zh' else 'Report'} {report_id}", ""]
    return "\n".join(lines)


def _none(lang: str) -> str:
    return "（无）" if lang == "zh" else "(none)"


def page(doc: Document, report_id: str, images: dict[str, Path]) -> str:
    """One self-contained HTML page: a section per language, the charts inlined."""
    parts = [
        "<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'>",
        f"<title>{html.escape(doc.title['zh'])}</title><style>{CSS}</style></head><body>",
    ]
    for lang in LANGS:
        parts.append(f"<section lang='{'zh-CN' if lang == 'zh' else 'en'}'><h1>{html.escape(doc.title[lang])}</h1>")
        parts += [f"<p>{html.escape(p)}</p>" for p in doc.lead[lang]]
        for t in doc.tables:
            body = t.body(lang)
            parts.append(html_table(t.caption[lang], t.head[lang], body, t.text_cols) if body else "")
            if not body:
                parts.append(f"<p><b>{html.escape(t.caption[lang])}</b> {_none(lang)}</p>")
        for name, caption in doc.charts:
            parts.append(
                f"<figure><img alt='{html.escape(caption[lang])}' src='{img_src(images[name])}'>"
                f"<figcaption>{html.escape(caption[lang])}</figcaption></figure>"
            )
        parts.append(f"<div class='notes'><p>{'注：' if lang == 'zh' else 'Notes:'}</p>")
        parts += [f"<p>{html.escape(n)}</p>" for n in doc.notes[lang]]
        parts.append(f"</div><p class='meta'>{'报告编号' if lang == 'zh' else 'Report'} {report_id}</p></section>")
    parts.append("</body></html>")
    return "\n".join(parts)


def spreadsheet(doc: Document, path: Path) -> None:
    """A sheet per table, English and Chinese headers, values as numbers (not text)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    about = wb.active
    about.title = "about"
    for lang in LANGS:
        about.append([doc.title[lang]])
        for p in doc.lead[lang] + doc.notes[lang]:
            about.append([p])
        about.append([])
    for t in doc.tables:
        ws = wb.create_sheet(t.name[:31])
        ws.append(list(t.head["en"]))
        ws.append(list(t.head["zh"]))
        for c in ws[1] + ws[2]:
            c.font = Font(bold=True)
        for r in t.rows:
            ws.append([_sheet_value(v) for v in r])
        for row in ws.iter_rows(min_row=3):
            for c in row:
                if isinstance(c.value, date):
                    c.number_format = "yyyy-mm-dd"  # a date, not a date and midnight
                elif isinstance(c.value, str) and c.value.startswith("="):
                    c.data_type = "s"  # a claim or a holder's name that starts with "=" is text, not a formula
        for n in t.percent:  # a share stays a number in the workbook, shown as a percentage
            for c in ws.iter_rows(min_row=3, min_col=n + 1, max_col=n + 1):
                c[0].number_format = "0.00%"
    wb.save(path)


def _sheet_value(value: object) -> object:
    """A cell for the workbook: numbers as numbers, ISO dates as dates, the rest as text."""
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return date.fromisoformat(value)
    if isinstance(value, bool):
        return "✓" if value else "✗"
    return value if isinstance(value, int | float | str) or value is None else str(value)


def report_id(snapshot: dict) -> str:
    """The report's id: a digest of what it says and what it was computed from."""
    return hashlib.sha256(json.dumps(snapshot, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _ours(folder: Path) -> bool:
    try:
        return "report_id" in json.loads((folder / "report.json").read_text(encoding="utf-8"))
    except (OSError, ValueError, TypeError):
        return False


def check_out(out: Path, option: str = "--out") -> None:
    """Refuse an output folder that cannot take a report, before anything is computed."""
    outputs.check_out(out, _ours, "an earlier report", option)


def write(doc: Document, snapshot: dict, out: Path, draw) -> list[Path]:
    """Write every file of the report into ``out`` (each whole, moved into place); ``draw(work)`` makes the charts."""
    check_out(out)
    rid = snapshot["report_id"]
    with outputs.staged(out, "the report") as (work, written):
        images = draw(work)
        for lang in LANGS:
            (work / f"report.{lang}.md").write_text(markdown(doc, lang, rid), encoding="utf-8")
        text = page(doc, rid, images)
        (work / "report.html").write_text(text, encoding="utf-8")
        from weasyprint import HTML

        HTML(string=text).write_pdf(work / "report.pdf")
        spreadsheet(doc, work / "report.xlsx")
        (work / "report.json").write_text(
            json.dumps(snapshot, ensure_ascii=False, indent=2, sort_keys=True, default=str) + "\n", encoding="utf-8"
        )
    for old in [*out.glob("report.*"), *out.glob("*.png")]:  # an earlier report's files, not rewritten
        if old not in written:
            old.unlink(missing_ok=True)
    return written


def sources(con: duckdb.DuckDBPyConnection, upto: int) -> dict[str, list[str]]:
    """The register's deliveries the report read, as notes."""
    rows = con.execute(
        "SELECT delivery_id, source, recorded_date FROM deliveries WHERE delivery_id <= ? ORDER BY delivery_id",
        [upto],
    ).fetchall()
    named = "; ".join(f"#{i} {Path(s).name} ({r})" for i, s, r in rows)
    batches = "第1批" if upto == 1 else f"第1至{upto}批"
    out = {
        "zh": [f"数据来源：本系统登记库{batches}数据（{named}）。"],
        "en": [f"Source: the register's {'delivery 1' if upto == 1 else f'deliveries 1 to {upto}'} ({named})."],
        "lead_zh": [],
        "lead_en": [],
    }
    if is_synthetic(con):  # said first, before any figure
        out["lead_zh"].append("【合成数据】本报告的数据由程序生成，不是真实登记数据，仅供演示。")
        out["lead_en"].append(
            "SYNTHETIC DATA: the register behind this report was generated, not recorded; a demonstration only."
        )
    return out


def base_snapshot(con: duckdb.DuckDBPyConnection, kind: str, inputs: dict, upto: int) -> dict:
    """What every report's snapshot holds besides its content."""
    return {"kind": kind, "inputs": inputs, "deliveries": upto, "register": identity(con, upto)}


JURISDICTION_ZH = {j: rules.name_zh for j, rules in RULE_SETS.items()}


def dates_line(jurisdiction: str, d: date, k: date) -> dict[str, str]:
    """The exact D and K, said once at the top."""
    where = JURISDICTION_ZH.get(jurisdiction, jurisdiction)
    return {
        "zh": f"法域：{where}；法律状态基准日（D）：{d.isoformat()}；数据截止日（K）：{k.isoformat()}"
        f"——根据截至{k.isoformat()}收录的法律状态数据，判断在{d.isoformat()}处于有效状态的专利。",
        "en": f"Jurisdiction: {jurisdiction}; date (D): {d.isoformat()}; knowledge date (K): {k.isoformat()} — "
        f"the rights in force on {d.isoformat()} as the register knew them on {k.isoformat()}.",
    }
