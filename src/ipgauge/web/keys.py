"""API keys: made once, shown once, kept only as a SHA-256 digest next to the register.

A key is 32 random bytes (``secrets.token_urlsafe``), so a plain digest is enough — there is no
password to stretch — and the file holds nothing that opens the API. The file lives beside the
register (``register.keys.json`` for ``register.duckdb``), not inside it: the server holds the
register open for reading while ``ipgauge keys`` writes, and a revocation must take effect at once
(the server rereads the file whenever its modification time changes). Writes are atomic.

A key's scope is ``*`` (every centre) or a list of centre ids: casework written with it must belong
to one of them. Only a key made ``--corrections`` may write a record dated before the day it arrives
(a correction of what was known then, with its reason).
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import threading
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from ipgauge.errors import UserError, why

PREFIX = "ipg_"


@dataclass(frozen=True)
class Key:
    """One key as stored: never the key itself."""

    key_id: str
    name: str
    centres: tuple[str, ...]  # ("*",) for every centre
    created: str
    revoked: str | None = None
    digest: str = ""
    corrections: bool = False  # may back-date a record (a correction, with its reason)

    def may_write_for(self, centre: str) -> bool:
        """Whether casework of ``centre`` may be written with this key."""
        return "*" in self.centres or centre in self.centres

    def public(self) -> dict:
        """What ``keys list`` shows (not the digest)."""
        row = asdict(self) | {"centres": ";".join(self.centres)}
        row.pop("digest")
        return row


def path_for(db: Path) -> Path:
    """Where the keys of the register ``db`` are kept."""
    return db.with_name(db.stem + ".keys.json")


def digest(key: str) -> str:
    """What is kept of a key."""
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def read(path: Path) -> list[Key]:
    """Every key in the file (none when there is no file)."""
    try:
        rows = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except (OSError, ValueError) as e:
        raise UserError(f"cannot read the API keys in {path} ({why(e)}).") from None
    try:
        return [Key(**(r | {"centres": tuple(r["centres"])})) for r in rows]
    except (TypeError, KeyError):
        raise UserError(f"{path} does not hold ipgauge API keys; move it away and make the keys again.") from None


def _write(path: Path, keys: list[Key]) -> None:
    tmp = path.with_name(f".{path.name}-{os.getpid()}")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump([asdict(k) for k in keys], f, indent=1)
        os.replace(tmp, path)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise UserError(f"cannot write the API keys to {path} ({why(e)}).") from None


def add(db: Path, name: str, centres: list[str] | None, corrections: bool = False) -> tuple[Key, str]:
    """A new key for ``centres`` (None: every centre): the stored record and the key, which is not kept.

    Each centre must be one the register knows: a typo would make a key that can write nothing.
    """
    if not name.strip():
        raise UserError("--name is empty: say whose key it is.")
    if len(name) > 200 or any(not c.isprintable() for c in name):
        raise UserError("--name takes up to 200 printable characters (no control characters or line breaks).")
    if not db.is_file():
        raise UserError(f"there is no register {db}; keys belong to a register (pass --db).")
    if centres is not None and not centres:
        raise UserError("say which centres the key may write casework for: --centre ID (repeatable) or --all-centres.")
    if centres is not None:
        if "*" in centres:
            raise UserError("--centre '*' is not a centre; give --all-centres for a key that writes for every centre.")
        from ipgauge.services.casework import centre_ids

        known = centre_ids(db)
        unknown = [c for c in centres if c not in known]
        if unknown:
            some = ", ".join(sorted(known)[:5]) + (" …" if len(known) > 5 else "")
            raise UserError(
                f"the register has no centre {unknown[0]!r}"
                + (f"; its centres are {some}." if known else "; it has none yet (load centres.csv first).")
            )
    path = path_for(db)
    keys = read(path)
    key_id = secrets.token_hex(4)
    key = PREFIX + secrets.token_urlsafe(32)
    made = Key(
        key_id,
        name.strip(),
        tuple(centres or ["*"]),
        datetime.now().isoformat(timespec="seconds"),
        None,
        digest(key),
        corrections,
    )
    _write(path, [*keys, made])
    return made, key


def revoke(db: Path, key_id: str) -> Key:
    """Revoke a key by its id (kept in the list, marked revoked)."""
    path = path_for(db)
    keys = read(path)
    found = [k for k in keys if k.key_id == key_id]
    if not found:
        raise UserError(f"there is no API key {key_id!r}; `ipgauge keys list` shows them.")
    if found[0].revoked:
        raise UserError(f"API key {key_id} was already revoked on {found[0].revoked}.")
    done = Key(**(asdict(found[0]) | {"revoked": datetime.now().isoformat(timespec="seconds")}))
    _write(path, [done if k.key_id == key_id else k for k in keys])
    return done


class Keyring:
    """The server's view of the keys file, reread when it changes."""

    def __init__(self, db: Path) -> None:
        self.path = path_for(db)
        self._stamp: tuple[int, int] | None = None
        self._by_digest: dict[str, Key] = {}
        self._lock = threading.Lock()

    def find(self, key: str) -> Key | None:
        """The live key that ``key`` is, or None (unknown or revoked)."""
        with self._lock:
            try:
                st = self.path.stat()
                stamp = (st.st_mtime_ns, st.st_size)
            except FileNotFoundError:
                stamp = None
            if stamp != self._stamp:
                self._by_digest = {k.digest: k for k in read(self.path) if not k.revoked} if stamp else {}
                self._stamp = stamp
            return self._by_digest.get(digest(key))
