"""Whole jobs built from the library (inventory, check): what the CLI and the service run.

A workflow may import every domain package and the store, never ``cli`` or ``service``.
"""
