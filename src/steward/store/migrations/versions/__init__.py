"""The store's schema revisions, oldest first; see :mod:`steward.store.db` for the head."""
