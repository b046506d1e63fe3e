"""`ipgauge serve` as an attacker meets it: raw sockets against the real server on loopback (issue 27).

Each test reproduces a defect the attacker found — an unbounded header, half-open requests, a flood
of connections from one address, HEAD refused, the Host header echoed into a cached Link, a CORS
preflight refused by a private server, no record of who wrote — and checks the fix.
"""

from __future__ import annotations

import json
import socket
import time

import httpx
import pytest

from conftest import run, serving


@pytest.fixture(scope="module")
def served(small_delivery, tmp_path_factory):
    folder = tmp_path_factory.mktemp("guard")
    db = folder / "r.duckdb"
    assert run("load", small_delivery, "--db", db, "--rejects", folder / "rj").exit_code == 0
    made = run("keys", "add", "--name", "tester", "--all-centres", "--db", db)
    assert made.exit_code == 0, made.stderr
    key = made.stdout.strip()
    proc, _, port = serving(
        db, "--header-timeout", "1", "--body-timeout", "1", "--max-connections-per-address", "8",
        "--max-header-bytes", "8192", "--private", "--cors-origin", "https://app.example",
        "--access-log", str(folder / "log" / "access.jsonl"),
    )  # fmt: skip
    yield port, key, db, folder
    proc.terminate()
    proc.wait(timeout=10)


def _get(port: int, key: str, path: str = "/v1/register", source: str = "127.0.0.1") -> httpx.Response:
    transport = httpx.HTTPTransport(local_address=source)
    with httpx.Client(transport=transport, timeout=10) as c:
        return c.get(f"http://127.0.0.1:{port}{path}", headers={"X-Api-Key": key})


def _answer(s: socket.socket, timeout: float = 5) -> bytes:
    s.settimeout(timeout)
    data = b""
    try:
        while chunk := s.recv(4096):
            data += chunk
    except (TimeoutError, ConnectionResetError):
        pass
    return data


def test_an_oversized_header_is_refused_431_before_it_is_buffered(served):
    port, key, _, _ = served
    s = socket.create_connection(("127.0.0.1", port))
    started = time.perf_counter()
    try:
        s.sendall(b"GET /v1/register HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (4 << 20) + b"\r\n\r\n")
    except OSError:  # the server answered and closed while the rest was still being sent
        pass
    answer = _answer(s)
    assert answer.startswith(b"HTTP/1.1 431"), answer[:80]
    assert time.perf_counter() - started < 3
    assert _get(port, key).status_code == 200  # everyone else is still served
    ok = socket.create_connection(("127.0.0.1", port))  # a head just under the limit still passes
    ok.sendall(b"GET /v1/register HTTP/1.1\r\nHost: x\r\nX-Api-Key: " + key.encode() + b"\r\nX-Pad: "
               + b"p" * 7000 + b"\r\nConnection: close\r\n\r\n")  # fmt: skip
    assert _answer(ok).startswith(b"HTTP/1.1 200")


def test_slow_heads_and_bodies_are_timed_out_408(served):
    port, key, _, _ = served
    head = socket.create_connection(("127.0.0.1", port))
    head.sendall(b"GET /v1/register HTTP/1.1\r\nHost: x\r\n")  # and then nothing
    silent = socket.create_connection(("127.0.0.1", port))  # not a byte
    body = socket.create_connection(("127.0.0.1", port))
    body.sendall(b"POST /v1/cases HTTP/1.1\r\nHost: x\r\nX-Api-Key: " + key.encode()
                 + b"\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{")  # fmt: skip
    started = time.perf_counter()
    for s in (head, silent, body):
        answer = _answer(s, 5)
        assert answer.startswith(b"HTTP/1.1 408"), answer[:80]
    assert time.perf_counter() - started < 4  # one second each, concurrently


def test_one_address_cannot_hold_every_connection(served):
    port, key, _, _ = served
    held = []
    for _ in range(20):
        s = socket.socket()
        s.bind(("127.0.0.2", 0))
        s.connect(("127.0.0.1", port))
        held.append(s)
    time.sleep(0.3)
    refused = 0
    for s in held:
        s.setblocking(False)
        try:
            refused += s.recv(100).startswith(b"HTTP/1.1 503")
        except BlockingIOError:
            pass
    assert refused >= 12  # 8 held at most
    assert _get(port, key).status_code == 200  # another address is served meanwhile
    for s in held:
        s.close()


def test_head_security_headers_relative_links_and_a_private_cors_preflight(served):
    port, key, _, _ = served
    base = f"http://127.0.0.1:{port}"
    head = httpx.head(base + "/v1/register", headers={"X-Api-Key": key})
    assert head.status_code == 200 and head.content == b"" and head.headers["etag"]
    page = httpx.get(base + "/rights", headers={"X-Api-Key": key})
    assert page.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert "script-src 'self';" in page.headers["content-security-policy"]
    listed = httpx.get(base + "/v1/regions?q=a&limit=2", headers={"X-Api-Key": key, "Host": "evil.example"})
    assert listed.headers["link"].startswith("</v1/regions?") and "evil" not in listed.headers["link"]
    preflight = httpx.options(
        base + "/v1/cases",
        headers={"Origin": "https://app.example", "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "x-api-key, content-type"},
    )  # fmt: skip
    assert preflight.status_code == 200, preflight.text
    assert preflight.headers["access-control-allow-origin"] == "https://app.example"
    assert httpx.get(base + "/v1/register").status_code == 401  # the request itself still needs the key


def test_the_access_log_names_the_key_and_the_delivery_log_the_writer(served):
    port, key, db, folder = served
    centre = json.loads(_get(port, key, "/v1/cases?limit=1").text)[0]["centre_id"]
    case = {"case_id": "LOG-1", "centre_id": centre, "kind": "consultation", "opened_date": "2025-03-01",
            "client_name": "=HYPERLINK(\"http://x\")"}  # fmt: skip
    made = httpx.post(f"http://127.0.0.1:{port}/v1/cases", json=case, headers={"X-Api-Key": key})
    assert made.status_code == 201, made.text
    key_id = json.loads(run("keys", "list", "--format", "json", "--db", db).stdout)[0]["key_id"]
    assert httpx.head(f"http://127.0.0.1:{port}/v1/register", headers={"X-Api-Key": key}).status_code == 200
    big = socket.create_connection(("127.0.0.1", port))
    big.sendall(b"GET /v1/register HTTP/1.1\r\nX-Big: " + b"b" * 20_000 + b"\r\n\r\n")
    assert _answer(big).startswith(b"HTTP/1.1 431")
    time.sleep(0.5)  # the log is written by its own thread
    lines = [json.loads(x) for x in (folder / "log" / "access.jsonl").read_text(encoding="utf-8").splitlines()]
    post = [x for x in lines if x["method"] == "POST" and x["path"] == "/v1/cases"]
    assert post and post[-1]["key_id"] == key_id and post[-1]["status"] == 201
    assert not any(key in json.dumps(x) for x in lines)  # the key itself is never written
    head = [x for x in lines if x["method"] == "HEAD" and x["path"] == "/v1/register"]
    assert head and head[-1]["bytes"] == 0  # logged as asked, and nothing was sent
    assert any(x["status"] == 431 for x in lines)  # the connection's own refusals are logged too
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        source = con.execute("SELECT source FROM deliveries ORDER BY delivery_id DESC LIMIT 1").fetchone()[0]
    assert source == f"api key {key_id}"
    as_csv = _get(port, key, "/v1/cases/LOG-1.csv").text
    assert "'=HYPERLINK" in as_csv and ",=HYPERLINK" not in as_csv  # CSV injection neutralised


def test_a_head_cannot_slip_past_the_limit_in_the_first_chunk_or_behind_a_pipelined_request(served):
    port, key, _, _ = served
    two = socket.create_connection(("127.0.0.1", port))  # 6 + 6 KB in two chunks: over the 8 KiB limit
    two.sendall(b"GET /v1/register HTTP/1.1\r\nX-A: " + b"a" * 6000)
    time.sleep(0.2)
    two.sendall(b"\r\nX-B: " + b"b" * 6000 + b"\r\n\r\n")
    assert _answer(two).startswith(b"HTTP/1.1 431")
    piped = socket.create_connection(("127.0.0.1", port))  # a small request, then a big head behind it
    small = b"GET /v1/openapi.json HTTP/1.1\r\nHost: x\r\n\r\n"
    piped.sendall(small + b"GET /v1/register HTTP/1.1\r\nX-C: " + b"c" * 20_000)
    time.sleep(0.2)
    try:
        piped.sendall(b"c" * 20_000 + b"\r\n\r\n")
    except OSError:
        pass
    answers = _answer(piped)
    assert answers.startswith(b"HTTP/1.1 200") and b"HTTP/1.1 431" in answers


def test_a_nul_in_a_path_is_a_404_not_a_crash_log(served):
    port, key, _, _ = served
    for path in ("/static/x%00", "/v1/regions%00", "/%01"):
        r = httpx.get(f"http://127.0.0.1:{port}{path}", headers={"X-Api-Key": key})
        assert r.status_code == 404, (path, r.status_code, r.text)
        assert "crash" not in r.text
