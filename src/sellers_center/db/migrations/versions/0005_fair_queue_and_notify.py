"""fair queue index and a notification for every new batch

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 03:10:00

On PostgreSQL every inserted batch sends ``NOTIFY sellers_center_batches`` (at commit, once per
transaction: identical notifications merge), so idle workers on any machine wake at once instead
of at their next poll. Per row, not per statement: a duplicate submission, whose insert does
nothing, notifies nobody.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

CLAIMABLE_CONDITION = "status IN ('pending', 'retry')"
CHANNEL = "sellers_center_batches"


def upgrade() -> None:
    op.create_index("ix_batches_seller_started", "batches", ["seller_id", "started_at"])
    op.create_index(
        "ix_batches_claimable",
        "batches",
        ["available_at", "id"],
        postgresql_where=sa.text(CLAIMABLE_CONDITION),
        sqlite_where=sa.text(CLAIMABLE_CONDITION),
    )
    op.create_index(
        "ix_batches_seller_queue",
        "batches",
        ["seller_id", "available_at", "id"],
        postgresql_where=sa.text(CLAIMABLE_CONDITION),
        sqlite_where=sa.text(CLAIMABLE_CONDITION),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"""
            CREATE FUNCTION notify_new_batches() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                PERFORM pg_notify('{CHANNEL}', '');
                RETURN NULL;
            END
            $$
            """
        )
        op.execute(
            """
            CREATE TRIGGER batches_notify_insert AFTER INSERT ON batches
            FOR EACH ROW EXECUTE FUNCTION notify_new_batches()
            """
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS batches_notify_insert ON batches")
        op.execute("DROP FUNCTION IF EXISTS notify_new_batches()")
    op.drop_index("ix_batches_seller_queue", table_name="batches")
    op.drop_index("ix_batches_seller_started", table_name="batches")
    op.drop_index("ix_batches_claimable", table_name="batches")
