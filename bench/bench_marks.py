"""Trademark likeness against decided cases: ipgauge's verdict and two baselines, on the held-out half.

    python bench/bench_marks.py [--write]

Fits the verdict on the development half of data/trademark_cases.csv and reports agreement with
the decisions on both halves, beside the exact-text and string-ratio baselines in the same run;
``--write`` stores the fitted model as data/trademark_model.json (what ``trademark compare`` reads).
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from ipgauge.services.marks.cases import evaluate

started = time.perf_counter()
result = evaluate()
result["seconds"] = round(time.perf_counter() - started, 1)
result["cores"] = os.cpu_count()
print(json.dumps(result, indent=1, ensure_ascii=False))
out = Path(__file__).parent / "results" / "marks.json"
out.parent.mkdir(exist_ok=True)
out.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
if "--write" in sys.argv:
    model = result["model"] | {
        "fitted_on": f"dev half of data/trademark_cases.csv ({result['dev']} cases) and as many crossed pairs"
    }
    target = Path(__file__).parents[1] / "src" / "ipgauge" / "data" / "trademark_model.json"
    target.write_text(json.dumps(model) + "\n", encoding="utf-8")
