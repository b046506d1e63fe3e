"""Indicators: the catalogue (data), their Ibis expressions, and the counter that runs them on either engine."""
