"""postmortems."""
