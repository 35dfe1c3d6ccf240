"""Cross-checks between the records of one incident: named findings where two records disagree."""
