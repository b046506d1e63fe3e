"""The tables of the infringement-risk report: the results, legal status, bibliography, claim charts, fallbacks.

Each table holds the snapshot's values and says them in both languages (Chinese words by column,
see :class:`ipgauge.services.report.Table`); the report's text around them is in
:mod:`ipgauge.services.risk_report`.
"""

from __future__ import annotations

from ipgauge.services.claim_chart import ACROSS, UNASSESSABLE
from ipgauge.services.report import Table
from ipgauge.services.screen import status

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


def plural(n: int, word: str, many: str | None = None) -> str:
    """'1 patent', '2 patents', '1,204 patents'."""
    return f"{n:,} {word if n == 1 else many or word + 's'}"


def results_table(results: list[dict]) -> Table:
    """Table 1: each right found, its best-supported claim, holders, legal status, risk and similarity."""
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


def legal_table(results: list[dict]) -> Table:
    """Table 2: the end of term (PTA, a terminal disclaimer), the maintenance fees and the warnings."""
    rows, zh = [], {1: {}, 2: {}, 3: {}}
    for r in results:
        term = r.get("term_last_day") or r.get("term_end") or ""  # reports written before the rename
        pta = f" (PTA +{r['pta_days']} days)" if r.get("pta_days") else ""
        td = " (terminal disclaimer)" if r.get("terminal_disclaimer") else ""
        warn = "; ".join(r.get("warnings") or []) or "—"
        row = [r["right_id"], f"{term}{pta}{td}", _fees(r.get("fees"), "en"), warn]
        zh[1][row[1]] = (
            f"{term}"
            + (f"（含专利期限调整{r['pta_days']}天）" if r.get("pta_days") else "")
            + ("（有期末放弃声明）" if td else "")
        )
        zh[2][row[2]] = _fees(r.get("fees"), "zh")
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


def biblio_table(results: list[dict]) -> Table:
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
        moved = "; ".join(f"{t['date']} → {t['to']}" for t in b.get("transfers", [])) or "none in the register"
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
        zh[6][moved] = moved if b.get("transfers") else "本系统登记库中无"
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


#: The maintenance-fee line in each language: one wording of each fact, assembled by :func:`_fees`.
FEE_WORDS = {
    "en": {
        "paid": "paid by D: the {years}-year fees",
        "none": "paid by D: none",
        "year": "{y}th",
        "join": ", ",
        "overdue": "; the {y}th-year fee overdue on D (its grace period over)",
        "late": "; the {y}th-year fee paid {date}, after D",
        "next": "; next: the {y}th-year fee, payable from {opens}, without surcharge through {due}, "
        "with surcharge through {until}",
        "lapsed": "; not paid: lapsed on {lapsed} (recorded by K)",
        "all paid": "; all fees paid",
        "entity": " ({entity})",
    },
    "zh": {
        "paid": "截至D已缴：第{years}年维持费",
        "none": "截至D已缴：无",
        "year": "{y}",
        "join": ", ",
        "overdue": "；第{y}年维持费截至D逾期未缴（宽限期已过）",
        "late": "；第{y}年维持费于{date}缴纳（D之后）",
        "next": "；下一笔：第{y}年维持费，{opens}起可缴，截至{due}（含）缴纳无滞纳金，截至{until}（含）缴纳须付滞纳金",
        "lapsed": "；未缴纳，已于{lapsed}失效（截至K已记录）",
        "all paid": "；维持费已缴清",
        "entity": "（{entity}）",
    },
}


def _fees(f: dict | None, lang: str) -> str:
    """A US patent's maintenance fees on D in one language: paid, overdue, paid later, the next one."""
    if not f:
        return "—"
    w = FEE_WORDS[lang]
    years = w["join"].join(w["year"].format(y=y) for y in f["paid"])
    text = w["paid"].format(years=years) if f["paid"] else w["none"]
    text += "".join(w["overdue"].format(y=y) for y in f.get("overdue") or [])
    text += "".join(w["late"].format(y=x["year"], date=x["date"]) for x in f.get("paid_after_d") or [])
    nxt = f.get("next")
    if nxt:
        text += w["next"].format(y=nxt["year"], opens=nxt["window_opens"], due=nxt["due"], until=nxt["surcharge_until"])
        text += w["lapsed"].format(lapsed=nxt["lapsed"]) if nxt.get("lapsed") else ""
    else:
        text += w["all paid"]
    entity = ENTITY_ZH.get(f["entity"], f["entity"]) if lang == "zh" else f["entity"]
    return text + w["entity"].format(entity=entity)


ENTITY_ZH = {
    "large entity": "大实体",
    "small entity": "小实体",
    "micro entity": "微实体",
    "entity status unknown": "实体类型不详",
}


def _warning_text_zh(text: str) -> str:
    if "intervening rights" in text:
        window = text.split("the lapse from ")[1].split(":")[0].replace(" undone on ", "至")
        return (
            f"专利曾于{window}期间失效（其后被恢复）：此期间开始的实施可能享有中用权"
            "（intervening rights，美国专利法第41条(c)(2)款）"
        )
    if "terminal disclaimer" in text:
        return "有期末放弃声明：保护期可能随所放弃的在先专利提前届满"
    return text


def chart_table(number: int, r: dict, c: dict) -> Table:
    """One independent claim's chart: each limitation, the passage, the verdict and its scores."""
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


def fallback_table(number: int, r: dict, c: dict) -> Table:
    """The dependent claims of one independent claim: what each adds, and whether the product has it."""
    legacy = {True: "met", False: "not described", None: "not assessed"}  # reports written before "status"
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
                f.get("status") or legacy[f.get("met")],
            ]
            for f in c["fallbacks"]
        ],
        {1, 2, 3},
        {3: FALLBACK_ZH},
        {0},
    )


FALLBACK_ZH = {
    "met": "具备",
    "denied": "产品描述明确否定",
    "unclear": "待复核",
    "not described": "描述未提及",
    "parent not met": "所引用的权利要求未具备",
    "not assessed": "未评估",
}
