"""The dashboard at ``/``: the indicator explorer with its China map, releases, a right's status, casework.

Served by the same app as the API, with no build step: Jinja2 pages, ECharts 6 and htmx vendored
under ``static/vendor`` with their licences. The explorer's page talks to ``/v1`` like any client
(so its downloads are the API's own answers); the other pages call the same functions the API
routes call. Every page is in Chinese and English (``?lang=zh|en``, else the browser's language).

The map is ``china_provinces.geojson`` (decoded from ECharts 4.9.0's ``map/json/china.json``,
Apache-2.0) registered under the name ``china``, for which ECharts draws the South China Sea
islands inset (``南海诸岛``) itself; a province's prefectures come from
``china_prefectures.geojson`` of the same package.
"""

from __future__ import annotations

import json
import tomllib
from datetime import date
from functools import lru_cache
from importlib import resources
from pathlib import Path

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from ipgauge.errors import UserError
from ipgauge.indicators.catalogue import catalogue
from ipgauge.regions.divisions import place_name
from ipgauge.terms import term
from ipgauge.web.guard import Context, context, need_key, server_trouble
from ipgauge.web.http import IMMUTABLE, PRIVATE

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")


templates.env.globals |= {"term": term, "place_name": place_name}
router = APIRouter(include_in_schema=False)

#: The dashboard's words, in Chinese and English (``ui.toml``).
UI: dict[str, dict[str, str]] = tomllib.loads((HERE / "ui.toml").read_text(encoding="utf-8"))


def mount(app: FastAPI) -> None:
    """Serve the dashboard's scripts, styles and vendored libraries."""
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")


def _lang(request: Request) -> str:
    asked = request.query_params.get("lang")
    if asked in UI:
        return asked
    return "zh" if request.headers.get("accept-language", "").lower().startswith("zh") else "en"


def _page(request: Request, name: str, **values) -> HTMLResponse:
    from ipgauge.web.api_figures import register_info

    lang = _lang(request)
    ctx: Context = request.app.state.ctx
    other = request.url.include_query_params(lang="en" if lang == "zh" else "zh")
    values = {"t": UI[lang], "lang": lang, "other_url": str(other), "register": register_info(ctx),
              "today": date.today().isoformat()} | values  # fmt: skip
    return templates.TemplateResponse(request, name, values, headers={"Cache-Control": PRIVATE})


def error_page(request: Request, status: int, message: str, headers: dict | None = None) -> HTMLResponse:
    """A refusal on a dashboard page: the sentence, in a page with the menu, and the status."""
    try:
        page = _page(request, "error.html", status=status, message=message)
    except UserError:  # the register itself cannot be read: the sentence alone
        lang = _lang(request)
        page = templates.TemplateResponse(
            request,
            "error.html",
            {
                "t": UI[lang],
                "lang": lang,
                "other_url": "",
                "register": {},
                "status": status,
                "message": message,
            },  # fmt: skip
        )
    page.status_code = status
    page.headers.update(headers or {})
    return page


@router.get("/", response_class=HTMLResponse)
def explorer(request: Request):
    """The indicator explorer: the map, a figure, a series or breakdown, downloads, a permalink."""
    lang = _lang(request)
    return _page(request, "explorer.html", indicators=_indicators(lang), ui_json=json.dumps(UI[lang]))


@router.get("/embed", response_class=HTMLResponse)
def embed(request: Request):
    """The explorer's map and chart alone, for another site's page (the only page that may be framed)."""
    lang = _lang(request)
    return _page(request, "embed.html", indicators=_indicators(lang), ui_json=json.dumps(UI[lang]), embed=True)


def _indicators(lang: str) -> list[dict]:
    """The explorer's indicators with their names, units, definitions and sources in the page's language."""
    return [
        {"name": i.name, "label": getattr(i, f"label_{lang}"), "unit": getattr(i, f"unit_{lang}"),
         "definition": getattr(i, f"definition_{lang}"), "source": i.source, "ratio": i.is_per_10k,
         "flow": i.is_flow}
        for i in catalogue().values()
        if not i.is_casework and not i.is_ratio  # a rate has no map: its parts are there
    ]  # fmt: skip


@lru_cache(maxsize=1)
def _geo(name: str) -> bytes:
    return resources.files("ipgauge.data").joinpath(name).read_bytes()


@router.get("/geo/provinces.json")
def provinces() -> Response:
    """China's provinces (ECharts 4.9.0's china.json, decoded): the explorer's map."""
    return Response(
        _geo("china_provinces.geojson"), media_type="application/json", headers={"Cache-Control": IMMUTABLE}
    )


@lru_cache(maxsize=40)
def _prefectures(code: str) -> bytes | None:
    every = json.loads(_geo("china_prefectures.geojson"))
    mine = [f for f in every["features"] if f["properties"].get("province_code") == code]
    return json.dumps({"type": "FeatureCollection", "features": mine}, ensure_ascii=False).encode() if mine else None


@router.get("/geo/prefectures/{code}.json")
def prefectures(code: str) -> Response:
    """A province's prefectures (from ECharts 4.9.0's province maps)."""
    body = _prefectures(code) if code.isdigit() and len(code) == 6 else None
    if body is None:
        raise HTTPException(404, f"no prefecture map for {code[:20]!r}; give a province's six-digit code.")
    return Response(body, media_type="application/json", headers={"Cache-Control": IMMUTABLE})


@router.get("/releases", response_class=HTMLResponse)
def releases_page(request: Request, ctx: Context = Depends(context)):
    """The stored releases, newest first."""
    from ipgauge.releases import snapshot

    with ctx.gate.reading():
        rows = snapshot.listing(ctx.db, None, 200)
    return _page(request, "releases.html", releases=rows)


@router.get("/releases/{release_id}", response_class=HTMLResponse)
def release_page(request: Request, release_id: str, ctx: Context = Depends(context)):
    """A release: its text and tables in the page's language, its files, a diff against a later K."""
    from ipgauge.releases.figures import Figures
    from ipgauge.releases.render import html_table, tables
    from ipgauge.web.api_releases import _record

    if not (len(release_id) == 13 and release_id.startswith("R")):
        raise HTTPException(404, f"there is no release {release_id[:20]!r}.")
    data = _record(ctx, release_id)
    lang = _lang(request)
    figures = Figures.from_dict(data["figures"])
    text = data["text"].get(lang) or next(iter(data["text"].values()))
    rendered = [html_table(*t) for t in tables(figures, lang)]
    return _page(request, "release.html", release=data, text=text, tables=rendered)


@router.get("/ui/releases/{release_id}/files", response_class=HTMLResponse)
def release_files(request: Request, release_id: str):
    """A fragment: the release's files and charts (drawn on first request)."""
    from ipgauge.web.api_releases import file_rows

    listed = file_rows(request.app.state.ctx, release_id)
    return templates.TemplateResponse(
        request, "_files.html", {"files": listed, "t": UI[_lang(request)]}, headers={"Cache-Control": PRIVATE}
    )


@router.get("/ui/releases/{release_id}/diff", response_class=HTMLResponse, dependencies=[Depends(need_key)])
def release_diff(request: Request, release_id: str, known_at: str = Query(..., max_length=10)):
    """A fragment: what changes when the release is known on a later date (needs a key)."""
    from ipgauge.releases import snapshot
    from ipgauge.web.api_figures import day

    ctx: Context = request.app.state.ctx
    with ctx.gate.reading():
        changes = snapshot.diff(ctx.db, release_id, day(known_at, "known_at"), limit=20)
    return templates.TemplateResponse(
        request, "_diff.html", {"changes": changes, "known_at": known_at, "t": UI[_lang(request)]},
        headers={"Cache-Control": PRIVATE, "Vary": "X-Api-Key"},
    )  # fmt: skip


@router.get("/rights", response_class=HTMLResponse)
def status_page(
    request: Request,
    right: str | None = Query(None, max_length=40),
    as_of: str | None = Query(None, max_length=10),
    known_at: str | None = Query(None, max_length=10),
    ctx: Context = Depends(context),
):
    """A right's status on D as known on K, with the timeline of the events that decided it."""
    from ipgauge.web.api_figures import day, register_info, right_status

    d = day(as_of, "as_of") if as_of else date.fromisoformat(register_info(ctx)["latest_event"] or "2025-01-01")
    k = day(known_at, "known_at") or date.today()
    result, error = None, None
    if right:
        try:
            result = right_status(ctx, right.strip(), d, k)
        except UserError as e:
            error = _shown(ctx, e)
    return _page(request, "status.html", right=right or "", as_of=d, known_at=k, status=result, error=error)


def _shown(ctx: Context, e: UserError) -> str:
    """A refusal shown inside a page, the server's folders removed from it.

    The server's own trouble (a locked register, a full disk) is raised again instead, to be answered
    503 naming no path or process.
    """
    if server_trouble(e):
        raise e
    return ctx.unpath(str(e))


@router.get("/screen", response_class=HTMLResponse)
def screen_page(request: Request):
    """Risk screening of a product against the claims in force (the page posts to /v1/screen with a key)."""
    from ipgauge.web.api_figures import register_info

    d = register_info(request.app.state.ctx)["latest_event"]
    return _page(request, "screen.html", as_of=d, ui_json=json.dumps(UI[_lang(request)]))


@router.get("/casework", response_class=HTMLResponse)
def casework_page(
    request: Request,
    region: str = Query("CN", max_length=100),
    year: int | None = Query(None, ge=2000, le=2100),
    known_at: str | None = Query(None, max_length=10),
    ctx: Context = Depends(context),
):
    """The casework of a region's service centres in a year: the figures and the seed's sentence."""
    from ipgauge.web.api_figures import day, register_info
    from ipgauge.web.api_services import casework_figures

    k = day(known_at, "known_at") or date.today()
    if year is None:  # the last year the register covers to its end: a year half delivered is not the default
        last = date.fromisoformat(register_info(ctx)["latest_recorded"] or k.isoformat())
        year = last.year if (last.month, last.day) == (12, 31) else last.year - 1
    result, error = None, None
    try:
        result = casework_figures(ctx, region, year, k)
    except UserError as e:
        error = _shown(ctx, e)
    return _page(request, "casework.html", region=region, year=year, known_at=k, summary=result, error=error)


@router.get("/trademarks", response_class=HTMLResponse)
def trademarks_page(
    request: Request,
    a: str | None = Query(None, max_length=500),
    b: str | None = Query(None, max_length=500),
    classes_a: str | None = Query(None, max_length=140),
    classes_b: str | None = Query(None, max_length=140),
    jurisdiction: str = Query("US", pattern="^(US|CN)$"),
):
    """Two marks compared (the page itself, no key), and clearance (the page posts to /v1/trademarks/clear)."""
    from urllib.parse import urlencode

    from ipgauge.services.marks.similarity import compare, nice_classes
    from ipgauge.web.api_figures import register_info

    result, error = None, None
    if a and b:
        try:
            result = compare(a, nice_classes(classes_a), b, nice_classes(classes_b), jurisdiction).as_json()
        except ValueError as e:
            error = str(e).rstrip(".") + "."
    asked = {k: v for k, v in {"a": a, "b": b, "classes_a": classes_a, "classes_b": classes_b,
                               "jurisdiction": jurisdiction}.items() if v}  # fmt: skip
    d = register_info(request.app.state.ctx)["latest_event"]
    return _page(request, "trademarks.html", a=a or "", b=b or "", classes_a=classes_a or "",
                 classes_b=classes_b or "", jurisdiction=jurisdiction, result=result, error=error,
                 query=urlencode(asked), as_of=d, ui_json=json.dumps(UI[_lang(request)]))  # fmt: skip
