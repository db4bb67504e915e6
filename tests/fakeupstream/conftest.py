"""Fixtures for the fake upstream's own tests."""

from fakeupstream.fixtures import upstream

__all__ = ["upstream"]
