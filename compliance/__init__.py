"""Compliance evidence and audit reporting around security incidents."""

__version__ = "0.1.0"
