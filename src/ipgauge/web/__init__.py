"""The HTTP API (and, later, the dashboard): ``ipgauge serve``."""
