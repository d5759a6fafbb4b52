"""stock and price validity

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 01:48:34.677273
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import sellers_center.db.types

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("product_variants", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "stock_valid_at", sellers_center.db.types.UTCDateTime(timezone=True), nullable=True
            )
        )
        batch_op.add_column(sa.Column("price_valid_at", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("product_variants", schema=None) as batch_op:
        batch_op.drop_column("price_valid_at")
        batch_op.drop_column("stock_valid_at")
