"""The register: the canonical delivery format, validation, loading and the bitemporal store."""
