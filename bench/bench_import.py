"""USPTO grant import throughput against lxml alone, on a weekly-sized file, in the same run.

The file is the three grant samples (tests/data/real) repeated, each copy given its own document
number, to ``--docs`` documents one after another — the shape of a weekly ``ipgYYMMDD.xml``.
Steps, each in its own process so that peak memory (max RSS) is that step's alone:

  1. baseline: lxml alone — the file split into its documents and each parsed with
     ``etree.fromstring`` (one core; no field extracted, nothing written);
  2. ``ipgauge import uspto-grant`` of the same file (both cores), writing the delivery.

Prints documents per second and the ratio, and writes them as JSON to bench/results/.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SAMPLES = [ROOT / "tests/data/real" / n for n in ("US08930553.xml", "US07272630B2.xml", "USD435854S1.xml")]

BASELINE = """
import sys
from lxml import etree
parser = etree.XMLParser(load_dtd=False, no_network=True, resolve_entities=False, huge_tree=True)
buf, n = [], 0
with open(sys.argv[1], "rb") as f:
    for line in f:
        if line.startswith(b"<?xml") and buf:
            etree.fromstring(b"".join(buf), parser); n += 1; buf = []
        buf.append(line)
etree.fromstring(b"".join(buf), parser); n += 1
print(n)
"""


def weekly(path: Path, docs: int) -> int:
    """Write ``docs`` documents (the samples in turn, each with a new number); return the file's size."""
    texts = [p.read_bytes() for p in SAMPLES]
    with open(path, "wb") as f:
        for i in range(docs):
            doc = texts[i % len(texts)]
            number = f"{9_000_000 + i:08d}".encode()
            doc = re.sub(rb"<doc-number>\d+</doc-number>", b"<doc-number>" + number + b"</doc-number>", doc, count=1)
            doc = doc.replace(b"<PDAT>D0435854</PDAT>", b"<PDAT>D" + number[1:] + b"</PDAT>", 1)
            f.write(doc if doc.endswith(b"\n") else doc + b"\n")
    return path.stat().st_size


def timed(cmd: list[str]) -> tuple[float, float]:
    """Run ``cmd``; return (seconds, peak resident memory in MiB of its largest process)."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) not in (0,):
        raise SystemExit(f"{' '.join(map(str, cmd))} failed: {proc.stderr.read().decode()[-2000:]}")
    return elapsed, usage.ru_maxrss / 1024  # the largest process of the step (a worker is about as large)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=7000, help="documents in the weekly file (a real week: ~7,000)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(dir=ROOT / "out" if (ROOT / "out").exists() else None) as tmp:
        work = Path(tmp)
        size = weekly(work / "ipg-week.xml", args.docs)
        base_s, base_mb = timed([sys.executable, "-c", BASELINE, str(work / "ipg-week.xml")])
        ours_s, ours_mb = timed(
            [str(BIN / "ipgauge"), "import", "uspto-grant", str(work / "ipg-week.xml"), "--out", str(work / "out")]
        )
    result = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "documents": args.docs,
        "file_mb": round(size / 2**20, 1),
        "baseline_lxml_s": round(base_s, 2),
        "baseline_docs_per_s": round(args.docs / base_s),
        "baseline_peak_mb": round(base_mb),
        "import_s": round(ours_s, 2),
        "import_docs_per_s": round(args.docs / ours_s),
        "import_peak_mb": round(ours_mb),
        "ratio": round(ours_s / base_s, 2),
    }
    print(json.dumps(result, indent=2))
    out = ROOT / "bench" / "results" / f"import-{args.docs}.json"
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
