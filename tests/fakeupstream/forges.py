"""Forge APIs: GitHub (and GitHub Enterprise under ``/api/v3``), GitLab, Gitee and Gitea.

Payload fields and pagination follow the real services: GitHub ``per_page`` 30/100 with a
``Link`` header whose URLs switch to ``/repositories/<id>/...`` (as github.com does), GitLab
``per_page`` 20/100 with ``Link`` and ``X-Next-Page``/``X-Total`` headers, Gitea ``limit``
30/50 with ``X-Total-Count``, Gitee ``per_page`` 20/100 with ``total_count``/``total_page``.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlencode

from .model import (
    Endpoint,
    FakeRelease,
    Project,
    Rendered,
    Req,
    Snapshot,
    dumps,
    fake_sha,
    iso_offset,
    iso_z,
    json_response,
    make_etag,
    natural_key,
)

JSON = "application/json; charset=utf-8"

# ---------------------------------------------------------------------------------------------
# Pagination shared by the forges.


def _int_param(req: Req, names: tuple[str, ...], default: int) -> int:
    for name in names:
        raw = req.query.get(name)
        if raw is None:
            continue
        try:
            return int(raw)
        except ValueError:
            return default
    return default


def page_params(
    req: Req, size_names: tuple[str, ...], default: int, maximum: int
) -> tuple[int, int]:
    """``(page, per_page)`` as the forge reads them: bad values fall back, big ones clamp."""
    size = _int_param(req, size_names, default)
    size = default if size < 1 else min(size, maximum)
    page = max(_int_param(req, ("page",), 1), 1)
    return page, size


def paged_vary(size_names: tuple[str, ...], *extra: str) -> Callable[[Req], Hashable]:
    def vary(req: Req) -> Hashable:
        return (
            req.base,
            req.path,
            tuple(tuple(req.query.getall(name, ())) for name in ("page", *size_names, *extra)),
            req.authenticated,
        )

    return vary


def _link(req: Req, path: str, page: int, size_name: str | None, size: int) -> str:
    params = [(k, v) for k, v in req.query.items() if k != "page" and k != size_name]
    if size_name is not None:
        params.append((size_name, str(size)))
    params.append(("page", str(page)))
    return f"<{req.base}{path}?{urlencode(params)}>"


def paginate(
    items: list[bytes],
    req: Req,
    *,
    style: str,
    size_names: tuple[str, ...],
    default: int,
    maximum: int,
    link_path: str | None = None,
) -> Rendered:
    """One page of pre-serialised JSON items with the forge's pagination headers."""
    page, size = page_params(req, size_names, default, maximum)
    total = len(items)
    last = max((total + size - 1) // size, 1)
    chunk = items[(page - 1) * size : page * size]
    body = b"[" + b",".join(chunk) + b"]"
    path = link_path or req.path.partition("?")[0]
    # GitHub only echoes per_page when the client sent it; GitLab and Gitea always do.
    size_name = size_names[0] if (style != "github" or req.query.get("per_page")) else None
    rels: list[tuple[str, int]] = []
    if style == "github":
        if page > 1:
            rels.append(("prev", min(page - 1, last)))
        if page < last:
            rels += [("next", page + 1), ("last", last)]
        if page > 1:
            rels.append(("first", 1))
    else:
        if page > 1:
            rels.append(("prev", min(page - 1, last)))
        if page < last:
            rels.append(("next", page + 1))
        rels += [("first", 1), ("last", last)]
    headers: list[tuple[str, str]] = []
    if style == "gitee":
        headers += [("total_count", str(total)), ("total_page", str(last))]
    elif rels:
        links = ", ".join(f'{_link(req, path, n, size_name, size)}; rel="{rel}"' for rel, n in rels)
        headers.append(("Link", links))
    if style == "gitlab":
        headers += [
            ("X-Page", str(page)),
            ("X-Per-Page", str(size)),
            ("X-Next-Page", str(page + 1) if page < last else ""),
            ("X-Prev-Page", str(page - 1) if page > 1 else ""),
            ("X-Total", str(total)),
            ("X-Total-Pages", str(last)),
        ]
    elif style == "gitea":
        headers.append(("X-Total-Count", str(total)))
    return Rendered(body, JSON, make_etag(body), tuple(headers))


def _items(snap: Snapshot, key: Hashable, build: Callable[[], list[Any]]) -> list[bytes]:
    """Serialise list items once per snapshot; pages are then byte joins."""
    return snap.memo(("items", key), lambda: [dumps(item) for item in build()])


def _newest_first(
    pairs: list[tuple[int, FakeRelease, datetime]],
) -> list[tuple[int, FakeRelease, datetime]]:
    return sorted(pairs, key=lambda t: (t[2], t[0]), reverse=True)


def _indexed(snap: Snapshot) -> list[tuple[int, FakeRelease, datetime]]:
    return [(i, r, d) for i, (r, d) in enumerate(snap.dated())]


def _latest_release(
    snap: Snapshot, include: Callable[[FakeRelease], bool]
) -> tuple[int, FakeRelease, datetime] | None:
    """The release a forge calls "latest": the project's ``latest`` option or newest stable."""
    pinned = snap.options.get("latest")
    candidates = [t for t in _indexed(snap) if include(t[1])]
    if pinned is not None:
        return next((t for t in candidates if t[1].tag == pinned), None)
    stable = [t for t in candidates if not t[1].prerelease]
    return _newest_first(stable)[0] if stable else None


def _merge(item: dict[str, Any], release: FakeRelease) -> dict[str, Any]:
    if release.extra:
        item.update(release.extra)
    return item


def _not_found(message: str, **more: Any) -> Rendered:
    return json_response({"message": message, **more}, status=404)


# ---------------------------------------------------------------------------------------------
# GitHub


def _gh_api(project: Project, snap: Snapshot) -> str:
    host = snap.options.get("host", "github.com")
    return "https://api.github.com" if host == "github.com" else f"https://{host}/api/v3"


def _gh_user(api: str, login: str, uid: int) -> dict[str, Any]:
    return {
        "login": login,
        "id": uid,
        "node_id": f"MDQ6VXNlcj{uid}",
        "avatar_url": f"https://avatars.githubusercontent.com/u/{uid}?v=4",
        "gravatar_id": "",
        "url": f"{api}/users/{login}",
        "html_url": f"https://github.com/{login}",
        "type": "User",
        "user_view_type": "public",
        "site_admin": False,
    }


def _gh_release(
    project: Project, snap: Snapshot, index: int, release: FakeRelease, date: datetime
) -> dict[str, Any]:
    api = _gh_api(project, snap)
    host = snap.options.get("host", "github.com")
    repo = project.name
    rid = 100_000_000 + project.id * 10_000 + index
    owner = repo.split("/", 1)[0]
    stamp = iso_z(date)
    return _merge(
        {
            "url": f"{api}/repos/{repo}/releases/{rid}",
            "assets_url": f"{api}/repos/{repo}/releases/{rid}/assets",
            "upload_url": f"https://uploads.{host}/repos/{repo}/releases/{rid}/assets"
            "{?name,label}",
            "html_url": f"https://{host}/{repo}/releases/tag/{quote(release.tag)}",
            "id": rid,
            "author": _gh_user(api, owner, 1000 + project.id),
            "node_id": f"RE_kwDO{rid:x}",
            "tag_name": release.tag,
            "target_commitish": snap.options.get("branch", "main"),
            "name": release.title if release.title is not None else release.tag,
            "draft": release.draft,
            "immutable": False,
            "prerelease": release.prerelease,
            "created_at": stamp,
            "updated_at": stamp,
            "published_at": None if release.draft else stamp,
            "assets": [],
            "tarball_url": f"{api}/repos/{repo}/tarball/{quote(release.tag)}",
            "zipball_url": f"{api}/repos/{repo}/zipball/{quote(release.tag)}",
            "body": f"Release {release.tag}.",
        },
        release,
    )


def _gh_visible_tags(snap: Snapshot) -> list[tuple[int, FakeRelease, datetime]]:
    # A draft release has no tag until it is published.
    return [t for t in _indexed(snap) if not t[1].draft]


def _gh_sorted_tags(snap: Snapshot) -> list[tuple[int, FakeRelease, datetime]]:
    order = snap.options.get("tag_order", "name-desc")
    tags = _gh_visible_tags(snap)
    if order == "name-desc":
        # github.com lists tags by name, descending, not by version: v3.9 before v3.14.
        return sorted(tags, key=lambda t: t[1].tag, reverse=True)
    if order == "date-desc":
        return _newest_first(tags)
    return tags


def _gh_prefix(req: Req) -> str:
    return "/api/v3" if req.path.startswith("/api/v3/") else ""


def _gh_releases(project: Project, snap: Snapshot, req: Req) -> Rendered:
    authed = req.authenticated

    def build() -> list[Any]:
        shown = [t for t in _indexed(snap) if not t[1].tag_only and (authed or not t[1].draft)]
        return [_gh_release(project, snap, *t) for t in _newest_first(shown)]

    items = _items(snap, ("gh-releases", authed), build)
    return paginate(
        items,
        req,
        style="github",
        size_names=("per_page",),
        default=30,
        maximum=100,
        link_path=f"{_gh_prefix(req)}/repositories/{project.id}/releases",
    )


def _gh_tags(project: Project, snap: Snapshot, req: Req) -> Rendered:
    api = _gh_api(project, snap)
    repo = project.name

    def build() -> list[Any]:
        out = []
        for _i, release, _d in _gh_sorted_tags(snap):
            sha = fake_sha(repo, release.tag)
            out.append(
                {
                    "name": release.tag,
                    "zipball_url": f"{api}/repos/{repo}/zipball/refs/tags/{quote(release.tag)}",
                    "tarball_url": f"{api}/repos/{repo}/tarball/refs/tags/{quote(release.tag)}",
                    "commit": {"sha": sha, "url": f"{api}/repos/{repo}/commits/{sha}"},
                    "node_id": f"MDM6UmVm{project.id}{sha[:12]}",
                }
            )
        return out

    items = _items(snap, "gh-tags", build)
    return paginate(
        items,
        req,
        style="github",
        size_names=("per_page",),
        default=30,
        maximum=100,
        link_path=f"{_gh_prefix(req)}/repositories/{project.id}/tags",
    )


def _gh_refs(project: Project, snap: Snapshot, req: Req) -> Rendered:
    api = _gh_api(project, snap)
    repo = project.name
    refs = []
    # git lists refs in byte order of their names.
    for _i, release, _d in sorted(_gh_visible_tags(snap), key=lambda t: t[1].tag):
        sha = fake_sha(repo, release.tag)
        ref = f"refs/tags/{release.tag}"
        refs.append(
            {
                "ref": ref,
                "node_id": f"MDM6UmVm{project.id}{sha[:12]}",
                "url": f"{api}/repos/{repo}/git/{ref}",
                "object": {
                    "sha": sha,
                    "type": "commit",
                    "url": f"{api}/repos/{repo}/git/commits/{sha}",
                },
            }
        )
    return json_response(refs)


def _gh_latest(project: Project, snap: Snapshot, req: Req) -> Rendered:
    found = _latest_release(snap, lambda r: not r.tag_only and not r.draft)
    if found is None:
        return _not_found(
            "Not Found",
            documentation_url=(
                "https://docs.github.com/rest/releases/releases#get-the-latest-release"
            ),
            status="404",
        )
    return json_response(_gh_release(project, snap, *found))


def github_routes(project: Project) -> dict[str, Endpoint]:
    repo = project.name
    authed_vary: Callable[[Req], Hashable] = paged_vary(("per_page",))
    routes: dict[str, Endpoint] = {}
    for prefix in ("", "/api/v3"):
        for base in (f"{prefix}/repos/{repo}", f"{prefix}/repositories/{project.id}"):
            routes[f"{base}/releases"] = Endpoint(project, "releases", _gh_releases, authed_vary)
            routes[f"{base}/tags"] = Endpoint(project, "tags", _gh_tags, authed_vary)
            routes[f"{base}/releases/latest"] = Endpoint(project, "latest", _gh_latest)
            routes[f"{base}/git/refs/tags"] = Endpoint(project, "refs", _gh_refs)
    return routes


# ---------------------------------------------------------------------------------------------
# GitLab


def _gl_person() -> dict[str, str]:
    return {"name": "Release Bot", "email": "release-bot@example.org"}


def _gl_commit(path: str, host: str, release: FakeRelease, date: datetime) -> dict[str, Any]:
    sha = fake_sha(path, release.tag)
    stamp = iso_offset(date)
    person = _gl_person()
    return {
        "id": sha,
        "short_id": sha[:8],
        "created_at": stamp,
        "parent_ids": [fake_sha(path, release.tag, "parent")],
        "title": f"Release {release.tag}",
        "message": f"Release {release.tag}\n",
        "author_name": person["name"],
        "author_email": person["email"],
        "authored_date": stamp,
        "committer_name": person["name"],
        "committer_email": person["email"],
        "committed_date": stamp,
        "trailers": {},
        "extended_trailers": {},
        "web_url": f"https://{host}/{path}/-/commit/{sha}",
    }


def _gl_tags(project: Project, snap: Snapshot, req: Req) -> Rendered:
    host = snap.options.get("host", "gitlab.com")
    order_by = req.query.get("order_by", "updated")
    descending = req.query.get("sort", "desc") != "asc"

    def build() -> list[Any]:
        tags = [t for t in _indexed(snap) if not t[1].draft]
        if order_by == "name":
            tags.sort(key=lambda t: t[1].tag)
        elif order_by == "version":
            tags.sort(key=lambda t: natural_key(t[1].tag))
        else:
            tags.sort(key=lambda t: (t[2], t[0]))
        if descending:
            tags.reverse()
        out = []
        for _i, release, date in tags:
            commit = _gl_commit(project.name, host, release, date)
            out.append(
                _merge(
                    {
                        "name": release.tag,
                        "message": "",
                        "target": commit["id"],
                        "commit": commit,
                        "release": None
                        if release.tag_only
                        else {
                            "tag_name": release.tag,
                            "description": f"Release {release.tag}.",
                        },
                        "protected": False,
                        "created_at": None,
                    },
                    release,
                )
            )
        return out

    items = _items(snap, ("gl-tags", order_by, descending), build)
    return paginate(items, req, style="gitlab", size_names=("per_page",), default=20, maximum=100)


def _gl_release_links(web: str, tag: str) -> dict[str, str]:
    def listing(what: str, state: str) -> str:
        return f"{web}/-/{what}?release_tag={tag}&scope=all&state={state}"

    return {
        "closed_issues_url": listing("issues", "closed"),
        "closed_merge_requests_url": listing("merge_requests", "closed"),
        "edit_url": f"{web}/-/releases/{tag}/edit",
        "merged_merge_requests_url": listing("merge_requests", "merged"),
        "opened_issues_url": listing("issues", "opened"),
        "opened_merge_requests_url": listing("merge_requests", "opened"),
        "self": f"{web}/-/releases/{tag}",
    }


def _gl_releases(project: Project, snap: Snapshot, req: Req) -> Rendered:
    host = snap.options.get("host", "gitlab.com")
    path = project.name
    base = path.rsplit("/", 1)[-1]

    def build() -> list[Any]:
        shown = [t for t in _indexed(snap) if not t[1].tag_only and not t[1].draft]
        out = []
        for _i, release, date in _newest_first(shown):
            tag = quote(release.tag)
            web = f"https://{host}/{path}"
            out.append(
                _merge(
                    {
                        "name": release.title if release.title is not None else release.tag,
                        "tag_name": release.tag,
                        "description": f"Release {release.tag}.",
                        "created_at": iso_offset(date),
                        "released_at": iso_offset(date),
                        "upcoming_release": False,
                        "author": {
                            "id": 1000 + project.id,
                            "username": "release-bot",
                            "name": "Release Bot",
                            "state": "active",
                            "locked": False,
                            "avatar_url": "",
                            "web_url": f"https://{host}/release-bot",
                        },
                        "commit": _gl_commit(path, host, release, date),
                        "commit_path": f"/{path}/-/commit/{fake_sha(path, release.tag)}",
                        "tag_path": f"/{path}/-/tags/{tag}",
                        "assets": {
                            "count": 4,
                            "sources": [
                                {"format": fmt, "url": f"{web}/-/archive/{tag}/{base}-{tag}.{fmt}"}
                                for fmt in ("zip", "tar.gz", "tar.bz2", "tar")
                            ],
                            "links": [],
                        },
                        "evidences": [],
                        "_links": _gl_release_links(web, tag),
                    },
                    release,
                )
            )
        return out

    items = _items(snap, "gl-releases", build)
    return paginate(items, req, style="gitlab", size_names=("per_page",), default=20, maximum=100)


def gitlab_routes(project: Project) -> dict[str, Endpoint]:
    routes: dict[str, Endpoint] = {}
    for ident in (quote(project.name, safe=""), str(project.id)):
        base = f"/api/v4/projects/{ident}"
        routes[f"{base}/repository/tags"] = Endpoint(
            project, "tags", _gl_tags, paged_vary(("per_page",), "order_by", "sort")
        )
        routes[f"{base}/releases"] = Endpoint(
            project, "releases", _gl_releases, paged_vary(("per_page",))
        )
    return routes


# ---------------------------------------------------------------------------------------------
# Gitee (times in +08:00, oldest first)


def _gitee_tags(project: Project, snap: Snapshot, req: Req) -> Rendered:
    repo = project.name

    def build() -> list[Any]:
        out = []
        for _i, release, date in sorted(
            (t for t in _indexed(snap) if not t[1].draft), key=lambda t: (t[2], t[0])
        ):
            stamp = iso_offset(date, hours=8, digits=0)
            out.append(
                _merge(
                    {
                        "name": release.tag,
                        "message": "",
                        "commit": {"sha": fake_sha(repo, release.tag), "date": stamp},
                        "tagger": {
                            "name": "release-bot",
                            "email": "release-bot@example.org",
                            "date": stamp,
                        },
                    },
                    release,
                )
            )
        return out

    items = _items(snap, "gitee-tags", build)
    return paginate(items, req, style="gitee", size_names=("per_page",), default=20, maximum=100)


def _gitee_release(
    project: Project, index: int, release: FakeRelease, date: datetime
) -> dict[str, Any]:
    repo = project.name
    archive = f"https://gitee.com/{repo}/archive/refs/tags/{release.tag}"
    return _merge(
        {
            "id": 300_000 + project.id * 1000 + index,
            "tag_name": release.tag,
            "target_commitish": fake_sha(repo, release.tag),
            "prerelease": release.prerelease,
            "name": release.title if release.title is not None else release.tag,
            "body": f"Release {release.tag}.",
            "author": {
                "id": 1000 + project.id,
                "login": repo.split("/", 1)[0],
                "name": repo.split("/", 1)[0],
                "html_url": f"https://gitee.com/{repo.split('/')[0]}",
                "type": "User",
            },
            "created_at": iso_offset(date, hours=8, digits=0),
            "assets": [
                {
                    "browser_download_url": f"{archive}.zip",
                    "name": f"{release.tag}.zip",
                },
                {
                    "browser_download_url": f"{archive}.tar.gz",
                    "name": f"{release.tag}.tar.gz",
                },
            ],
        },
        release,
    )


def _gitee_releases(project: Project, snap: Snapshot, req: Req) -> Rendered:
    def build() -> list[Any]:
        shown = [t for t in _indexed(snap) if not t[1].tag_only and not t[1].draft]
        return [_gitee_release(project, *t) for t in sorted(shown, key=lambda t: (t[2], t[0]))]

    items = _items(snap, "gitee-releases", build)
    return paginate(items, req, style="gitee", size_names=("per_page",), default=20, maximum=100)


def _gitee_latest(project: Project, snap: Snapshot, req: Req) -> Rendered:
    found = _latest_release(snap, lambda r: not r.tag_only and not r.draft)
    if found is None:
        return json_response({"message": "Not Found Release"}, status=404)
    return json_response(_gitee_release(project, *found))


def gitee_routes(project: Project) -> dict[str, Endpoint]:
    base = f"/api/v5/repos/{project.name}"
    vary = paged_vary(("per_page",))
    return {
        f"{base}/tags": Endpoint(project, "tags", _gitee_tags, vary),
        f"{base}/releases": Endpoint(project, "releases", _gitee_releases, vary),
        f"{base}/releases/latest": Endpoint(project, "latest", _gitee_latest),
    }


# ---------------------------------------------------------------------------------------------
# Gitea / Forgejo


def _gitea_host(snap: Snapshot) -> str:
    return str(snap.options.get("host", "gitea.com"))


def _gitea_release(
    project: Project, snap: Snapshot, index: int, release: FakeRelease, date: datetime
) -> dict[str, Any]:
    host = _gitea_host(snap)
    repo = project.name
    rid = 500_000 + project.id * 1000 + index
    stamp = iso_z(date)
    return _merge(
        {
            "id": rid,
            "tag_name": release.tag,
            "target_commitish": snap.options.get("branch", "main"),
            "name": release.title if release.title is not None else release.tag,
            "body": f"Release {release.tag}.",
            "url": f"https://{host}/api/v1/repos/{repo}/releases/{rid}",
            "html_url": f"https://{host}/{repo}/releases/tag/{quote(release.tag)}",
            "tarball_url": f"https://{host}/{repo}/archive/{quote(release.tag)}.tar.gz",
            "zipball_url": f"https://{host}/{repo}/archive/{quote(release.tag)}.zip",
            "upload_url": f"https://{host}/api/v1/repos/{repo}/releases/{rid}/assets",
            "draft": release.draft,
            "prerelease": release.prerelease,
            "created_at": stamp,
            "published_at": stamp,
            "author": {
                "id": 1000 + project.id,
                "login": repo.split("/", 1)[0],
                "full_name": "",
                "email": "release-bot@noreply.example.org",
                "avatar_url": "",
                "username": repo.split("/", 1)[0],
            },
            "assets": [],
        },
        release,
    )


def _gitea_tags(project: Project, snap: Snapshot, req: Req) -> Rendered:
    host = _gitea_host(snap)
    repo = project.name

    def build() -> list[Any]:
        out = []
        for _i, release, date in _newest_first([t for t in _indexed(snap) if not t[1].draft]):
            sha = fake_sha(repo, release.tag)
            out.append(
                _merge(
                    {
                        "name": release.tag,
                        "message": "",
                        "id": fake_sha(repo, release.tag, "tag-object"),
                        "commit": {
                            "url": f"https://{host}/api/v1/repos/{repo}/git/commits/{sha}",
                            "sha": sha,
                            "created": iso_offset(date, digits=0),
                        },
                        "zipball_url": f"https://{host}/{repo}/archive/{quote(release.tag)}.zip",
                        "tarball_url": f"https://{host}/{repo}/archive/{quote(release.tag)}.tar.gz",
                    },
                    release,
                )
            )
        return out

    items = _items(snap, "gitea-tags", build)
    return paginate(items, req, style="gitea", size_names=("limit",), default=30, maximum=50)


def _gitea_releases(project: Project, snap: Snapshot, req: Req) -> Rendered:
    # Gitea filters with ?draft= and ?pre-release= (both "true"/"false").
    draft = req.query.get("draft")
    pre = req.query.get("pre-release")

    def build() -> list[Any]:
        shown = []
        for t in _indexed(snap):
            release = t[1]
            if release.tag_only or (release.draft and not req.authenticated):
                continue
            if draft is not None and release.draft != (draft == "true"):
                continue
            if pre is not None and release.prerelease != (pre == "true"):
                continue
            shown.append(t)
        return [_gitea_release(project, snap, *t) for t in _newest_first(shown)]

    items = _items(snap, ("gitea-releases", draft, pre, req.authenticated), build)
    return paginate(items, req, style="gitea", size_names=("limit",), default=30, maximum=50)


def _gitea_latest(project: Project, snap: Snapshot, req: Req) -> Rendered:
    found = _latest_release(snap, lambda r: not r.tag_only and not r.draft)
    if found is None:
        return json_response(
            {
                "errors": [],
                "message": "The target couldn't be found.",
                "url": f"https://{_gitea_host(snap)}/api/swagger",
            },
            status=404,
        )
    return json_response(_gitea_release(project, snap, *found))


def gitea_routes(project: Project) -> dict[str, Endpoint]:
    base = f"/api/v1/repos/{project.name}"
    return {
        f"{base}/tags": Endpoint(project, "tags", _gitea_tags, paged_vary(("limit",))),
        f"{base}/releases": Endpoint(
            project, "releases", _gitea_releases, paged_vary(("limit",), "draft", "pre-release")
        ),
        f"{base}/releases/latest": Endpoint(project, "latest", _gitea_latest),
    }


ROUTERS: dict[str, Callable[[Project], dict[str, Endpoint]]] = {
    "github": github_routes,
    "gitlab": gitlab_routes,
    "gitee": gitee_routes,
    "gitea": gitea_routes,
}
