"""Storage: engine, sessions, schema migrations (Alembic) and the store's on-disk layout."""
