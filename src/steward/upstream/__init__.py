"""Upstream release monitoring."""
