"""ipgauge: regional intellectual-property statistics, from the register to the press release."""

__version__ = "0.1.0"

# The register keeps the law's spells with every delivery. Importing the law registers that upkeep
# with the store (register/store.py, Upkeep), so no way of loading a register can leave it out.
from ipgauge import engines, law  # noqa: E402, F401  (engines first: Ibis's dialects load on demand)
