"""Adapters: real bulk formats (USPTO, EPO) turned into canonical deliveries that `ipgauge load` takes.

An adapter reads nothing but its input files and writes nothing but a delivery folder; the register
never learns where a delivery came from beyond its manifest.
"""
