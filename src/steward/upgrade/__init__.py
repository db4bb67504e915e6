"""Automated package upgrades: plan, sources, patch triage, build, compare, report, propose."""
