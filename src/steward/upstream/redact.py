"""Secrets in URLs, hidden before anything is stored or printed.

A package's upstream may be written with a secret in it (``https://u:pw@host/x.git``,
``…/list?access_token=…``, GitLab's ``private_token``, a token as the user name). Steward
needs the secret to ask the upstream, but nothing it keeps or shows does: check results,
``--json``, the store's keys, stored upstream states, release URLs and error messages all
go through :func:`redact_url` or :func:`redact_text`. A stored state's URLs get their
secrets back from the package's own configuration with :func:`restore_url`, at the moment
they are asked again.

>>> redact_url("https://u:pw@h.example/p?access_token=abc&page=2")
'https://u:REDACTED@h.example/p?access_token=REDACTED&page=2'
>>> redact_text("git failed: fatal: https://ghp_x@github.com/o/r.git not found")
'git failed: fatal: https://REDACTED@github.com/o/r.git not found'
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import parse_qsl, quote, urlsplit, urlunsplit

from steward.upstream.credentials import SECRET_WORDS, looks_secret

__all__ = ["REDACTED", "needs_redaction", "redact_text", "redact_url", "restore_url"]

REDACTED = "REDACTED"

# A query that might name a secret (or an unparseable URL): redact_url looks closer.
_MAYBE_SECRET_QUERY = re.compile(
    r"\?.*(?:" + "|".join(SECRET_WORDS) + r")|[^\x21-\x7e]", re.IGNORECASE | re.DOTALL
)
_URL_IN_TEXT = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://[^\s'\"<>()\[\]{}]+")
# A user name alone is a secret too (``https://TOKEN@github.com``), except ssh's usual ones.
_PLAIN_USERS = frozenset({"git", "anonymous", "anoncvs", "hg", "svn"})


def needs_redaction(url: str) -> bool:
    """Whether :func:`redact_url` could change ``url`` (a cheap test, without parsing)."""
    return "@" in url or bool(_MAYBE_SECRET_QUERY.search(url))


def redact_url(url: str) -> str:
    """``url`` with its user-info secret and secret-looking query values replaced."""
    if not needs_redaction(url):
        return url  # the common case: nothing to hide, and urlsplit is not free
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparseable URL>"
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, hostport = netloc.rpartition("@")
        user, has_password, _ = userinfo.partition(":")
        if has_password:
            netloc = f"{user}:{REDACTED}@{hostport}"
        elif user.lower() not in _PLAIN_USERS:
            netloc = f"{REDACTED}@{hostport}"
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        if any(looks_secret(name) for name, _ in pairs):
            query = "&".join(
                f"{quote(name, safe='')}="
                + (REDACTED if looks_secret(name) else quote(value, safe=""))
                for name, value in pairs
            )
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def redact_text(text: str) -> str:
    """``text`` (an error message, a note) with every URL in it redacted."""
    if "://" not in text:
        return text
    return _URL_IN_TEXT.sub(lambda match: redact_url(match.group()), text)


def restore_url(url: str, originals: Iterable[str]) -> str:
    """``url`` (redacted) with its secrets taken back from ``originals``, the package's own
    URLs: a password or user name from one with the same host, query values by name.

    >>> restore_url("https://u:REDACTED@h/x?key=REDACTED&a=1", ["https://u:pw@h/?key=k1"])
    'https://u:pw@h/x?key=k1&a=1'
    """
    if REDACTED not in url:
        return url
    parts = urlsplit(url)
    sources = [urlsplit(original) for original in originals if "://" in original]
    netloc = parts.netloc
    if "@" in netloc:
        for source in sources:
            if source.hostname == parts.hostname and "@" in source.netloc:
                user = parts.username
                if user == REDACTED or source.username == user:
                    netloc = source.netloc.rpartition("@")[0] + "@" + netloc.rpartition("@")[2]
                    break
    query = parts.query
    if REDACTED in query:
        known = {
            name: value
            for source in sources
            for name, value in parse_qsl(source.query, keep_blank_values=True)
        }
        query = "&".join(
            f"{quote(name, safe='')}="
            + quote(known.get(name, value) if value == REDACTED else value, safe="")
            for name, value in parse_qsl(query, keep_blank_values=True)
        )
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))
