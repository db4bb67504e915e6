"""Tags of any git repository, listed with ``git ls-remote`` (no clone).

``project`` is the repository URL (``https://``, ``git://``, ``file://`` or an absolute
path). Only ``refs/tags/*`` count: branches never become releases, even when named like
versions. ``ls-remote`` gives no dates, so releases carry none.
"""

from __future__ import annotations

from steward.upstream.sources._vcs import check_url, run
from steward.upstream.sources.base import SourceContext, Upstream
from steward.upstream.versions import Release

KIND = "git"
TAGS = True

_TAG_REF = "refs/tags/"


async def fetch(upstream: Upstream, ctx: SourceContext) -> list[Release]:
    url = await check_url(upstream.project, "git", ctx)
    output = await run(["git", "ls-remote", "--tags", "--refs", url], ctx=ctx)
    return [Release(tag=tag, version=tag) for tag in tags_from_ls_remote(output)]


def tags_from_ls_remote(output: str) -> list[str]:
    """Tag names from ``git ls-remote`` output, once each, in listing order.

    ``--refs`` already drops the peeled ``^{}`` lines of annotated tags; they are folded
    here too so that output from a server or git without it reads the same.

    >>> tags_from_ls_remote("a1\\trefs/tags/v1.0\\na2\\trefs/tags/v1.0^{}\\nb\\trefs/heads/v2\\n")
    ['v1.0']
    """
    tags: dict[str, None] = {}
    for line in output.splitlines():
        _, _, ref = line.partition("\t")
        if ref.startswith(_TAG_REF):
            tags[ref.removeprefix(_TAG_REF).removesuffix("^{}")] = None
    return list(tags)
