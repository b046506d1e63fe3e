"""ipgauge: regional intellectual-property statistics, from the register to the press release."""

__version__ = "0.1.0"
