"""The infringement-risk screening report: the rights in force closest to a product, each with its claim chart."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb

from ipgauge.services.claim_chart import DISCLAIMER
from ipgauge.services.claim_index import ClaimIndex, index_dir, read_manifest
from ipgauge.services.report import (
    JURISDICTION_ZH,
    Document,
    Table,
    base_snapshot,
    dates_line,
    sources,
)
from ipgauge.services.screen import Screening, status

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
    where_zh = JURISDICTION_ZH.get(j, j)
    in_force = snapshot["in_force"]
    listed_zh = (
        f"全部{len(results)}件按与所筛查产品的接近程度列于下表"
        if len(results) == in_force
        else f"与所筛查产品最接近的{len(results)}件列于下表"
    )
    listed_en = f"all {len(results)}" if len(results) == in_force else f"the {len(results)} closest"
    lead = {
        "zh": [
            *source_notes.get("lead_zh", []),
            dates_line(j, d, k)["zh"],
            f"在登记簿中于{d.isoformat()}在{where_zh}有效的{in_force:,}件专利中，{listed_zh}："
            f"高风险{counts['high']}件、中风险{counts['medium']}件、低风险{counts['low']}件"
            + (f"，{counts['unassessed']}件因语言不同未评估" if counts["unassessed"] else "")
            + "。风险等级依全面覆盖原则：全部技术特征均有对应为高风险（可能构成字面侵权）；仅缺一项为中风险"
            "（须判断产品是否具有与之等同的特征）；缺两项以上为低风险。",
            f"所筛查的产品（{name['zh']}）：{i['text']}",
        ],
        "en": [
            *source_notes.get("lead_en", []),
            dates_line(j, d, k)["en"],
            f"Of the {in_force:,} patents in force in {j} on {d.isoformat()} in the register, {listed_en} to the "
            f"product screened are listed below: {counts['high']} at high risk, {counts['medium']} at medium risk and "
            f"{counts['low']} at low risk"
            + (f"; {counts['unassessed']} unassessed, in another language" if counts["unassessed"] else "")
            + ". Risk follows the all-elements rule: every element found is high (literal infringement possible); "
            "exactly one missing is medium (whether the product has an equivalent of it is for counsel); more "
            "missing is low.",
            f"The product screened ({name['en']}): {i['text']}",
        ],
    }
    status_zh = {status(r, "en"): status(r, "zh") for r in results}
    tables = [
        Table(
            "results",
            {"zh": "表1 检索到的有效专利", "en": "Table 1. The patents in force found"},
            {
                "zh": (
                    "序号",
                    "专利",
                    "权利要求",
                    "权利人",
                    "法律状态",
                    "有效至",
                    "风险",
                    "已对应特征",
                    "检索排序得分",
                    "名称",
                ),
                "en": (
                    "#",
                    "Patent",
                    "Claim",
                    "Holder",
                    "Legal status",
                    "In force until",
                    "Risk",
                    "Elements found",
                    "Rank score",
                    "Title",
                ),
            },
            [
                [
                    n,
                    r["right_id"],
                    r["claim"],
                    r["holder"],
                    status(r, "en"),
                    r["expiry"],
                    r["risk"],
                    f"{r['elements_found']}/{r['elements']}",
                    r["score"],
                    r["title"],
                ]
                for n, r in enumerate(results, start=1)
            ],
            {1, 3, 4, 5, 6, 7, 9},
            {4: status_zh, 6: RISK_ZH},
            {0, 2},
        )
    ]
    for n, r in enumerate(results[:CHARTED], start=1):
        missing = [row["element"] for row in r["chart"] if row["passage"] is None]
        tables.append(
            Table(
                f"chart {n} {r['right_id']}"[:31],
                {
                    "zh": f"表{n + 1} 权利要求对比表：{r['right_id']} 权利要求{r['claim']}"
                    f"（主题：{r.get('preamble', '')}；风险：{RISK_ZH[r['risk']]}"
                    + (f"；未找到对应的特征：{len(missing)}项" if missing else "")
                    + "）",
                    "en": f"Table {n + 1}. Claim chart: {r['right_id']} claim {r['claim']} "
                    f"({r.get('preamble', '')}; {r['risk']} risk"
                    + (f"; {len(missing)} element(s) not found" if missing else "")
                    + ")",
                },
                {
                    "zh": ("技术特征", "产品描述中的对应内容", "文字重合度", "比对结果"),
                    "en": ("Element", "Supporting passage of the product description", "Word overlap", "Found"),
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
            f"检索范围：仅为本登记簿中于{d.isoformat()}在{where_zh}有效的{in_force:,}件专利（独立权利要求），"
            "不含在审申请及登记簿未收录的专利；本筛查不是自由实施（FTO）检索，结果完全取决于所提供的产品描述。",
            "法律状态与有效期依登记簿所收录数据由法律规则推定（有效至：期限届满日，或截至K已记录的更早失效日），"
            "未经官方核实。",
            "方法：先确定在该法域、该日、按数据截止日有效的专利，仅对其独立权利要求检索；检索排序得分为关键词检索（BM25）"
            "与多语种语义检索两种排序的倒数排名融合（1表示两者均排第一），用于排序，不是相似度的度量。"
            "技术特征在产品描述中找到覆盖其一半以上实词的段落（可跨至三个相邻分句）即视为对应；文字重合不等于技术等同，"
            "须由专业人员复核；权利要求与产品描述语言不同者未评估。",
            DISCLAIMER["zh"],
            *source_notes["zh"],
        ],
        "en": [
            f"Scope: only the {in_force:,} patents in force in {j} on {d.isoformat()} held in this register (their "
            "independent claims); pending applications and patents the register does not hold are not covered. "
            "This screening is not a freedom-to-operate search, and its result depends entirely on the product "
            "description supplied.",
            "Legal status and the last day in force are derived by the law's rules from the register's data (the "
            "end of the term, or an earlier lapse recorded by K); they are not verified with the office.",
            "Method: the patents in force in the jurisdiction on D as known on K are decided first; only their "
            "independent claims are searched, by keywords (BM25) and by a multilingual sentence encoder, the two "
            "rankings fused by reciprocal rank (the rank score: 1 = first in both; it orders, it does not measure "
            "similarity). An element is found when a passage of the description (up to three adjacent clauses) "
            "holds at least half of its content words; word overlap is not technical equivalence and is for a "
            "professional to review; a claim in another language than the description is unassessed.",
            DISCLAIMER["en"],
            *source_notes["en"],
        ],
    }
    title = {"zh": f"侵权风险筛查报告：{name['zh']}", "en": f"Infringement-risk screening: {name['en']}"}
    charts = [
        (
            "scores.png",
            {
                "zh": "检索到的有效专利：检索排序得分（非相似度）与风险",
                "en": "The patents found: rank score (not similarity) and risk",
            },
        )
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
