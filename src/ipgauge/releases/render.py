"""Writing a release to files: Markdown per language, one HTML page with both, PDF, XLSX, CSV, JSON.

Every file is written into a hidden folder first and moved into place when all are done. Each
language's text, tables, notes (definitions, source, issuer, contact) and footer ("统计时点…；数据提取日…")
come from the same functions, so the Markdown, HTML, PDF and terminal agree; the charts are shared
by both languages (their titles carry both) and appear once.
"""

from __future__ import annotations

import base64
import csv
import html
import io
import json
import os
import shutil
import tempfile
from datetime import date
from pathlib import Path

from babel.dates import format_date

from ipgauge import outputs
from ipgauge.errors import UserError, why
from ipgauge.indicators.catalogue import indicator
from ipgauge.regions.divisions import divisions
from ipgauge.releases import charts
from ipgauge.releases.figures import Figure, Figures
from ipgauge.releases.text import paragraphs, source, title
from ipgauge.releases.wording import TINY_BASE, number, pct

HEADERS = {
    "zh": ("指标", "数值", "上年同期", "同比", "全国排名", "占全国（%）", "单位"),
    "en": ("Indicator", "Value", "A year earlier", "Change", "National rank", "Share of China (%)", "Unit"),
}
MEMBER_HEADERS = {
    "zh": ("地区", "数值", "上年同期", "同比", "全国排名"),
    "en": ("Region", "Value", "A year earlier", "Change", "National rank"),
}
CSS = """
body { font-family: "Noto Sans CJK SC", "Noto Sans CJK JP", sans-serif; max-width: 46em; margin: 2em auto;
       color: #222; line-height: 1.6; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.85em; }
caption { caption-side: top; text-align: left; font-weight: bold; padding-bottom: 0.3em; }
td, th { border: 1px solid #ccc; padding: 0.25em 0.6em; } td.n { text-align: right; }
.synthetic { color: #a00; font-weight: bold; } img { max-width: 100%; }
.notes, .meta { color: #555; font-size: 0.8em; }
section + section { page-break-before: always; }
"""


# -- formatting shared by every file ------------------------------------------------------------------
def _ratio(fig: Figure) -> bool:
    return fig.population_year is not None


def _value(fig: Figure, value: float, lang: str) -> str:
    return number(value, lang, 1) if _ratio(fig) else number(value, lang)


def signed(x: float) -> str:
    """+10.2, -3.1 or 0.0: a change with its sign, to one decimal."""
    shown = pct(x)
    return ("+" if x > 0 else "-" if x < 0 else "") + shown if shown != "0.0" else shown


def change_cell(fig: Figure, value: float, previous: float) -> str:
    """The table's change column: +17.7% for counts, +0.1 points for ratios, +14 on a tiny base, — with no base."""
    if _ratio(fig):
        return signed(value - previous)
    if previous == 0:
        return "—"
    if previous < TINY_BASE:
        return f"{'+' if value > previous else ''}{int(value - previous)}"
    return signed((value - previous) / previous * 100) + "%"


def rows(figures: Figures, lang: str) -> list[tuple[str, ...]]:
    """The figures table of one language (formatted)."""
    return [
        (
            f.label_zh if lang == "zh" else f.label_en,
            _value(f, f.value, lang),
            _value(f, f.previous, lang),
            change_cell(f, f.value, f.previous),
            "—" if f.national_rank is None else str(f.national_rank),
            "—" if f.share_pct is None else pct(f.share_pct),
            f.unit_zh if lang == "zh" else f.unit_en,
        )
        for f in figures.figures
    ]


def _table_figure(figures: Figures) -> Figure | None:
    """The figure the member table shows: the first with members."""
    return next((f for f in figures.figures if f.members), None)


def member_rows(figures: Figures, lang: str) -> list[tuple[str, ...]]:
    """The first figure with members, by member region (provinces before prefectures, largest first)."""
    f = _table_figure(figures)
    if f is None:
        return []
    order = {"province": 0, "prefecture": 1, "county": 2}
    members = sorted(f.members, key=lambda m: (order.get(m.level, 3), -m.value, m.code))
    return [
        (
            m.name_zh if lang == "zh" else m.name_en,
            number(m.value, lang),
            number(m.previous, lang),
            change_cell(f, m.value, m.previous),
            "—" if m.national_rank is None else str(m.national_rank),
        )
        for m in members
    ]


def _long_date(iso: str, lang: str) -> str:
    d = date.fromisoformat(iso)
    return f"{d.year}年{d.month}月{d.day}日" if lang == "zh" else format_date(d, "d MMMM y", locale="en")


def captions(figures: Figures, lang: str) -> tuple[str, str]:
    """The captions of the two tables."""
    d = figures.spec["as_of"]
    f = _table_figure(figures)
    where = figures.region["official_zh"] if lang == "zh" else figures.region["name_en"]
    if lang == "zh":
        return (
            f"表1 {where}知识产权主要指标（统计时点：{_long_date(d, 'zh')}）",
            f"表2 {where}分地区{f.label_zh if f else ''}（{_long_date(d, 'zh')}）",
        )
    return (
        f"Table 1. Main IP figures, {where}, {_long_date(d, 'en')}",
        f"Table 2. {(f.label_en if f else '').capitalize()} by region, {_long_date(d, 'en')}",
    )


def notes(figures: Figures, lang: str) -> list[str]:
    """The notes: each indicator defined (from the catalogue), the source, and what was left out."""
    out = []
    for i, f in enumerate(figures.figures, start=1):
        definition = f.definition_zh if lang == "zh" else f.definition_en
        label = f.label_zh if lang == "zh" else f.label_en
        out.append(f"{i}. {label}：{definition}" if lang == "zh" else f"{i}. {label.capitalize()}: {definition}")
    if lang == "zh":
        out.append(f"数据来源：{source(figures, 'zh')}，依据前{figures.region['deliveries']}批交付数据。")
        out.append("同比为与上年同期相比；上年同期不足10件时列出增减件数；每万人口指标列出增减值。")
        out += [f"未发布{_label(n, 'zh')}：{reason}" for n, reason in figures.omitted]
    else:
        n = figures.region["deliveries"]
        out.append(f"Source: {source(figures, 'en')}, from its first {'delivery' if n == 1 else f'{n} deliveries'}.")
        out.append(
            "Changes are year on year; on a year-earlier base below 10 the change is given in units, "
            "and per-10,000 ratios change in points."
        )
        out += [f"Not published: {_label(n, 'en')} ({reason})" for n, reason in figures.omitted]
    return out


def _label(name: str, lang: str) -> str:
    ind = indicator(name)
    return ind.label_zh if lang == "zh" else ind.label_en


def footer(figures: Figures, lang: str, snapshot_id: str) -> str:
    """The office's footer: 统计时点；数据提取日；发布日期；发布单位；联系方式；发布编号."""
    spec = figures.spec
    issuer = spec.get(f"issuer_{lang}") or ""
    if lang == "zh":
        parts = [f"统计时点：{_long_date(spec['as_of'], 'zh')}", f"数据提取日：{_long_date(spec['known_at'], 'zh')}"]
        parts += [f"发布日期：{_long_date(spec['published'], 'zh')}"] if spec.get("published") else []
        parts += [f"发布单位：{issuer}"] if issuer else []
        parts += [f"联系方式：{spec['contact']}"] if spec.get("contact") else []
        return "；".join([*parts, f"发布编号：{snapshot_id}"]) + "。"
    parts = [
        f"Reference date: {_long_date(spec['as_of'], 'en')}",
        f"data extracted: {_long_date(spec['known_at'], 'en')}",
    ]
    parts += [f"published: {_long_date(spec['published'], 'en')}"] if spec.get("published") else []
    parts += [f"issued by {issuer}"] if issuer else []
    parts += [f"contact: {spec['contact']}"] if spec.get("contact") else []
    return "; ".join([*parts, f"release {snapshot_id}"]) + "."


# -- Markdown and HTML ----------------------------------------------------------------------------------
def markdown(figures: Figures, lang: str, snapshot_id: str) -> str:
    """The release as Markdown in one language."""
    lines = [f"# {title(figures, lang)}", ""]
    for p in paragraphs(figures, lang):
        lines += [f"**{p}**" if p.startswith(("【", "SYNTHETIC")) else p, ""]
    first, second = captions(figures, lang)
    lines += [f"**{first}**", "", _md_table(HEADERS[lang], rows(figures, lang))]
    members = member_rows(figures, lang)
    if members:
        lines += ["", f"**{second}**", "", _md_table(MEMBER_HEADERS[lang], members)]
    alt = charts.describe_map(figures, lang)
    lines += ["", f"![{alt}](map.png)", ""]
    lines += [f"![{charts.describe_trend(f, figures, lang)}](trend_{f.name}.png)" for f in figures.figures]
    lines += ["", "注：" if lang == "zh" else "Notes:", ""]
    for n in notes(figures, lang):
        lines += [n, ""]
    lines += [footer(figures, lang, snapshot_id), ""]
    return "\n".join(lines)


def _md_table(head: tuple[str, ...], body: list[tuple[str, ...]]) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in body])


def _img(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode()


def _html_table(caption: str, head: tuple[str, ...], body: list[tuple[str, ...]], text_cols: set[int]) -> str:
    cells = "".join(f"<th scope='col'>{html.escape(h)}</th>" for h in head)
    out = [f"<table><caption>{html.escape(caption)}</caption><tr>{cells}</tr>"]
    for r in body:
        out.append(
            "<tr>"
            + "".join(
                f"<td>{html.escape(c)}</td>" if i in text_cols else f"<td class='n'>{html.escape(c)}</td>"
                for i, c in enumerate(r)
            )
            + "</tr>"
        )
    return "".join(out) + "</table>"


def page(figures: Figures, snapshot_id: str, images: dict[str, Path]) -> str:
    """One self-contained HTML page: a section per language, then the charts once (images inlined)."""
    langs = figures.spec["languages"]
    html_lang = "zh-CN" if langs[0] == "zh" else "en"
    parts = [
        f"<!DOCTYPE html><html lang='{html_lang}'><head><meta charset='utf-8'>",
        f"<title>{html.escape(title(figures, langs[0]))}</title><style>{CSS}</style></head><body>",
    ]
    for lang in langs:
        parts.append(
            f"<section lang='{'zh-CN' if lang == 'zh' else 'en'}'><h1>{html.escape(title(figures, lang))}</h1>"
        )
        for p in paragraphs(figures, lang):
            cls = " class='synthetic'" if p.startswith(("【", "SYNTHETIC")) else ""
            parts.append(f"<p{cls}>{html.escape(p)}</p>")
        first, second = captions(figures, lang)
        parts.append(_html_table(first, HEADERS[lang], rows(figures, lang), {0, 6}))
        members = member_rows(figures, lang)
        if members:
            parts.append(_html_table(second, MEMBER_HEADERS[lang], members, {0}))
        parts.append(f"<div class='notes'><p>{'注：' if lang == 'zh' else 'Notes:'}</p>")
        parts += [f"<p>{html.escape(n)}</p>" for n in notes(figures, lang)]
        parts.append(f"</div><p class='meta'>{html.escape(footer(figures, lang, snapshot_id))}</p></section>")
    both = " / ".join("图表" if lang == "zh" else "Charts" for lang in langs)
    parts.append(f"<section><h2>{both}</h2>")
    alt = " ".join(charts.describe_map(figures, lang) for lang in langs)
    parts.append(f"<img alt='{html.escape(alt)}' src='{_img(images['map'])}'>")
    for f in figures.figures:
        alt = " ".join(charts.describe_trend(f, figures, lang) for lang in langs)
        parts.append(f"<img alt='{html.escape(alt)}' src='{_img(images[f.name])}'>")
    parts.append("</section></body></html>")
    return "\n".join(parts)


# -- the spreadsheet and the data files ----------------------------------------------------------------
def _region_cells(code: str, figures: Figures) -> list:
    """region_code, name_zh, name_en, level: on every row of every data file."""
    if code == figures.region["code"]:
        w = figures.region
        return [code, w["name_zh"], w["name_en"], w["kind"]]
    d = divisions()[code]
    return [code, d.name_zh, d.name_en, d.level]


REGION_COLUMNS = ["region_code", "region_name_zh", "region_name_en", "level"]


def _yoy(value: float, previous: float) -> float | None:
    return round((value - previous) / previous * 100, 4) if previous else None


def xlsx(figures: Figures, snapshot: dict, path: Path) -> None:
    """A workbook an analyst can use: frozen headers, number formats, dates as dates, definitions and about."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    spec = figures.spec
    as_of, known_at = date.fromisoformat(spec["as_of"]), date.fromisoformat(spec["known_at"])
    formats = {
        "value": "#,##0",
        "previous": "#,##0",
        "yoy_pct": "+0.0;-0.0;0.0",
        "share_pct": "0.0",
        "as_of": "yyyy-mm-dd",
    }

    def sheet(ws, header: list[str], body: list[list], ratio_rows: set[int] = frozenset()) -> None:
        ws.append(header)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for i, r in enumerate(body):
            ws.append(r)
            for j, name in enumerate(header):
                fmt = formats.get(name)
                if name in ("value", "previous") and i in ratio_rows:
                    fmt = "0.00"
                if fmt:
                    ws.cell(row=i + 2, column=j + 1).number_format = fmt
        ws.freeze_panes = "A2"
        for j, name in enumerate(header):
            ws.column_dimensions[ws.cell(row=1, column=j + 1).column_letter].width = max(12, len(name) + 2)

    wb = Workbook()
    body, ratios = [], set()
    for i, f in enumerate(figures.figures):
        if _ratio(f):
            ratios.add(i)
        body.append(
            [
                f.name,
                f.label_zh,
                f.label_en,
                *_region_cells(figures.region["code"], figures),
                as_of,
                f.value,
                f.previous,
                _yoy(f.value, f.previous),
                f.national_rank,
                f.parent_value,
                None if f.share_pct is None else round(f.share_pct, 4),
                f.unit_zh,
                f.unit_en,
                "flow (year to date)" if f.flow else "ratio" if _ratio(f) else "stock",
            ]
        )
    ws = wb.active
    ws.title = "figures"
    header = ["indicator", "label_zh", "label_en", *REGION_COLUMNS, "as_of", "value", "previous", "yoy_pct"]
    sheet(ws, [*header, "national_rank", "parent_value", "share_pct", "unit_zh", "unit_en", "measure"], body, ratios)
    members = [
        [
            f.name,
            f.label_zh,
            f.label_en,
            *_region_cells(m.code, figures),
            as_of,
            m.value,
            m.previous,
            _yoy(m.value, m.previous),
            m.national_rank,
        ]
        for f in figures.figures
        for m in f.members
    ]
    sheet(wb.create_sheet("members"), [*header, "national_rank"], members)
    trends = [
        [f.name, f.label_zh, f.label_en, *_region_cells(figures.region["code"], figures), date.fromisoformat(d), v]
        for f in figures.figures
        for d, v in f.trend
    ]
    sheet(wb.create_sheet("trends"), ["indicator", "label_zh", "label_en", *REGION_COLUMNS, "as_of", "value"], trends)
    definitions = []
    for f in figures.figures:
        ind = indicator(f.name)
        definitions.append(
            [f.name, f.label_zh, f.label_en, f.unit_zh, f.unit_en, ind.definition_zh, ind.definition_en, ind.source]
        )
    sheet(
        wb.create_sheet("definitions"),
        ["indicator", "label_zh", "label_en", "unit_zh", "unit_en", "definition_zh", "definition_en", "source"],
        definitions,
    )
    about = [
        ["release_id", snapshot["release_id"]],
        ["region_code", figures.region["code"]],
        ["region_name_zh", figures.region["name_zh"]],
        ["region_name_en", figures.region["name_en"]],
        ["as_of", as_of],
        ["known_at", known_at],
        ["deliveries", figures.region["deliveries"]],
        ["synthetic", bool(figures.synthetic)],
        ["source", source(figures, "en")],
        ["issuer", spec.get("issuer_en") or spec.get("issuer_zh") or ""],
        ["contact", spec.get("contact") or ""],
        ["published", date.fromisoformat(spec["published"]) if spec.get("published") else None],
        ["inputs_checksum", snapshot["inputs_checksum"]],
        ["figures_checksum", snapshot["figures_checksum"]],
        ["spec", json.dumps(spec, ensure_ascii=False, sort_keys=True)],
    ]
    ws = wb.create_sheet("about")
    sheet(ws, ["key", "value"], about)
    for row in ws.iter_rows(min_row=2, max_col=2):
        if isinstance(row[1].value, date):
            row[1].number_format = "yyyy-mm-dd"
    ws.column_dimensions["B"].width = 60
    wb.properties.creator = "ipgauge"
    wb.save(path)


CSV_COLUMNS = [
    "indicator",
    *REGION_COLUMNS,
    "as_of",
    "known_at",
    "value",
    "previous",
    "yoy_pct",
    "national_rank",
    "share_pct",
    "unit",
    "synthetic",
]


def figures_csv(figures: Figures) -> str:
    """The figures as CSV (one row per indicator, then one per member), region names on every row."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    spec = figures.spec
    for f in figures.figures:
        for code, value, previous, rank, share in [
            (figures.region["code"], f.value, f.previous, f.national_rank, f.share_pct),
            *((m.code, m.value, m.previous, m.national_rank, None) for m in f.members),
        ]:
            yoy = _yoy(value, previous)
            w.writerow(
                [
                    f.name,
                    *_region_cells(code, figures),
                    spec["as_of"],
                    spec["known_at"],
                    value,
                    previous,
                    "" if yoy is None else yoy,
                    "" if rank is None else rank,
                    "" if share is None else round(share, 4),
                    f.unit_en,
                    figures.synthetic,
                ]
            )
    return buf.getvalue()


def check_out(out: Path) -> None:
    """Refuse an output folder that cannot take a release, before any figure is computed."""
    outputs.check_out(out, _earlier_release, "an earlier release")


def _earlier_release(folder: Path) -> bool:
    """Whether ``folder`` holds the files of a release (which a new one may replace)."""
    try:
        return "release_id" in json.loads((folder / "figures.json").read_text(encoding="utf-8"))
    except (OSError, ValueError, TypeError):
        return False


def write(figures: Figures, snapshot: dict, out: Path) -> list[Path]:
    """Write every file of the release into ``out`` (each file whole, moved into place); return their paths."""
    check_out(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(dir=out, prefix=".release-"))
    except OSError as e:
        raise UserError(f"cannot write the release to {out} ({why(e)}).") from None
    try:
        images = {f.name: charts.trend(f, figures, work) for f in figures.figures}
        images["map"] = charts.region_map(figures, work)
        for lang in figures.spec["languages"]:
            (work / f"release.{lang}.md").write_text(markdown(figures, lang, snapshot["release_id"]), encoding="utf-8")
        page_html = page(figures, snapshot["release_id"], images)
        (work / "release.html").write_text(page_html, encoding="utf-8")
        from weasyprint import HTML

        HTML(string=page_html).write_pdf(work / "release.pdf")
        xlsx(figures, snapshot, work / "figures.xlsx")
        (work / "figures.csv").write_text(figures_csv(figures), encoding="utf-8")
        (work / "figures.json").write_text(
            json.dumps(snapshot | {"figures": figures.as_dict()}, ensure_ascii=False, indent=2, sort_keys=True) + "\n",
            encoding="utf-8",
        )
        written = []
        for p in sorted(work.iterdir()):
            os.replace(p, out / p.name)
            written.append(out / p.name)
        return written
    except OSError as e:
        raise UserError(f"cannot write the release to {out} ({why(e)}).") from None
    finally:
        shutil.rmtree(work, ignore_errors=True)
