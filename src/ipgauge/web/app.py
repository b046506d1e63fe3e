"""The web application: the versioned API under ``/v1`` and the dashboard at ``/``, in one FastAPI app.

Every error is JSON ``{"error": sentence}`` with the right status: 400 for a request the register
cannot answer (the sentence the command line prints), 401/403 for keys, 404 for what does not
exist, 413 for a body too large, 422 for a malformed parameter, 429 with ``Retry-After`` past the
rate limit, 503 while another process holds the register. A bug is 500 with the path of the log
that holds its traceback — and the fuzz test and load test check that none happens.
"""

from __future__ import annotations

import time
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException

from ipgauge import __version__
from ipgauge.errors import UserError
from ipgauge.regions.groups import by_name
from ipgauge.web import api_figures, api_marks, api_releases, api_services, dashboard
from ipgauge.web.guard import Context, Settings, server_trouble
from ipgauge.web.http import suffix_format

OPEN_PATHS = ("/v1/openapi.json", "/v1/docs", "/static/")  # open even on a --private server


def _error(status: int, message: str, headers: dict | None = None) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=headers)


def _refusal(request: Request, status: int, message: str, headers: dict | None = None):
    """JSON for the API and the dashboard's fragments; a page in the reader's language for the dashboard's pages."""
    if request.url.path.startswith(("/v1", "/ui/", "/geo/", "/static/")):
        return _error(status, message, headers)
    return dashboard.error_page(request, status, message, headers)


def create_app(db: Path, settings: Settings | None = None) -> FastAPI:
    """The app over the register at ``db`` (opened read-only per request; its caches are shared)."""
    app = FastAPI(
        title="ipgauge",
        version=__version__,
        openapi_url="/v1/openapi.json",
        redirect_slashes=False,  # a redirect would echo the client's Host header into its Location
        docs_url=None,  # served below from the vendored Swagger UI: nothing is fetched from a CDN
        redoc_url=None,
        description="Regional intellectual-property statistics and services: the same figures as the ipgauge "
        "command line. Reads are open unless the server runs --private; writes and expensive calls need "
        "an API key in X-Api-Key (ipgauge keys add).",
    )
    ctx = Context(db, settings or Settings())
    app.state.ctx = ctx
    by_name("辽宁")  # the name indexes built now, not on the first request that names a region

    @app.get("/v1/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        """The interactive docs (Swagger UI 5.30.2, vendored)."""
        return get_swagger_ui_html(
            openapi_url="/v1/openapi.json",
            title="ipgauge API",
            swagger_js_url="/static/vendor/swagger-ui-bundle.js",
            swagger_css_url="/static/vendor/swagger-ui.css",
            swagger_favicon_url="/static/favicon.svg",
        )

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> RedirectResponse:
        return RedirectResponse("/static/favicon.svg", status_code=301)

    @app.exception_handler(UserError)
    async def user_error(request: Request, e: UserError):
        trouble = server_trouble(e)
        if trouble:
            return _refusal(request, 503, trouble[0], {"Retry-After": trouble[1]})
        text = ctx.unpath(str(e))
        if text.startswith(("no indicator", "there is no release", "no patent, trademark", "there is no case")):
            return _refusal(request, 404, text)
        return _refusal(request, 409 if "is already in the register" in text else 400, text)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, e: HTTPException):
        """FastAPI's and Starlette's own (an unknown path, a wrong method) in the same shape."""
        return _refusal(request, e.status_code, str(e.detail), e.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, e: RequestValidationError) -> JSONResponse:
        # each problem's place and message only: the input itself may be bytes, NaN or a lone surrogate
        detail = [{"loc": [str(x) for x in d.get("loc", ())], "msg": str(d.get("msg", ""))} for d in e.errors()]
        first = detail[0] if detail else {"loc": [], "msg": "is not valid"}
        where = ".".join(x for x in first["loc"] if x not in ("query", "body", "path"))
        message = f"{where or 'the request'}: {first['msg']}."
        if not _request.url.path.startswith("/v1"):
            return _refusal(_request, 422, message)
        return JSONResponse({"error": message, "detail": detail}, status_code=422)

    @app.exception_handler(Exception)
    async def bug(_request: Request, e: Exception) -> JSONResponse:
        incident = ctx.crashes.record(e)  # at most a few logs a minute: a bug a client can repeat cannot fill the disk
        return _error(500, f"ipgauge failed unexpectedly; the server's crash log names incident {incident}.")

    if ctx.settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(ctx.settings.cors_origins),
            allow_methods=["GET", "POST", "PATCH"],
            allow_headers=["X-Api-Key", "Content-Type"],
        )
    app.add_middleware(Guard, ctx=ctx)  # added last: it runs first, before CORS and every route
    for router in (api_figures.router, api_releases.router, api_services.router, api_marks.router, dashboard.router):
        app.include_router(router)
    dashboard.mount(app)
    return app


#: Headers on every page: no framing (a page that takes an API key must not be clickjacked), scripts
#: from this server only. The embeddable chart (``/embed``) may be framed by anyone; the API docs page
#: (Swagger UI) initialises itself with an inline script.
SECURITY = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"same-origin")]
PAGE_POLICY = (
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors {ancestors}"
)


def _page_headers(path: str) -> list[tuple[bytes, bytes]]:
    if path == "/embed":
        return [(b"content-security-policy", PAGE_POLICY.format(ancestors="*").encode())]
    policy = PAGE_POLICY.format(ancestors="'none'")
    if path == "/v1/docs":
        policy = policy.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'")
    return [(b"x-frame-options", b"DENY"), (b"content-security-policy", policy.encode())]


class Guard:
    """Suffix formats, body size, keys and the rate limit, before any route runs (plain ASGI: cheap per request).

    It also answers HEAD as GET without the body, lets a CORS preflight through to the CORS layer
    (a browser sends it without the key), adds the security headers, and writes the access log.
    """

    def __init__(self, app, ctx: Context) -> None:
        self.app = app
        self.ctx = ctx

    async def __call__(self, scope, receive, send) -> None:
        """Refuse here, or pass the request on."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started, status, sent = time.perf_counter(), [0], [0]
        head = scope["method"] == "HEAD"
        log = self.ctx.settings.access_log

        async def sending(message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
                extra = list(SECURITY)
                if any(k == b"content-type" and v.startswith(b"text/html") for k, v in message.get("headers", ())):
                    extra += _page_headers(scope["path"])
                message = message | {"headers": [*message.get("headers", ()), *extra]}
            elif message["type"] == "http.response.body":
                if head:
                    message = message | {"body": b""}
                sent[0] += len(message.get("body", b""))
            await send(message)
            if log is not None and message["type"] == "http.response.body" and not message.get("more_body"):
                log.write(scope | {"method": asked}, status[0], sent[0], time.perf_counter() - started)

        asked = scope["method"]
        if head:
            scope = scope | {"method": "GET"}
        refused = self.check(scope)
        if refused is not None:
            await refused(scope, receive, sending)
            return
        await self.app(scope, receive, sending)

    def check(self, scope) -> JSONResponse | None:
        """The refusal of a request, or None (a valid key is put in the request's state)."""
        ctx = self.ctx
        suffix_format(scope)
        headers = Headers(scope=scope)
        path = scope["path"]
        if any(ord(c) < 32 or c == "\x7f" for c in path):  # a NUL in a path is no file and no route: refused here
            return _error(404, "there is nothing at this address.")
        preflight = "access-control-request-method" in headers and "origin" in headers
        if scope["method"] == "OPTIONS" and ctx.settings.cors_origins and preflight:
            return None  # a CORS preflight carries no key: the CORS layer answers it, and the request itself is checked
        if scope["method"] in ("POST", "PUT", "PATCH"):
            length = headers.get("content-length")
            if length is None or not length.isdigit():
                return _error(411, "a request body needs a Content-Length.")
            if int(length) > ctx.settings.max_body:
                return _error(413, f"the request body is over {ctx.settings.max_body:,} bytes.")
        given = headers.get("x-api-key") or None  # an empty header is no key
        try:
            key = ctx.keyring.find(given) if given else None
        except UserError:
            return _error(503, "the server cannot read its API keys just now; retry later.", {"Retry-After": "30"})
        client = f"key:{key.key_id}" if key else f"ip:{scope['client'][0] if scope.get('client') else '-'}"
        wait = ctx.limiter.wait_for(client)  # refused tries and static files count too
        if wait:
            return _error(
                429, f"over {ctx.settings.rate} requests a minute; retry in {wait} s.", {"Retry-After": str(wait)}
            )
        if given and key is None:
            return _error(401, "the API key is unknown or revoked.")
        if key is not None:
            scope.setdefault("state", {})["key"] = key
        elif ctx.settings.private and not path.startswith(OPEN_PATHS):
            return _error(401, "this server answers only with an API key in the X-Api-Key header.")
        return None
