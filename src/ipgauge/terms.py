"""The register's codes in words, in Chinese and English (``data/terms.toml``): events, holder types, kinds."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources


@cache
def terms() -> dict[str, dict[str, str]]:
    """Every code's words, by language."""
    return tomllib.loads(resources.files("ipgauge.data").joinpath("terms.toml").read_text(encoding="utf-8"))


def term(code: str | None, lang: str) -> str:
    """A code in ``lang``'s words; an unknown code as itself (an office's own event name, say)."""
    if not code:
        return ""
    return terms()[lang].get(code, code)
