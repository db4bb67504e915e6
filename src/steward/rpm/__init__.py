"""RPM semantics: version ordering, the spec macro engine, parser and editor (stdlib only)."""
