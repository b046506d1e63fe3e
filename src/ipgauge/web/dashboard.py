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
from datetime import date
from functools import lru_cache
from importlib import resources
from pathlib import Path

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from ipgauge.errors import UserError
from ipgauge.indicators.catalogue import listing
from ipgauge.web.guard import Context, context, need_key
from ipgauge.web.http import IMMUTABLE, PRIVATE

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")
router = APIRouter(include_in_schema=False)

UI = {
    "zh": {
        "title": "ipgauge 知识产权统计",
        "explorer": "指标浏览",
        "releases": "统计发布",
        "status": "权利状态",
        "casework": "服务中心业务",
        "indicator": "指标",
        "region": "地区",
        "search": "搜索地区（中文、英文或代码）",
        "as_of": "统计日期",
        "known_at": "知悉日期",
        "series": "时间序列",
        "none": "无",
        "monthly": "按月",
        "quarterly": "按季",
        "yearly": "按年",
        "from": "起始日期",
        "by": "分组",
        "subregion": "下级地区",
        "holder_type": "权利人类型",
        "field": "技术领域",
        "country": "国家",
        "value": "数值",
        "previous": "上年同期",
        "yoy": "同比",
        "download": "下载",
        "permalink": "永久链接",
        "back": "返回全国",
        "synthetic": "合成数据，非真实统计",
        "map_source": "底图：Apache ECharts 4.9.0 china.json（含南海诸岛）",
        "part": "分组",
        "date": "日期",
        "release": "发布",
        "files": "文件",
        "diff": "与较晚知悉日期比较",
        "api_key": "API 密钥",
        "compare": "比较",
        "right_id": "专利申请号 / 商标注册号 / 地理标志编号",
        "show": "查询",
        "in_force": "有效",
        "not_in_force": "无效",
        "events": "事件时间线",
        "spells": "有效期间",
        "year": "年份",
        "no_releases": "本系统登记库中还没有发布。",
        "loading": "加载中…",
        "screen": "侵权风险筛查",
        "product": "产品描述或权利要求",
        "jurisdiction": "法域",
        "top": "列出条数",
        "risk": "风险",
        "score": "相似度",
        "holder": "权利人",
        "claim": "权利要求",
        "elements": "技术特征",
        "no_results": "在 {n} 件有效专利的权利要求中没有找到相近的（该知悉日期已知的权利要求）。",
        "not_screened": "未进行筛查：本系统登记库中这些有效专利没有权利要求文本，不能据此判断无风险。",
        "centres": "服务中心",
        "companies_with_reports": "出具报告的企业",
        "disputes": "海外纠纷",
        "consultations": "咨询",
        "trainings": "培训",
        "training_attendees": "培训人次",
        "recovered_cny": "挽回损失（人民币）",
        "recovered_usd": "挽回损失（美元）",
        "valid_from": "起",
        "valid_to": "止（不含）",
        "open": "未止",
        "before": "原值",
        "after": "新值",
        "rights": "变化的权利",
        "no_data": "无数据",
        "refused": "无法显示",
        "need_from": "时间序列需要起始日期。",
        "other_lang": "English",
    },
    "en": {
        "title": "ipgauge IP statistics",
        "explorer": "Explorer",
        "releases": "Releases",
        "status": "Right status",
        "casework": "Service centres",
        "indicator": "Indicator",
        "region": "Region",
        "search": "Search a region (Chinese, English or code)",
        "as_of": "As of",
        "known_at": "Known at",
        "series": "Series",
        "none": "none",
        "monthly": "monthly",
        "quarterly": "quarterly",
        "yearly": "yearly",
        "from": "From",
        "by": "Breakdown",
        "subregion": "subregion",
        "holder_type": "holder type",
        "field": "technology field",
        "country": "country",
        "value": "Value",
        "previous": "A year earlier",
        "yoy": "Year on year",
        "download": "Download",
        "permalink": "Permalink",
        "back": "Back to China",
        "synthetic": "SYNTHETIC data, not real statistics",
        "map_source": "Base map: Apache ECharts 4.9.0 china.json (South China Sea islands inset)",
        "part": "Part",
        "date": "Date",
        "release": "Release",
        "files": "Files",
        "diff": "Compare with a later knowledge date",
        "api_key": "API key",
        "compare": "Compare",
        "right_id": "Patent application, trademark or GI number",
        "show": "Show",
        "in_force": "IN FORCE",
        "not_in_force": "NOT IN FORCE",
        "events": "Timeline of events",
        "spells": "Spells in force",
        "year": "Year",
        "no_releases": "The register holds no release yet.",
        "loading": "Loading…",
        "screen": "Risk screening",
        "product": "Product description or claims",
        "jurisdiction": "Jurisdiction",
        "top": "Results",
        "risk": "Risk",
        "score": "Score",
        "holder": "Holder",
        "claim": "Claim",
        "elements": "Elements found",
        "no_results": "No close claim among the {n} patents in force (claims known on the knowledge date).",
        "not_screened": "Nothing was screened — this is not a finding of no risk:",
        "centres": "centres",
        "companies_with_reports": "companies served with reports",
        "disputes": "overseas disputes",
        "consultations": "consultations",
        "trainings": "trainings",
        "training_attendees": "training attendees",
        "recovered_cny": "losses recovered (CNY)",
        "recovered_usd": "losses recovered (USD)",
        "valid_from": "from",
        "valid_to": "to (exclusive)",
        "open": "open",
        "before": "before",
        "after": "after",
        "rights": "rights that changed",
        "no_data": "no data",
        "refused": "Cannot show this",
        "need_from": "A series needs a start date (From).",
        "other_lang": "中文",
    },
}


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
    values = {"t": UI[lang], "lang": lang, "other_url": str(other), "register": register_info(ctx)} | values
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
    indicators = [
        {"name": i["name"], "label": i[f"label_{lang}"], "unit": i[f"unit_{lang}"]}
        for i in listing()
        if not i["name"].startswith("casework_")
    ]
    return _page(request, "explorer.html", indicators=indicators, ui_json=json.dumps(UI[_lang(request)]))


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
    return _page(request, "release.html", release=data, text=text, tables=rendered, today=date.today().isoformat())


@router.get("/ui/releases/{release_id}/files", response_class=HTMLResponse)
def release_files(request: Request, release_id: str):
    """A fragment: the release's files and charts (drawn on first request)."""
    from ipgauge.web.api_releases import file_rows

    listed = file_rows(request.app.state.ctx, release_id)
    return templates.TemplateResponse(request, "_files.html", {"files": listed, "t": UI[_lang(request)]})


@router.get("/ui/releases/{release_id}/diff", response_class=HTMLResponse, dependencies=[Depends(need_key)])
def release_diff(request: Request, release_id: str, known_at: str = Query(..., max_length=10)):
    """A fragment: what changes when the release is known on a later date (needs a key)."""
    from ipgauge.releases import snapshot
    from ipgauge.web.api_figures import day

    ctx: Context = request.app.state.ctx
    with ctx.gate.reading():
        changes = snapshot.diff(ctx.db, release_id, day(known_at, "known_at"), limit=20)
    return templates.TemplateResponse(
        request, "_diff.html", {"changes": changes, "known_at": known_at, "t": UI[_lang(request)]}
    )


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
            error = str(e)
    return _page(request, "status.html", right=right or "", as_of=d, known_at=k, status=result, error=error)


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
    year = year or date.fromisoformat(register_info(ctx)["latest_event"] or k.isoformat()).year  # the data's year
    result, error = None, None
    try:
        result = casework_figures(ctx, region, year, k)
    except UserError as e:
        error = str(e)
    return _page(request, "casework.html", region=region, year=year, known_at=k, summary=result, error=error)
