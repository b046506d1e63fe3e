"""The dashboard and API server (``serve``) and its API keys (``keys``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ipgauge.cli.app import app
from ipgauge.cli.failures import guarded
from ipgauge.cli.options import DbOption, Format, OutputFormat
from ipgauge.cli.output import _rows
from ipgauge.console import err, out
from ipgauge.errors import UserError, mark_saved, why


@app.command()
@guarded
def serve(
    db: DbOption = None,
    host: Annotated[str, typer.Option("--host", help="Address to listen on (loopback by default).")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port to listen on.")] = 8000,
    private: Annotated[bool, typer.Option("--private", help="Answer reads only with an API key too.")] = False,
    rate: Annotated[
        int, typer.Option("--rate-limit", min=0, help="Requests a minute per key or address (0: no limit).")
    ] = 600,
    cors: Annotated[
        list[str] | None, typer.Option("--cors-origin", help="Allow this origin to call the API (repeatable; off).")
    ] = None,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Keep no computed answer in memory (the load test's baseline).")
    ] = False,
    keep: Annotated[
        int,
        typer.Option("--keep-cached", min=1, help="Knowledge dates' spells kept on disk (the most recently used)."),
    ] = 8,
    access_log: Annotated[
        Path | None, typer.Option("--access-log", help="Log every request as a JSON line to this file (rotated).")
    ] = None,
    max_head: Annotated[
        int, typer.Option("--max-header-bytes", min=1024, help="Bytes of request line and headers (else 431).")
    ] = 32 * 1024,
    head_timeout: Annotated[
        float, typer.Option("--header-timeout", min=0.1, help="Seconds for a request's headers to arrive (else 408).")
    ] = 10.0,
    body_timeout: Annotated[
        float, typer.Option("--body-timeout", min=0.1, help="Seconds for a request's body to arrive (else 408).")
    ] = 30.0,
    per_address: Annotated[
        int, typer.Option("--max-connections-per-address", min=1, help="Open connections one client address may hold.")
    ] = 256,
) -> None:
    """Serve the dashboard (/) and the HTTP API (/v1, docs at /v1/docs) over the register."""
    import socket

    from ipgauge.register import store

    try:
        import uvicorn

        from ipgauge.web.access import AccessLog
        from ipgauge.web.app import create_app
        from ipgauge.web.guard import Settings
        from ipgauge.web.protocol import Limits, file_handles, guarded
    except ImportError:
        raise UserError("the dashboard and API need the web extra: pip install 'ipgauge[web]'.") from None
    path = store.db_path(db)
    if not path.is_file():
        raise UserError(f"there is no register {path}; load a delivery first (ipgauge load DIR --db {path}).")
    store.connect(path, read_only=True).close()  # not a register: one sentence now, not an error on every page
    try:  # a port in use is one sentence, not uvicorn's log and exit
        with socket.create_server((host, port)):
            pass
    except OSError as e:
        raise UserError(f"cannot listen on {host}:{port} ({why(e)}); check --host and --port.") from None
    log = AccessLog(access_log) if access_log else None
    app = create_app(
        path,
        Settings(
            private=private,
            rate=rate,
            cors_origins=tuple(cors or ()),
            cache_entries=0 if no_cache else 2048,
            keep_cached=keep,
            access_log=log,
        ),
    )
    limits = Limits(max_head, head_timeout, body_timeout, per_address, file_handles())
    out.print(
        f"ipgauge dashboard on http://{host}:{port}/ and API on http://{host}:{port}/v1 (docs: /v1/docs) "
        f"over {path}; Ctrl-C stops it.",
        soft_wrap=True,
    )
    # no proxy headers: X-Forwarded-For from a client on loopback must not choose its own rate-limit bucket
    uvicorn.run(app, host=host, port=port, log_level="warning", proxy_headers=False, http=guarded(limits, log))


keys_app = typer.Typer(no_args_is_help=True, help="API keys for the server: writes and expensive calls need one.")


app.add_typer(keys_app, name="keys")


@keys_app.command("add")
@guarded
def keys_add(
    name: Annotated[str, typer.Option("--name", help="Whose key it is (a person, a centre, a tool).")],
    centre: Annotated[
        list[str] | None, typer.Option("--centre", help="A centre whose casework it may write (repeatable).")
    ] = None,
    every: Annotated[bool, typer.Option("--all-centres", help="It may write the casework of every centre.")] = False,
    corrections: Annotated[
        bool, typer.Option("--corrections", help="It may back-date a record (recorded_on before today, with a reason).")
    ] = False,
    db: DbOption = None,
) -> None:
    """Make a key; it is printed once and only its SHA-256 digest is kept."""
    from ipgauge.register import store
    from ipgauge.web import keys

    if every and centre:
        raise UserError("give --centre or --all-centres, not both.")
    path = store.db_path(db)
    made, key = keys.add(path, name, None if every else list(centre or []), corrections)
    mark_saved(f"API key {made.key_id}")
    may = "; may write corrections" if made.corrections else ""
    err.print(f"API key {made.key_id} for {made.name} (centres: {';'.join(made.centres)}{may}); it is shown only now:")
    print(key)


@keys_app.command("list")
@guarded
def keys_list(
    fmt: Format = OutputFormat.table,
    db: DbOption = None,
) -> None:
    """The keys (never the keys themselves): id, name, centres, made, revoked."""
    from ipgauge.register import store
    from ipgauge.web import keys

    path = store.db_path(db)
    if not path.is_file():
        raise UserError(f"there is no register {path}; pass --db.")
    _rows([k.public() for k in keys.read(keys.path_for(path))], fmt, "API keys")


@keys_app.command("revoke")
@guarded
def keys_revoke(key_id: Annotated[str, typer.Argument(help="The key's id (from keys list).")], db: DbOption = None):
    """Revoke a key: a running server refuses it from its next request."""
    from ipgauge.register import store
    from ipgauge.web import keys

    done = keys.revoke(store.db_path(db), key_id)
    mark_saved(f"the revocation of API key {key_id}")
    out.print(f"API key {done.key_id} ({done.name}) revoked on {done.revoked}.")
