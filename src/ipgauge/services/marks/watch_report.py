"""The squatting alert as a report in Chinese and English, through the risk reports' writer.

A folder like every service report (``report.zh.md``, ``report.en.md``, ``report.html``,
``report.pdf``, ``report.xlsx``, ``report.json``): what was watched, since when, as known on which
day, the filings that conflict with each watched mark and why, the sources, and the disclaimer.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb

from ipgauge.register.store import last_delivery
from ipgauge.services.marks.clearance import Alert
from ipgauge.services.report import Document, Table, base_snapshot, report_id, sources, write

DISCLAIMER = {
    "zh": "本报告为商标近似筛查结果，不构成法律意见；是否提出异议或无效宣告请咨询执业律师。",
    "en": "This report is a trademark similarity screening, not a legal opinion; consult an attorney before "
    "opposing or seeking cancellation.",
}


def document(alerts: list[Alert], watched: list[tuple[str, list[int]]], since: date, k: date, where: str) -> Document:
    """The alert's content in both languages."""
    rows = [
        [a.watched, a.conflict.mark, a.conflict.right_id, a.filed.isoformat(), a.conflict.owner,
         a.conflict.owner_country, ",".join(map(str, a.conflict.classes)), round(a.conflict.score, 2),
         "; ".join(a.conflict.reasons[:3])]
        for a in alerts
    ]  # fmt: skip
    table = Table(
        "alerts",
        {"zh": "与监测商标近似的新申请", "en": "New filings that conflict with the watched marks"},
        {
            "zh": ("监测商标", "新申请商标", "申请号", "申请日", "申请人", "国家/地区", "类别", "近似度", "理由"),
            "en": ("watched mark", "filed mark", "serial", "filed", "applicant", "country", "classes", "score", "why"),
        },
        rows,
        text_cols={0, 1, 2, 3, 4, 5, 6, 8},
    )
    n = len(alerts)
    lead = {
        "zh": [f"监测商标{len(watched)}件；{where}自{since.isoformat()}起的商标申请中（数据截至{k.isoformat()}），"
               f"发现可能构成混淆的申请{n}件。"],
        "en": [f"{len(watched)} marks watched; among the trademark filings in {where} since {since.isoformat()} "
               f"(as known on {k.isoformat()}), {n} {'filing' if n == 1 else 'filings'} may cause confusion."],
    }  # fmt: skip
    notes = {
        "zh": ["近似度综合读音（拼音、Double Metaphone）、字形、含义（CC-CEDICT 词典，CC BY-SA 4.0）与商品类别。",
               DISCLAIMER["zh"]],
        "en": ["Likeness combines sound (pinyin, Double Metaphone), sight, meaning (CC-CEDICT, CC BY-SA 4.0) and "
               "the goods' classes.", DISCLAIMER["en"]],
    }  # fmt: skip
    return Document({"zh": "商标抢注监测报告", "en": "Trademark watch: possible squatting"}, lead, [table], notes)


def write_report(
    con: duckdb.DuckDBPyConnection, out: Path, alerts: list[Alert], watched, since: date, k: date, where: str
) -> list[Path]:
    """Write the alert report into ``out``; returns the files written."""
    doc = document(alerts, watched, since, k, where)
    upto = last_delivery(con)
    said = sources(con, upto)
    doc.lead = {lang: said[f"lead_{lang}"] + doc.lead[lang] for lang in ("zh", "en")}
    doc.notes = {lang: said[lang] + doc.notes[lang] for lang in ("zh", "en")}
    inputs = {"watched": watched, "since": since.isoformat(), "known_at": k.isoformat(), "jurisdiction": where}
    snapshot = base_snapshot(con, "trademark_watch", inputs, upto) | {"alerts": [a.as_json() for a in alerts]}
    snapshot["report_id"] = report_id(snapshot)
    return write(doc, snapshot, out, lambda work: {})
