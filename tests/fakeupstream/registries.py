"""Package-registry APIs: PyPI JSON, npm, crates.io, RubyGems, MetaCPAN, Hackage and Maven.

Each document mirrors the real one's field names, nesting, date formats and ordering (PyPI
``releases`` dict with per-file ``yanked`` and ``upload_time_iso_8601``; npm ``dist-tags``,
``versions`` and ``time``; crates.io newest-first ``versions`` with ``num`` and ``yanked``;
RubyGems newest-first version list; MetaCPAN release documents and Elasticsearch-shaped
``_search`` answers; Hackage ``preferred`` JSON; Maven ``maven-metadata.xml``).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any
from urllib.parse import quote
from xml.sax.saxutils import escape

from packaging.version import InvalidVersion, Version

from .model import (
    Endpoint,
    FakeRelease,
    Project,
    Rendered,
    Req,
    Snapshot,
    fake_sha,
    iso_ms_z,
    iso_offset,
    json_response,
    text_response,
)

_PYPI_NORMALIZE = re.compile(r"[-_.]+")


def pypi_normalize(name: str) -> str:
    """PEP 503 name normalisation (``Foo.Bar_baz`` -> ``foo-bar-baz``)."""
    return _PYPI_NORMALIZE.sub("-", name).lower()


def _pep440(text: str) -> Version | None:
    try:
        return Version(text)
    except InvalidVersion:
        return None


def _highest(numbers: Iterable[str]) -> str | None:
    """Highest by PEP 440 where parseable (registries' own "max version" fields)."""
    parsed = [(v, n) for n in numbers if (v := _pep440(n)) is not None]
    return max(parsed)[1] if parsed else None


def _newest_first(snap: Snapshot) -> list[tuple[int, FakeRelease, datetime]]:
    return sorted(
        ((i, r, d) for i, (r, d) in enumerate(snap.dated())),
        key=lambda t: (t[2], t[0]),
        reverse=True,
    )


def _is_pre(release: FakeRelease) -> bool:
    version = _pep440(release.number)
    return release.prerelease or (version is not None and version.is_prerelease)


# ---------------------------------------------------------------------------------------------
# PyPI — /pypi/<name>/json


def _pypi_file(name: str, release: FakeRelease, date: datetime) -> dict[str, Any]:
    dist = re.sub(r"[-_.]+", "_", name).lower()
    filename = release.filename or f"{dist}-{release.number}.tar.gz"
    sha256 = fake_sha(name, release.number, "sdist", length=64)
    blake = fake_sha(name, release.number, "blake2b", length=64)
    stamp = date.strftime("%Y-%m-%dT%H:%M:%S")
    item: dict[str, Any] = {
        "comment_text": "",
        "digests": {
            "blake2b_256": blake,
            "md5": sha256[:32],
            "sha256": sha256,
        },
        "downloads": -1,
        "filename": filename,
        "has_sig": False,
        "md5_digest": sha256[:32],
        "packagetype": "sdist",
        "python_version": "source",
        "requires_python": ">=3.8",
        "size": 20_000 + len(release.number) * 100,
        "upload_time": stamp,
        "upload_time_iso_8601": date.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "url": "https://files.pythonhosted.org/packages/"
        f"{blake[:2]}/{blake[2:4]}/{blake[4:]}/{filename}",
        "yanked": release.yanked,
        "yanked_reason": "broken release" if release.yanked else None,
    }
    if release.extra:
        item.update(release.extra)
    return item


def _pypi_latest(snap: Snapshot) -> str | None:
    pinned = snap.options.get("latest")
    if pinned is not None:
        return str(pinned)
    live = [r for r in snap.releases if not r.yanked]
    stable = [r.number for r in live if not _is_pre(r)]
    return _highest(stable) or _highest(r.number for r in live)


def _pypi_doc(project: Project, snap: Snapshot, req: Req) -> Rendered:
    name = project.name
    latest = _pypi_latest(snap)
    releases: dict[str, list[dict[str, Any]]] = {}
    for release, date in snap.dated():
        files = releases.setdefault(release.number, [])
        if (
            not snap.options.get("empty_releases")
            or release.number not in snap.options["empty_releases"]
        ):
            files.append(_pypi_file(name, release, date))
    info = {
        "author": "",
        "author_email": f"Maintainer <maintainer@{pypi_normalize(name)}.example.org>",
        "bugtrack_url": None,
        "classifiers": ["Programming Language :: Python :: 3"],
        "description": f"# {name}\n",
        "description_content_type": "text/markdown",
        "docs_url": None,
        "download_url": "",
        "downloads": {"last_day": -1, "last_month": -1, "last_week": -1},
        "dynamic": None,
        "home_page": "",
        "keywords": "",
        "license": None,
        "license_expression": "MIT",
        "license_files": ["LICENSE"],
        "maintainer": "",
        "maintainer_email": "",
        "name": name,
        "package_url": f"https://pypi.org/project/{name}/",
        "platform": None,
        "project_url": f"https://pypi.org/project/{name}/",
        "project_urls": {
            "Homepage": f"https://github.com/example/{pypi_normalize(name)}",
            "Source": f"https://github.com/example/{pypi_normalize(name)}",
        },
        "provides_extra": None,
        "release_url": f"https://pypi.org/project/{name}/{latest}/",
        "requires_dist": None,
        "requires_python": ">=3.8",
        "summary": snap.options.get("summary", f"The {name} package"),
        "version": latest,
        "yanked": False,
        "yanked_reason": None,
    }
    doc = {
        "info": info,
        "last_serial": 20_000_000 + project.id * 100 + snap.generation,
        "releases": releases,
        "urls": releases.get(latest or "", []),
        "vulnerabilities": [],
    }
    return json_response(doc, content_type="application/json")


def pypi_routes(project: Project) -> dict[str, Endpoint]:
    endpoint = Endpoint(project, "json", _pypi_doc)
    # The server also finds un-normalised spellings through pypi_normalize().
    return {
        f"/pypi/{project.name}/json": endpoint,
        f"/pypi/{pypi_normalize(project.name)}/json": endpoint,
    }


# ---------------------------------------------------------------------------------------------
# npm — /npm/<name> (registry base URL is <server>/npm)


def _npm_dist(name: str, number: str) -> dict[str, Any]:
    base = name.rsplit("/", 1)[-1]
    digest = hashlib.sha512(f"{name}@{number}".encode()).digest()
    return {
        "integrity": "sha512-" + base64.b64encode(digest).decode(),
        "shasum": fake_sha(name, number, length=40),
        "tarball": f"https://registry.npmjs.org/{name}/-/{base}-{number}.tgz",
        "fileCount": 12,
        "unpackedSize": 40_000 + len(number) * 10,
    }


def _npm_dist_tags(snap: Snapshot) -> dict[str, str]:
    pinned = snap.options.get("dist_tags")
    if pinned is not None:
        return dict(pinned)
    tags: dict[str, str] = {}
    # `npm publish` moves "latest" to whatever was published last (a backport too); pre-releases
    # are published with --tag next.
    for release, _date in sorted(snap.dated(), key=lambda rd: rd[1]):
        tags["next" if _is_pre(release) else "latest"] = release.number
    if "next" in tags and "latest" in tags:
        # npm shows "next" only while it is ahead of "latest" in publish order.
        order = [r.number for r, _ in sorted(snap.dated(), key=lambda rd: rd[1])]
        if order.index(tags["next"]) < order.index(tags["latest"]):
            del tags["next"]
    return tags


def _npm_doc(project: Project, snap: Snapshot, req: Req) -> Rendered:
    name = project.name
    abbreviated = "application/vnd.npm.install-v1+json" in req.headers.get("Accept", "")
    ordered = sorted(snap.dated(), key=lambda rd: rd[1])
    versions: dict[str, Any] = {}
    for release, _date in ordered:
        if abbreviated:
            item: dict[str, Any] = {
                "name": name,
                "version": release.number,
                "dist": _npm_dist(name, release.number),
                "engines": {"node": ">=18"},
            }
        else:
            item = {
                "name": name,
                "version": release.number,
                "description": f"The {name} package",
                "main": "index.js",
                "license": "MIT",
                "repository": {
                    "type": "git",
                    "url": f"git+https://github.com/example/{name.lstrip('@')}.git",
                },
                "_id": f"{name}@{release.number}",
                "_nodeVersion": "20.11.0",
                "_npmVersion": "10.2.4",
                "dist": _npm_dist(name, release.number),
                "_npmUser": {"name": "maintainer", "email": "maintainer@example.org"},
                "directories": {},
                "maintainers": [{"name": "maintainer", "email": "maintainer@example.org"}],
                "_hasShrinkwrap": False,
            }
        if release.yanked:
            item["deprecated"] = "This version is deprecated; upgrade."
        if release.extra:
            item.update(release.extra)
        versions[release.number] = item
    modified = iso_ms_z(snap.modified)
    tags = _npm_dist_tags(snap)
    # "dist-tags" comes first: nvchecker reads it from the first kilobyte with a Range request.
    if abbreviated:
        doc: dict[str, Any] = {
            "dist-tags": tags,
            "modified": modified,
            "name": name,
            "versions": versions,
        }
        return json_response(doc, content_type="application/vnd.npm.install-v1+json")
    times = {"created": iso_ms_z(ordered[0][1]) if ordered else modified, "modified": modified}
    times.update({release.number: iso_ms_z(date) for release, date in ordered})
    doc = {
        "_id": name,
        "_rev": f"{len(ordered) + snap.generation}-{fake_sha(name, str(snap.generation))[:32]}",
        "name": name,
        "dist-tags": tags,
        "versions": versions,
        "time": times,
        "maintainers": [{"name": "maintainer", "email": "maintainer@example.org"}],
        "description": f"The {name} package",
        "homepage": f"https://github.com/example/{name.lstrip('@')}#readme",
        "repository": {
            "type": "git",
            "url": f"git+https://github.com/example/{name.lstrip('@')}.git",
        },
        "license": "MIT",
        "readme": "",
        "readmeFilename": "",
    }
    return json_response(doc, content_type="application/json")


def npm_routes(project: Project) -> dict[str, Endpoint]:
    endpoint = Endpoint(
        project,
        "doc",
        _npm_doc,
        lambda req: "application/vnd.npm.install-v1+json" in req.headers.get("Accept", ""),
    )
    routes = {f"/npm/{project.name}": endpoint}
    if project.name.startswith("@"):
        # Scoped names travel as @scope%2Fname (what npm sends) or @scope/name.
        routes[f"/npm/{project.name.replace('/', '%2F')}"] = endpoint
    return routes


# ---------------------------------------------------------------------------------------------
# crates.io — /api/v1/crates/<name>


def _crates_doc(project: Project, snap: Snapshot, req: Req) -> Rendered:
    name = project.name
    newest = _newest_first(snap)
    versions = []
    for index, release, date in newest:
        stamp = iso_offset(date, digits=6)
        item: dict[str, Any] = {
            "id": 900_000 + project.id * 1000 + index,
            "crate": name,
            "num": release.number,
            "dl_path": f"/api/v1/crates/{name}/{release.number}/download",
            "readme_path": f"/api/v1/crates/{name}/{release.number}/readme",
            "updated_at": stamp,
            "created_at": stamp,
            "downloads": 1000 + index,
            "features": {},
            "yanked": release.yanked,
            "yank_message": None,
            "lib_links": None,
            "license": "MIT OR Apache-2.0",
            "links": {
                "dependencies": f"/api/v1/crates/{name}/{release.number}/dependencies",
                "version_downloads": f"/api/v1/crates/{name}/{release.number}/downloads",
                "authors": f"/api/v1/crates/{name}/{release.number}/authors",
            },
            "crate_size": 30_000 + index,
            "published_by": None,
            "audit_actions": [],
            "checksum": fake_sha(name, release.number, length=64),
            "rust_version": None,
            "has_lib": True,
            "bin_names": [],
            "edition": "2021",
            "description": f"The {name} crate",
            "homepage": None,
            "documentation": f"https://docs.rs/{name}",
            "repository": f"https://github.com/example/{name}",
        }
        if release.extra:
            item.update(release.extra)
        versions.append(item)
    live = [r for r in snap.releases if not r.yanked]
    max_version = _highest(r.number for r in live) or "0.0.0"
    max_stable = _highest(r.number for r in live if not _is_pre(r))
    first = newest[-1][2] if newest else snap.modified
    doc = {
        "categories": [],
        "crate": {
            "id": name,
            "name": name,
            "updated_at": iso_offset(snap.modified, digits=6),
            "versions": [v["id"] for v in versions],
            "keywords": [],
            "categories": [],
            "badges": [],
            "created_at": iso_offset(first, digits=6),
            "downloads": 100_000,
            "recent_downloads": 10_000,
            "default_version": max_stable or max_version,
            "num_versions": len(versions),
            "yanked": not live and bool(versions),
            "max_version": max_version,
            "newest_version": next((r.number for _i, r, _d in newest if not r.yanked), max_version),
            "max_stable_version": max_stable,
            "description": f"The {name} crate",
            "homepage": None,
            "documentation": f"https://docs.rs/{name}",
            "repository": f"https://github.com/example/{name}",
            "links": {
                "version_downloads": f"/api/v1/crates/{name}/downloads",
                "versions": None,
                "owners": f"/api/v1/crates/{name}/owners",
                "owner_team": f"/api/v1/crates/{name}/owner_team",
                "owner_user": f"/api/v1/crates/{name}/owner_user",
                "reverse_dependencies": f"/api/v1/crates/{name}/reverse_dependencies",
            },
            "exact_match": False,
        },
        "keywords": [],
        "versions": versions,
    }
    return json_response(doc)


def crates_routes(project: Project) -> dict[str, Endpoint]:
    return {f"/api/v1/crates/{project.name}": Endpoint(project, "crate", _crates_doc)}


# ---------------------------------------------------------------------------------------------
# RubyGems — /api/v1/versions/<name>.json and /api/v1/gems/<name>.json


def _gem_pre(release: FakeRelease) -> bool:
    # A RubyGems version is a prerelease exactly when it contains a letter.
    return release.prerelease or any(c.isalpha() for c in release.number)


def _gem_versions(project: Project, snap: Snapshot, req: Req) -> Rendered:
    name = project.name
    items = []
    for _index, release, date in _newest_first(snap):
        if release.yanked:
            continue  # yanked gems vanish from the list
        item: dict[str, Any] = {
            "authors": "Gem Author",
            "built_at": date.strftime("%Y-%m-%dT00:00:00.000Z"),
            "created_at": iso_ms_z(date),
            "description": f"The {name} gem",
            "downloads_count": 5000,
            "metadata": {"source_code_uri": f"https://github.com/example/{name}"},
            "number": release.number,
            "summary": f"The {name} gem",
            "platform": "ruby",
            "rubygems_version": ">= 0",
            "ruby_version": ">= 2.7.0",
            "prerelease": _gem_pre(release),
            "licenses": ["MIT"],
            "requirements": [],
            "sha": fake_sha(name, release.number, length=64),
            "spec_sha": fake_sha(name, release.number, "spec", length=64),
        }
        if release.extra:
            item.update(release.extra)
        items.append(item)
    return json_response(items)


def _gem_info(project: Project, snap: Snapshot, req: Req) -> Rendered:
    name = project.name
    stable = [t for t in _newest_first(snap) if not t[1].yanked and not _gem_pre(t[1])]
    if not stable:
        return text_response("This rubygem could not be found.", "text/plain", status=404)
    _i, release, date = stable[0]
    doc = {
        "name": name,
        "downloads": 100_000,
        "version": release.number,
        "version_created_at": iso_ms_z(date),
        "version_downloads": 5000,
        "platform": "ruby",
        "authors": "Gem Author",
        "info": f"The {name} gem",
        "licenses": ["MIT"],
        "metadata": {"source_code_uri": f"https://github.com/example/{name}"},
        "yanked": False,
        "sha": fake_sha(name, release.number, length=64),
        "spec_sha": fake_sha(name, release.number, "spec", length=64),
        "project_uri": f"https://rubygems.org/gems/{name}",
        "gem_uri": f"https://rubygems.org/gems/{name}-{release.number}.gem",
        "homepage_uri": f"https://github.com/example/{name}",
        "wiki_uri": None,
        "documentation_uri": None,
        "mailing_list_uri": None,
        "source_code_uri": f"https://github.com/example/{name}",
        "bug_tracker_uri": None,
        "changelog_uri": None,
        "funding_uri": None,
        "dependencies": {"development": [], "runtime": []},
    }
    return json_response(doc)


def rubygems_routes(project: Project) -> dict[str, Endpoint]:
    return {
        f"/api/v1/versions/{project.name}.json": Endpoint(project, "versions", _gem_versions),
        f"/api/v1/gems/{project.name}.json": Endpoint(project, "gem", _gem_info),
    }


# ---------------------------------------------------------------------------------------------
# MetaCPAN — /v1/release/<dist> and /v1/release/_search (GET ?q= or POST JSON)


def perl_numify(version: str) -> float:
    """Perl's numification: ``1.02`` -> 1.02, ``v1.2.3``/``1.2.3`` -> 1.002003."""
    text = version.lstrip("v").split("_")[0].split("-")[0]
    parts = [p for p in text.split(".") if p]
    try:
        if version.startswith("v") or len(parts) > 2:
            return round(sum(int(p) * 1000.0**-i for i, p in enumerate(parts)), 3 * len(parts))
        return float(text)
    except ValueError:
        return 0.0


def _cpan_author(snap: Snapshot) -> str:
    return str(snap.options.get("author", "EXAMPLE")).upper()


def cpan_release_docs(project: Project, snap: Snapshot) -> list[dict[str, Any]]:
    """Release documents, newest first, as MetaCPAN's ``release`` index holds them."""

    def build() -> list[dict[str, Any]]:
        dist = project.name
        author = _cpan_author(snap)
        newest = _newest_first(snap)
        # PAUSE indexes the authorized, non-developer upload with the highest version as Perl
        # numifies it (1.9 above 1.10), the newest of equals, unless the project names it.
        indexable = [
            (perl_numify(r.number), d, r.number)
            for _i, r, d in newest
            if not r.yanked and not r.prerelease and (r.extra or {}).get("authorized", True)
        ]
        latest = snap.options.get("latest") or (max(indexable)[2] if indexable else None)
        oldest_index = min((i for i, _r, _d in newest), default=0)
        docs = []
        for index, release, date in newest:
            archive = release.filename or f"{dist}-{release.number}.tar.gz"
            status = (
                "backpan" if release.yanked else "latest" if release.number == latest else "cpan"
            )
            sha = fake_sha(dist, release.number, length=64)
            doc: dict[str, Any] = {
                "id": fake_sha(dist, release.number, "id", length=27),
                "name": f"{dist}-{release.number}",
                "distribution": dist,
                "version": release.number,
                "version_numified": perl_numify(release.number),
                "date": date.strftime("%Y-%m-%dT%H:%M:%S"),
                "status": status,
                "maturity": "developer" if release.prerelease else "released",
                "author": author,
                "archive": archive,
                "download_url": (
                    "https://cpan.metacpan.org/authors/id/"
                    f"{author[0]}/{author[:2]}/{author}/{archive}"
                ),
                "checksum_md5": sha[:32],
                "checksum_sha256": sha,
                "authorized": True,
                "first": index == oldest_index,
                "deprecated": False,
                "abstract": f"The {dist} distribution",
                "license": ["perl_5"],
                "main_module": dist.replace("-", "::"),
                "provides": [dist.replace("-", "::")],
                "resources": {"repository": {"url": f"https://github.com/example/{dist}"}},
                "stat": {"mode": 33188, "mtime": int(date.timestamp()), "size": 50_000 + index},
                "changes_file": "Changes",
                "dependency": [],
            }
            if release.extra:
                doc.update(release.extra)
            docs.append(doc)
        return docs

    result: list[dict[str, Any]] = snap.memo("cpan-docs", build)
    return result


def _cpan_release(project: Project, snap: Snapshot, req: Req) -> Rendered:
    latest = next((d for d in cpan_release_docs(project, snap) if d["status"] == "latest"), None)
    if latest is None:
        return json_response({"code": 404, "message": "Not found"}, status=404)
    return json_response(latest)


def metacpan_routes(project: Project) -> dict[str, Endpoint]:
    endpoint = Endpoint(project, "release", _cpan_release)
    # fastapi.metacpan.org answers both with and without the /v1 prefix.
    return {f"/v1/release/{project.name}": endpoint, f"/release/{project.name}": endpoint}


def _find_distribution(node: Any) -> str | None:
    """The distribution an Elasticsearch query body asks for, wherever it is nested."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "distribution":
                if isinstance(value, str):
                    return value
                if isinstance(value, dict):
                    for inner in ("value", "query"):
                        if isinstance(value.get(inner), str):
                            return str(value[inner])
            found = _find_distribution(value)
            if found is not None:
                return found
    elif isinstance(node, list):
        for item in node:
            found = _find_distribution(item)
            if found is not None:
                return found
    return None


def metacpan_search(lookup: Callable[[str], Project | None], req: Req) -> Rendered:
    """``/v1/release/_search``: GET with ``q=distribution:X`` or POST with a JSON query."""
    size: int | str = req.query.get("size", "10")
    offset: int | str = req.query.get("from", "0")
    source_fields: list[str] | None = None
    if "_source" in req.query:
        source_fields = req.query["_source"].split(",")
    sort = req.query.get("sort", "date:desc")
    dist: str | None = None
    if req.body:
        try:
            query = json.loads(req.body)
        except ValueError:
            return json_response({"error": "Failed to parse request body"}, status=400)
        dist = _find_distribution(query)
        size = query.get("size", size)
        offset = query.get("from", offset)
        if isinstance(query.get("_source"), list):
            source_fields = [str(f) for f in query["_source"]]
        if isinstance(query.get("sort"), list) and query["sort"]:
            first = query["sort"][0]
            if isinstance(first, dict) and first:
                field_name, how = next(iter(first.items()))
                order = how.get("order", "asc") if isinstance(how, dict) else str(how)
                sort = f"{field_name}:{order}"
    else:
        match = re.search(r"distribution:\"?([\w:.-]+)", req.query.get("q", ""))
        dist = match.group(1) if match else None
    try:
        size, offset = int(size), int(offset)
    except ValueError:
        return json_response({"error": "size and from must be integers"}, status=400)
    project = lookup(dist) if dist else None
    docs: list[dict[str, Any]] = []
    if project is not None:
        docs = list(cpan_release_docs(project, project.snapshot))
    field_name, _, order = sort.partition(":")
    if field_name in ("date", "version_numified"):
        docs.sort(key=lambda d: d[field_name], reverse=order != "asc")
    hits = []
    for doc in docs[offset : offset + size]:
        source = doc if source_fields is None else {k: doc[k] for k in source_fields if k in doc}
        hits.append(
            {
                "_index": "cpan_v1_01",
                "_type": "release",
                "_id": doc["id"],
                "_score": None,
                "_source": source,
                "sort": [int(datetime.fromisoformat(doc["date"]).timestamp() * 1000)],
            }
        )
    answer = {
        "took": 3,
        "timed_out": False,
        "_shards": {"total": 3, "successful": 3, "skipped": 0, "failed": 0},
        "hits": {"total": len(docs), "max_score": None, "hits": hits},
    }
    return json_response(answer)


# ---------------------------------------------------------------------------------------------
# Hackage — /package/<name>/preferred(.json), /package/<name>, /package/<name>-<v>/upload-time


def _hackage_preferred(project: Project, snap: Snapshot, req: Req) -> Rendered:
    newest = [r for _i, r, _d in _newest_first(snap)]
    doc = {
        "normal-version": [r.number for r in newest if not r.yanked],
        "deprecated-version": [r.number for r in newest if r.yanked],
    }
    return json_response(doc, content_type="application/json")


def _hackage_versions(project: Project, snap: Snapshot, req: Req) -> Rendered:
    if not req.wants_json():
        html = (
            f"<!DOCTYPE html><html><head><title>{escape(project.name)}</title></head>"
            f"<body><h1>{escape(project.name)}</h1></body></html>"
        )
        return text_response(html, "text/html; charset=utf-8")
    doc = {r.number: ("deprecated" if r.yanked else "normal") for r in snap.releases}
    return json_response(doc, content_type="application/json")


def _hackage_upload_time(number: str) -> Callable[[Project, Snapshot, Req], Rendered]:
    def render(project: Project, snap: Snapshot, req: Req) -> Rendered:
        for release, date in snap.dated():
            if release.number == number:
                return text_response(date.strftime("%a %b %e %H:%M:%S UTC %Y"), "text/plain")
        return text_response("Package not found", "text/plain", status=404)

    return render


def hackage_routes(project: Project) -> dict[str, Endpoint]:
    name = project.name
    preferred = Endpoint(project, "preferred", _hackage_preferred)
    routes = {
        f"/package/{name}/preferred": preferred,
        f"/package/{name}/preferred.json": preferred,
        f"/package/{name}": Endpoint(
            project, "versions", _hackage_versions, lambda req: req.wants_json()
        ),
    }
    for release in project.snapshot.releases:
        routes[f"/package/{name}-{release.number}/upload-time"] = Endpoint(
            project, f"upload-time-{release.number}", _hackage_upload_time(release.number)
        )
    return routes


# ---------------------------------------------------------------------------------------------
# Maven — /maven2/<group path>/<artifact>/maven-metadata.xml (project name "group:artifact")


def _maven_metadata(project: Project, snap: Snapshot, req: Req) -> Rendered:
    group, _, artifact = project.name.partition(":")
    ordered = sorted(snap.dated(), key=lambda rd: rd[1])
    numbers = [r.number for r, _d in ordered]
    releases = [n for n in numbers if not n.endswith("-SNAPSHOT")]
    latest = numbers[-1] if numbers else ""
    release = snap.options.get("release", releases[-1] if releases else "")
    updated = (ordered[-1][1] if ordered else snap.modified).strftime("%Y%m%d%H%M%S")
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        "<metadata>",
        f"  <groupId>{escape(group)}</groupId>",
        f"  <artifactId>{escape(artifact)}</artifactId>",
        "  <versioning>",
        f"    <latest>{escape(latest)}</latest>",
        f"    <release>{escape(release)}</release>",
        "    <versions>",
        *(f"      <version>{escape(n)}</version>" for n in numbers),
        "    </versions>",
        f"    <lastUpdated>{updated}</lastUpdated>",
        "  </versioning>",
        "</metadata>",
        "",
    ]
    return text_response("\n".join(lines), "text/xml")


def maven_routes(project: Project) -> dict[str, Endpoint]:
    group, sep, artifact = project.name.partition(":")
    if not sep:
        raise ValueError(f"a maven project is named 'group:artifact', not {project.name!r}")
    path = f"/maven2/{group.replace('.', '/')}/{quote(artifact)}/maven-metadata.xml"
    return {path: Endpoint(project, "metadata", _maven_metadata)}


ROUTERS: dict[str, Callable[[Project], dict[str, Endpoint]]] = {
    "pypi": pypi_routes,
    "npm": npm_routes,
    "crates": crates_routes,
    "rubygems": rubygems_routes,
    "metacpan": metacpan_routes,
    "hackage": hackage_routes,
    "maven": maven_routes,
}
