"""The release section on the service centres' casework: the seed's sentence, written from the figures.

"In 2024, Liaoning's three overseas IP service centres provided infringement-risk and layout-strategy
analysis reports for 36 companies, guided four overseas IP disputes and six consultations, helping
innovators recover over 1.1 million yuan" — each number is a casework indicator of the catalogue
(year to date on the release's date), so the sentence, ``ipgauge indicator`` and ``ipgauge casework
summary`` say the same thing.
"""

from __future__ import annotations

from datetime import date

from ipgauge.indicators.query import Counter
from ipgauge.regions.groups import Region
from ipgauge.releases.wording import about, count, year_to_date

#: The section's figures and the catalogue indicator each one is (data/indicators.toml).
FIGURES = {
    "centres": "casework_centres",
    "companies_with_reports": "casework_companies_with_reports",
    "disputes": "casework_disputes",
    "consultations": "casework_consultations",
    "trainings": "casework_trainings",
    "training_attendees": "casework_training_attendees",
    "recovered_cny": "casework_recovered_cny",
    "recovered_usd": "casework_recovered_usd",
}


def compute(counter: Counter, where: Region, on: date) -> dict[str, list[float]]:
    """Each figure of the section on ``on`` (year to date) and a year earlier: {key: [value, previous]}."""
    out = {}
    for key, name in FIGURES.items():
        p = counter.point(name, where, on)
        out[key] = [p.value, p.previous]
    return out


def sentence(values: dict[str, float], name_zh: str, name_en: str, on: date, lang: str) -> str:
    """The seed's sentence in ``lang`` for the region's centres, from 1 January to ``on``; zero figures left out."""
    v = values
    cny, usd = round(v["recovered_cny"]), round(v["recovered_usd"])
    period = year_to_date(on, lang)
    busy = any(v[k] for k in ("companies_with_reports", "disputes", "consultations", "trainings")) or cny
    if not v["centres"] or not busy:
        if lang == "zh":
            return f"{period}，{name_zh}没有服务中心开展业务的记录。"
        return f"{period}, no IP service centre in {name_en} recorded any casework."
    if lang == "zh":
        parts = []
        if v["companies_with_reports"]:
            parts.append(
                f"为{count(v['companies_with_reports'], '家', 'zh')}企业提供知识产权侵权风险和布局策略分析报告"
            )
        guided = [f"指导海外知识产权纠纷{count(v['disputes'], '起', 'zh')}"] if v["disputes"] else []
        guided += [f"咨询{count(v['consultations'], '次', 'zh')}"] if v["consultations"] else []
        if guided:
            parts.append("、".join(guided))
        if v["trainings"]:
            parts.append(f"举办培训{count(v['trainings'], '场', 'zh')}、{count(v['training_attendees'], '人次', 'zh')}")
        if cny:
            dollars = about(usd, "美元", "zh")  # 约合 says "about": rounded, not floored
            parts.append(f"帮助创新主体挽回损失{count(cny, '元', 'zh')}（约合{dollars}）")
        return f"{period}，{name_zh}{count(v['centres'], '家', 'zh')}服务中心" + "，".join(parts) + "。"

    def n(key: str, one: str, many: str) -> str:
        return f"{count(v[key], '', 'en')} {one if v[key] == 1 else many}"

    parts = []
    if v["companies_with_reports"]:
        parts.append(
            "provided infringement-risk and layout-strategy analysis reports for "
            f"{n('companies_with_reports', 'company', 'companies')}"
        )
    if v["disputes"] and v["consultations"]:
        parts.append(
            f"guided {n('disputes', 'overseas IP dispute', 'overseas IP disputes')} and "
            f"{n('consultations', 'consultation', 'consultations')}"
        )
    elif v["disputes"]:
        parts.append(f"guided {n('disputes', 'overseas IP dispute', 'overseas IP disputes')}")
    elif v["consultations"]:
        parts.append(f"gave {n('consultations', 'consultation', 'consultations')}")
    if v["trainings"]:
        parts.append(
            f"held {n('trainings', 'training', 'trainings')} for {n('training_attendees', 'attendee', 'attendees')}"
        )
    if cny:
        dollars = about(usd, "", "en")  # rounded as in Chinese
        parts.append(f"helped innovators recover {count(cny, '', 'en')} yuan (about US${dollars}) in losses")
    listed = (
        parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + (", and " if len(parts) > 2 else " and ") + parts[-1]
    )
    centres = "IP service centre" if v["centres"] == 1 else f"{count(v['centres'], '', 'en')} IP service centres"
    if name_en.endswith(")"):  # "Northeast China (with eastern Inner Mongolia)'s" reads badly
        return f"{period}, the {centres} in {name_en} {listed}."
    return f"{period}, {name_en}'s {centres} {listed}."
