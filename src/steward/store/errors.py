"""The store's error, in a module of its own: callers catch it without loading SQLAlchemy."""

__all__ = ["StoreError"]


class StoreError(Exception):
    """The store cannot be opened or used; the message names the database (without password)."""
