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
    base_snapshot,
    dates_line,
    sources,
)
from ipgauge.services.risk_tables import (
    RISK_ZH,
    biblio_table,
    chart_table,
    fallback_table,
    legal_table,
    plural,
    results_table,
)
from ipgauge.services.screen import Screening

CHARTED = 5  # claim charts for the five closest rights


def compute(con: duckdb.DuckDBPyConnection, db: Path, inputs: dict, upto: int) -> tuple[dict, Document]:
    """The snapshot and the document of a screening (inputs: name, text, jurisdiction, as_of, known_at, top)."""
    d, k = date.fromisoformat(inputs["as_of"]), date.fromisoformat(inputs["known_at"])
    session = Screening(con, db, ClaimIndex.open(index_dir(db)), inputs["jurisdiction"], d, k, upto=upto)
    results = session.screen(inputs["text"], inputs["top"]) if session.rights_screened else []
    manifest = read_manifest(index_dir(db)) or {}
    snapshot = base_snapshot(con, "risk", inputs, upto) | {
        "index": {"identity": manifest.get("identity"), "deliveries": manifest.get("upto")},
        "in_force": len(session.in_force),
        "screened": session.rights_screened,
        "assessed": sum(r.risk not in ("unassessable", "unassessed") for r in results),
        "warning": session.warning(inputs["text"], results),
        "results": [r.as_json() for r in results],
    }
    return snapshot, document(snapshot, sources(con, upto))


def document(snapshot: dict, source_notes: dict[str, list[str]]) -> Document:
    """The report's text and tables from its snapshot (so a reproduced snapshot says exactly the same)."""
    i, results = snapshot["inputs"], snapshot["results"]
    tables = [results_table(results), legal_table(results), biblio_table(results)]
    for r in results[:CHARTED]:
        # a patent at low risk gets its best-supported claim's chart only: what it lacks is the point
        charted = (r.get("claims") or [r])[: 1 if r["risk"] == "low" else None]
        for c in charted:
            tables.append(chart_table(len(tables) + 1, r, c))
            if c.get("fallbacks") and r["risk"] != "low":
                tables.append(fallback_table(len(tables) + 1, r, c))
    title = {
        "zh": f"侵权风险筛查报告：{i['name'] or '产品'}",
        "en": f"Infringement-risk screening: {i['name'] or 'product'}",
    }
    charts = [
        (
            "scores.png",
            {
                "zh": "检索到的有效专利：与产品描述的语义相似度与风险",
                "en": "The patents found: semantic similarity to the product description, and risk",
            },
        )
    ]
    return Document(
        title, _lead(snapshot, source_notes), tables, _notes(snapshot, source_notes), charts if results else []
    )


def _lead(snapshot: dict, source_notes: dict[str, list[str]]) -> dict[str, list[str]]:
    i, results = snapshot["inputs"], snapshot["results"]
    d, k, j = date.fromisoformat(i["as_of"]), date.fromisoformat(i["known_at"]), i["jurisdiction"]
    counts = {level: sum(r["risk"] == level for r in results) for level in RISK_ZH}
    in_force, screened = snapshot["in_force"], snapshot.get("screened", snapshot["in_force"])
    where_zh = JURISDICTION_ZH.get(j, j)
    warning = snapshot.get("warning")
    label = "NOT SCREENED" if not screened else "NOT ASSESSED" if not snapshot.get("assessed", 1) else "INCOMPLETE"
    first = {
        "zh": [f"【未完成筛查】{_warning_zh(snapshot)}"] if warning else [],
        "en": [f"[{label}] {warning}"] if warning else [],
    }
    others = {
        "zh": "、".join(f"{RISK_ZH[x]}{counts[x]}件" for x in ("unassessed", "unassessable") if counts[x]),
        "en": "; ".join(
            f"{counts[x]} {'unassessed (another language)' if x == 'unassessed' else 'unassessable (design claims)'}"
            for x in ("unassessed", "unassessable")
            if counts[x]
        ),
    }
    if not results:
        summary = {
            "zh": "未列出任何专利：没有可比对的权利要求，不能据此得出“无风险”的结论。",
            "en": "No patent is listed: there were no claims to compare, so nothing here says there is no risk.",
        }
    else:
        summary = {
            "zh": f"在本系统登记库中于{d.isoformat()}在{where_zh}有效的{in_force:,}件专利中"
            f"（其中{screened:,}件有权利要求文本），"
            f"与所筛查产品最接近的{len(results)}件列于下表：高风险{counts['high']}件、中风险{counts['medium']}件、"
            f"低风险{counts['low']}件"
            + (f"；{others['zh']}" if others["zh"] else "")
            + "。风险等级依全面覆盖原则，按每件专利"
            "对应最充分的独立权利要求确定：全部技术特征（含前序部分的特征）均有对应为高风险（可能构成字面侵权）；仅缺一项为中风险"
            "（须判断产品是否具有与之等同的特征），未缺但有特征待复核（文字不能确定）亦为中风险，不作低风险；缺两项以上为低风险；产品描述明确否定的特征视为缺少。",
            "en": f"Of the {plural(in_force, 'patent')} in force in {j} on {d.isoformat()} in this register "
            f"({screened:,} with claims), the {plural(len(results), 'patent')} closest to the product screened "
            f"{'is' if len(results) == 1 else 'are'} listed below: {counts['high']} at high risk, "
            f"{counts['medium']} at medium "
            f"risk and {counts['low']} at low risk"
            + (f"; {others['en']}" if others["en"] else "")
            + ". Each patent's risk is "
            "that of its best-supported independent claim under the all-elements rule: every limitation found is high "
            "(literal infringement possible); exactly one missing is medium (whether the product has an equivalent "
            "of it is for counsel), and so is none missing but some unclear (the words cannot settle it: never low); "
            "more missing is low. A limitation the description denies counts as missing.",
        }
    return {
        "zh": [
            *first["zh"],
            *source_notes.get("lead_zh", []),
            dates_line(j, d, k)["zh"],
            summary["zh"],
            f"所筛查的产品（{i['name'] or '产品'}）：{i['text']}",
        ],
        "en": [
            *first["en"],
            *source_notes.get("lead_en", []),
            dates_line(j, d, k)["en"],
            summary["en"],
            f"The product screened ({i['name'] or 'product'}): {i['text']}",
        ],
    }


def _warning_zh(snapshot: dict) -> str:
    in_force, screened = snapshot["in_force"], snapshot.get("screened", 0)
    if not screened:
        return f"本系统登记库中有效的{in_force:,}件专利均无权利要求文本，未进行任何比对，本报告不能说明不存在侵权风险。"
    told = []
    if screened < in_force:
        told.append(f"有效的{in_force:,}件专利中仅{screened:,}件有权利要求文本，其余{in_force - screened:,}件未经比对")
    if snapshot["results"] and not snapshot.get("assessed", 1):
        told.append("检索到的专利均无法以文字比对评估（外观设计，或权利要求与产品描述语言不同）")
    if "cut:" in (snapshot.get("warning") or ""):
        told.append("产品描述过长，仅筛查了前20,000个字符")
    return "；".join(told) + "。"


def _notes(snapshot: dict, source_notes: dict[str, list[str]]) -> dict[str, list[str]]:
    i = snapshot["inputs"]
    d, j = date.fromisoformat(i["as_of"]), i["jurisdiction"]
    where_zh = JURISDICTION_ZH.get(j, j)
    in_force = snapshot["in_force"]
    return {
        "zh": [
            f"检索范围：仅为本系统登记库中于{d.isoformat()}在{where_zh}有效的{in_force:,}件专利（其权利要求），"
            "不含在审申请及本系统登记库未收录的专利；本筛查不是自由实施（FTO）检索，结果完全取决于所提供的产品描述。",
            "法律状态与有效期依本系统登记库所收录数据由法律规则推定（有效至：期限届满日，或截至K已记录的更早失效日），"
            "未经官方核实。",
            "方法：先确定在该法域、该日、按数据截止日有效的专利，仅对其独立权利要求检索（关键词BM25与多语种语义检索，"
            "倒数排名融合）；语义相似度为多语种句向量的余弦相似度。对每件专利的全部独立权利要求逐一比对：权利要求按分号、"
            "并列的功能或步骤、“其中/wherein”从句及部件列举拆分为技术特征（含前序部分的特征），每项特征与产品描述的各句（或相邻两句）"
            "按文字重合度（词干、同义词）与语义相似度的加权得分比较，达到阈值即视为具备，略低于阈值的记为“待复核”（不计为具备，也不计为缺少）；对应句中含否定或排除表述"
            "（不、没有、无、未、非、并非、而不是、not、never、without、rather than等）且被否定的正是该特征时，"
            "记为“产品描述明确否定”，视为缺少。"
            "阈值在自建标注集的开发部分选定，测试部分的结果见docs/benchmarks.md。文字或语义相近不等于技术等同，须由专业人员复核；"
            "从属权利要求列为专利权人的退守位置，附其附加特征的比对结果（其引用的从属权利要求未具备时亦不具备）；外观设计的保护范围以图片为准，不适用文字比对；"
            "权利要求与产品描述语言不同者未评估。",
            "著录项目来自本系统登记库所收录的授权文本、转让与法律事件数据（引用文献含审查员引用的标注、优先权、"
            "授权前公开号）；非专利文献按授权文本所载列出，未核对原文。",
            "已知局限（自建标注集测得，见docs/benchmarks.md）：以不同措辞描述的特征极少被识别为“具备”，多记为“待复核”或"
            "“描述未提及”；风险等级与律师判断一致的约为一半；从未在缺少或被否定特征时给出高风险。请逐行复核“待复核”与"
            "“描述未提及”的特征及其最接近的内容。",
            DISCLAIMER["zh"],
            *source_notes["zh"],
        ],
        "en": [
            f"Scope: only the {plural(in_force, 'patent')} in force in {j} on {d.isoformat()} held in this register "
            "(their claims); pending applications and patents the register does not hold are not covered. This "
            "screening is not a freedom-to-operate search, and its result depends entirely on the product description "
            "supplied.",
            "Legal status and the last day in force are derived by the law's rules from the register's data (the end "
            "of the term, or an earlier lapse recorded by K); they are not verified with the office.",
            "Method: the patents in force in the jurisdiction on D as known on K are decided first; only their "
            "independent claims are searched, by keywords (BM25) and by a multilingual sentence encoder, the two "
            "rankings fused by reciprocal rank; the similarity shown is the encoder's cosine. Every independent claim "
            "of a patent found is charted (for a patent at low risk, the report shows its best-supported claim only; "
            "report.json holds them all): split into limitations at semicolons, parallel functions or steps, "
            "wherein clauses and lists of components (the preamble's features included), each limitation compared "
            "with every sentence (or two adjacent sentences) of the description by a blend of word overlap (stems, "
            "synonyms) and the encoder's similarity, and found above a threshold. A passage that denies the very "
            "words of a limitation (not, never, no, without, rather than, instead of, free of, lacks …) makes it "
            "contradicted, and it counts as missing; one a little below the threshold is unclear, for review "
            "(neither found nor missing). The thresholds were chosen on the development half of a "
            "labelled set built for the purpose; its test half's results are in docs/benchmarks.md. Similar words or "
            "meaning are not technical equivalence: a professional must review every row. Dependent claims are "
            "listed as fallback positions with the limitations they add; a design claim's scope is its drawings and "
            "is not assessed from text; a claim in another language than the description is unassessed.",
            "The bibliographic data come from the grants, assignments and legal events the register holds (cited "
            "documents with who cited them, priority claims, the pre-grant publication); non-patent literature is "
            "listed as the grant prints it, not checked against the source.",
            "Known limits (measured on a labelled set, docs/benchmarks.md): a limitation described in other words than "
            "the claim's is rarely found — it is shown as unclear or not described; the risk level agreed with an "
            "attorney's in about half of the cases; a high risk was never given where a limitation was missing or "
            "denied. Review every unclear and not-described row against its closest passage.",
            DISCLAIMER["en"],
            *source_notes["en"],
        ],
    }


COLOURS = {"high": "#c0392b", "medium": "#e67e22", "low": "#95a5a6", "unassessed": "#d5dbdb", "unassessable": "#ecf0f1"}


def draw(snapshot: dict, work: Path) -> dict[str, Path]:
    """A bar per right: its semantic similarity to the product, coloured by its risk (same snapshot, same bytes).

    The similarity is the encoder's cosine, not the fused rank score (which puts the first result at 1.0).
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    from ipgauge.releases.charts import PNG, style

    results = snapshot["results"]
    if not results:
        return {}
    style()
    f, ax = plt.subplots(figsize=(7.2, 0.4 * len(results) + 1.3))
    labels = [f"{r['right_id']} ({r['elements_found']}/{r['elements']})" for r in results][::-1]
    values = [max(r.get("similarity") or 0.0, 0.0) for r in results][::-1]
    ax.barh(labels, values, color=[COLOURS[r["risk"]] for r in results][::-1])
    ax.set_xlim(0, 1)
    ax.set_xlabel("语义相似度 similarity (cosine)")
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(
        handles=[Patch(color=c, label=f"{RISK_ZH[k]} {k}") for k, c in COLOURS.items()], frameon=False, fontsize=8
    )
    f.tight_layout()
    path = work / "scores.png"
    f.savefig(path, metadata=PNG)
    plt.close(f)
    return {"scores.png": path}
