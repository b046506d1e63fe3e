"""The layout-strategy report: a company's, a region's or a field's landscape, with its charts."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb

from ipgauge.releases.wording import ordinal
from ipgauge.services.landscape import landscape
from ipgauge.services.report import LAYOUT_DISCLAIMER, Document, Table, base_snapshot, dates_line, sources


def compute(con: duckdb.DuckDBPyConnection, db: Path, inputs: dict, upto: int) -> tuple[dict, Document]:
    """The snapshot content and the document (``inputs``: kind, subject, jurisdiction, as_of, known_at)."""
    d, k = date.fromisoformat(inputs["as_of"]), date.fromisoformat(inputs["known_at"])
    result = landscape(con, db, inputs["kind"], inputs["subject"], inputs["jurisdiction"], d, k, upto=upto)
    s = result.subject
    snapshot = base_snapshot(con, "layout", inputs, upto) | {
        "subject": {"kind": s.kind, "key": s.key, "label_en": s.label_en, "label_zh": s.label_zh},
        "sections": result.sections,
    }
    return snapshot, document(snapshot, sources(con, upto))


def _table(name: str, caption: tuple[str, str], columns: list[tuple[str, str, str]], rows: list[dict]) -> Table:
    """A section as a table: ``columns`` are (key, zh header, en header); text columns are those holding text."""
    body = [[r.get(key) for key, _, _ in columns] for r in rows]
    text = {n for n, (key, _, _) in enumerate(columns) if any(isinstance(r.get(key), str) for r in rows)}
    plain = {n for n, (key, _, _) in enumerate(columns) if key in ("year", "field", "rank")}
    shares = {n for n, (key, _, _) in enumerate(columns) if key == "share" or key.startswith("share_")}
    return Table(
        name,
        {"zh": caption[0], "en": caption[1]},
        {"zh": tuple(c[1] for c in columns), "en": tuple(c[2] for c in columns)},
        body,
        text,
        plain=plain,
        percent=shares,
    )


FIELD_COLUMNS = [
    ("field", "领域", "Field"),
    ("name_zh", "名称", "Name (zh)"),
    ("name_en", "英文名称", "Name"),
    ("subject", "本主体", "Subject"),
    ("nation", "全部", "All"),
    ("share_of_field", "领域占比", "Share of field"),
    ("rta", "RTA", "RTA"),
]


def document(snapshot: dict, source_notes: dict[str, list[str]]) -> Document:
    """The report's text and tables from its snapshot (so a reproduced snapshot says exactly the same)."""
    tables = [table for section in TABLE_SECTIONS for table in section(snapshot)]
    return Document(_title(snapshot), _lead(snapshot, source_notes), tables, _notes(source_notes), _charts(snapshot))


def _title(snapshot: dict) -> dict[str, str]:
    """The title: the report names its subject."""
    s = snapshot["subject"]
    return {
        "zh": f"专利布局分析报告：{s['label_zh']}",
        "en": f"Patent layout analysis: {s['label_en']}",
    }


def _lead(snapshot: dict, source_notes: dict[str, list[str]]) -> dict[str, list[str]]:
    """The lead: the sources and dates, then the summary in one sentence (share, rank, families abroad, expiries)."""
    i, s, summary = snapshot["inputs"], snapshot["subject"], snapshot["sections"]["summary"][0]
    d, k, j = date.fromisoformat(i["as_of"]), date.fromisoformat(i["known_at"]), i["jurisdiction"]
    share = f"{summary['share'] * 100:.2f}%" if summary["share"] is not None else "—"
    rank = summary.get("national_rank")
    rank_zh = f"，按有效专利数居全部权利人{ordinal(rank, 'zh')}" if rank else ""
    rank_en = f", ranking {ordinal(rank, 'en')} among all holders by patents in force" if rank else ""
    return {
        "zh": [
            *source_notes.get("lead_zh", []),
            dates_line(j, d, k)["zh"],
            f"{s['label_zh']}有效专利{summary['in_force']:,}件，占全部{summary['in_force_nation']:,}件的{share}{rank_zh}；"
            + (
                f"其中{summary['families_abroad']:,}件有海外同族；"
                if summary.get("family_data", True)
                else "本系统登记库没有同族数据，无法说明海外布局；"
            )
            + f"今后三年内期限届满{summary['expiring_3y']:,}件。",
        ],
        "en": [
            *source_notes.get("lead_en", []),
            dates_line(j, d, k)["en"],
            f"{s['label_en']} holds {summary['in_force']:,} patent{'' if summary['in_force'] == 1 else 's'} in force, "
            f"{share} of all "
            f"{summary['in_force_nation']:,}{rank_en}; "
            + (
                f"{summary['families_abroad']:,} of them have family members abroad"
                if summary.get("family_data", True)
                else "the register holds no family data, so nothing is said of protection abroad"
            )
            + f"; {summary['expiring_3y']:,} reach the end of their term within the next three years.",
        ],
    }


def _shown_fields(snapshot: dict) -> list[dict]:
    """The fields the fields table and the RTA chart show: those the subject holds rights in, else the first ten."""
    fields = snapshot["sections"]["fields"]
    return [r for r in fields if r["subject"]] or fields[:10]


def _whole_field(snapshot: dict) -> bool:
    """Whether the subject is a WIPO field: it is its own only field, so it has no fields table or RTA chart."""
    s = snapshot["subject"]
    return s["kind"] == "field" and s["key"].isdigit()


def _fields_table(snapshot: dict) -> list[Table]:
    """Patents in force by WIPO field, with the subject's share of each and its RTA there."""
    if _whole_field(snapshot):
        return []
    caption = ("按WIPO技术领域的有效专利", "Patents in force by WIPO technology field")
    return [_table("fields", caption, FIELD_COLUMNS, _shown_fields(snapshot))]


def _subclasses_table(snapshot: dict) -> list[Table]:
    """Patents in force by main subclass: finer than the fields, in the scheme the patents carry."""
    return [
        _table(
            "subclasses",
            ("按主分类小类（CPC或IPC）的有效专利", "Patents in force by main subclass (CPC or IPC)"),
            [("subclass", "小类", "Subclass"), ("scheme", "分类体系", "Scheme"), ("subject", "有效专利", "In force")],
            snapshot["sections"]["subclasses"],
        )
    ]


def _white_space_table(snapshot: dict) -> list[Table]:
    """The white space: fields where the subject is weak or absent (a field in China has its provinces instead)."""
    if "white_space" not in snapshot["sections"]:
        return []
    return [
        _table(
            "white space",
            (
                "布局空白：相对较弱（0<RTA<1）或尚未涉足（RTA=0）的领域，前者在前，最多十个",
                "White space: fields where the subject is weak (0 < RTA < 1) or absent (RTA 0), weak ones first, "
                "at most ten",
            ),
            FIELD_COLUMNS,
            snapshot["sections"]["white_space"],
        )
    ]


def _regions_table(snapshot: dict) -> list[Table]:
    """For a field in China: each province's patents in it and its RTA there."""
    if "regions" not in snapshot["sections"]:
        return []
    return [
        _table(
            "regions",
            (
                "各省份在该领域的有效专利（RTA以各省份境内权利人的全部有效专利为基数）",
                "Provinces' patents in force in the field (RTA against all patents held in China's provinces)",
            ),
            [
                ("region_code", "代码", "Code"),
                ("name_zh", "省份", "Province (zh)"),
                ("name_en", "英文名称", "Province"),
                ("subject", "本领域", "In the field"),
                ("all_rights", "全部", "All"),
                ("rta", "RTA", "RTA"),
            ],
            snapshot["sections"]["regions"],
        )
    ]


def _trend_table(snapshot: dict) -> list[Table]:
    """Filings, grants and patents in force year by year: the numbers the trend chart draws."""
    return [
        _table(
            "trend",
            ("逐年申请、授权与年末有效量", "Applications, grants and patents in force by year"),
            [
                ("year", "年份", "Year"),
                ("filings", "申请", "Filed"),
                ("grants", "授权", "Granted"),
                ("in_force_at_end", "年末有效", "In force at year end"),
            ],
            snapshot["sections"]["trend"],
        )
    ]


def _top_holders_table(snapshot: dict) -> list[Table]:
    """The top holders where the subject is (its caption says where they were ranked)."""
    summary = snapshot["sections"]["summary"][0]
    return [
        _table(
            "top holders",
            (
                f"主要权利人（{summary['holders_ranked_in_zh']}）",
                f"Top holders in {summary['holders_ranked_in']}",
            ),
            [
                ("rank", "名次", "Rank"),
                ("party_id", "编号", "Party"),
                ("name", "名称", "Name"),
                ("in_force", "有效专利", "In force"),
            ],
            snapshot["sections"]["top_holders"],
        )
    ]


def _co_holders_table(snapshot: dict) -> list[Table]:
    """For a company: whom it holds patents with."""
    if "co_holders" not in snapshot["sections"]:
        return []
    return [
        _table(
            "co-holders",
            ("共同权利人", "Co-holders"),
            [("party_id", "编号", "Party"), ("name", "名称", "Name"), ("shared", "共有专利", "Shared")],
            snapshot["sections"]["co_holders"],
        )
    ]


def _abroad_table(snapshot: dict) -> list[Table]:
    """Family members abroad by office, beside the others' in the subject's fields (a field has no others)."""
    others = (
        []
        if snapshot["subject"]["kind"] == "field"
        else [("others_in_its_fields", "同领域其他权利人（件）", "Others in its fields")]
    )
    return [
        _table(
            "abroad",
            (
                "海外同族（按受理局；同族成员可为申请或授权，WO为PCT国际申请）",
                "Family members abroad, by office (applications or grants; WO is a PCT application)",
            ),
            [("office", "受理局", "Office"), ("subject", "本主体（件）", "Subject")] + others,
            snapshot["sections"]["abroad"],
        )
    ]


def _expiries_table(snapshot: dict) -> list[Table]:
    """Patents whose term ends in the three years after D, by kind (the kinds the jurisdiction grants)."""
    d, j = date.fromisoformat(snapshot["inputs"]["as_of"]), snapshot["inputs"]["jurisdiction"]
    kinds = (
        [
            ("invention", "发明（utility）", "Utility patents"),
            ("design", "外观设计（design）", "Design patents"),
        ]
        if j == "US"  # the US grants no utility models: its kinds are utility, design and plant patents
        else [
            ("invention", "发明", "Inventions"),
            ("utility_model", "实用新型", "Utility models"),
            ("design", "外观设计", "Designs"),
        ]
    )
    return [
        _table(
            "expiries",
            (
                f"{d.isoformat()}之后三年内期限届满的有效专利（每行十二个月）",
                f"Patents in force whose term ends in the three years after {d} (twelve months a row)",
            ),
            [("from", "自", "From"), ("to", "至", "To"), ("expiring", "合计", "All")] + kinds,
            snapshot["sections"]["expiries"],
        )
    ]


#: The report's tables, in the order it shows them; each section gives none where it does not apply.
TABLE_SECTIONS = (
    _fields_table,
    _subclasses_table,
    _white_space_table,
    _regions_table,
    _trend_table,
    _top_holders_table,
    _co_holders_table,
    _abroad_table,
    _expiries_table,
)


def _notes(source_notes: dict[str, list[str]]) -> dict[str, list[str]]:
    """The notes: how RTA and the counts are to be read, the disclaimer, and the sources' own notes."""
    return {
        "zh": [
            "RTA（显示性技术优势指数）= 该领域在本主体有效专利中的占比 ÷ 该领域在全部有效专利中的占比；"
            "小于1为相对弱势。专利数少于5件时RTA波动很大，仅供参考。",
            "有效专利包括发明、实用新型和外观设计。企业的专利按权利转移后的第一权利人计，地区按第一权利人的地址计；"
            "全部指该法域内全部有效专利（不论权利人国别）。主要权利人表列前十名，名次并列者可能未全部列出。",
            "发明专利申请一般自申请日起18个月公布，最近两年的申请数尚不完整。",
            LAYOUT_DISCLAIMER["zh"],
            *source_notes["zh"],
        ],
        "en": [
            "RTA (revealed technological advantage) = the field's share of the subject's patents in force over "
            "its share of all patents in force; below 1 the subject is relatively weak there.",
            "RTA on fewer than five patents swings widely; read it as indicative only.",
            "Patents in force include inventions, utility models and designs. A company's patents are those it holds "
            "first, after transfers; a region's, those whose first holder's address is in it; 'all' is every patent "
            "in force in the jurisdiction, whatever its holder's country. Top-holder tables list ten; holders tied "
            "at the cut may be left out.",
            "Invention applications are published about 18 months after filing: the last two years' filings are "
            "incomplete.",
            LAYOUT_DISCLAIMER["en"],
            *source_notes["en"],
        ],
    }


def _charts(snapshot: dict) -> list[tuple[str, dict[str, str]]]:
    """The charts :func:`draw` makes, with their captions: the trend, and the RTA by field where any is above 0."""
    s = snapshot["subject"]
    charts = [("trend.png", {"zh": f"{s['label_zh']}逐年专利走势", "en": f"{s['label_en']}: patents by year"})]
    if not _whole_field(snapshot) and any(r["rta"] for r in _shown_fields(snapshot)):
        charts.append(("rta.png", {"zh": f"{s['label_zh']}各技术领域RTA", "en": f"{s['label_en']}: RTA by field"}))
    return charts


def draw(snapshot: dict, work: Path) -> dict[str, Path]:
    """The trend and RTA charts as PNG (no timestamps: the same snapshot draws the same bytes)."""
    import matplotlib.pyplot as plt

    from ipgauge.releases.charts import PNG, style

    style()
    sec, out = snapshot["sections"], {}
    years = [t["year"] for t in sec["trend"]]
    f, ax = plt.subplots(figsize=(7.2, 3.6))
    for key, label in (("filings", "申请 filed"), ("grants", "授权 granted"), ("in_force_at_end", "有效 in force")):
        ax.plot(years, [t[key] for t in sec["trend"]], marker="o", label=label)
    ax.set_xticks(years)
    ax.legend(frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    f.tight_layout()
    out["trend.png"] = work / "trend.png"
    f.savefig(out["trend.png"], metadata=PNG)
    plt.close(f)
    rows = [r for r in sec["fields"] if r["subject"] and r["rta"] is not None][:15]
    if any(r["rta"] for r in rows):
        f, ax = plt.subplots(figsize=(7.2, 0.35 * len(rows) + 1.2))
        ax.barh([f"{r['field']} {r['name_zh']}" for r in rows][::-1], [r["rta"] for r in rows][::-1], color="#c0392b")
        ax.axvline(1, color="#7f8c8d", linewidth=1)
        ax.spines[["top", "right"]].set_visible(False)
        f.tight_layout()
        out["rta.png"] = work / "rta.png"
        f.savefig(out["rta.png"], metadata=PNG)
        plt.close(f)
    return out
