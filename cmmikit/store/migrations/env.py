"""Alembic environment: migrations always run on a connection cmmikit hands over (inside its transaction)."""

from alembic import context

from cmmikit.store.tables import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True,
                  transactional_ddl=True)
with context.begin_transaction():
    context.run_migrations()
