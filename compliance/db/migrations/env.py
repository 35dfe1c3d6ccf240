"""Alembic environment: runs on the connection handed over by compliance.db.store."""

from alembic import context

from compliance.db.metadata import get_metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - the CLI always hands a connection over
    raise RuntimeError("run migrations through 'compliance init'")

context.configure(
    connection=connection,
    target_metadata=get_metadata(),
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
