"""Synthetic casework: overseas IP service centres, their cases, and the money recovered.

One overseas-service centre per province (Liaoning has three, in Shenyang, Dalian and Anshan, as in
the seed), each opening cases year by year from 2022 to the cut-off: risk and layout reports for
the province's enterprises (parties of the register; some known by name only), disputes about a
foreign jurisdiction, consultations, and trainings with their attendance. Some disputes end with
losses recovered, in CNY, USD or EUR; some reports carry a fee. Counts are Poisson draws around the
seed's scale (Liaoning 2024: 36 companies with reports, four disputes, six consultations), not
figures of any real centre.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pyarrow as pa

from ipgauge.regions.divisions import divisions
from ipgauge.register.schema import PARTY_TYPES
from ipgauge.synth import vocab
from ipgauge.synth.calibration import CUTOFF
from ipgauge.synth.parties import PartyPools, party_id

YEARS = range(2022, CUTOFF.year + 1)
LIAONING = (("210100", "沈阳", "Shenyang"), ("210200", "大连", "Dalian"), ("210300", "鞍山", "Anshan"))
#: Cases a centre opens in a year, on average (a province's single centre: twice as many).
PER_YEAR = {"risk_report": 10, "layout_report": 3, "dispute": 1.3, "consultation": 2, "training": 2, "other": 0.5}
OFFICES = (("US", 0.35), ("EP", 0.2), ("DE", 0.1), ("JP", 0.1), ("KR", 0.08), ("GB", 0.07), ("FR", 0.05), ("AU", 0.05))
NAME_ONLY = 0.1  # clients known by name only
OUTCOMES = {
    "risk_report": "报告已交付 report delivered",
    "layout_report": "报告已交付 report delivered",
    "dispute": "和解 settled",
    "consultation": "已答复 answered",
    "training": "已举办 held",
    "other": "已办结 done",
}


def centres() -> list[dict]:
    """The synthetic centres: Liaoning's three and one in every other province."""
    table = divisions()
    out = [
        {
            "centre_id": f"C{code}",
            "name_zh": f"{zh}海外知识产权服务中心",
            "name_en": f"{en} overseas IP service centre",
            "region_code": code,
            "kind": "overseas_service",
        }
        for code, zh, en in LIAONING
    ]
    for code in sorted(c for c, d in table.items() if d.level == "province" and c != "210000"):
        d = table[code]
        out.append(
            {
                "centre_id": f"C{code}",
                "name_zh": f"{d.name_zh}海外知识产权服务中心",
                "name_en": f"{d.name_en} overseas IP service centre",
                "region_code": code,
                "kind": "overseas_service",
            }
        )
    return out


def generate(rng: np.random.Generator, pools: PartyPools) -> tuple[dict, dict, dict]:
    """Centres, cases and amounts as canonical columns (the centres of the pools' provinces: an area has a few)."""
    rows = [c for c in centres() if c["region_code"][:2] + "0000" in pools.province_codes]
    cases: dict[str, list] = {k: [] for k in ("case_id", "centre_id", "client_party_id", "client_name", "kind",
                                              "jurisdiction", "opened_date", "closed_date", "status", "outcome",
                                              "attendees")}  # fmt: skip
    amounts: dict[str, list] = {k: [] for k in ("case_id", "kind", "amount", "currency", "date")}
    offices, office_p = zip(*OFFICES, strict=True)
    enterprise = PARTY_TYPES.index("enterprise")
    n = 0
    for centre in rows:
        province = centre["region_code"][:2] + "0000"
        block = pools.province_codes.index(province)
        scale = 1.0 if province == "210000" else 2.0
        for year in YEARS:
            last = min(date(year, 12, 31), CUTOFF)
            span = (last - date(year, 1, 1)).days + 1
            for kind, mean in PER_YEAR.items():
                for _ in range(rng.poisson(mean * scale * span / 365)):
                    n += 1
                    opened = date(year, 1, 1) + timedelta(days=int(rng.integers(0, span)))
                    closed = opened + timedelta(days=int(rng.integers(7, 180)))
                    done = closed <= CUTOFF
                    client = int(pools.pick(rng, np.array([block]), np.array([enterprise]), 1.5)[0])
                    by_name = kind != "training" and rng.random() < NAME_ONLY
                    cases["case_id"].append(f"K{n:06d}")
                    cases["centre_id"].append(centre["centre_id"])
                    cases["client_party_id"].append(None if by_name or kind == "training" else _pid(client))
                    cases["client_name"].append(
                        f"{centre['name_zh'][:2]}{vocab.pick(rng, vocab.FIRM_WORD, 1)[0]}外贸有限公司"
                        if by_name
                        else (f"{centre['name_zh'][:2]}企业知识产权培训班" if kind == "training" else None)
                    )
                    cases["kind"].append(kind)
                    cases["jurisdiction"].append(
                        str(rng.choice(offices, p=office_p))
                        if kind in ("risk_report", "layout_report", "dispute")
                        else None
                    )
                    cases["opened_date"].append(opened)
                    cases["closed_date"].append(closed if done else None)
                    cases["status"].append("closed" if done else "open")
                    cases["outcome"].append(OUTCOMES[kind] if done else None)
                    cases["attendees"].append(str(int(rng.integers(20, 200))) if kind == "training" else None)
                    if kind == "dispute" and done and rng.random() < 0.6:
                        currency = str(rng.choice(["CNY", "USD", "EUR"], p=[0.5, 0.3, 0.2]))
                        cny = float(rng.lognormal(np.log(250_000), 0.6))
                        value = cny / {"CNY": 1, "USD": 7.1, "EUR": 7.8}[currency]
                        amounts["case_id"].append(f"K{n:06d}")
                        amounts["kind"].append("recovered")
                        amounts["amount"].append(f"{value:.2f}")
                        amounts["currency"].append(currency)
                        amounts["date"].append(closed)
                    if kind in ("risk_report", "layout_report") and done and rng.random() < 0.3:
                        amounts["case_id"].append(f"K{n:06d}")
                        amounts["kind"].append("fee")
                        amounts["amount"].append(f"{int(rng.integers(5, 50)) * 1000}.00")
                        amounts["currency"].append("CNY")
                        amounts["date"].append(closed)
    centre_cols = {k: pa.array([r[k] for r in rows], pa.string()) for k in rows[0]}
    case_cols = {k: pa.array(v) if k.endswith("_date") else pa.array(v, pa.string()) for k, v in cases.items()}
    amount_cols = {k: pa.array(v) if k == "date" else pa.array(v, pa.string()) for k, v in amounts.items()}
    return centre_cols, case_cols, amount_cols


def _pid(index: int) -> str:
    return party_id(np.array([index]))[0].as_py()
