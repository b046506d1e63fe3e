"""`ipgauge serve` under attack on loopback: do legitimate clients still get their figures in time?

Issue 27's targets, on 2 cores: 50 clients asking a cached figure keep a p99 under 200 ms and see no
refused connection while, at the same time, one attacker (127.0.0.2) holds 20,000 half-open requests
(a head that never ends, from two processes of 10,000 sockets) and another (127.0.0.3) sends one
100 MB header after another. And a region asked by name answers as fast as by code (within 20%).

Named baselines, same run: the 50 clients with no attack (same server); and, with ``--unguarded``,
the same attack on the app served as before issue 27 (uvicorn's plain httptools protocol, no
limits). The legitimate clients (127.0.0.1) keep their connections alive and open a fresh one
every tenth request, so the server's accepts are measured under the flood too. Attackers run in their own processes.

    python bench/bench_attack.py --db out/demo/register.duckdb --seconds 15
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_api import ROOT, measured, save, start, up  # noqa: E402

HALF_OPEN = """
import asyncio, sys, resource
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
host, port, n, seconds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
held = []
async def one():
    try:
        r, w = await asyncio.open_connection(host, port, local_addr=("127.0.0.2", 0))
        w.write(b"POST /v1/cases HTTP/1.1\\r\\nHost: x\\r\\nContent-Len")
        held.append(w)
    except OSError:
        pass
async def main():
    for i in range(0, n, 500):
        await asyncio.gather(*(one() for _ in range(min(500, n - i))))
    print(len(held), flush=True)
    await asyncio.sleep(seconds)
asyncio.run(main())
"""

BIG_HEADER = """
import socket, sys, time
host, port, size, seconds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
stop, sent, answers = time.time() + seconds, 0, {}
chunk = b"a" * (1 << 20)
while time.time() < stop:
    s = socket.socket(); s.bind(("127.0.0.3", 0)); s.connect((host, port))
    try:
        s.sendall(b"GET /v1/register HTTP/1.1\\r\\nHost: x\\r\\nX-Big: ")
        for _ in range(size >> 20):
            s.sendall(chunk)
        s.sendall(b"\\r\\n\\r\\n")
    except OSError:
        pass
    try:
        status = s.recv(64).split(b" ")[1].decode()
    except (OSError, IndexError):
        status = "closed"
    answers[status] = answers.get(status, 0) + 1
    sent += 1
    s.close()
print(sent, answers, flush=True)
"""


async def clients(base: str, path: str, params: dict, n: int, seconds: float) -> dict:
    """``n`` legitimate clients on 127.0.0.1: latency of every request, refused or failed connections counted."""
    host, port = base.removeprefix("http://").split(":")
    request = f"GET {path}?{urlencode(params)} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode()
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    failures: list[str] = []
    stop = time.perf_counter() + seconds

    async def response(reader: asyncio.StreamReader) -> int:
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        length = next(int(x.split(b":", 1)[1]) for x in lines if x.lower().startswith(b"content-length:"))
        await reader.readexactly(length)
        return int(lines[0].split()[1])

    async def one() -> None:
        done = 0
        writer = None
        while time.perf_counter() < stop:
            t = time.perf_counter()
            try:
                if writer is None or done % 10 == 0:
                    if writer is not None:
                        writer.close()
                    reader, writer = await asyncio.open_connection(host, int(port), local_addr=("127.0.0.1", 0))
                writer.write(request)
                status = await asyncio.wait_for(response(reader), 10)
            except (OSError, asyncio.IncompleteReadError, TimeoutError) as e:
                failures.append(type(e).__name__)
                writer = None
                continue
            latencies.append(time.perf_counter() - t)
            statuses[status] = statuses.get(status, 0) + 1
            done += 1
        if writer is not None:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(n)))
    return measured(latencies, statuses, time.perf_counter() - started) | {"failed_connections": len(failures)}


UNGUARDED = """
import sys, uvicorn
from pathlib import Path
from ipgauge.web.app import create_app
from ipgauge.web.guard import Settings
uvicorn.run(create_app(Path(sys.argv[1]), Settings(rate=0)), host="127.0.0.1", port=int(sys.argv[2]),
            log_level="critical", http="httptools")
"""


def attacked(base: str, path: str, params: dict, args) -> dict:
    """The legitimate clients' run while the half-open flood and the big headers go on; the attack's counts."""
    host, port = base.removeprefix("http://").split(":")
    attack = args.seconds + 30
    halves = [
        subprocess.Popen(
            [sys.executable, "-c", HALF_OPEN, host, port, str(args.half_open // 2), str(attack)],
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    big = subprocess.Popen(
        [sys.executable, "-c", BIG_HEADER, host, port, str(args.header_mb << 20), str(attack)],
        stdout=subprocess.PIPE,
        text=True,
    )
    time.sleep(5)  # the flood under way before the legitimate clients start
    try:
        run = asyncio.run(clients(base, path, params, args.clients, args.seconds))
    finally:
        for p in (*halves, big):
            p.kill()
    opened = sum(int((p.communicate()[0] or "0").split()[0] or 0) for p in halves)
    return run | {"half_open_tried": args.half_open, "half_open_sockets_opened": opened, "header_mb": args.header_mb}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", type=Path, default=ROOT / "out/demo/register.duckdb")
    ap.add_argument("--as-of", default="2024-12-31")
    ap.add_argument("--known-at", default="2025-06-30")
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=15)
    ap.add_argument("--half-open", type=int, default=20_000)
    ap.add_argument("--header-mb", type=int, default=100)
    ap.add_argument("--unguarded", action="store_true", help="also attack the app on uvicorn's plain protocol")
    args = ap.parse_args()
    path = "/v1/indicators/valid_invention_patents"
    by_code = {"region": "210000", "as_of": args.as_of, "known_at": args.known_at}
    by_name = by_code | {"region": "liaoning"}
    result: dict = {"cores": os.cpu_count(), "db": str(args.db), "clients": args.clients, "seconds": args.seconds}
    proc, base = start(args.db, cache=True)
    host, port = base.removeprefix("http://").split(":")
    try:
        import httpx

        for params in (by_code, by_name):
            assert httpx.get(base + path, params=params, timeout=600).status_code == 200  # computed once, not timed
        result["baseline_by_code"] = asyncio.run(clients(base, path, by_code, args.clients, args.seconds))
        print("baseline_by_code", result["baseline_by_code"], flush=True)
        result["by_name"] = asyncio.run(clients(base, path, by_name, args.clients, args.seconds))
        print("by_name", result["by_name"], flush=True)
        result["name_over_code_rps"] = round(
            result["by_name"]["requests_per_s"] / result["baseline_by_code"]["requests_per_s"], 3
        )
        result["under_attack_by_code"] = attacked(base, path, by_code, args)
        print("under_attack_by_code", result["under_attack_by_code"], flush=True)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    if args.unguarded:
        from bench_api import free_port

        port = free_port()
        plain = subprocess.Popen([sys.executable, "-c", UNGUARDED, str(args.db), str(port)])
        base = f"http://127.0.0.1:{port}"
        try:
            import httpx

            assert up(base), "the unguarded server did not start"
            httpx.get(base + path, params=by_code, timeout=600)  # computed once, not timed
            result["unguarded_under_attack_by_code"] = attacked(base, path, by_code, args)
            print("unguarded_under_attack_by_code", result["unguarded_under_attack_by_code"], flush=True)
        finally:
            plain.kill()
            plain.wait(timeout=30)
    save(result, "attack.json")


if __name__ == "__main__":
    main()
