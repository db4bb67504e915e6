"""Known vulnerabilities: advisories in (OSV, CSAF 2.0, CVRF 1.1), matched exactly against a
tree's packages (rpm order, explicit epoch policy, backports found in the spec).

>>> from steward.vuln import AdvisorySet, match_tree       # doctest: +SKIP
>>> findings = match_tree(distro, AdvisorySet.read(["advisories/"]).advisories)  # doctest: +SKIP
"""
