"""Alembic environment: the URL comes from the config's attributes (see ``orebloc.service.migrate``)."""

from __future__ import annotations

from alembic import context

from orebloc.service.store import Base, make_engine

config = context.config
engine = make_engine(config.attributes["url"])
with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
engine.dispose()
