"""The synthetic register: a deterministic generator in the canonical format (docs/synth.md)."""
