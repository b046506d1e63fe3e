"""The layers import one way (docs/architecture.md), lazy imports inside functions included."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "ipgauge"
#: Each package's layer: a module may import its own layer and those before it, never one after.
#: The top-level modules (errors, console, sqltext, engines, dates, …) are the foundation, layer 0.
LAYERS = {
    "regions": 1,
    "register": 2,
    "adapters": 3,
    "synth": 3,
    "law": 3,
    "indicators": 4,
    "releases": 5,
    "services": 6,
    "web": 7,
    "cli": 8,
}
#: Where a lower layer may name a higher one on purpose: the package root registers the law's upkeep
#: of the spells with every load (docs/architecture.md), and ``python -m ipgauge`` runs the command line.
ALLOWED = {("ipgauge", "law"), ("ipgauge.__main__", "cli")}
#: The command line's shared modules: a command group imports these, never another group.
CLI_SHARED = {"app", "failures", "options", "inputs", "output"}


def _layer(module: str) -> int:
    parts = module.split(".")
    return LAYERS.get(parts[1], 0) if len(parts) > 1 else 0


def _imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "ipgauge":
            found += [node.module] if node.module != "ipgauge" else [f"ipgauge.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.split(".")[0] == "ipgauge"]
    return found


MODULES = {
    ".".join(("ipgauge", *p.relative_to(SRC).with_suffix("").parts)).removesuffix(".__init__"): p
    for p in sorted(SRC.rglob("*.py"))
}


@pytest.mark.parametrize("module", list(MODULES))
def test_no_import_reaches_a_later_layer(module):
    wrong = [
        target
        for target in _imports(MODULES[module])
        if _layer(target) > _layer(module) and (module, target.split(".")[1]) not in ALLOWED
    ]
    assert not wrong, f"{module} (layer {_layer(module)}) imports {wrong}"


def test_no_command_group_imports_another():
    for module, path in MODULES.items():
        parts = module.split(".")
        if parts[1:2] != ["cli"] or len(parts) < 3 or parts[2] in CLI_SHARED:
            continue
        others = [t for t in _imports(path) if t.startswith("ipgauge.cli.") and t.split(".")[2] not in CLI_SHARED]
        assert not others, f"{module} imports the command group(s) {others}"


def test_the_check_sees_a_wrong_import(tmp_path):
    wrong = tmp_path / "m.py"
    wrong.write_text("def f():\n    from ipgauge.web.app import make_app\n", encoding="utf-8")
    assert [t for t in _imports(wrong) if _layer(t) > _layer("ipgauge.register.store")] == ["ipgauge.web.app"]
