"""Writing a release to files: Markdown per language, one HTML page with both, PDF, XLSX, CSV, JSON.

Every file is written into a hidden folder first and moved into place when all are done.
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
from pathlib import Path

from ipgauge import outputs
from ipgauge.errors import UserError, why
from ipgauge.releases import charts
from ipgauge.releases.figures import Figure, Figures
from ipgauge.releases.text import paragraphs, title
from ipgauge.releases.wording import number, pct

HEADERS = {
    "zh": ("指标", "数值", "上年同期", "同比（%）", "占全国（%）", "单位"),
    "en": ("Indicator", "Value", "A year earlier", "Change (%)", "Share of nation (%)", "Unit"),
}
CSS = """
body { font-family: "Noto Sans CJK SC", "Noto Sans CJK JP", sans-serif; max-width: 46em; margin: 2em auto;
       color: #222; line-height: 1.6; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }
td, th { border: 1px solid #ccc; padding: 0.25em 0.6em; } td.n { text-align: right; }
.synthetic { color: #a00; font-weight: bold; } img { max-width: 100%; }
.meta { color: #666; font-size: 0.8em; } section { page-break-after: always; }
"""


def _value(fig: Figure, value: float, lang: str) -> str:
    return pct(value) if fig.population_year is not None else number(value, lang)


def signed(x: float) -> str:
    """+10.2, -3.1 or 0.0: a change with its sign."""
    return f"{'+' if x > 0 else '-' if x < 0 else ''}{pct(x)}"


def rows(figures: Figures, lang: str) -> list[tuple[str, ...]]:
    """The figures table of one language (formatted)."""
    out = []
    for f in figures.figures:
        out.append(
            (
                f.label_zh if lang == "zh" else f.label_en,
                _value(f, f.value, lang),
                _value(f, f.previous, lang),
                "—" if f.yoy_pct is None else signed(f.yoy_pct),
                "—" if f.share_pct is None else pct(f.share_pct),
                f.unit_zh if lang == "zh" else f.unit_en,
            )
        )
    return out


def member_rows(figures: Figures, lang: str) -> list[tuple[str, ...]]:
    """The first indicator by member region."""
    if not figures.figures or not figures.figures[0].members:
        return []
    f = figures.figures[0]
    return [
        (
            m.name_zh if lang == "zh" else m.name_en,
            number(m.value, lang),
            number(m.previous, lang),
            "—" if not m.previous else pct((m.value - m.previous) / m.previous * 100),
        )
        for m in f.members
    ]


def markdown(figures: Figures, lang: str, snapshot_id: str) -> str:
    """The release as Markdown in one language."""
    lines = [f"# {title(figures, lang)}", ""]
    for p in paragraphs(figures, lang):
        lines += [f"**{p}**" if p.startswith(("【", "SYNTHETIC")) else p, ""]
    head = HEADERS[lang]
    lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(r) + " |" for r in rows(figures, lang)]
    members = member_rows(figures, lang)
    if members:
        first = figures.figures[0]
        lines += ["", f"**{first.label_zh if lang == 'zh' else first.label_en}**", ""]
        lines += ["| " + " | ".join(head[:3] + (head[3],)) + " |", "|---|---|---|---|"]
        lines += ["| " + " | ".join(r) + " |" for r in members]
    lines += ["", "![map](map.png)", ""]
    lines += [f"![{f.name}](trend_{f.name}.png)" for f in figures.figures]
    lines += ["", _meta(figures, lang, snapshot_id), ""]
    return "\n".join(lines)


def _meta(figures: Figures, lang: str, snapshot_id: str) -> str:
    spec = figures.spec
    if lang == "zh":
        return f"发布编号 {snapshot_id}；统计日 {spec['as_of']}；数据截至（登记簿认知日）{spec['known_at']}。"
    return f"Release {snapshot_id}; figures as of {spec['as_of']}, as known to the register on {spec['known_at']}."


def _img(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode()


def page(figures: Figures, snapshot_id: str, images: dict[str, Path]) -> str:
    """One self-contained HTML page with both languages (images inlined)."""
    parts = [
        "<!DOCTYPE html><html><head><meta charset='utf-8'>",
        f"<title>{html.escape(title(figures, 'en'))}</title><style>{CSS}</style></head><body>",
    ]
    for lang in figures.spec["languages"]:
        parts.append(
            f"<section lang='{'zh-CN' if lang == 'zh' else 'en'}'><h1>{html.escape(title(figures, lang))}</h1>"
        )
        for p in paragraphs(figures, lang):
            cls = " class='synthetic'" if p.startswith(("【", "SYNTHETIC")) else ""
            parts.append(f"<p{cls}>{html.escape(p)}</p>")
        parts.append("<table><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in HEADERS[lang]) + "</tr>")
        for r in rows(figures, lang):
            parts.append(
                "<tr><td>"
                + html.escape(r[0])
                + "</td>"
                + "".join(f"<td class='n'>{html.escape(c)}</td>" for c in r[1:5])
                + f"<td>{html.escape(r[5])}</td></tr>"
            )
        parts.append("</table>")
        members = member_rows(figures, lang)
        if members:
            parts.append("<table><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in HEADERS[lang][:4]) + "</tr>")
            for r in members:
                parts.append(
                    "<tr><td>"
                    + html.escape(r[0])
                    + "</td>"
                    + "".join(f"<td class='n'>{html.escape(c)}</td>" for c in r[1:])
                    + "</tr>"
                )
            parts.append("</table>")
        parts.append(f"<img alt='map' src='{_img(images['map'])}'>")
        for f in figures.figures:
            parts.append(f"<img alt='{f.name}' src='{_img(images[f.name])}'>")
        parts.append(f"<p class='meta'>{html.escape(_meta(figures, lang, snapshot_id))}</p></section>")
    parts.append("</body></html>")
    return "\n".join(parts)


def xlsx(figures: Figures, snapshot: dict, path: Path) -> None:
    """A workbook: figures, members, trends, and what the release is (spec, K, checksums)."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "figures"
    ws.append(
        [
            "indicator",
            "label_zh",
            "label_en",
            "unit_zh",
            "unit_en",
            "value",
            "previous",
            "yoy_pct",
            "parent",
            "parent_value",
            "share_pct",
            "population_year",
        ]
    )
    for f in figures.figures:
        ws.append(
            [
                f.name,
                f.label_zh,
                f.label_en,
                f.unit_zh,
                f.unit_en,
                f.value,
                f.previous,
                None if f.yoy_pct is None else round(f.yoy_pct, 4),
                figures.region["parent"],
                f.parent_value,
                None if f.share_pct is None else round(f.share_pct, 4),
                f.population_year,
            ]
        )
    ws = wb.create_sheet("members")
    ws.append(["indicator", "code", "name_zh", "name_en", "value", "previous"])
    for f in figures.figures:
        for m in f.members:
            ws.append([f.name, m.code, m.name_zh, m.name_en, m.value, m.previous])
    ws = wb.create_sheet("trends")
    ws.append(["indicator", "as_of", "value"])
    for f in figures.figures:
        for d, v in f.trend:
            ws.append([f.name, d, v])
    ws = wb.create_sheet("about")
    for key in ("release_id", "known_at", "inputs_checksum", "figures_checksum", "synthetic"):
        ws.append([key, str(snapshot[key])])
    ws.append(["spec", json.dumps(figures.spec, ensure_ascii=False, sort_keys=True)])
    wb.properties.creator = "ipgauge"
    wb.save(path)


def figures_csv(figures: Figures) -> str:
    """The figures as CSV (one row per indicator, then one per member)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(
        ["indicator", "region", "as_of", "known_at", "value", "previous", "yoy_pct", "share_pct", "unit", "synthetic"]
    )
    spec = figures.spec
    for f in figures.figures:
        w.writerow(
            [
                f.name,
                figures.region["code"],
                spec["as_of"],
                spec["known_at"],
                f.value,
                f.previous,
                "" if f.yoy_pct is None else round(f.yoy_pct, 4),
                "" if f.share_pct is None else round(f.share_pct, 4),
                f.unit_en,
                figures.synthetic,
            ]
        )
        for m in f.members:
            yoy = "" if not m.previous else round((m.value - m.previous) / m.previous * 100, 4)
            w.writerow(
                [
                    f.name,
                    m.code,
                    spec["as_of"],
                    spec["known_at"],
                    m.value,
                    m.previous,
                    yoy,
                    "",
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
        images = {f.name: charts.trend(f, work, figures.synthetic) for f in figures.figures}
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
