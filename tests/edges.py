"""Helpers of the edge-case tests (test_edges*.py): a register, a figure, a one-sentence error."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

from conftest import run
from ipgauge.synth.generate import synthesize

PATENT_HEADER = ["patent_id", "jurisdiction", "kind", "title", "filing_date", "grant_date", "ipc", "holders"]
GOOD_PATENT = ["CN202310123456.6", "CN", "invention", "一种机器人", "2023-01-05", "2024-03-01", "G06F 16/31", "P1"]
PARTIES = [["P1", "哈尔滨某大学", "university", "CN", "230103", ""]]
EVENT_HEADER = ["right_type", "right_id", "event", "effective_date", "recorded_date", "value"]
VIP = "valid_invention_patents"
NORTHEAST = ("--region", "northeast", "--as-of", "2025-04-30", "--known-at", "2025-06-30")


def value(db: Path, *args: str, env: dict | None = None) -> float:
    result = run(
        "indicator",
        VIP,
        "--region",
        "CN",
        "--as-of",
        "2025-04-30",
        "--known-at",
        "2025-06-30",
        "--db",
        db,
        "--format",
        "json",
        *args,
        env=env,
    )
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)["value"]


def one_line_error(result, code: int = 2) -> str:
    assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    return lines[0]


#: each seed's small synthetic delivery, written once per test process and copied where a test wants it
_SYNTH: dict[int, Path] = {}


def small_register(tmp_path: Path, seed: int, name: str = "r.duckdb") -> Path:
    folder = tmp_path / f"synth-{seed}"
    if not folder.exists():
        if seed not in _SYNTH:
            _SYNTH[seed] = Path(tempfile.mkdtemp(prefix=f"ipgauge-synth-{seed}-")) / "delivery"
            synthesize("small", seed, _SYNTH[seed])
        shutil.copytree(_SYNTH[seed], folder)  # the same files as synthesizing again (it is deterministic)
    db = tmp_path / name
    assert run("load", folder, "--db", db).exit_code == 0
    return db
