"""Incident register: incidents, timelines and their audit trail."""
