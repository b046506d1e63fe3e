"""The synthetic register: a deterministic generator in the canonical format (DESIGN §8)."""
