"""Persistence: SQLAlchemy Core tables, the async engine, migrations and repositories.

Owns: every SQL statement. SQLite (WAL, synchronous=FULL) is the embedded
default; PostgreSQL is the scale-out engine. Migrations (Alembic) run at start.
Must not import: protocol, api, servers, services. Returns domain values.
"""
