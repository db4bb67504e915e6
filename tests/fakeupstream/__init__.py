"""A fake upstream for Steward's monitoring tests, benchmarks and offline demo.

One aiohttp server on loopback speaks the real APIs (field names, date formats, ordering,
pagination, ETag/304, rate-limit headers) of the upstreams Steward watches, with faults to
order. Nothing here reaches the network.

Use it in a test (thread mode)::

    from fakeupstream import FakeRelease, Faults, FakeUpstream

    with FakeUpstream() as up:
        up.add_project("github", "owner/repo", [FakeRelease("v1.0", date="2024-01-01"),
                                                FakeRelease("v1.1-rc1", prerelease=True)])
        up.add_project("pypi", "requests", ["2.31.0", FakeRelease("2.32.0", yanked=True)])
        httpx.get(f"{up.url}/repos/owner/repo/releases")
        up.release("pypi", "requests", "2.32.1")          # visible on the next request
        up.set_faults(Faults(status=503, times=2), kind="pypi", name="requests")
        up.set_quota("github", 10)                         # 403 once 10 requests are used
        up.stats()["by_kind"]["github"]["not_modified"]

or ``async with FakeUpstream() as up`` inside a running loop, or as a process::

    PYTHONPATH=tests python -m fakeupstream --seed seed.json [--port N] [--url-file F]
    python tests/fakeupstream/__main__.py --seed seed.json

which prints ``http://127.0.0.1:<port>`` and serves until SIGINT/SIGTERM.

Paths (``up.base_url(kind)`` gives each family's base URL for a backend override):

============  ====================================================================  =========
kind          paths                                                                 name
============  ====================================================================  =========
github        ``/repos/<o>/<r>/releases``, ``/tags``, ``/releases/latest``,         ``o/r``
              ``/git/refs/tags``; same under ``/repositories/<id>/`` (where
              ``Link`` points) and under ``/api/v3`` (Enterprise); ``/rate_limit``
gitlab        ``/api/v4/projects/<url-encoded path or id>/repository/tags``,        ``g/s/p``
              ``/releases``
gitee         ``/api/v5/repos/<o>/<r>/tags``, ``/releases``, ``/releases/latest``   ``o/r``
gitea         ``/api/v1/repos/<o>/<r>/tags``, ``/releases``, ``/releases/latest``   ``o/r``
pypi          ``/pypi/<name>/json`` (any spelling that normalises to the name)      name
npm           ``/npm/<name>``, ``/npm/@scope%2Fname`` (base URL ``<url>/npm``)      name
crates        ``/api/v1/crates/<name>``                                             name
rubygems      ``/api/v1/versions/<name>.json``, ``/api/v1/gems/<name>.json``        name
metacpan      ``/v1/release/<dist>``, ``/release/<dist>``, ``/v1/release/_search``  dist
              (GET ``?q=distribution:X&size=&from=&sort=`` or POST JSON query)
hackage       ``/package/<n>/preferred[.json]``, ``/package/<n>`` (JSON with         name
              ``Accept``), ``/package/<n>-<v>/upload-time``
gnome         ``/sources/<name>/cache.json``, ``/sources/<name>/``                  name
sourceforge   ``/projects/<name>/rss?path=/``                                       name
maven         ``/maven2/<group path>/<artifact>/maven-metadata.xml``                ``g:a``
html          ``/<dir>/`` (GNU/Apache or kernel.org/nginx listing)                  dir
rpmrepo       ``/<repo>/repodata/repomd.xml``, ``/<repo>/repodata/<sha>-primary.xml.gz``  repo
page          exactly ``<path>`` (``add_page(path, body)``)                         path
============  ====================================================================  =========

The pull-request APIs Steward's propose step calls (GitHub/Gitee ``pulls``, GitLab
``merge_requests``) are served by the same server when a test attaches them:
``async with FakeForge(token=...) as forge`` (``fakeupstream.pulls``) starts one and routes
those paths to the forge's state.

Per-kind options (keyword arguments of ``add_project``, ``options`` in a seed): ``latest``
(tag/version the forge or registry calls latest), ``host`` (host in payload URLs),
``tag_order`` (github: ``name-desc`` as github.com, ``date-desc``, ``given``), ``dist_tags``
(npm), ``empty_releases`` (pypi versions with no files), ``release`` (maven), ``tar_gz``
(gnome), ``style`` (html: ``gnu`` or ``kernel``), ``basename``, ``template``
(``"{base}-{version}.tar.gz"``), ``suffixes`` (``[".sig"]``), ``subdirs`` (html),
``author`` (metacpan), ``packager`` (rpmrepo), ``body``/``content_type`` (page).

Behaviour: every 2xx body has a strong ``ETag`` and project bodies a ``Last-Modified``;
``If-None-Match``/``If-Modified-Since`` get ``304``. GitHub answers carry
``X-RateLimit-{Limit,Remaining,Reset,Used,Resource}`` and GitLab's
``RateLimit-{Limit,Observed,Remaining,Reset,ResetTime}``; with ``set_quota`` GitHub refuses
with its real 403 body once the quota is used (304s are free, as on GitHub) and GitLab with
``429`` and ``Retry-After``. ``Range: bytes=a-b`` gets ``206``. Faults (:class:`Faults`) apply
per path, per project or globally; see its fields. Counters: ``stats()`` or ``GET /_stats``.

Seed document (``seed(dict)``, ``seed_from_json(path)``, ``--seed``, ``POST /_seed``)::

    {"settings": {"github_quota": 100, "github_window": 3600, "gitlab_quota": null,
                  "faults": {"latency": 0.05, "hang_rate": 0.01, "error_rate": 0.02}},
     "projects": [{"kind": "github", "name": "o/r",
                   "releases": ["v1.0", {"tag": "v2.0", "date": "2024-05-01",
                                         "prerelease": true}],
                   "options": {"tag_order": "date-desc"}, "faults": {"status": 503, "times": 1}},
                  {"kind": "rpmrepo", "name": "openEuler-24.03/everything/x86_64",
                   "packages": [["bash", "0", "5.2.15", "1.oe2403", "x86_64"]]}],
     "pages": [{"path": "/download/", "body": "<a href='foo-1.0.tar.gz'>", "content_type":
                "text/html"}],
     "path_faults": {"/pypi/slow/json": {"latency": 2}}}

Admin endpoints for a server in another process: ``GET /_stats[?paths=1]``,
``GET /_projects``, ``POST /_reset``, ``POST /_seed``, ``POST /_release``
(``{"kind", "name", "releases": [...]}``), ``POST /_faults`` (``{"faults": {...}|null,
"kind"?, "name"?, "path"?}``), ``POST /_quota`` (``{"kind", "limit", "window"?}``). They are
not counted in the stats.
"""

from .model import FakeRelease, Faults, Project, RpmPackage
from .server import FakeUpstream, RequestRecord

__all__ = ["FakeRelease", "FakeUpstream", "Faults", "Project", "RequestRecord", "RpmPackage"]
