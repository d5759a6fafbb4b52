"""publication lifecycle

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 01:25:29.008517
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import sellers_center.db.types

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "style_status_changes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("style_id", sa.Integer(), nullable=False),
        sa.Column("from_status", sa.String(length=24), nullable=True),
        sa.Column("to_status", sa.String(length=24), nullable=False),
        sa.Column("cause", sa.String(length=16), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("batch_id", sa.Uuid(), nullable=True),
        sa.Column("changed_at", sellers_center.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["style_id"],
            ["product_styles.id"],
            name=op.f("fk_style_status_changes_style_id_product_styles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_style_status_changes")),
    )
    with op.batch_alter_table("style_status_changes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_style_status_changes_style_id"), ["style_id"], unique=False
        )

    with op.batch_alter_table("product_styles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rejection_reasons", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("rejection_message", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "status_changed_at",
                sellers_center.db.types.UTCDateTime(timezone=True),
                nullable=True,
            )
        )
        batch_op.create_index("ix_product_styles_status", ["status", "seller_id"], unique=False)

    with op.batch_alter_table("product_variants", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("is_sellable", sa.Boolean(), server_default=sa.true(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("product_variants", schema=None) as batch_op:
        batch_op.drop_column("is_sellable")

    with op.batch_alter_table("product_styles", schema=None) as batch_op:
        batch_op.drop_index("ix_product_styles_status")
    # Plain ALTER TABLE ... DROP COLUMN (SQLite 3.35 and later), not a batch rebuild: on SQLite
    # dropping the old copy of product_styles would delete every variant (ON DELETE CASCADE).
    op.drop_column("product_styles", "status_changed_at")
    op.drop_column("product_styles", "rejection_message")
    op.drop_column("product_styles", "rejection_reasons")

    with op.batch_alter_table("style_status_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_style_status_changes_style_id"))

    op.drop_table("style_status_changes")
