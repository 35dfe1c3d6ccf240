"""`compliance notify` commands."""

from __future__ import annotations

COMMANDS: list = []
