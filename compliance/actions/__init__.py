"""Action items: follow-ups of incidents."""
