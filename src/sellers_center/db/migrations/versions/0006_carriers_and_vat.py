"""catalogue carriers and each selling country's standard VAT rate

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 23:40:00

Both are catalogue data (``catalog import`` fills them). The rate is exact decimal text, the
same on both databases: SQLite has no exact decimal type. Countries that exist already get no
rate (null) until the next import gives them one.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("countries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("vat_rate", sa.String(length=8), nullable=True))
    op.create_table(
        "carriers",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("carrier_name", sa.String(length=100), nullable=False),
        sa.Column("country_code", sa.String(length=2), nullable=False),
        sa.Column("display_label", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["country_code"],
            ["countries.code"],
            name=op.f("fk_carriers_country_code_countries"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_carriers")),
    )
    with op.batch_alter_table("carriers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_carriers_country_code"), ["country_code"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("carriers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_carriers_country_code"))
    op.drop_table("carriers")
    with op.batch_alter_table("countries", schema=None) as batch_op:
        batch_op.drop_column("vat_rate")
