"""Sellers, the brands they may use, and their API keys."""
