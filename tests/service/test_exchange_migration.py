"""Migration 0002_exchange: the tables match the models, and a downgrade to 0001 removes them."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from orebloc.service.migrate import alembic_config, upgrade
from orebloc.service.store import Base


def test_exchange_tables_match_models_and_downgrade(tmp_path):
    url = f"sqlite:///{tmp_path / 'm.db'}"
    upgrade(url)
    engine = sa.create_engine(url)
    with engine.connect() as c:
        diff = compare_metadata(MigrationContext.configure(c), Base.metadata)
    assert [d for d in diff if "exchange" in repr(d)] == []
    command.downgrade(alembic_config(url), "0001")
    assert not {"exchange_rounds", "exchange_messages"} & set(
        sa.inspect(sa.create_engine(url)).get_table_names()
    )
