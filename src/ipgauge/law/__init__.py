"""The law: rule sets that turn the register's events into "in force on D, as known on K".

Importing it registers the upkeep of the spells table with the register (law/bitemporal.py).
"""

from ipgauge.law import bitemporal  # noqa: F401  (registers the spells upkeep with the store)
