"""CNIPA formats: import throughput against lxml alone, unresolved addresses, and the round trip, in one run.

At ``--scale`` (province by default; northeast and national also), each step in its own process:

  1. ``ipgauge synth --format cnipa`` (the register as CNIPA's files and a supplement);
  2. baseline: lxml alone on the same patent shards — every XML member read with ``zipfile`` and
     parsed with ``etree.fromstring`` (one core; no field extracted, nothing written);
  3. ``ipgauge import cnipa-patent`` of the shards (both cores), then ``cnipa-trademark`` and
     ``cnipa-legal``; each manifest's unresolved-address rate;
  4. the round trip: the same seed as the canonical delivery, both loaded, every indicator of the
     catalogue asked for China and by province at three dates; the figures that differ are counted.

Prints and writes JSON to bench/results/cnipa-<scale>.json, with the machine's core count.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent

BASELINE = """
import sys, zipfile
from pathlib import Path
from lxml import etree
parser = etree.XMLParser(load_dtd=False, no_network=True, resolve_entities=False, huge_tree=True)
n = 0
for shard in sorted(Path(sys.argv[1]).glob("*.zip")):
    with zipfile.ZipFile(shard) as z:
        for m in z.infolist():
            if m.filename.lower().endswith(".xml"):
                etree.fromstring(z.read(m), parser); n += 1
print(n)
"""

COMPARE = """
import json, sys
from datetime import date
from pathlib import Path
from ipgauge.errors import UserError
from ipgauge.indicators.catalogue import catalogue
from ipgauge.indicators.query import open_counter
from ipgauge.regions.groups import region

def figures(db):
    out = {}
    with open_counter(Path(db), date(2025, 6, 30)) as c:
        for name in catalogue():
            for d in (date(2021, 6, 30), date(2023, 12, 31), date(2025, 6, 30)):
                p = c.point(name, region("china"), d)
                out[f"{name}|{d}|CN"] = [p.value, p.previous]
                try:
                    for q in c.breakdown(name, region("china"), d, "subregion"):
                        out[f"{name}|{d}|{q.extra['part']}"] = [q.value, q.previous]
                except UserError:
                    pass
    return out

a, b = figures(sys.argv[1]), figures(sys.argv[2])
differ = sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))
print(json.dumps({"figures": len(a), "differ": len(differ), "first": differ[:10]}))
"""


def timed(cmd: list[str]) -> tuple[float, str]:
    """Run ``cmd``; its seconds and standard output (a failure stops the bench with its stderr)."""
    started = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode not in (0,):
        raise SystemExit(f"{' '.join(map(str, cmd))} failed ({done.returncode}): {done.stderr[-2000:]}")
    return time.perf_counter() - started, done.stdout


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", default="province", help="small, province, northeast or national")
    args = ap.parse_args()
    ipgauge = str(BIN / "ipgauge")
    result: dict = {"machine": f"{platform.machine()}, {os.cpu_count()} cores", "scale": args.scale}
    with tempfile.TemporaryDirectory(dir=ROOT / "out" if (ROOT / "out").exists() else None) as tmp:
        work = Path(tmp)
        cnipa, canonical = work / "cnipa", work / "canonical"
        result["synth_cnipa_s"], _ = timed(
            [ipgauge, "synth", "--scale", args.scale, "--format", "cnipa", "--out", str(cnipa)]
        )
        shards = cnipa / "cnipa" / "patent"
        base_s, out = timed([sys.executable, "-c", BASELINE, str(shards)])
        docs = int(out.strip())
        ours_s, _ = timed([ipgauge, "import", "cnipa-patent", str(shards), "--out", str(work / "p")])
        result |= {
            "patent_documents": docs,
            "shards_mb": round(sum(f.stat().st_size for f in shards.iterdir()) / 2**20),
            "baseline_lxml_s": round(base_s, 1),
            "import_patent_s": round(ours_s, 1),
            "import_docs_per_s": round(docs / ours_s),
            "ratio_to_lxml": round(ours_s / base_s, 2),
        }
        tables = sorted(str(p) for p in (cnipa / "cnipa" / "trademark").iterdir())
        result["import_trademark_s"], _ = timed(
            [ipgauge, "import", "cnipa-trademark", *tables, "--out", str(work / "t")]
        )
        legal = sorted(str(p) for p in (cnipa / "cnipa" / "legal").iterdir())
        result["import_legal_s"], _ = timed([ipgauge, "import", "cnipa-legal", *legal, "--out", str(work / "l")])
        result["unresolved_rate"] = {
            part: json.loads((work / part / "manifest.json").read_text())["addresses"]["unresolved_rate"]
            for part in ("p", "t", "l")
        }
        recorded = json.loads((cnipa / "manifest.json").read_text())["recorded_date"]
        load_s = 0.0
        for d in (work / "p", work / "t", work / "l", cnipa / "supplement"):
            s, _ = timed([ipgauge, "load", str(d), "--db", str(work / "b.duckdb"), "--recorded-on", recorded])
            load_s += s
        result["load_cnipa_s"] = round(load_s, 1)
        result["synth_canonical_s"], _ = timed([ipgauge, "synth", "--scale", args.scale, "--out", str(canonical)])
        result["load_canonical_s"], _ = timed([ipgauge, "load", str(canonical), "--db", str(work / "a.duckdb")])
        _, out = timed([sys.executable, "-c", COMPARE, str(work / "a.duckdb"), str(work / "b.duckdb")])
        result["round_trip"] = json.loads(out)
    result = {k: round(v, 1) if isinstance(v, float) else v for k, v in result.items()}
    print(json.dumps(result, indent=2, ensure_ascii=False))
    target = ROOT / "bench" / "results" / f"cnipa-{args.scale}.json"
    target.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
