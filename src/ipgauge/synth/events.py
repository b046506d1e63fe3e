"""Collecting a chunk's events as columns, one event type at a time."""

from __future__ import annotations

import numpy as np
import pyarrow as pa


class EventBuffer:
    """Events of one chunk, appended set-wise and handed to the writer as one table."""

    def __init__(self, right_type: str, last_known: np.datetime64) -> None:
        self.right_type = right_type
        self.last_known = last_known
        self.parts: list[dict[str, pa.Array]] = []

    def add(
        self,
        event: str,
        right_id: pa.Array,
        mask: np.ndarray,
        effective: np.ndarray,
        recorded: np.ndarray | None = None,
        value: np.ndarray | pa.Array | None = None,
    ) -> None:
        """Add ``event`` for the rights in ``mask`` that the register knows of by the cut-off."""
        rec = effective if recorded is None else recorded
        keep = mask & ~np.isnat(effective) & (rec <= self.last_known) & (effective <= self.last_known)
        idx = np.flatnonzero(keep)
        if len(idx) == 0:
            return
        n = len(idx)
        if value is None:
            val = pa.nulls(n, pa.string())
        elif isinstance(value, pa.Array):
            val = value.take(pa.array(idx))
        else:
            val = pa.array(np.asarray(value, dtype=object)[idx], pa.string())
        self.parts.append(
            {
                "right_type": pa.array(np.full(n, self.right_type, dtype=object), pa.string()),
                "right_id": right_id.take(pa.array(idx)),
                "event": pa.array(np.full(n, event, dtype=object), pa.string()),
                "effective_date": pa.array(effective[idx]),
                "recorded_date": pa.array(rec[idx]),
                "value": val,
            }
        )

    def columns(self) -> dict[str, pa.Array] | None:
        """All events added, as columns (None when there are none)."""
        if not self.parts:
            return None
        return {k: pa.concat_arrays([p[k] for p in self.parts]) for k in self.parts[0]}
