"""Storage: the engine and sessions, the table definitions and the Alembic migrations."""

from sellers_center.db.engine import Database

__all__ = ["Database"]
