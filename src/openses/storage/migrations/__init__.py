"""Alembic migrations, applied at start by ``openses.storage.migrate``."""
