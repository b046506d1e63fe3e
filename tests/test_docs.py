"""Documentation that cannot fall behind: every command and every canonical column is documented."""

from __future__ import annotations

from pathlib import Path

from typer.main import get_command

from ipgauge.cli import app
from ipgauge.register.schema import TABLES

ROOT = Path(__file__).resolve().parents[1]


def test_every_command_is_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in get_command(app).commands:
        assert f"ipgauge {name}" in readme, name


def test_every_canonical_column_is_in_the_format_doc():
    doc = (ROOT / "docs" / "register.md").read_text(encoding="utf-8")
    for t in TABLES:
        assert f"`{t.name}`" in doc, t.name
        for c in t.column_names:
            assert f"`{c}`" in doc, (t.name, c)


def test_readme_opens_with_the_two_commands():
    head = (ROOT / "README.md").read_text(encoding="utf-8")[:600]
    assert "make demo" in head and "make test" in head


def test_every_indicator_is_documented():
    from ipgauge.indicators.catalogue import catalogue

    doc = (ROOT / "docs" / "indicators.md").read_text(encoding="utf-8")
    for name in catalogue():
        assert f"`{name}`" in doc, name
