"""Storage: the engine and sessions, units of work, the table definitions and the migrations."""

from sellers_center.db.engine import Database
from sellers_center.db.unit import UnitOfWork

__all__ = ["Database", "UnitOfWork"]
