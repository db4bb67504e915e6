"""File-listing upstreams: GNOME ``cache.json``, SourceForge RSS, HTML directory listings
(GNU ftp / Apache and kernel.org / nginx styles), RPM repodata and arbitrary static pages.

GNOME's ``cache.json`` is the 4-element array written by GNOME's ``ftpadmin``:
``[1, {name: {version: {ext: relative path, ...}}}, {name: [versions...]}, [ignored files]]``.
"""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from .model import (
    Endpoint,
    FakeRelease,
    Project,
    Rendered,
    Req,
    Snapshot,
    fake_sha,
    json_response,
    make_etag,
    text_response,
)

# ---------------------------------------------------------------------------------------------
# GNOME — /sources/<name>/cache.json


def gnome_series(version: str) -> str:
    """The directory a GNOME tarball lives in: ``3.38`` for 3.38.1, ``40`` for 40.1."""
    parts = version.split(".")
    try:
        major = int(parts[0])
    except ValueError:
        return parts[0]
    if major >= 40 or len(parts) == 1:
        return parts[0]
    return f"{parts[0]}.{parts[1]}"


def _gnome_cache(project: Project, snap: Snapshot, req: Req) -> Rendered:
    name = project.name
    info: dict[str, dict[str, str]] = {}
    versions: list[str] = []
    for release, _date in sorted(snap.dated(), key=lambda rd: rd[1]):
        number = release.number
        stem = f"{gnome_series(number)}/{name}-{number}"
        entry = {"tar.xz": f"{stem}.tar.xz"}
        if snap.options.get("tar_gz"):
            entry["tar.gz"] = f"{stem}.tar.gz"
        entry.update(
            {
                "sha256sum": f"{stem}.sha256sum",
                "news": f"{stem}.news",
                "changes": f"{stem}.changes",
            }
        )
        info[number] = entry
        versions.append(number)
    ignored = [f"LATEST-IS-{versions[-1]}"] if versions else []
    return json_response(
        [1, {name: info}, {name: versions}, ignored], content_type="application/json"
    )


def _gnome_index(project: Project, snap: Snapshot, req: Req) -> Rendered:
    series = sorted({gnome_series(r.number) for r in snap.releases})
    entries = [(f"{s}/", None, "-") for s in series]
    entries.append(("cache.json", None, "2K"))
    latest = sorted(snap.dated(), key=lambda rd: rd[1])
    if latest:
        entries.append((f"LATEST-IS-{latest[-1][0].number}", None, "-"))
    return _nginx_listing(f"/sources/{project.name}/", entries, snap.modified)


def gnome_routes(project: Project) -> dict[str, Endpoint]:
    return {
        f"/sources/{project.name}/cache.json": Endpoint(project, "cache", _gnome_cache),
        f"/sources/{project.name}/": Endpoint(project, "index", _gnome_index),
    }


# ---------------------------------------------------------------------------------------------
# SourceForge — /projects/<name>/rss?path=/


def _sf_date(moment: datetime) -> str:
    return moment.strftime("%a, %d %b %Y %H:%M:%S UT")


def _sf_rss(project: Project, snap: Snapshot, req: Req) -> Rendered:
    name = project.name
    prefix = req.query.get("path", "/")
    try:
        limit = int(req.query.get("limit", "100"))
    except ValueError:
        limit = 100
    ordered = sorted(snap.dated(), key=lambda rd: rd[1], reverse=True)
    items = []
    for release, date in ordered:
        filename = release.filename or f"{name}-{release.number}.tar.gz"
        path = f"/{name}/{release.number}/{filename}"
        if not path.startswith(prefix):
            continue
        link = f"https://sourceforge.net/projects/{name}/files{path}/download"
        md5 = fake_sha(name, release.number, length=32)
        items.append(
            "    <item>\n"
            f"      <title><![CDATA[{path}]]></title>\n"
            f"      <link>{escape(link)}</link>\n"
            f"      <guid>{escape(link)}</guid>\n"
            f"      <pubDate>{_sf_date(date)}</pubDate>\n"
            f"      <description><![CDATA[{path}]]></description>\n"
            f'      <files:sf-file-id xmlns:files="https://sourceforge.net/api/files.rdf#">'
            f"{int(md5[:7], 16)}</files:sf-file-id>\n"
            f'      <files:extra-info xmlns:files="https://sourceforge.net/api/files.rdf#">'
            f"data</files:extra-info>\n"
            f'      <media:content xmlns:media="http://video.search.yahoo.com/mrss/" '
            f'type="application/x-gzip; charset=binary" url={quoteattr(link)} '
            f'filesize="{100_000 + len(path)}"><media:hash algo="md5">{md5}</media:hash>'
            "</media:content>\n"
            "    </item>\n"
        )
        if len(items) >= limit:
            break
    head = (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<rss xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        'xmlns:files="https://sourceforge.net/api/files.rdf#" '
        'xmlns:media="http://video.search.yahoo.com/mrss/" '
        'xmlns:doap="http://usefulinc.com/ns/doap#" '
        'xmlns:sf="https://sourceforge.net/api/sfelements.rdf#" version="2.0">\n'
        "  <channel>\n"
        f"    <title>{escape(name)}</title>\n"
        "    <link>https://sourceforge.net</link>\n"
        f"    <description>Files from {escape(name)} hosted on SourceForge</description>\n"
        f"    <pubDate>{_sf_date(snap.modified)}</pubDate>\n"
        "    <managingEditor>noreply@sourceforge.net (SourceForge.net)</managingEditor>\n"
    )
    return text_response(
        head + "".join(items) + "  </channel>\n</rss>\n", "application/rss+xml; charset=utf-8"
    )


def sourceforge_routes(project: Project) -> dict[str, Endpoint]:
    return {
        f"/projects/{project.name}/rss": Endpoint(
            project, "rss", _sf_rss, lambda req: (req.query.get("path"), req.query.get("limit"))
        ),
    }


# ---------------------------------------------------------------------------------------------
# HTML directory listings — /<dir>/ (project name is the directory, e.g. "gnu/bash")


def _size(n: int) -> str:
    return f"{n // 1024}K" if n < 1024 * 1024 else f"{n // (1024 * 1024)}M"


def _listing_name(project: Project, snap: Snapshot, release: FakeRelease) -> str:
    base = snap.options.get("basename", project.name.rstrip("/").rsplit("/", 1)[-1])
    template = snap.options.get("template", "{base}-{version}.tar.gz")
    return release.filename or template.format(base=base, version=release.number)


def listing_files(project: Project, snap: Snapshot) -> list[tuple[str, datetime, int]]:
    """``(file name, mtime, size)`` rows of a listing: tarballs plus their signature files."""
    suffixes = snap.options.get("suffixes", [".sig"])
    rows = []
    for release, date in snap.dated():
        filename = _listing_name(project, snap, release)
        rows.append((filename, date, 1_000_000 + len(filename) * 1000))
        rows += [(filename + sfx, date, 512) for sfx in suffixes]
    return sorted(rows)


def _apache_listing(directory: str, rows: list[tuple[str, datetime, int]]) -> Rendered:
    """Apache mod_autoindex with FancyIndexing and NameWidth=*, as ftp.gnu.org serves."""
    title = escape(directory.rstrip("/"))
    parent = directory.rstrip("/").rsplit("/", 1)[0] + "/"
    width = max((len(name) for name, _d, _s in rows), default=16) + 1
    out = [
        '<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 3.2 Final//EN">',
        "<html>",
        " <head>",
        f"  <title>Index of {title}</title>",
        " </head>",
        " <body>",
        f"<h1>Index of {title}</h1>",
        '<pre><img src="/icons/blank.gif" alt="Icon "> <a href="?C=N;O=D">Name</a>'
        f'{" " * (width - 4)}<a href="?C=M;O=A">Last modified</a>      '
        '<a href="?C=S;O=A">Size</a>  <a href="?C=D;O=A">Description</a><hr>'
        f'<img src="/icons/back.gif" alt="[PARENTDIR]"> <a href={quoteattr(parent)}>'
        f"Parent Directory</a>{' ' * (width - 16)}                   -   ",
    ]
    for name, date, size in rows:
        compressed = name.endswith((".gz", ".xz", ".bz2", ".lz", ".zst", ".zip"))
        icon = "compressed.gif" if compressed else "unknown.gif"
        out.append(
            f'<img src="/icons/{icon}" alt="[   ]"> <a href={quoteattr(name)}>{escape(name)}</a>'
            f"{' ' * (width - len(name))}{date.strftime('%Y-%m-%d %H:%M')}  {_size(size):>4}  "
        )
    out += ["<hr></pre>", "</body></html>", ""]
    return text_response("\n".join(out), "text/html;charset=ISO-8859-1")


def _nginx_listing(
    directory: str, entries: Sequence[tuple[str, datetime | None, str]], default: datetime
) -> Rendered:
    """nginx autoindex, as kernel.org and download.gnome.org serve."""
    out = [
        "<html>",
        f"<head><title>Index of {escape(directory)}</title></head>",
        "<body>",
        f'<h1>Index of {escape(directory)}</h1><hr><pre><a href="../">../</a>',
    ]
    for name, date, size in entries:
        stamp = (date or default).strftime("%d-%b-%Y %H:%M")
        out.append(
            f"<a href={quoteattr(name)}>{escape(name)}</a>"
            f"{' ' * max(1, 51 - len(name))}{stamp} {size:>19}"
        )
    out += ["</pre><hr></body>", "</html>", ""]
    return text_response("\n".join(out), "text/html")


def _html_listing(project: Project, snap: Snapshot, req: Req) -> Rendered:
    directory = "/" + project.name.strip("/") + "/"
    rows = listing_files(project, snap)
    if snap.options.get("style", "gnu") == "kernel":
        entries: list[tuple[str, datetime | None, str]] = [
            (name, date, str(size)) for name, date, size in rows
        ]
        dirs = [(f"{d.strip('/')}/", None, "-") for d in snap.options.get("subdirs", [])]
        return _nginx_listing(directory, dirs + entries, snap.modified)
    return _apache_listing(directory, rows)


def _redirect_to_slash(project: Project, snap: Snapshot, req: Req) -> Rendered:
    location = "/" + project.name.strip("/") + "/"
    html = f'<a href="{location}">Moved Permanently</a>.'
    body = html.encode()
    return Rendered(body, "text/html", make_etag(body), (("Location", location),), 301)


def html_routes(project: Project) -> dict[str, Endpoint]:
    directory = "/" + project.name.strip("/")
    return {
        directory + "/": Endpoint(project, "listing", _html_listing),
        directory: Endpoint(project, "slash", _redirect_to_slash),
    }


# ---------------------------------------------------------------------------------------------
# RPM repository — /<repo>/repodata/repomd.xml and /<repo>/repodata/<sha>-primary.xml.gz


def _primary_xml(snap: Snapshot) -> bytes:
    packager = snap.options.get("packager", "http://openeuler.org")
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<metadata xmlns="http://linux.duke.edu/metadata/common" '
        f'xmlns:rpm="http://linux.duke.edu/metadata/rpm" packages="{len(snap.packages)}">\n'
    ]
    for pkg in snap.packages:
        nvr = f"{pkg.name}-{pkg.version}-{pkg.release}"
        sha = hashlib.sha256(f"{nvr}.{pkg.arch}".encode()).hexdigest()
        source = f"{nvr}.src.rpm"
        out.append(
            '<package type="rpm">\n'
            f"  <name>{escape(pkg.name)}</name>\n"
            f"  <arch>{escape(pkg.arch)}</arch>\n"
            f"  <version epoch={quoteattr(pkg.epoch)} ver={quoteattr(pkg.version)} "
            f"rel={quoteattr(pkg.release)}/>\n"
            f'  <checksum type="sha256" pkgid="YES">{sha}</checksum>\n'
            f"  <summary>{escape(pkg.summary or pkg.name)}</summary>\n"
            f"  <description>{escape(pkg.summary or pkg.name)}</description>\n"
            f"  <packager>{escape(packager)}</packager>\n"
            f"  <url>{escape(pkg.url)}</url>\n"
            '  <time file="1700000000" build="1700000000"/>\n'
            '  <size package="100000" installed="300000" archive="301000"/>\n'
            f'  <location href="Packages/{escape(nvr)}.{escape(pkg.arch)}.rpm"/>\n'
            "  <format>\n"
            f"    <rpm:license>{escape(pkg.license)}</rpm:license>\n"
            "    <rpm:vendor/>\n"
            "    <rpm:group>Unspecified</rpm:group>\n"
            "    <rpm:buildhost>builder.example.org</rpm:buildhost>\n"
            + (
                ""
                if pkg.arch == "src"
                else f"    <rpm:sourcerpm>{escape(source)}</rpm:sourcerpm>\n"
            )
            + '    <rpm:header-range start="4504" end="20000"/>\n'
            "    <rpm:provides>\n"
            f'      <rpm:entry name={quoteattr(pkg.name)} flags="EQ" epoch={quoteattr(pkg.epoch)} '
            f"ver={quoteattr(pkg.version)} rel={quoteattr(pkg.release)}/>\n"
            "    </rpm:provides>\n"
            "  </format>\n"
            "</package>\n"
        )
    out.append("</metadata>\n")
    return "".join(out).encode()


def _repodata(snap: Snapshot) -> dict[str, Any]:
    """Render primary.xml(.gz) and repomd.xml together: repomd names the primary's checksum."""

    def build() -> dict[str, Any]:
        xml = _primary_xml(snap)
        # mtime=0 keeps the gzip bytes (and so the checksum and ETag) stable across renders.
        packed = gzip.compress(xml, compresslevel=6, mtime=0)
        packed_sha = hashlib.sha256(packed).hexdigest()
        stamp = int(snap.modified.timestamp())
        repomd = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<repomd xmlns="http://linux.duke.edu/metadata/repo" '
            'xmlns:rpm="http://linux.duke.edu/metadata/rpm">\n'
            f"  <revision>{stamp}</revision>\n"
            '  <data type="primary">\n'
            f'    <checksum type="sha256">{packed_sha}</checksum>\n'
            f'    <open-checksum type="sha256">{hashlib.sha256(xml).hexdigest()}</open-checksum>\n'
            f'    <location href="repodata/{packed_sha}-primary.xml.gz"/>\n'
            f"    <timestamp>{stamp}</timestamp>\n"
            f"    <size>{len(packed)}</size>\n"
            f"    <open-size>{len(xml)}</open-size>\n"
            "  </data>\n"
            "</repomd>\n"
        ).encode()
        return {
            "primary_name": f"{packed_sha}-primary.xml.gz",
            "primary": Rendered(packed, "application/x-gzip", f'"{packed_sha[:32]}"'),
            "repomd": Rendered(repomd, "text/xml", make_etag(repomd)),
        }

    result: dict[str, Any] = snap.memo("repodata", build)
    return result


def rpmrepo_routes(project: Project) -> dict[str, Endpoint]:
    base = "/" + project.name.strip("/") + "/repodata/"
    data = _repodata(project.snapshot)
    return {
        base + "repomd.xml": Endpoint(project, "repomd", lambda p, s, r: _repodata(s)["repomd"]),
        # The primary's path carries its checksum, so routes are rebuilt on every change.
        base + data["primary_name"]: Endpoint(
            project, "primary", lambda p, s, r: _repodata(s)["primary"]
        ),
    }


# ---------------------------------------------------------------------------------------------
# Static pages (regex upstreams, shared listings written by a benchmark)


def _page(project: Project, snap: Snapshot, req: Req) -> Rendered:
    body = snap.options.get("body", b"")
    content_type = snap.options.get("content_type", "text/html; charset=utf-8")
    return text_response(body, content_type)


def page_routes(project: Project) -> dict[str, Endpoint]:
    return {project.name: Endpoint(project, "page", _page)}


def release_filename(project: Project, release: FakeRelease) -> str:
    """The file name a listing shows for ``release`` (for tests and benchmarks)."""
    return _listing_name(project, project.snapshot, release)


ROUTERS: dict[str, Callable[[Project], dict[str, Endpoint]]] = {
    "gnome": gnome_routes,
    "sourceforge": sourceforge_routes,
    "html": html_routes,
    "rpmrepo": rpmrepo_routes,
    "page": page_routes,
}
