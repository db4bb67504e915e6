"""Steward keeps an RPM-based distribution's packages current, reviewed and secure."""

__version__ = "0.1.0"
