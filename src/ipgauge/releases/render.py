"""Writing a release to files: Markdown per language, one HTML page with both, PDF, XLSX, CSV, JSON.

Every file is written into a hidden folder first and moved into place when all are done. Each
language's text, tables, notes (definitions, source, issuer, contact) and footer ("统计时点…；数据提取日…")
come from the same functions, so the Markdown, HTML, PDF and terminal agree; the charts are shared
by both languages (their titles carry both) and appear once. The text formats (Markdown, HTML and the
PDF printed from it) are made here; the data files in :mod:`~ipgauge.releases.workbook` (XLSX) and
:mod:`~ipgauge.releases.datafiles` (CSV), the page's stylesheet in :mod:`~ipgauge.releases.style`.
"""

from __future__ import annotations

import base64
import html
import json
from datetime import date
from pathlib import Path

from babel.dates import format_date

from ipgauge import outputs
from ipgauge.indicators.catalogue import indicator
from ipgauge.indicators.point import yoy
from ipgauge.regions.groups import region
from ipgauge.releases import charts
from ipgauge.releases.datafiles import figures_csv
from ipgauge.releases.figures import Figure, Figures
from ipgauge.releases.style import CSS
from ipgauge.releases.text import english_name, paragraphs, source, title
from ipgauge.releases.wording import TINY_BASE, cap, number, pct, ratio_places, signed
from ipgauge.releases.workbook import xlsx

HEADERS = {
    "zh": ("指标", "数值", "上年同期", "同比", "全国排名", "占全国（%）", "单位"),
    "en": ("Indicator", "Value", "A year earlier", "Change", "National rank", "Share of national total (%)", "Unit"),
}
MEMBER_HEADERS = {
    "zh": ("地区", "数值", "上年同期", "同比", "全国排名"),
    "en": ("Region", "Value", "A year earlier", "Change", "National rank"),
}


# -- formatting shared by every file ------------------------------------------------------------------
def _value(fig: Figure, value: float, lang: str) -> str:
    return number(value, lang, ratio_places(fig.value, fig.previous)) if fig.is_ratio else number(value, lang)


def change_cell(fig: Figure, value: float, previous: float) -> str:
    """The table's change column: +17.7% for counts, +0.05 points for ratios, +14 on a tiny base, — with no base."""
    if fig.is_ratio:
        return signed(value - previous, ratio_places(fig.value, fig.previous))
    if previous == 0:
        return "—"
    if previous < TINY_BASE:
        return f"{'+' if value > previous else ''}{int(value - previous)}"
    return signed(yoy(value, previous)) + "%"


def rows(figures: Figures, lang: str) -> list[tuple[str, ...]]:
    """The figures table of one language (formatted)."""
    nation = figures.region["kind"] == "nation"
    return [
        (
            f.label_zh if lang == "zh" else f.label_en[:1].upper() + f.label_en[1:],
            _value(f, f.value, lang),
            _value(f, f.previous, lang),
            change_cell(f, f.value, f.previous),
            "—" if f.national_rank is None else str(f.national_rank),
            "—" if f.share_pct is None or nation else pct(f.share_pct),
            f.unit_zh if lang == "zh" else f.unit_en,
        )
        for f in figures.figures
    ]


def tables(figures: Figures, lang: str) -> list[tuple[str, tuple[str, ...], list[tuple[str, ...]], set[int]]]:
    """Table 1 and, when the region has members, Table 2: caption, header, rows, text columns.

    A column with nothing in it (no ranks below the provinces, no shares for the nation) is left out.
    """
    first, second = captions(figures, lang)
    head, member_head = headers(figures, lang)
    out = [_without_empty(first, head, rows(figures, lang), {0, 6})]
    members = member_rows(figures, lang)
    if members:
        out.append(_without_empty(second, member_head, members, {0}))
    return out


def headers(figures: Figures, lang: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The two tables' headers: the share names its parent; at a year end Chinese compares with 上年."""
    head, member_head = list(HEADERS[lang]), list(MEMBER_HEADERS[lang])
    parent = figures.region["parent"]
    if parent != "CN":
        where = region(parent)
        head[5] = f"占{where.name_zh}（%）" if lang == "zh" else f"Share of {where.name_en} (%)"
    if lang == "zh" and figures.spec["as_of"].endswith("-12-31"):
        for h in (head, member_head):
            h[2:4] = ["上年", "比上年"]
    return tuple(head), tuple(member_head)


def _without_empty(caption: str, head: tuple[str, ...], body: list[tuple[str, ...]], text: set[int]):
    keep = [i for i in range(len(head)) if i in text or any(r[i] != "—" for r in body)]
    return (
        caption,
        tuple(head[i] for i in keep),
        [tuple(r[i] for i in keep) for r in body],
        {n for n, i in enumerate(keep) if i in text},
    )


def member_rows(figures: Figures, lang: str) -> list[tuple[str, ...]]:
    """The first figure with members, by member region (provinces before prefectures, largest first)."""
    f = figures.headline
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
    f = figures.headline
    where = figures.region["official_zh"] if lang == "zh" else english_name(figures.region)
    if lang == "zh":
        return (
            f"表1 {where}知识产权主要指标（统计时点：{_long_date(d, 'zh')}）",
            f"表2 {where}分地区{f.label_zh if f else ''}（{_long_date(d, 'zh')}）",
        )
    return (
        f"Table 1. Main IP figures, {where}, {_long_date(d, 'en')}",
        f"Table 2. {cap(f.label_en if f else '')} by region, {_long_date(d, 'en')}",
    )


def notes(figures: Figures, lang: str) -> list[str]:
    """The notes: each indicator defined (from the catalogue), the source, and what was left out."""
    out = []
    for i, f in enumerate(figures.figures, start=1):
        definition = f.definition_zh if lang == "zh" else f.definition_en
        label = f.label_zh if lang == "zh" else f.label_en
        out.append(f"{i}. {label}：{definition}" if lang == "zh" else f"{i}. {cap(label)}: {definition}")
    ratio = next((f for f in figures.figures if f.population_year is not None), None)  # a per-10,000 figure
    extracted, n = _long_date(figures.spec["known_at"], lang), figures.region["deliveries"]
    if lang == "zh":
        out.append(f"数据来源：{source(figures, 'zh')}；数据于{extracted}提取（共{n}批报送数据）。")
        year_end = figures.spec["as_of"].endswith("-12-31")
        out.append(
            ("增减均与上年（末）相比" if year_end else "同比为与上年同期相比")
            + "；上年不足10件的，列出增减件数"
            + ("；每万人口指标列出增减值。" if ratio is not None else "。")
        )
        if figures.region["kind"] == "nation":
            out.append("全国数据不含香港特别行政区、澳门特别行政区和台湾地区。")
        if ratio is not None:
            census = "（第七次全国人口普查）" if ratio.population_year == "2020" else ""
            out.append(f"每万人口指标所用常住人口为{ratio.population_year}年数据{census}。")
        out += [f"因缺少常住人口数据，本期未发布{_label(name, 'zh')}。" for name, _ in figures.omitted]
    else:
        out.append(
            f"Source: {source(figures, 'en')}; data extracted on {extracted} "
            f"({n} {'delivery' if n == 1 else 'deliveries'})."
        )
        out.append(
            "Changes are year on year; where the year-earlier figure is below 10, the change is given in units"
            + ("; changes in per-10,000 ratios are given as differences." if ratio is not None else ".")
        )
        if figures.region["kind"] == "nation":
            out.append("National figures exclude Hong Kong SAR, Macao SAR and Taiwan.")
        if ratio is not None:
            census = " (the Seventh National Population Census)" if ratio.population_year == "2020" else ""
            out.append(f"Per-10,000 ratios use the resident population of {ratio.population_year}{census}.")
        out += [
            f"{cap(_label(name, 'en'))} is not published: no resident population figure is available."
            for name, _ in figures.omitted
        ]
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
    parts += [f"issuer: {issuer}"] if issuer else []
    parts += [f"contact: {spec['contact']}"] if spec.get("contact") else []
    return "; ".join([*parts, f"release {snapshot_id}"]) + "."


# -- Markdown and HTML ----------------------------------------------------------------------------------
def markdown(figures: Figures, lang: str, snapshot_id: str) -> str:
    """The release as Markdown in one language."""
    lines = [f"# {md(title(figures, lang))}", ""]
    for p in paragraphs(figures, lang):
        lines += [f"**{md(p)}**" if p.startswith(("【", "SYNTHETIC")) else md(p), ""]
    for caption, head, body, _ in tables(figures, lang):
        lines += [f"**{md(caption)}**", "", md_table(head, body), ""]
    for caption, alt, name in chart_list(figures, lang):
        lines += [f"![{md(alt)}]({name})", "", f"*{md(caption)}*", ""]
    lines += ["", "注：" if lang == "zh" else "Notes:", ""]
    for n in notes(figures, lang):
        lines += [md(n), ""]
    lines += [md(footer(figures, lang, snapshot_id)), ""]
    return "\n".join(lines)


def chart_list(figures: Figures, lang: str) -> list[tuple[str, str, str]]:
    """Every chart as (numbered caption, alt text, file name): the map, then each trend."""
    out = (
        [("map.png", charts.map_title(figures, lang), charts.describe_map(figures, lang))]
        if charts.has_map(figures)
        else []
    )
    out += [
        (f"trend_{f.name}.png", charts.trend_title(f, figures, lang), charts.describe_trend(f, figures, lang))
        for f in figures.figures
    ]
    word = "图{n} " if lang == "zh" else "Figure {n}. "
    return [(word.format(n=i) + caption, alt, name) for i, (name, caption, alt) in enumerate(out, start=1)]


MD_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_[]<>|#"})


def md(text: str) -> str:
    """Text made inert in Markdown: titles, issuers, contacts and sources come from a spec."""
    return text.translate(MD_SPECIAL)


def md_table(head: tuple[str, ...], body: list[tuple[str, ...]]) -> str:
    """A Markdown table, every cell made inert."""
    lines = ["| " + " | ".join(md(h) for h in head) + " |", "|" + "---|" * len(head)]
    return "\n".join(lines + ["| " + " | ".join(md(c) for c in r) + " |" for r in body])


def img_src(path: Path) -> str:
    """A PNG inlined as a data URL: the HTML page stands alone."""
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode()


WIDE = 8  # columns from which a table is printed on landscape pages


def html_table(caption: str, head: tuple[str, ...], body: list[tuple[str, ...]], text_cols: set[int]) -> str:
    """An HTML table with its caption; columns not in ``text_cols`` are numbers, aligned right.

    A table of :data:`WIDE` columns or more is set on landscape pages of its own in a PDF, and every
    cell wraps anywhere: a printed table never loses a column off the page's edge.
    """
    cells = "".join(f"<th scope='col'>{html.escape(h)}</th>" for h in head)
    wide = " class='wide'" if len(head) >= WIDE else ""
    out = [f"<table{wide}><caption>{html.escape(caption)}</caption><thead><tr>{cells}</tr></thead><tbody>"]
    for r in body:
        out.append(
            "<tr>"
            + "".join(
                f"<td>{html.escape(c)}</td>" if i in text_cols else f"<td class='n'>{html.escape(c)}</td>"
                for i, c in enumerate(r)
            )
            + "</tr>"
        )
    return "".join(out) + "</tbody></table>"


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
        parts += [html_table(*t) for t in tables(figures, lang)]
        parts.append(f"<div class='notes'><p>{'注：' if lang == 'zh' else 'Notes:'}</p>")
        parts += [f"<p>{html.escape(n)}</p>" for n in notes(figures, lang)]
        parts.append(f"</div><p class='meta'>{html.escape(footer(figures, lang, snapshot_id))}</p></section>")
    both = " / ".join("图表" if lang == "zh" else "Charts" for lang in langs)
    parts.append(f"<section><h2>{both}</h2>")
    per_lang = [chart_list(figures, lang) for lang in langs]
    for i, name in enumerate(c[2] for c in per_lang[0]):
        alt = " ".join(charts_of_lang[i][1] for charts_of_lang in per_lang)
        caption = " / ".join(charts_of_lang[i][0] for charts_of_lang in per_lang)
        key = "map" if name == "map.png" else name.removeprefix("trend_").removesuffix(".png")
        parts.append(
            f"<figure><img alt='{html.escape(alt)}' src='{img_src(images[key])}'>"
            f"<figcaption>{html.escape(caption)}</figcaption></figure>"
        )
    parts.append("</section></body></html>")
    return "\n".join(parts)


# -- the release's files ------------------------------------------------------------------------------
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
    with outputs.staged(out, "the release") as (work, written):
        images = {f.name: charts.trend(f, figures, work) for f in figures.figures}
        if charts.has_map(figures):
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
    for old in [*out.glob("release.*.md"), *out.glob("trend_*.png")]:  # an earlier release's, not rewritten
        if old not in written:
            old.unlink(missing_ok=True)
    return written
