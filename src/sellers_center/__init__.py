"""Sellers Center: the seller-facing catalogue API of a fashion marketplace."""

__version__ = "0.1.0"
