"""Alembic migration scripts of the service store."""
