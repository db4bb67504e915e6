#!/usr/bin/env python3
"""Run nvchecker against the fake upstream on loopback (used by ``benchmarks/monitor.py``).

nvchecker writes its upstreams' public URLs into its sources (``api.github.com``, ``gitlab.com``,
``pypi.org``, ``registry.npmjs.org``, ``crates.io``, ``rubygems.org``, ``fastapi.metacpan.org``,
and the ``url``/``repo`` of ``regex`` and ``rpmrepo`` entries), some as module constants
(``GITHUB_MAX_TAG``, ``NPM_URL``, ``API_URL``, ``GEMS_URL``, ``CPAN_URL``) and some inline
(PyPI's). Rather than patch each source, this wrapper patches the one place every source's
request passes through, ``nvchecker.httpclient.base.BaseSession.request``: a URL that starts
with a mapped public base is sent to its loopback replacement, the same prefix rewrite Steward's
``base_url_overrides`` does. Anything else is refused, so nvchecker never leaves the machine.
Then nvchecker's own ``main()`` runs with the remaining arguments::

    NVCHECKER_LOOPBACK='{"https://api.github.com": "http://127.0.0.1:8080"}' \\
        python benchmarks/_nvchecker_loopback.py -c nvchecker.toml -l warning

The HTTP client is whichever ``[__config__] httplib`` names (the benchmark asks for aiohttp,
nvchecker's fastest backend installed here: tornado+pycurl is not).
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any
from urllib.parse import urlsplit

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def load_mapping() -> list[tuple[str, str]]:
    """Public base -> loopback base, longest first (so the most specific base wins)."""
    raw = os.environ.get("NVCHECKER_LOOPBACK")
    if not raw:
        sys.exit("_nvchecker_loopback: set NVCHECKER_LOOPBACK to a JSON object of base URLs")
    mapping = {str(k).rstrip("/"): str(v).rstrip("/") for k, v in json.loads(raw).items()}
    for target in mapping.values():
        if urlsplit(target).hostname not in LOOPBACK_HOSTS:
            sys.exit(f"_nvchecker_loopback: {target} is not a loopback URL")
    return sorted(mapping.items(), key=lambda item: len(item[0]), reverse=True)


def rewrite(url: str, mapping: list[tuple[str, str]]) -> str:
    """``url`` sent to its loopback replacement; a URL no base covers is refused."""
    for public, local in mapping:
        if url == public or url.startswith((public + "/", public + "?")):
            return local + url[len(public) :]
    if urlsplit(url).hostname in LOOPBACK_HOSTS:
        return url
    raise RuntimeError(f"refusing {url}: not mapped to the loopback upstream")


def install(mapping: list[tuple[str, str]]) -> None:
    from nvchecker.httpclient import base  # type: ignore[import-untyped]

    original = base.BaseSession.request

    async def request(self: Any, url: str, **kwargs: Any) -> Any:
        return await original(self, rewrite(url, mapping), **kwargs)

    base.BaseSession.request = request


def main() -> None:
    install(load_mapping())
    from nvchecker.__main__ import main as nvchecker_main  # type: ignore[import-untyped]

    sys.argv = ["nvchecker", *sys.argv[1:]]
    nvchecker_main()


if __name__ == "__main__":
    main()
