"""The infringement-risk screening report: the rights in force closest to a product, each with its claim chart."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb

from ipgauge.services.claim_chart import ACROSS, DISCLAIMER, UNASSESSABLE
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
RISK_ZH = {"high": "高", "medium": "中", "low": "低", "unassessed": "未评估", "unassessable": "不适用文字比对"}
VERDICT = {
    "zh": {
        "found": "具备",
        "contradicted": "产品描述明确否定",
        "unclear": "待复核（可能以其他措辞描述）",
        "missing": "描述未提及",
        "unassessed": "未评估（语言不同）",
    },
    "en": {
        "found": "found",
        "contradicted": "contradicted (denied by the description)",
        "unclear": "unclear: review (may be described in other words)",
        "missing": "not described",
        "unassessed": "unassessed (another language)",
    },
}
#: Claims and titles are quoted as published, in their own language (never translated): said in every caption.
ORIGINAL = {"zh": "（原文）", "en": " (as published, original language)"}


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


def plural(n: int, word: str, many: str | None = None) -> str:
    """'1 patent', '2 patents', '1,204 patents'."""
    return f"{n:,} {word if n == 1 else many or word + 's'}"


def document(snapshot: dict, source_notes: dict[str, list[str]]) -> Document:
    """The report's text and tables from its snapshot (so a reproduced snapshot says exactly the same)."""
    i, results = snapshot["inputs"], snapshot["results"]
    tables = [_results_table(results), _legal_table(results), _biblio_table(results)]
    for r in results[:CHARTED]:
        # a patent at low risk gets its best-supported claim's chart only: what it lacks is the point
        charted = (r.get("claims") or [r])[: 1 if r["risk"] == "low" else None]
        for c in charted:
            tables.append(_chart_table(len(tables) + 1, r, c))
            if c.get("fallbacks") and r["risk"] != "low":
                tables.append(_fallback_table(len(tables) + 1, r, c))
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


def _results_table(results: list[dict]) -> Table:
    status_zh = {status(r, "en"): status(r, "zh") for r in results}
    return Table(
        "results",
        {"zh": "表1 检索到的有效专利", "en": "Table 1. The patents in force found"},
        {
            "zh": (
                "序号",
                "专利",
                "文献种类代码",
                "最相关的独立权利要求",
                "权利人（全部共有人）",
                "法律状态",
                "有效至",
                "风险",
                "已对应特征",
                "语义相似度",
                "名称" + ORIGINAL["zh"],
            ),
            "en": (
                "#",
                "Patent",
                "Kind",
                "Best-supported independent claim",
                "Holders (all co-owners)",
                "Legal status",
                "In force until",
                "Risk",
                "Limitations found",
                "Similarity",
                "Title" + ORIGINAL["en"],
            ),
        },
        [
            [
                n,
                r["right_id"],
                r.get("kind_code") or "",
                r["claim"],
                "; ".join(r.get("co_owners") or [r["holder"]]),
                status(r, "en"),
                r["expiry"],
                r["risk"],
                "—" if r["risk"] == "unassessable" else f"{r['elements_found']}/{r['elements']}",
                None if r.get("similarity") is None else f"{max(r['similarity'], 0.0):.2f}",
                r["title"],
            ]
            for n, r in enumerate(results, start=1)
        ],
        {1, 2, 4, 5, 6, 7, 8, 10},
        {5: status_zh, 7: RISK_ZH},
        {0, 3},
    )


def _legal_table(results: list[dict]) -> Table:
    def fees(r: dict, lang: str) -> str:
        f = r.get("fees")
        if not f:
            return "—"
        paid = ", ".join(f"{y}" for y in f["paid"]) or ("无" if lang == "zh" else "none")
        nxt = f.get("next")
        lapsed = nxt.get("lapsed") if nxt else None
        late = f.get("paid_after_d") or []
        if lang == "zh":
            head = (f"截至D已缴：第{paid}年维持费" if f["paid"] else "截至D已缴：无") + "".join(
                f"；第{x['year']}年维持费于{x['date']}缴纳（D之后）" for x in late
            )
            tail = (
                f"；下一笔：第{nxt['year']}年维持费，{nxt['window_opens']}起可缴，截至{nxt['due']}（含）缴纳无滞纳金，"
                f"截至{nxt['surcharge_until']}（含）缴纳须付滞纳金"
                + (f"；未缴纳，已于{lapsed}失效（截至K已记录）" if lapsed else "")
                if nxt
                else "；维持费已缴清"
            )
            return head + tail + f"（{ENTITY_ZH.get(f['entity'], f['entity'])}）"
        head = f"paid by D: {paid} (fee years)" + "".join(
            f"; the {x['year']}th-year fee paid {x['date']}" for x in late
        )
        tail = (
            f"; next: the {nxt['year']}th-year fee, payable from {nxt['window_opens']}, without surcharge through "
            f"{nxt['due']}, with surcharge through {nxt['surcharge_until']}"
            + (f"; not paid: lapsed on {lapsed} (recorded by K)" if lapsed else "")
            if nxt
            else "; all fees paid"
        )
        return f"{head}{tail} ({f['entity']})"

    rows, zh = [], {1: {}, 2: {}, 3: {}}
    for r in results:
        term = r.get("term_last_day") or r.get("term_end") or ""  # reports written before the rename
        pta = f" (PTA +{r['pta_days']} days)" if r.get("pta_days") else ""
        td = " (terminal disclaimer)" if r.get("terminal_disclaimer") else ""
        warn = "; ".join(r.get("warnings") or []) or "—"
        row = [r["right_id"], f"{term}{pta}{td}", fees(r, "en"), warn]
        zh[1][row[1]] = (
            f"{term}"
            + (f"（含专利期限调整{r['pta_days']}天）" if r.get("pta_days") else "")
            + ("（有期末放弃声明）" if td else "")
        )
        zh[2][row[2]] = fees(r, "zh")
        zh[3][warn] = "；".join(_warning_text_zh(w) for w in r.get("warnings") or []) or "—"
        rows.append(row)
    return Table(
        "legal status",
        {"zh": "表2 法律状态详情", "en": "Table 2. Legal status in detail"},
        {
            "zh": ("专利", "期限届满日", "维持费", "提示"),
            "en": ("Patent", "End of term", "Maintenance fees", "Warnings"),
        },
        rows,
        {0, 1, 2, 3},
        zh,
    )


#: What a related document's date is: filed, unless it is a publication or a priority claim (en, zh).
DATED = ({"publication": "published", "priority": "priority date"}, {"publication": "公开", "priority": "为优先权日"})
RELATION_ZH = {
    "continuation": "继续申请",
    "continuation-in-part": "部分继续申请",
    "division": "分案申请",
    "provisional": "临时申请",
    "reissue": "再颁",
    "publication": "授权前公开",
    "priority": "优先权",
}


def _biblio_table(results: list[dict]) -> Table:
    """Table 3: what the register knows of each patent's bibliography (filing, classes, relations, family)."""
    rows, zh = [], {4: {}, 5: {}, 6: {}, 7: {}}
    for r in results:
        b = r.get("biblio") or {}
        classes = "; ".join([*(f"IPC {c}" for c in b.get("ipc", [])), *(f"CPC {c}" for c in b.get("cpc", [])[:6])])
        items = [x.split(":") for x in b.get("related", []) if x.count(":") == 2]
        related = "; ".join(f"{rel} {number}, {DATED[0].get(rel, 'filed')} {when}" for rel, number, when in items)
        related_zh = "；".join(
            f"{RELATION_ZH.get(rel, rel)} {number}（{when}{DATED[1].get(rel, '提交')}）" for rel, number, when in items
        )
        family = "; ".join(b.get("family", [])) or "none known"
        moved = "; ".join(f"{t['date']} → {t['to']}" for t in b.get("transfers", [])) or "none recorded"
        cited = b.get("citations") or []
        by_examiner = [c.removeprefix("examiner:") for c in cited if c.startswith("examiner:")]
        cites = f"{len(cited)} cited, {len(by_examiner)} by the examiner" + (
            f": {'; '.join(by_examiner[:8])}{' …' if len(by_examiner) > 8 else ''}" if by_examiner else ""
        )
        row = [r["right_id"], b.get("filing_date"), b.get("grant_date"), classes, related or "—", family, moved]
        row += [cites if cited else "none in the register", b.get("remaining_term_years")]
        zh[7][row[7]] = (
            f"引用{len(cited)}件，其中审查员引用{len(by_examiner)}件"
            + (f"：{'；'.join(by_examiner[:8])}" if by_examiner else "")
            if cited
            else "本系统登记库中无"
        )
        zh[4][row[4]] = related_zh or "—"
        zh[5][family] = family if b.get("family") else "本系统登记库中无"
        zh[6][moved] = moved if b.get("transfers") else "无登记"
        rows.append(row)
    return Table(
        "bibliography",
        {"zh": "表3 著录项目", "en": "Table 3. Bibliographic data"},
        {
            "zh": (
                "专利",
                "申请日",
                "授权日",
                "分类号",
                "相关申请与优先权",
                "已知同族",
                "转让记录",
                "引用文献",
                "剩余保护期（年）",
            ),
            "en": (
                "Patent",
                "Filed",
                "Granted",
                "Classification",
                "Related applications and priority",
                "Family members known",
                "Assignments",
                "Cited documents (examiner-cited listed)",
                "Remaining term (years)",
            ),
        },
        rows,
        {0, 1, 2, 3, 4, 5, 6, 7},
        zh,
    )


ENTITY_ZH = {
    "large entity": "大实体",
    "small entity": "小实体",
    "micro entity": "微实体",
    "entity status unknown": "实体类型不详",
}


def _warning_text_zh(text: str) -> str:
    if "intervening rights" in text:
        day = text.split(" falls in")[0]
        return f"{day}处于失效期内（该失效其后被恢复）：此期间开始的实施可能享有中用权（美国专利法第41条(c)(2)款）"
    if "terminal disclaimer" in text:
        return "有期末放弃声明：保护期可能随所放弃的在先专利提前届满"
    return text


def _chart_table(number: int, r: dict, c: dict) -> Table:
    missing = sum(_verdict(row) == "missing" for row in c["chart"])
    unclear = sum(_verdict(row) == "unclear" for row in c["chart"])
    denied = sum(row.get("verdict") == "contradicted" for row in c["chart"])
    preamble = c.get("preamble", "")
    reason = c.get("risk_reason")
    return Table(
        f"chart {r['right_id']} c{c['claim']}"[:31],
        {
            "zh": f"表{number} 权利要求对比表：{r['right_id']} 权利要求{c['claim']}"
            f"（前序部分{ORIGINAL['zh']}：{preamble}；"
            f"风险：{RISK_ZH[c['risk']]}"
            + (f"；描述未提及的特征{missing}项" if missing else "")
            + (f"；待复核{unclear}项" if unclear else "")
            + (f"；产品描述明确否定{denied}项" if denied else "")
            + (f"；{UNASSESSABLE['zh']}" if reason and c["risk"] == "unassessable" else "")
            + (f"；{ACROSS['zh']}" if reason and c["risk"] == "unassessed" else "")
            + "）",
            "en": f"Table {number}. Claim chart: {r['right_id']} claim {c['claim']} "
            f"(preamble{ORIGINAL['en']}: {preamble}; "
            f"{c['risk']} risk"
            + (f"; {plural(missing, 'limitation')} not described" if missing else "")
            + (f"; {unclear} unclear, for review" if unclear else "")
            + (f"; {plural(denied, 'limitation')} denied by the description" if denied else "")
            + (f"; {reason}" if reason else "")
            + ")",
        },
        {
            "zh": ("技术特征" + ORIGINAL["zh"], "产品描述中的相关内容", "比对结果", "得分（文字/语义）"),
            "en": (
                "Limitation" + ORIGINAL["en"],
                "Passage of the product description",
                "Verdict",
                "Score (words / meaning)",
            ),
        },
        [[row["element"], _passage(row, "en"), _verdict(row), _score(row)] for row in c["chart"]],
        {0, 1, 2},
        {1: {_passage(row, "en"): _passage(row, "zh") for row in c["chart"]}, 2: VERDICT["zh"]},
    )


def _verdict(row: dict) -> str:
    """A row's verdict (reports written before verdicts existed: found when a passage was quoted)."""
    return row.get("verdict", "found" if row.get("passage") else "missing")


def _passage(row: dict, lang: str) -> str:
    """The passage that meets or denies the limitation; for a missing one, the closest passage, marked as such."""
    if row.get("passage"):
        return row["passage"]
    if row.get("closest"):
        return (
            f"（最接近的内容，供复核：{row['closest']}）"
            if lang == "zh"
            else f"(closest, for review: {row['closest']})"
        )
    return ""


def _score(row: dict) -> str:
    """'0.84 (0.90 / 0.78)': the blended score, then word overlap and the encoder's similarity."""
    score = row.get("score", row.get("coverage", 0))
    return f"{score:.2f} ({row.get('lexical', 0):.2f} / {row.get('semantic', 0):.2f})"


def _fallback_table(number: int, r: dict, c: dict) -> Table:
    met = {True: "met", False: "not met", None: "not assessed"}
    return Table(
        f"fallbacks {r['right_id']} c{c['claim']}"[:31],
        {
            "zh": f"表{number} 从属权利要求（专利权人的退守位置）：{r['right_id']} 权利要求{c['claim']}"
            "的从属权利要求及其附加特征",
            "en": f"Table {number}. Fallback positions: the dependent claims of {r['right_id']} claim {c['claim']} "
            "and the limitations each adds",
        },
        {
            "zh": ("从属权利要求", "引用", "附加特征" + ORIGINAL["zh"], "产品是否具备"),
            "en": ("Dependent claim", "Refers to", "Limitations added" + ORIGINAL["en"], "In the product"),
        },
        [
            [
                f["claim"],
                ", ".join(str(x) for x in f["depends_on"]),
                "; ".join(a["element"] for a in f["adds"]),
                met[f.get("met")],
            ]
            for f in c["fallbacks"]
        ],
        {1, 2, 3},
        {3: {"met": "具备", "not met": "未见", "not assessed": "未评估"}},
        {0},
    )


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
            "of a patent found is charted: split into limitations at semicolons, parallel functions or steps, "
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
