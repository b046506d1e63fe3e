"""Derived tables cached beside the register: spells, casework facts — computed once, never trusted on a name.

Each cached folder holds Parquet files and ``_KEY.json``: the key it was computed for (the store's
identity, the deliveries seen, the SQL) and every file's size and modification time. A folder whose
key or files differ is recomputed; a half-written folder of a process that died is removed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import duckdb

from ipgauge.errors import UserError, damaged, why

KEY_FILE = "_KEY.json"  # a leading underscore: Spark and Hadoop skip it when reading the folder


def cache_dir(db: Path) -> Path:
    """The register's cache folder: beside it, or under ``$IPGAUGE_CACHE_DIR`` (for a read-only register)."""
    if os.environ.get("IPGAUGE_CACHE_DIR"):
        where = hashlib.sha256(str(db.resolve()).encode()).hexdigest()[:12]
        return Path(os.environ["IPGAUGE_CACHE_DIR"]) / f"{db.name}-{where}.cache"
    return db.parent / f"{db.name}.cache"


def alive(pid: int) -> bool:
    """Whether process ``pid`` still runs (another user's counts as running): a temporary folder's owner."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_orphans(folder: Path) -> None:
    """Remove the half-written folders of processes that died (killed mid-computation)."""
    for tmp in folder.glob(".*-*"):
        pid = tmp.name.rsplit("-", 1)[-1]
        if tmp.is_dir() and pid.isdigit() and not alive(int(pid)):
            shutil.rmtree(tmp, ignore_errors=True)


def _stamp(file: Path) -> list[int] | None:
    """What a cached file is checked against: its size and modification time (a checksum would read it all)."""
    try:
        st = file.stat()
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns]


def trusted(path: Path, key: str) -> bool:
    """Whether a cached folder is whole and was computed for exactly this key (never trust a name alone)."""
    try:
        recorded = json.loads((path / KEY_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if not isinstance(recorded, dict) or recorded.get("key") != key:
        return False
    files = recorded.get("files", {})
    return bool(files) and all(_stamp(path / f) == stamp for f, stamp in files.items())


def cached(db: Path, path: Path, key: str, write: Callable[[Path], None], what: str) -> Path:
    """The folder ``path`` holding what ``write(folder)`` writes for ``key``: reused when trusted, else rewritten.

    ``write`` fills a private temporary folder that replaces ``path`` in one rename, so a reader
    never sees half a table and two processes computing the same key both end with a whole one.
    """
    if trusted(path, key):
        with contextlib.suppress(OSError):  # when it was last used: what prune keeps (a read-only cache: unmarked)
            os.utime(path / KEY_FILE)
        return path
    tmp = path.parent / f".{path.name}-{os.getpid()}"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        clean_orphans(path.parent)
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()
        write(tmp)
        files = {str(f.relative_to(tmp)): _stamp(f) for f in sorted(tmp.rglob("*.parquet"))}
        (tmp / KEY_FILE).write_text(json.dumps({"key": key, "files": files}, indent=1), encoding="utf-8")
        if not trusted(path, key):  # another process may have finished the same folder first
            shutil.rmtree(path, ignore_errors=True)
            os.replace(tmp, path)
    except (OSError, duckdb.IOException) as e:
        if damaged(e):
            raise UserError(f"the register {db} is damaged (truncated or overwritten): {why(e)}") from None
        advice = "" if isinstance(e, PermissionError) else "free space, or "
        raise UserError(
            f"cannot write the {what} cache in {path.parent} ({why(e)}); {advice}set IPGAUGE_CACHE_DIR to a "
            "writable folder."
        ) from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return path


#: The folders one knowledge date costs (its spells, its casework facts): what :func:`prune` may remove.
PRUNABLE = ("spells-", "casework-")


def _used(folder: Path) -> int:
    try:
        return (folder / KEY_FILE).stat().st_mtime_ns
    except OSError:
        return 0


def prune(db: Path, keep: int) -> list[Path]:
    """Remove all but the ``keep`` most recently used spells and casework folders of ``db``'s cache.

    For the server, whose clients choose their knowledge dates: each new date costs a folder the
    size of the spells, and each change of the register a new one per date, so without a bound any
    client could fill the disk. A folder removed is recomputed when asked for again.
    """
    folder = cache_dir(db)
    if not folder.is_dir():
        return []
    found = sorted((p for p in folder.iterdir() if p.is_dir() and p.name.startswith(PRUNABLE)), key=_used)
    gone = found[: max(0, len(found) - keep)]
    for p in gone:
        shutil.rmtree(p, ignore_errors=True)
    return gone


def count_prunable(db: Path) -> int:
    """How many spells and casework folders the cache holds."""
    folder = cache_dir(db)
    return sum(1 for p in folder.iterdir() if p.is_dir() and p.name.startswith(PRUNABLE)) if folder.is_dir() else 0
