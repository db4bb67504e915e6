"""The ``steward`` command: a thin shell over the library."""
