"""Webhooks: sellers' subscriptions, the outbox every domain writes its events to in the
transaction of the change, and their signed delivery by the workers (docs/api.md#webhooks)."""
