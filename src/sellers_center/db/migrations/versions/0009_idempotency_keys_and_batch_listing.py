"""idempotency keys, item counts on batches, indexes for a seller's batch listing

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 09:00:00

``idempotency_keys`` holds each seller's ``Idempotency-Key`` with the hash of the request it came
with and the batch it stands for, until it expires. ``batches.succeeded`` / ``failed`` count a
batch's items when it becomes final; batches already final get their counts from their stored
results here, once. Two indexes serve ``GET /api/v1/batches``: a seller's batches newest first,
with or without a kind.
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

import sellers_center.db.types

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

# Final batches counted per statement when existing results are read.
COUNT_CHUNK = 500


def upgrade() -> None:
    with op.batch_alter_table("batches", schema=None) as batch_op:
        batch_op.add_column(sa.Column("succeeded", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("failed", sa.Integer(), nullable=True))
    op.create_index("ix_batches_seller_created", "batches", ["seller_id", "created_at", "id"])
    op.create_index(
        "ix_batches_seller_kind_created", "batches", ["seller_id", "kind", "created_at", "id"]
    )
    op.create_table(
        "idempotency_keys",
        sa.Column("seller_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("batch_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sellers_center.db.types.UTCDateTime(), nullable=False),
        sa.Column("expires_at", sellers_center.db.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["batches.id"],
            name=op.f("fk_idempotency_keys_batch_id_batches"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["seller_id"],
            ["sellers.id"],
            name=op.f("fk_idempotency_keys_seller_id_sellers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("seller_id", "key", name=op.f("pk_idempotency_keys")),
    )
    op.create_index("ix_idempotency_keys_expires_at", "idempotency_keys", ["expires_at"])
    op.create_index("ix_idempotency_keys_batch_id", "idempotency_keys", ["batch_id"])
    _count_final_batches()


def _count_final_batches() -> None:
    """Counts for the batches already final, from their stored results (read once here, so
    that listing never has to)."""
    connection = op.get_bind()
    batches = sa.table(
        "batches",
        sa.column("id", sa.Uuid()),
        sa.column("succeeded", sa.Integer()),
        sa.column("failed", sa.Integer()),
    )
    results = sa.table("batch_results", sa.column("batch_id", sa.Uuid()), sa.column("items"))
    last = None
    while True:
        query = sa.select(results.c.batch_id, results.c["items"]).order_by(results.c.batch_id)
        if last is not None:
            query = query.where(results.c.batch_id > last)
        rows = connection.execute(query.limit(COUNT_CHUNK)).all()
        if not rows:
            return
        for batch_id, items in rows:
            outcomes = [bool(item.get("success")) for item in json.loads(items)]
            succeeded = sum(outcomes)
            connection.execute(
                batches.update()
                .where(batches.c.id == batch_id)
                .values(succeeded=succeeded, failed=len(outcomes) - succeeded)
            )
        last = rows[-1][0]


def downgrade() -> None:
    op.drop_index("ix_idempotency_keys_batch_id", table_name="idempotency_keys")
    op.drop_index("ix_idempotency_keys_expires_at", table_name="idempotency_keys")
    op.drop_table("idempotency_keys")
    op.drop_index("ix_batches_seller_kind_created", table_name="batches")
    op.drop_index("ix_batches_seller_created", table_name="batches")
    # Plain ALTER TABLE ... DROP COLUMN (SQLite 3.35 and later), not a batch rebuild: on SQLite
    # dropping the old copy of batches would delete every payload and result (ON DELETE CASCADE).
    op.drop_column("batches", "failed")
    op.drop_column("batches", "succeeded")
