"""Indicators: the catalogue (declared as data) and the engine that computes them on any Ibis backend."""
