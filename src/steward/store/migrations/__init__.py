"""Alembic migrations of the store's schema, shipped inside the package and run at open time.

A package (rather than a bare folder) so that the revisions are installed with Steward.
"""
