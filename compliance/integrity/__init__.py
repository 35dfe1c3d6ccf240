"""Whole-store verification: the ledger, the custody chain, the domain rules replayed, every blob."""
