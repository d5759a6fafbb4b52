"""The domain error hierarchy. Services raise these; ``http.errors`` renders them."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error a service raises on purpose."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFoundError(DomainError):
    """The resource does not exist for this seller (or at all: the two look the same)."""


class ConflictError(DomainError):
    """The request clashes with the current state."""


class InvalidInputError(DomainError):
    """Well-formed but semantically unusable input."""
