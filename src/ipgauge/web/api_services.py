"""``/v1`` services: casework (read; write with a key scoped to the centre), collaboration, screening.

Contract (issue 13): ``POST /v1/cases`` creates a case and answers 401 without a valid key (403
when the key's scope does not cover the case's centre). A case is written the way ``ipgauge case
add`` writes it — a one-off delivery, validated and loaded like any other — so a refused record
is a 400 naming every reason, and nothing of it is saved.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, model_validator

from ipgauge.law.jurisdictions import RULE_SETS
from ipgauge.services.casework import Written
from ipgauge.web.api_figures import DATE, MAX_PAGE, Asked, Format, KnownAt, RegionQuery, asked, day
from ipgauge.web.guard import Context, context, need_key
from ipgauge.web.http import LATEST, PRIVATE, answer, json_only, next_link, wants_csv
from ipgauge.web.keys import Key

#: The jurisdictions the law knows, as a pattern a parameter must match.
JURISDICTIONS = "^(" + "|".join(RULE_SETS) + ")$"

router = APIRouter(prefix="/v1")
CORRECTION_DATE = DATE + ": the day received, default today; an earlier day is a correction (a key made --corrections)"
CORRECTION_REASON = "why a record received earlier is entered now (needed with an earlier recorded_on)"
RIGHT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/-]{0,59}")  # no ';' (the list's separator) nor spaces
CaseId = Path(..., min_length=1, max_length=60, description="the case's id")
Short = Field(None, max_length=200)


@router.get("/casework/summary")
def casework_summary(
    request: Request,
    region: str = RegionQuery,
    year: int = Query(..., ge=2000, le=2100),
    known_at: str | None = KnownAt,
    fx_date: str | None = Query(None, max_length=10, description=DATE + ": convert every amount at this day's rate"),
    format: str | None = Format,
    ctx: Context = Depends(context),
):
    """Companies served with reports, disputes, consultations, trainings, money recovered (`casework summary`)."""
    k = day(known_at, "known_at") or date.today()
    from ipgauge.services.casework import figure_rows

    data = casework_figures(ctx, region, year, k, day(fx_date, "fx_date"))
    # LATEST whatever K: a case's figures follow its own dates, so a case recorded today changes earlier K's
    return answer(request, data, fmt=format, rows=figure_rows(data, year), cache=LATEST)


def casework_figures(ctx: Context, region: str, year: int, k: date, fx_date: date | None = None) -> dict:
    """`ipgauge casework summary --format json`'s object: what the API and the dashboard's casework page show."""
    from ipgauge.services.casework import sentence, summary

    key = ("casework", region, year, k, fx_date, ctx.answers.state())
    data = ctx.answers.get(key)
    if data is None:
        with ctx.gate.reading():
            data = summary(ctx.db, region, year, k, fx_date)
        data |= {"sentence_zh": sentence(data, "zh"), "sentence_en": sentence(data, "en")}
        ctx.answers.put(key, data)
        ctx.tidy()
    return data


@router.get("/cases")
def cases(
    request: Request,
    centre: str | None = Query(None, max_length=60),
    after: str | None = Query(None, max_length=60, description="the last case id of the previous page"),
    limit: int = Query(100, ge=1, le=MAX_PAGE),
    format: str | None = Format,
    ctx: Context = Depends(context),
):
    """The cases as they stand now (latest versions), by case id, in keyset pages (``Link: rel=next``)."""
    from ipgauge.register import store
    from ipgauge.register.schema import CASES

    where = "known_to IS NULL AND (? IS NULL OR centre_id = ?) AND (? IS NULL OR case_id > ?)"
    with ctx.gate.reading():
        with store.reading(ctx.db) as con:
            found = con.execute(
                store.canonical_select(CASES, where) + " ORDER BY case_id LIMIT ?",
                [centre, centre, after, after, limit + 1],
            ).fetchall()
    rows = [dict(zip(CASES.column_names, r, strict=True)) for r in found]
    page = rows[:limit]
    nxt = page[-1]["case_id"] if len(rows) > limit else None
    return answer(request, page, fmt=format, cache=LATEST, headers=next_link(request, nxt))


@router.get("/cases/{case_id}")
def case(request: Request, case_id: str = CaseId, format: str | None = Format, ctx: Context = Depends(context)):
    """A case's latest version."""
    from ipgauge.services.casework import existing

    with ctx.gate.reading():
        row = existing(ctx.db, case_id)  # none: "there is no case …", a 404
    return answer(request, row, fmt=format, cache=LATEST)


class Body(BaseModel):
    """A request body: text must be real Unicode (JSON can spell a lone surrogate, which no file can hold)."""

    @model_validator(mode="after")
    def _unicode(self):
        for name, value in self:
            for text in value if isinstance(value, list) else [value]:
                if isinstance(text, str):
                    try:
                        text.encode("utf-8")
                    except UnicodeEncodeError:
                        raise ValueError(f"{name} is not valid Unicode text (a lone surrogate)") from None
                    if any(c not in "\n\t" and unicodedata.category(c) in ("Cc", "Zl", "Zp") for c in text):
                        raise ValueError(f"{name} holds a control character (only line breaks and tabs are text)")
        if str(getattr(self, "case_id", "")).lower().endswith((".json", ".csv")):
            raise ValueError("case_id may not end in .json or .csv (the API reads those as a format)")
        for right in getattr(self, "rights", None) or []:
            if not RIGHT_ID.fullmatch(right):
                raise ValueError(f"rights: {right[:40]!r} is not a right's id (letters, digits and . _ : / -)")
        return self


class NewCase(Body):
    """A case to open (the columns of cases.csv; status is open)."""

    case_id: str = Field(..., pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,59}$", description="letters, digits, _ . : -")
    centre_id: str = Field(..., min_length=1, max_length=60)
    kind: str = Field(..., max_length=40, description="risk_report, layout_report, dispute, consultation, training …")
    opened_date: str = Field(..., max_length=10, description=DATE)
    client_party_id: str | None = Field(None, max_length=60)
    client_name: str | None = Short
    jurisdiction: str | None = Field(None, max_length=10)
    attendees: int | None = Field(None, ge=0)
    rights: list[str] | None = Field(None, max_length=1000)
    outcome: str | None = Field(None, max_length=2000)
    recorded_on: str | None = Field(None, max_length=10, description=CORRECTION_DATE)
    correction_reason: str | None = Field(None, max_length=500, description=CORRECTION_REASON)


class CaseChange(Body):
    """Fields of a case to change (a new version; the old one is kept)."""

    status: str | None = Field(None, max_length=20)
    outcome: str | None = Field(None, max_length=2000)
    jurisdiction: str | None = Field(None, max_length=10)
    client_name: str | None = Short
    attendees: int | None = Field(None, ge=0)
    closed_date: str | None = Field(None, max_length=10)
    rights: list[str] | None = Field(None, max_length=1000)
    recorded_on: str | None = Field(None, max_length=10, description=CORRECTION_DATE)
    correction_reason: str | None = Field(None, max_length=500, description=CORRECTION_REASON)


class Amount(Body):
    """Money recovered or charged, dated the day the case closed."""

    kind: str = Field(..., pattern="^(recovered|fee)$")
    amount: str = Field(..., max_length=30, pattern=r"^[0-9]+(\.[0-9]+)?$")
    currency: str = Field(..., pattern="^[A-Za-z]{3}$")


class Closing(Body):
    """How a case closed."""

    closed_date: str = Field(..., max_length=10, description=DATE)
    outcome: str | None = Field(None, max_length=2000)
    amounts: list[Amount] = Field(default_factory=list, max_length=20)
    recorded_on: str | None = Field(None, max_length=10, description=CORRECTION_DATE)
    correction_reason: str | None = Field(None, max_length=500, description=CORRECTION_REASON)


def _may_write(key: Key, centre: str) -> None:
    if not key.may_write_for(centre):
        raise HTTPException(403, f"API key {key.key_id} may not write casework of centre {centre}.")


def _as_written(key: Key, body: NewCase | CaseChange | Closing) -> Written:
    """The write's provenance: the key's id (never the key) and, for a back-dated record, the reason."""
    on = day(body.recorded_on, "recorded_on")
    if on is not None and on < date.today() and not key.corrections:
        raise HTTPException(
            403,
            f"API key {key.key_id} may not back-date a record: a write is recorded on the day it arrives "
            "(a correction needs a key made with --corrections and a correction_reason).",
        )
    return Written(f"api key {key.key_id}", on, body.correction_reason)


def _written(ctx: Context, write) -> dict:
    """Run a write alone (no read in flight); kept answers lapse by themselves, the register's state having changed."""
    with ctx.gate.writing():
        row, report = write()
    return {"case": row, "recorded_date": str(report.recorded_date), "delivery_id": report.delivery_id}


@router.post("/cases", status_code=201)
def create_case(new: NewCase, key: Key = Depends(need_key), ctx: Context = Depends(context)):
    """Open a case (needs a key whose scope covers the centre)."""
    from ipgauge.services.casework import add_case

    _may_write(key, new.centre_id)
    fields = new.model_dump(exclude={"recorded_on", "correction_reason"})
    written = _as_written(key, new)
    return _written(ctx, lambda: add_case(ctx.db, fields, written))


@router.patch("/cases/{case_id}")
def change_case(
    change: CaseChange, case_id: str = CaseId, key: Key = Depends(need_key), ctx: Context = Depends(context)
):
    """Change a case: a new version, the old one kept (needs a key whose scope covers its centre)."""
    from ipgauge.services.casework import existing, update_case

    with ctx.gate.reading():
        _may_write(key, existing(ctx.db, case_id)["centre_id"])
    fields = change.model_dump(exclude={"recorded_on", "correction_reason"})
    written = _as_written(key, change)
    return _written(ctx, lambda: update_case(ctx.db, case_id, fields, written))


@router.post("/cases/{case_id}/close")
def close(closing: Closing, case_id: str = CaseId, key: Key = Depends(need_key), ctx: Context = Depends(context)):
    """Close a case with its outcome and the money recovered or charged (needs a key whose scope covers its centre)."""
    from ipgauge.services.casework import close_case, existing

    with ctx.gate.reading():
        _may_write(key, existing(ctx.db, case_id)["centre_id"])
    money = [(a.kind, a.amount, a.currency) for a in closing.amounts]
    written = _as_written(key, closing)
    return _written(ctx, lambda: close_case(ctx.db, case_id, closing.closed_date, closing.outcome, money, written))


@router.get("/collaboration/summary")
def collaboration(request: Request, q: Asked = Depends(asked), ctx: Context = Depends(context)):
    """Co-held, academia–industry and cross-region patents; top institutions; communities (`collaboration summary`)."""
    from ipgauge.indicators.query import open_counter
    from ipgauge.services.collaboration import summary

    where, d, k = q.where, q.d, q.k
    key = ("collaboration", where.code, d, k, ctx.answers.state())
    data = ctx.answers.get(key)
    if data is None:
        with ctx.gate.reading(), open_counter(ctx.db, k) as counter:
            data = summary(counter, where, d)
        ctx.answers.put(key, data)
        ctx.tidy()
    return answer(request, data, cache=q.cache)


@router.get("/landscape", dependencies=[Depends(need_key)])
def landscape(
    request: Request,
    company: str | None = Query(None, max_length=200, description="a party id or name"),
    region: str | None = Query(None, max_length=100),
    field: str | None = Query(None, max_length=10, description="a WIPO field (1-35) or an IPC class or subclass"),
    jurisdiction: str = Query("CN", pattern=JURISDICTIONS),
    as_of: str | None = Query(None, max_length=10, description=DATE + " (default: today)"),
    known_at: str | None = Query(None, max_length=10, description=DATE + " (default: as_of)"),
    ctx: Context = Depends(context),
):
    """The patent landscape behind a layout-strategy report: fields, RTA, trend, holders, abroad (needs a key)."""
    from ipgauge.register import store
    from ipgauge.services.landscape import landscape as compute
    from ipgauge.services.landscape import one_subject

    kind, text = one_subject(company, region, field)
    d = day(as_of, "as_of") or date.today()
    k = day(known_at, "known_at") or min(d, date.today())  # K is never after today
    with ctx.gate.reading():
        with store.reading(ctx.db) as con:
            result = compute(con, ctx.db, kind, text, jurisdiction, d, k)
    return answer_private(request, result.as_json())


class ScreenRequest(Body):
    """A product to screen against the claims in force."""

    text: str = Field(..., min_length=1, max_length=20_000)
    jurisdiction: str = Field("CN", pattern=JURISDICTIONS)
    as_of: str | None = Field(None, max_length=10)
    known_at: str | None = Field(None, max_length=10)
    top: int = Field(10, ge=1, le=100)


@router.post("/screen", dependencies=[Depends(need_key)])
def screen(request: Request, q: ScreenRequest, ctx: Context = Depends(context)):
    """The claims closest to a product among the rights in force, each charted (`ipgauge screen`; needs a key)."""
    from ipgauge.register import store
    from ipgauge.services.claim_chart import DISCLAIMER
    from ipgauge.services.claim_index import ClaimIndex, build, index_dir
    from ipgauge.services.screen import Screening

    d = day(q.as_of, "as_of") or date.today()
    k = day(q.known_at, "known_at") or min(d, date.today())
    with ctx.gate.reading():
        with store.reading(ctx.db) as con:
            build(con, ctx.db)
            session = Screening(con, ctx.db, ClaimIndex.open(index_dir(ctx.db)), q.jurisdiction, d, k)
            found = session.screen(q.text, q.top)
            results = [r.as_json() for r in found]
    data = {"as_of": str(d), "known_at": str(k), "in_force": len(session.in_force), "results": results}
    data["warning"] = session.warning(q.text, found)  # null, or why the answer is not complete ("no risk")
    return answer_private(request, data | {"disclaimer_en": DISCLAIMER["en"], "disclaimer_zh": DISCLAIMER["zh"]})


def answer_private(request: Request, data: dict) -> JSONResponse:
    """A JSON answer no cache keeps (it needs a key, or depends on what the client sent); JSON only."""
    if wants_csv(request, request.query_params.get("format")):
        raise json_only()
    return JSONResponse(jsonable_encoder(data), headers={"Cache-Control": PRIVATE})
