"""webhook subscriptions, the event outbox and deliveries

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 09:00:00

``webhook_subscriptions`` hold each seller's endpoints, the events they want and their signing
secrets; ``webhook_events`` is the outbox, written in the transaction of the change that causes
an event; ``webhook_deliveries`` one row per event and subscription, also the delivery queue
(claimed under a lease, like batches). Partial indexes serve the claim.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import sellers_center.db.types

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

PENDING = "status = 'pending'"


def _time(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sellers_center.db.types.UTCDateTime(), nullable=nullable)


def _seller_key(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["seller_id"],
        ["sellers.id"],
        name=op.f(f"fk_{table}_seller_id_sellers"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "webhook_subscriptions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("seller_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("events", sa.JSON(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("secret", sa.String(length=100), nullable=False),
        sa.Column("previous_secret", sa.String(length=100), nullable=True),
        _time("previous_secret_expires_at", nullable=True),
        _time("failing_since", nullable=True),
        sa.Column("disabled_reason", sa.Text(), nullable=True),
        _time("created_at"),
        _time("updated_at"),
        _seller_key("webhook_subscriptions"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_subscriptions")),
    )
    op.create_index(
        "ix_webhook_subscriptions_seller_created",
        "webhook_subscriptions",
        ["seller_id", "created_at"],
    )
    op.create_table(
        "webhook_events",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("seller_id", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(length=64), nullable=False),
        _time("occurred_at"),
        sa.Column("message", sa.LargeBinary(), nullable=False),
        _seller_key("webhook_events"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_events")),
    )
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("subscription_id", sa.Uuid(), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _time("next_attempt_at"),
        _time("window_started_at"),
        sa.Column("lease_owner", sa.String(length=64), nullable=True),
        _time("lease_expires_at", nullable=True),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        _time("last_attempt_at", nullable=True),
        _time("created_at"),
        _time("finished_at", nullable=True),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["webhook_events.id"],
            name=op.f("fk_webhook_deliveries_event_id_webhook_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["webhook_subscriptions.id"],
            name=op.f("fk_webhook_deliveries_subscription_id_webhook_subscriptions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_deliveries")),
    )
    op.create_index(
        "ix_webhook_deliveries_subscription_created",
        "webhook_deliveries",
        ["subscription_id", "created_at", "id"],
    )
    op.create_index("ix_webhook_deliveries_event_id", "webhook_deliveries", ["event_id"])
    op.create_index("ix_webhook_deliveries_finished_at", "webhook_deliveries", ["finished_at"])
    op.create_index(
        "ix_webhook_deliveries_due",
        "webhook_deliveries",
        ["next_attempt_at", "id"],
        postgresql_where=sa.text(PENDING),
        sqlite_where=sa.text(PENDING),
    )
    op.create_index(
        "ix_webhook_deliveries_leased",
        "webhook_deliveries",
        ["lease_expires_at"],
        postgresql_where=sa.text(PENDING),
        sqlite_where=sa.text(PENDING),
    )
    op.create_index(
        "ix_webhook_deliveries_subscription_pending",
        "webhook_deliveries",
        ["subscription_id", "id"],
        postgresql_where=sa.text(PENDING),
        sqlite_where=sa.text(PENDING),
    )


def downgrade() -> None:
    op.drop_table("webhook_deliveries")
    op.drop_table("webhook_events")
    op.drop_index("ix_webhook_subscriptions_seller_created", table_name="webhook_subscriptions")
    op.drop_table("webhook_subscriptions")
