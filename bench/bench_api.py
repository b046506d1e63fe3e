"""Load test of `ipgauge serve` on loopback: requests/s and p50/p99 latency at 50 concurrent clients.

Targets (issue 13), on 2 cores at 50 concurrent clients: p99 under 200 ms for a cached point figure,
under 1 s for a 120-month series of a province; no 500 ever.

First, a person moving K: a fresh server asked a point, then a 120-month series, at ten knowledge
dates none of which it answered before, one request at a time (issue 14's target: under 1 s each);
baseline, the same requests again, answered from what the server kept.

Each scenario runs twice against a fresh server: as served (computed answers kept in memory under
the register's state) and, as the named baseline, the same server started with ``--no-cache``
(every request computes its figure from the cached spells). The client is a small raw-socket asyncio
loop (keep-alive HTTP/1.1) on the same 2 cores; the server is one uvicorn process. Loopback only.

    python bench/bench_api.py --db out/nat/register.duckdb --seconds 20
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import httpx

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(db: Path, cache: bool, extra: tuple[str, ...] = ()) -> tuple[subprocess.Popen, str]:
    port = free_port()
    cmd = [sys.executable, "-m", "ipgauge", "serve", "--db", str(db), "--port", str(port), "--rate-limit", "0", *extra]
    proc = subprocess.Popen(cmd + ([] if cache else ["--no-cache"]), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    if up(base):
        return proc, base
    proc.kill()
    raise SystemExit("the server did not start: " + proc.stderr.read().decode())


def save(result: dict, name: str) -> None:
    """Write a run's results to ``bench/results/NAME`` and print them."""
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / name).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))


def up(base: str) -> bool:
    """Wait (a minute at most) until the server at ``base`` answers."""
    for _ in range(300):
        try:
            if httpx.get(base + "/v1/register", timeout=2).status_code == 200:
                return True
        except httpx.TransportError:
            time.sleep(0.2)
    return False


async def _response(reader: asyncio.StreamReader) -> int:
    """Read one HTTP/1.1 response (Content-Length framed, as the server sends); its status."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    length = next(int(x.split(b":", 1)[1]) for x in lines if x.lower().startswith(b"content-length:"))
    await reader.readexactly(length)
    return int(lines[0].split()[1])


async def load(base: str, path: str, params: dict, clients: int, seconds: float) -> dict:
    """``clients`` keep-alive connections, each sending the request again as soon as it is answered.

    A small raw-socket client rather than httpx: on 2 shared cores, a heavy client would measure itself.
    """
    host, port = base.removeprefix("http://").split(":")
    request = f"GET {path}?{urlencode(params)} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode()
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    stop = time.perf_counter() + seconds

    async def one_client() -> None:
        reader, writer = await asyncio.open_connection(host, int(port))
        while time.perf_counter() < stop:
            t = time.perf_counter()
            writer.write(request)
            status = await _response(reader)
            latencies.append(time.perf_counter() - t)
            statuses[status] = statuses.get(status, 0) + 1
        writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(one_client() for _ in range(clients)))
    return measured(latencies, statuses, time.perf_counter() - started)


def measured(latencies: list[float], statuses: dict[int, int], elapsed: float) -> dict:
    """A run's requests, requests a second, p50 and p99 in milliseconds, and statuses."""
    q = statistics.quantiles(latencies, n=100)
    return {
        "requests": len(latencies),
        "requests_per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": round(q[49] * 1000, 1),
        "p99_ms": round(q[98] * 1000, 1),
        "statuses": statuses,
    }


#: Knowledge dates a dashboard user might move to, each asked once (none answered before by the server).
MOVING_KS = ("2010-12-31", "2012-06-30", "2014-06-30", "2016-09-30", "2018-03-31", "2019-12-31", "2021-09-30",
             "2023-03-31", "2024-12-31", "2025-06-30")  # fmt: skip


def moving_k(db: Path, region: str) -> dict:
    """A fresh server asked, one request at a time, a point and then a 120-month series at K never asked before.

    What a person moving the dashboard's K slider waits for: every answer is a first answer (its
    figure and its year-earlier value computed from the bitemporal table). Baseline, same run: the
    same requests asked again, answered from what the server kept (the floor of a request: HTTP,
    routing, the JSON).
    """
    proc, base = start(db, cache=True)
    url = base + "/v1/indicators/valid_invention_patents"
    timings: dict[str, list[float]] = {}
    try:
        for rounds in ("first", "again_baseline"):
            for k in MOVING_KS:
                point = {"region": region, "as_of": k, "known_at": k}
                series = point | {"series": "monthly", "from": f"{int(k[:4]) - 10}{k[4:7]}-01"}
                for name, params in (("point", point), ("series_120_months", series)):
                    t = time.perf_counter()
                    answer = httpx.get(url, params=params, timeout=600)
                    timings.setdefault(f"{name}_{rounds}", []).append(round(time.perf_counter() - t, 3))
                    assert answer.status_code == 200, answer.text
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return {"ks": list(MOVING_KS)} | {
        name: {"each_s": ts, "median_s": statistics.median(ts), "max_s": max(ts)} for name, ts in timings.items()
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", type=Path, default=ROOT / "out/nat/register.duckdb")
    ap.add_argument("--region", default="210000")
    ap.add_argument("--as-of", default="2025-04-30")
    ap.add_argument("--known-at", default="2025-06-30")
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=20)
    args = ap.parse_args()
    point = {"region": args.region, "as_of": args.as_of, "known_at": args.known_at}
    series = point | {"series": "monthly", "from": str(int(args.as_of[:4]) - 10) + args.as_of[4:7] + "-01"}
    result: dict = {"cores": os.cpu_count(), "db": str(args.db), "clients": args.clients, "seconds": args.seconds}
    result["moving_k"] = moving_k(args.db, args.region)
    print("moving_k", json.dumps(result["moving_k"]), flush=True)
    for cache in (True, False):
        proc, base = start(args.db, cache)
        try:
            path = "/v1/indicators/valid_invention_patents"
            url = base + path
            for name, params in (("point", point), ("series_120_months", series)):
                t = time.perf_counter()
                first = httpx.get(url, params=params, timeout=600)  # spells computed or read once: not timed
                assert first.status_code == 200, first.text
                warm = round(time.perf_counter() - t, 2)
                if name == "series_120_months":
                    assert len(first.json()) >= 120, len(first.json())
                run = asyncio.run(load(base, path, params, args.clients, args.seconds))
                label = ("served" if cache else "baseline_no_cache") + "." + name
                result[label] = run | {"first_request_s": warm}
                print(label, json.dumps(result[label]), flush=True)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    save(result, "api.json")


if __name__ == "__main__":
    main()
