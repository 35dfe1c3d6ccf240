"""Shared building blocks: errors, exit codes, time handling, storage types."""
