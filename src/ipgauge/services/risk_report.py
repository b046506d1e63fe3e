"""The infringement-risk screening report: the rights in force closest to a product, each with its claim chart."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb

from ipgauge.services.claim_index import ClaimIndex, index_dir, read_manifest
from ipgauge.services.report import Document, Table, base_snapshot, dates_line, risk_disclaimer, sources
from ipgauge.services.screen import Screening

CHARTED = 5  # claim charts for the five closest rights
RISK_ZH = {"high": "高", "medium": "中", "low": "低", "unassessed": "未评估"}  # as the Chinese report says them


def compute(con: duckdb.DuckDBPyConnection, db: Path, inputs: dict, upto: int) -> tuple[dict, Document]:
    """The snapshot and the document of a screening (inputs: name, text, jurisdiction, as_of, known_at, top)."""
    d, k = date.fromisoformat(inputs["as_of"]), date.fromisoformat(inputs["known_at"])
    session = Screening(con, db, ClaimIndex.open(index_dir(db)), inputs["jurisdiction"], d, k, upto=upto)
    results = session.screen(inputs["text"], inputs["top"])
    manifest = read_manifest(index_dir(db)) or {}
    snapshot = base_snapshot(con, "risk", inputs, upto) | {
        "index": {"identity": manifest.get("identity"), "deliveries": manifest.get("upto")},
        "in_force": len(session.in_force),
        "results": [r.as_json() for r in results],
    }
    return snapshot, document(snapshot, sources(con, upto))


def document(snapshot: dict, source_notes: dict[str, list[str]]) -> Document:
    """The report's text and tables from its snapshot (so a reproduced snapshot says exactly the same)."""
    i, results = snapshot["inputs"], snapshot["results"]
    d, k, j = date.fromisoformat(i["as_of"]), date.fromisoformat(i["known_at"]), i["jurisdiction"]
    counts = {level: sum(r["risk"] == level for r in results) for level in RISK_ZH}
    name = {"zh": i["name"] or "产品", "en": i["name"] or "product"}
    lead = {
        "zh": [
            dates_line(j, d, k)["zh"],
            f"在{j}于{d.isoformat()}有效的{snapshot['in_force']:,}件专利中，与所筛查产品最接近的{len(results)}件如下："
            f"高风险{counts['high']}件、中风险{counts['medium']}件、低风险{counts['low']}件"
            + (f"，{counts['unassessed']}件因语言不同未评估" if counts["unassessed"] else "")
            + "。",
            f"所筛查的产品（{name['zh']}）：{i['text']}",
        ],
        "en": [
            dates_line(j, d, k)["en"],
            f"Of the {snapshot['in_force']:,} patents in force in {j} on {d.isoformat()}, the {len(results)} "
            f"closest to the product screened are listed below: {counts['high']} at high risk, "
            f"{counts['medium']} at medium risk and {counts['low']} at low risk"
            + (f"; {counts['unassessed']} unassessed, in another language" if counts["unassessed"] else "")
            + ".",
            f"The product screened ({name['en']}): {i['text']}",
        ],
    }
    tables = [
        Table(
            "results",
            {"zh": "表1 最接近的有效专利", "en": "Table 1. The closest patents in force"},
            {
                "zh": ("序号", "专利", "权利要求", "权利人", "届满日", "排序得分", "风险", "已对应特征", "名称"),
                "en": ("#", "Patent", "Claim", "Holder", "Last day", "Rank score", "Risk", "Elements found", "Title"),
            },
            [
                [
                    n,
                    r["right_id"],
                    r["claim"],
                    r["holder"],
                    r["expiry"],
                    r["score"],
                    r["risk"],
                    f"{r['elements_found']}/{r['elements']}",
                    r["title"],
                ]
                for n, r in enumerate(results, start=1)
            ],
            {1, 3, 4, 6, 7, 8},
            {6: RISK_ZH},
            {0, 2},
        )
    ]
    for n, r in enumerate(results[:CHARTED], start=1):
        tables.append(
            Table(
                f"chart {n} {r['right_id']}"[:31],
                {
                    "zh": f"表{n + 1} 权利要求对比表：{r['right_id']} 权利要求{r['claim']}"
                    f"（风险：{RISK_ZH[r['risk']]}）",
                    "en": f"Table {n + 1}. Claim chart: {r['right_id']} claim {r['claim']} ({r['risk']} risk)",
                },
                {
                    "zh": ("技术特征", "产品中的对应内容", "覆盖率", "是否对应"),
                    "en": ("Element", "Supporting passage of the product", "Coverage", "Found"),
                },
                [
                    [row["element"], row["passage"] or "", row["coverage"], row["passage"] is not None]
                    for row in r["chart"]
                ],
                {0, 1},
            )
        )
    notes = {
        "zh": [
            "方法：先由法律引擎确定在该法域、该日、按该知悉日有效的专利，仅对其独立权利要求检索；"
            "检索为BM25（英文词干、中文分词）与多语种句向量（USE-multilingual v3）的倒数排名融合；"
            "每项技术特征在产品描述中找到覆盖其一半以上实词的段落即视为对应；全部特征对应为高风险，"
            "半数以上为中风险，其余为低风险（全面覆盖原则）；权利要求与产品描述语言不同者未评估。"
            "排序得分为两种排序的倒数排名融合（1表示两者均排第一），用于排序，不是相似度的度量。",
            risk_disclaimer()["zh"],
            *source_notes["zh"],
        ],
        "en": [
            "Method: the law engine first decides which patents are in force in the jurisdiction on D as known on K; "
            "only their independent claims are searched, by BM25 (English stems, Chinese words) fused by reciprocal "
            "rank with a multilingual sentence encoder (USE-multilingual v3); an element is found when a passage of "
            "the product description holds at least half of its content words; every element found is high risk, at "
            "least half medium, fewer low (the all-elements rule); a claim in another language than the description "
            "is unassessed. The rank score is the reciprocal-rank fusion of the two rankings (1 = first in both): "
            "it orders the results, it does not measure similarity.",
            risk_disclaimer()["en"],
            *source_notes["en"],
        ],
    }
    title = {"zh": f"侵权风险筛查报告：{name['zh']}", "en": f"Infringement-risk screening: {name['en']}"}
    charts = [
        ("scores.png", {"zh": "最接近的有效专利：相似度与风险", "en": "The closest patents in force: score and risk"})
    ]
    return Document(title, lead, tables, notes, charts if results else [])


COLOURS = {"high": "#c0392b", "medium": "#e67e22", "low": "#95a5a6", "unassessed": "#d5dbdb"}


def draw(snapshot: dict, work: Path) -> dict[str, Path]:
    """A bar per right: its fused score, coloured by its risk (no timestamps: the same snapshot, the same bytes)."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    from ipgauge.releases.charts import PNG, style

    results = snapshot["results"]
    if not results:
        return {}
    style()
    f, ax = plt.subplots(figsize=(7.2, 0.4 * len(results) + 1.3))
    labels = [f"{r['right_id']} ({r['elements_found']}/{r['elements']})" for r in results][::-1]
    ax.barh(labels, [r["score"] for r in results][::-1], color=[COLOURS[r["risk"]] for r in results][::-1])
    ax.set_xlim(0, 1)
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(
        handles=[Patch(color=c, label=f"{RISK_ZH[k]}风险 {k}") for k, c in COLOURS.items()], frameon=False, fontsize=8
    )
    f.tight_layout()
    path = work / "scores.png"
    f.savefig(path, metadata=PNG)
    plt.close(f)
    return {"scores.png": path}
