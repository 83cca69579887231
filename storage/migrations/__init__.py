"""Alembic migrations of the catalogue (applied automatically when the catalogue is opened)."""
