"""SBOMs of a package tree: CycloneDX 1.6 (with VEX), SPDX 3.0.1 JSON-LD and SPDX 2.3 JSON."""
