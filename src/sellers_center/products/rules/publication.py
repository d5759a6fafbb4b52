"""What the product rules need to know about publication, which the lifecycle owns.

Products store a style's status as an opaque string; which statuses a new style starts in, which
ones freeze a style and which ones let it change category are the lifecycle's rules. The
lifecycle hands them in as this value (``lifecycle.rules.PUBLICATION``), through the products
kind and router, so products never import the lifecycle.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class PublicationPolicy:
    new_style_status: str
    """The status a style gets when its first variant is stored."""
    frozen_statuses: frozenset[str]
    """A style in one of these cannot be changed at all (it is being reviewed)."""
    category_changeable_statuses: frozenset[str]
    """A stored variant may move to another category only while its style is in one of these."""
    deletable_statuses: frozenset[str]
    """A variant may be deleted only while its style is in one of these."""
