"""Finding a delivery: its folder's canonical files, and its manifest (synthetic? recorded when?).

A delivery folder holds the canonical files and a few known extras, nothing else: anything unknown,
unreadable or oddly named stops the load before a row is read, named, rather than being skipped
unseen.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from ipgauge.errors import UserError
from ipgauge.register.reader import find_file
from ipgauge.register.schema import TABLES, parse_date

MANIFEST = "manifest.json"


def read_manifest(folder: Path) -> dict:
    """The delivery's ``manifest.json``, its values checked: ``synthetic`` a boolean, ``recorded_date`` a date."""
    path = folder / MANIFEST
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise UserError(f"{MANIFEST} is not valid UTF-8 JSON ({e}).") from None
    except OSError as e:
        raise UserError(f"{MANIFEST} cannot be read ({e.strerror}).") from None
    if not isinstance(data, dict):
        raise UserError(f"{MANIFEST} must hold a JSON object.")
    if "synthetic" in data and not isinstance(data["synthetic"], bool):
        raise UserError(f"{MANIFEST}: synthetic must be true or false (a JSON boolean), not {data['synthetic']!r}.")
    if data.get("recorded_date") is not None:
        data["recorded_date"] = parse_date(data["recorded_date"], f"{MANIFEST}: recorded_date")
    return data


#: What a delivery folder may hold besides the canonical files: its manifest and notes, the rejects
#: of an earlier load, and what `ipgauge export` writes beside the tables (history and delivery log).
EXTRAS = {
    MANIFEST: "file",
    "README.txt": "file",
    "README.md": "file",
    "REJECTS": "dir",
    "history": "dir",
    "deliveries.parquet": "file",
}


def delivery_files(folder: Path) -> dict[str, Path]:
    """The delivery's canonical files; anything unknown, unreadable or oddly named stops the load, named."""
    if not folder.is_dir():
        raise UserError(f"there is no delivery folder {folder}.")
    canonical = {f"{t.name}{ext}" for t in TABLES for ext in (".csv", ".parquet")}
    try:
        entries = sorted(folder.iterdir())
    except OSError as e:
        raise UserError(f"cannot list the delivery folder {folder} ({e.strerror}).") from None
    for p in entries:
        name = p.name
        if name in canonical or EXTRAS.get(name) == "file":
            if not p.is_file() or not os.access(p, os.R_OK):
                what = "a broken or looping link" if p.is_symlink() and not p.exists() else "not a readable file"
                raise UserError(f"{name} in {folder} is {what}; fix or remove it.")
        elif EXTRAS.get(name) == "dir":
            if not p.is_dir():
                raise UserError(f"{name} in {folder} should be a folder; remove it.")
        elif name.lower() in canonical or name.lower() in {n.lower() for n in EXTRAS}:
            raise UserError(f"{name} in {folder} must be named in lower case; rename it.")
        else:
            raise UserError(
                f"{name} is not a canonical file (a delivery holds {', '.join(sorted(t.name for t in TABLES))} "
                f"as .csv or .parquet, and {MANIFEST}); move it out of {folder}."
            )
    files = {t.name: f for t in TABLES if (f := find_file(folder, t))}
    if not files:
        raise UserError(f"{folder} holds none of the canonical files ({', '.join(f'{t.name}.csv' for t in TABLES)}).")
    return files
