"""Documentation that cannot fall behind: every command and every canonical column is documented."""

from __future__ import annotations

import json
import re
import shlex
from enum import Enum
from pathlib import Path

import pytest
from typer.main import get_command

from conftest import run
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


# -- the documents' commands, executed (as Datasette tests its documentation) --------------------------
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
#: Files the examples read, written where they run (what a reader would have made first).
EXAMPLE_INPUTS = {
    "product.txt": "A battery management system for an electric vehicle, comprising a battery pack and a controller.\n",
    "products.csv": "id,text\np1,电动汽车电池管理系统，包括电池组和控制器\np2,a robot arm with a gripper\n",
}
#: Commands that run until stopped: their examples are parsed, not run.
LONG_RUNNING = {"serve"}


def _examples() -> list[tuple[str, str]]:
    """Every ``ipgauge …`` line of a ``sh`` block in the README and docs/, with where it is."""
    found = []
    for doc in DOCS:
        block = False
        for n, line in enumerate(doc.read_text(encoding="utf-8").splitlines(), 1):
            if line.startswith("```"):
                block = line.strip() in ("```sh", "```bash", "```console")
            elif block and line.startswith("ipgauge "):
                found.append((f"{doc.name}:{n}", line.split("  #")[0].strip()))
    return found


def _command(path: list[str]):
    """The click command that ``ipgauge <path…>`` names, and how many words of ``path`` named it."""
    cmd, used = get_command(app), 0
    for word in path:
        sub = getattr(cmd, "commands", {}).get(word)
        if sub is None:
            break
        cmd, used = sub, used + 1
    return cmd, used


def _options(cmd) -> dict[str, object]:
    return {o: p for p in cmd.params for o in (*p.opts, *p.secondary_opts)}


@pytest.fixture(scope="module")
def example_register(tmp_path_factory, small_delivery) -> Path:
    db = tmp_path_factory.mktemp("examples") / "register.duckdb"
    assert run("load", small_delivery, "--db", db).exit_code == 0
    return db


@pytest.mark.parametrize(("where", "line"), _examples(), ids=[w for w, _ in _examples()])
def test_every_documented_example_runs(where, line, example_register, tmp_path, monkeypatch):
    words = shlex.split(line.replace("[", "").replace("]", ""))[1:]  # an optional part, as if given
    out = None
    if ">" in words:
        words, out = words[: words.index(">")], tmp_path / words[words.index(">") + 1]
    cmd, used = _command(words)
    cmd.make_context("ipgauge", list(words[used:]))  # parses: every option exists and takes what it is given
    if words[0] in LONG_RUNNING:
        return
    for name, text in EXAMPLE_INPUTS.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = run(*words, env={"IPGAUGE_DB": str(example_register)})
    assert result.exit_code == 0, f"{where}: {line}\n{result.stderr}"
    if out is not None:
        out.write_text(result.stdout, encoding="utf-8")
        assert all(json.loads(row)["results"] is not None for row in out.read_text(encoding="utf-8").splitlines())


def _synopses() -> list[str]:
    """Each ``ipgauge …`` synopsis in the README's command table, and each one quoted inline in docs/."""
    rows = [r for r in (ROOT / "README.md").read_text(encoding="utf-8").splitlines() if r.startswith("| `ipgauge ")]
    found = [s for r in rows for s in re.findall(r"`(ipgauge [^`]+)`", r.split(" | ")[0] + " |")]
    for doc in DOCS[1:]:
        found += re.findall(r"`(ipgauge [a-z][^`]*)`", doc.read_text(encoding="utf-8"))
    return list(dict.fromkeys(found))


@pytest.mark.parametrize("synopsis", _synopses())
def test_the_readme_table_names_real_options_and_choices(synopsis):
    words = synopsis.replace("\\|", "|").split()[1:]
    cmd, used = _command(words)
    assert used, synopsis
    options = _options(cmd)
    for i, word in enumerate(words):
        name = re.match(r"\(?\[?(--[a-z-]+)", word)
        if name is None:
            continue
        assert name[1] in options, f"{synopsis}: {name[1]} is not an option of {cmd.name}"
        given = words[i + 1].strip("[]()") if i + 1 < len(words) else ""
        kind = options[name[1]].type_descriptor.annotation
        if isinstance(kind, type) and issubclass(kind, Enum) and "|" in given:  # exactly the choices it takes
            assert set(given.split("|")) == {c.value for c in kind}, synopsis
