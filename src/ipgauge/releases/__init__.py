"""Releases: the press release itself — figures, sentences, tables, charts and files — reproducible."""
