"""The sources step of an upgrade: download every ``SourceN`` at the new version and verify it.

Remote sources go through the shared :class:`~steward.upstream.fetch.Fetcher` (network guard,
retries, size cap), streamed into ``dest`` and resumable: a ``.part`` file left by an
interrupted attempt is continued with ``Range``, and a file already complete in ``dest`` is
reused. Local sources (no URL) are copied from the package folder. Each source gets its
sha256; each remote one has its upstream signature checked with ``gpgv`` when the package
folder carries a keyring, as Fedora's ``%gpgverify`` does (``Source1: …tar.gz.asc``,
``Source2: gpgkey-<fingerprint>.gpg``). For dist-git trees :func:`update_sources_file` rewrites
the lookaside ``sources`` file, and :func:`remove_old_tarballs` takes the old tarballs out.

``dest`` should be a folder of its own for one upgrade attempt (not the package folder), so
that "already there" can only mean "downloaded by an earlier attempt at the same upgrade".
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import fnmatch
import hashlib
import logging
import os
import re
import shutil
import tempfile
from collections.abc import Collection, Iterable, Sequence
from pathlib import Path
from typing import Protocol, TypeVar
from urllib.parse import urlsplit

from steward.upgrade.model import DownloadedSource, UpgradeError, UpgradeStep
from steward.upstream.fetch import (
    Fetcher,
    FetchError,
    HttpStatusError,
    ResponseTooLarge,
    redact_url,
)

__all__ = [
    "SourceLike",
    "fetch_sources",
    "find_keyrings",
    "remove_old_tarballs",
    "update_sources_file",
    "verify_signature",
]

logger = logging.getLogger(__name__)
_T = TypeVar("_T")

# Detached signatures as upstreams name them ("foo.tar.gz.sig"); ".gpg" only next to its file.
_SIGNATURE_SUFFIXES = (".sig", ".asc", ".sign", ".gpg")
# Where the upstream is asked for a signature nobody listed, in this order.
_PROBED_SUFFIXES = (".sig", ".asc")
# Fedora's %gpgverify convention first, then the other names packagers give keyrings.
_KEYRING_PATTERNS = ("gpgkey-*.gpg", "gpgkey-*.asc", "*.keyring", "*.kbx", "*.gpg")
_ARMORED_KEY = re.compile(
    rb"-----BEGIN PGP PUBLIC KEY BLOCK-----\r?\n(.*?)-----END PGP PUBLIC KEY BLOCK-----", re.S
)
_GPGV_TIMEOUT = 60.0
_SOURCES_LINE = re.compile(r"^(?P<algo>[A-Z0-9]+) \((?P<name>.+)\) = (?P<digest>[0-9a-fA-F]+)\s*$")
_OLD_SOURCES_LINE = re.compile(r"^(?P<digest>[0-9a-fA-F]{32})\s+(?P<name>\S.*?)\s*$")


class SourceLike(Protocol):
    """What the sources step needs of a ``SourceN`` line (:class:`steward.rpm.model.SourceEntry`
    fits): its number, its value with macros expanded at the new version, the local file name
    rpm gives it and whether it is a URL."""

    @property
    def number(self) -> int: ...

    @property
    def expanded(self) -> str: ...

    @property
    def filename(self) -> str: ...

    @property
    def is_remote(self) -> bool: ...


# --------------------------------------------------------------------------- downloads


async def fetch_sources(
    spec_sources: Sequence[SourceLike],
    dest: Path,
    fetcher: Fetcher,
    *,
    package_dir: Path,
    max_bytes: int,
    keyring: Path | None = None,
    version: str | None = None,
) -> list[DownloadedSource]:
    """Bring every source into ``dest`` and verify it; results follow ``spec_sources``' order.

    ``keyring`` overrides the keyrings found in ``package_dir`` (:func:`find_keyrings`). A
    keyring is trusted only from the package folder, never from the network, so a keyring
    source present there is copied, not downloaded. ``signature`` on each result: "verified";
    "missing" (a keyring, but the spec lists no signature and the upstream serves none);
    "no-keyring" (a remote source, nothing to verify with); None for local sources without
    a listed signature, and for the signature and keyring sources themselves. ``version``
    only sharpens error messages. Raises :class:`UpgradeError` (step ``sources``) naming
    every source that failed; a later call resumes what was left.
    """
    _check_filenames(spec_sources)
    dest.mkdir(parents=True, exist_ok=True)
    keyrings = [keyring] if keyring is not None else find_keyrings(package_dir)
    trusted_names = {path.name for path in keyrings}

    async def obtain(entry: SourceLike) -> DownloadedSource:
        if not entry.is_remote or (
            entry.filename in trusted_names and (package_dir / entry.filename).is_file()
        ):
            return await _copy_local(entry, dest, package_dir)
        return await _download(entry, dest, fetcher, max_bytes, version)

    results = await asyncio.gather(*(obtain(e) for e in spec_sources), return_exceptions=True)
    downloads = _raise_failures(results)
    with tempfile.TemporaryDirectory(prefix="steward-signatures-") as scratch:
        statuses = await asyncio.gather(
            *(
                _signature_status(item, downloads, fetcher, keyrings, Path(scratch))
                for item in downloads
            ),
            return_exceptions=True,
        )
    return [
        dataclasses.replace(item, signature=status)
        for item, status in zip(downloads, _raise_failures(statuses), strict=True)
    ]


def _raise_failures(results: Sequence[_T | BaseException]) -> list[_T]:
    """The results, or one UpgradeError that lists every failure (a bug is re-raised as is)."""
    failures = [result for result in results if isinstance(result, BaseException)]
    for failure in failures:
        if not isinstance(failure, UpgradeError):
            raise failure
    if len(failures) == 1:
        raise failures[0]
    if failures:
        raise UpgradeError(UpgradeStep.SOURCES, "; ".join(str(f.args[0]) for f in failures))
    return [result for result in results if not isinstance(result, BaseException)]


def _check_filenames(spec_sources: Sequence[SourceLike]) -> None:
    seen: dict[str, int] = {}
    for entry in spec_sources:
        label, name = f"Source{entry.number}", entry.filename
        if "%{" in entry.expanded or "%(" in entry.expanded:
            raise UpgradeError(
                UpgradeStep.SOURCES,
                f"{label} {entry.expanded!r} still holds unexpanded macros: define them (or "
                "fix the spec) before downloading",
            )
        if name in ("", ".", "..") or "/" in name or "\x00" in name:
            raise UpgradeError(
                UpgradeStep.SOURCES,
                f"{label} {entry.expanded!r} does not end in a usable file name: give it one "
                "with a '#/name.tar.gz' fragment",
            )
        if name in seen:
            raise UpgradeError(
                UpgradeStep.SOURCES,
                f"Source{seen[name]} and {label} are both saved as {name}: rename one with a "
                "'#/name' fragment",
            )
        seen[name] = entry.number


def _download_url(expanded: str) -> str:
    # "#/name" only names the local file; it is never sent.
    return expanded.split("#", 1)[0]


async def _download(
    entry: SourceLike, dest: Path, fetcher: Fetcher, max_bytes: int, version: str | None
) -> DownloadedSource:
    label, name = f"Source{entry.number}", entry.filename
    url = _download_url(entry.expanded)
    safe_url = redact_url(url)
    scheme = urlsplit(url).scheme.lower()
    if scheme not in ("http", "https"):
        raise UpgradeError(
            UpgradeStep.SOURCES,
            f"{label} {safe_url} uses {scheme}://, which Steward does not download: switch "
            f"{label} to an https:// URL if the upstream offers one",
        )
    target = dest / name
    if target.is_file():
        size, digest = await asyncio.to_thread(_size_and_sha256, target)
        logger.info("%s: reusing %s from an earlier attempt", label, target)
        return DownloadedSource(entry.number, url, name, target, size, digest, reused=True)
    try:
        result = await fetcher.download(url, target, max_bytes=max_bytes)
    except HttpStatusError as exc:
        if exc.status in (404, 410):
            wanted = f"for {version}" if version else "for the new version"
            raise UpgradeError(
                UpgradeStep.SOURCES,
                f"{label} {safe_url} answered {exc.status}: does the upstream publish a "
                f"tarball {wanted}? Check {label}'s URL",
            ) from exc
        raise UpgradeError(
            UpgradeStep.SOURCES,
            f"{label} {safe_url} answered HTTP {exc.status}: retry later, or check {label}'s "
            "URL if it persists",
        ) from exc
    except ResponseTooLarge as exc:
        raise UpgradeError(
            UpgradeStep.SOURCES,
            f"{label} {safe_url} is larger than the {max_bytes}-byte download limit, so it "
            "was not kept: raise the limit if the upstream's tarball really is that big",
        ) from exc
    except FetchError as exc:
        raise UpgradeError(
            UpgradeStep.SOURCES,
            f"{label} {safe_url} could not be downloaded ({exc}): retry later; the bytes "
            "already received are kept and the next attempt resumes them",
        ) from exc
    return DownloadedSource(entry.number, url, name, target, result.size, result.sha256)


async def _copy_local(entry: SourceLike, dest: Path, package_dir: Path) -> DownloadedSource:
    label, name = f"Source{entry.number}", entry.filename
    source, target = package_dir / name, dest / name
    if source.is_file():
        if not (target.exists() and source.samefile(target)):
            await asyncio.to_thread(shutil.copy2, source, target)
    elif not target.is_file():
        raise UpgradeError(
            UpgradeStep.SOURCES,
            f"{label} {name} has no URL and is not in {package_dir}: put the file for the new "
            f"version there, or give {label} a URL",
        )
    size, digest = await asyncio.to_thread(_size_and_sha256, target)
    return DownloadedSource(entry.number, None, name, target, size, digest)


def _size_and_sha256(path: Path) -> tuple[int, str]:
    return path.stat().st_size, _file_digest(path, "sha256")


def _file_digest(path: Path, algorithm: str) -> str:
    digest = hashlib.new(algorithm)
    with path.open("rb") as file:
        while chunk := file.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


# --------------------------------------------------------------------------- signatures


def find_keyrings(package_dir: Path) -> list[Path]:
    """The OpenPGP keyrings a package folder carries: ``gpgkey-*.gpg`` (Fedora's
    ``%gpgverify`` convention), ``*.keyring``, ``*.kbx`` and other ``*.gpg`` files that are not
    themselves signatures of another file there."""
    if not package_dir.is_dir():
        return []
    found = [
        path
        for path in sorted(package_dir.iterdir())
        if path.is_file() and _is_keyring_name(path.name) and not _signs_a_file(path, package_dir)
    ]
    return found


def _is_keyring_name(name: str) -> bool:
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in _KEYRING_PATTERNS)


def _signs_a_file(path: Path, folder: Path) -> bool:
    """``foo.tar.gz.gpg`` is a signature of ``foo.tar.gz``, not a keyring."""
    stem = path.name.rsplit(".", 1)[0]
    return ".tar" in stem or (folder / stem).is_file()


async def _signature_status(
    item: DownloadedSource,
    downloads: Sequence[DownloadedSource],
    fetcher: Fetcher,
    keyrings: Sequence[Path],
    scratch: Path,
) -> str | None:
    name = item.filename
    names = {other.filename: other for other in downloads}
    is_signature = any(
        name.endswith(suffix) and name.removesuffix(suffix) in names
        for suffix in _SIGNATURE_SUFFIXES
    )
    if is_signature or _is_keyring_name(name):
        return None
    listed = next((names[name + s] for s in _SIGNATURE_SUFFIXES if name + s in names), None)
    if not keyrings:
        return "no-keyring" if item.url is not None or listed is not None else None
    signature = listed.path if listed is not None else None
    if signature is None and item.url is not None:
        signature = await _probe_signature(fetcher, item, scratch)
    if signature is None:
        return "missing" if item.url is not None else None
    await verify_signature(item.path, signature, keyrings, label=f"Source{item.number}")
    return "verified"


async def _probe_signature(fetcher: Fetcher, item: DownloadedSource, scratch: Path) -> Path | None:
    """Ask the upstream for ``<url>.sig`` then ``<url>.asc``; a 404 only means "none"."""
    assert item.url is not None
    for suffix in _PROBED_SUFFIXES:
        url = item.url + suffix
        try:
            result = await fetcher.get(url, accept="*/*", conditional=False)
        except HttpStatusError as exc:
            if exc.status not in (401, 403, 404, 410):
                logger.warning("no signature for %s: %s", item.filename, exc)
            continue
        except FetchError as exc:
            logger.warning("no signature for %s: %s", item.filename, exc)
            continue
        body = result.body or b""
        # Some servers answer 200 with an HTML page for anything: that is not a signature.
        if not _looks_like_signature(body):
            continue
        path = scratch / f"{item.number}-{item.filename}{suffix}"
        path.write_bytes(body)
        return path
    return None


def _looks_like_signature(body: bytes) -> bool:
    if body.lstrip().startswith(b"-----BEGIN PGP SIGNATURE-----"):
        return True
    # A binary OpenPGP packet: the tag byte has its top bit set.
    return bool(body) and body[0] & 0x80 != 0


async def verify_signature(
    data: Path, signature: Path, keyrings: Sequence[Path], *, label: str = "source"
) -> str:
    """Check the detached ``signature`` of ``data`` with ``gpgv`` against ``keyrings``
    (binary, keybox or ASCII-armored); returns the signing key's fingerprint.

    Runs in a throwaway home directory, so the user's own GnuPG state is neither read nor
    changed. Raises :class:`UpgradeError` (step ``sources``) for a bad signature, a key not
    in the keyrings, or a missing ``gpgv``.
    """
    gpgv = shutil.which("gpgv") or shutil.which("gpgv2")
    if gpgv is None:
        raise UpgradeError(
            UpgradeStep.SOURCES,
            f"gpgv is not installed, so {label}'s signature {signature.name} cannot be "
            "checked: install GnuPG's gpgv",
        )
    with tempfile.TemporaryDirectory(prefix="steward-gpgv-") as home:
        arguments = [gpgv, "--homedir", home, "--status-fd", "1"]
        for index, keyring in enumerate(keyrings):
            binary = _binary_keyring(keyring, Path(home) / f"keyring-{index}.gpg")
            arguments += ["--keyring", str(binary.resolve())]
        arguments += [str(signature), str(data)]
        environment = {"PATH": os.environ.get("PATH", ""), "LC_ALL": "C", "GNUPGHOME": home}
        process = await asyncio.create_subprocess_exec(
            *arguments,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=environment,
        )
        try:
            out, err = await asyncio.wait_for(process.communicate(), _GPGV_TIMEOUT)
        except TimeoutError:
            process.kill()
            await process.wait()
            raise UpgradeError(
                UpgradeStep.SOURCES,
                f"gpgv did not finish checking {label}'s signature {signature.name} within "
                f"{_GPGV_TIMEOUT:.0f} s",
            ) from None
    status = _gpg_status(out.decode("utf-8", "replace"))
    keys = ", ".join(path.name for path in keyrings)
    if process.returncode == 0 and "VALIDSIG" in status:
        return status["VALIDSIG"].split()[0]
    if "BADSIG" in status:
        raise UpgradeError(
            UpgradeStep.SOURCES,
            f"{label} {data.name} does not match its signature {signature.name} (BAD signature "
            f"by {status['BADSIG']}): the file is not what the upstream signed; it may have been "
            "tampered with or damaged in transit. Do not use it: delete it and download again",
        )
    if "NO_PUBKEY" in status:
        raise UpgradeError(
            UpgradeStep.SOURCES,
            f"{label} {data.name} is signed by key {status['NO_PUBKEY']}, which is not in "
            f"{keys}: if the upstream changed its signing key, verify the new key out of band "
            "and add it to the keyring",
        )
    detail = err.decode("utf-8", "replace").strip().splitlines()
    raise UpgradeError(
        UpgradeStep.SOURCES,
        f"gpgv could not verify {label} {data.name} with {signature.name} and {keys}: "
        f"{detail[-1] if detail else f'exit status {process.returncode}'}",
    )


def _gpg_status(text: str) -> dict[str, str]:
    """``[GNUPG:] KEYWORD args`` lines as a dict (first occurrence of each keyword)."""
    status: dict[str, str] = {}
    for line in text.splitlines():
        if line.startswith("[GNUPG:] "):
            keyword, _, rest = line[9:].partition(" ")
            status.setdefault(keyword, rest.strip())
    return status


def _binary_keyring(keyring: Path, scratch: Path) -> Path:
    """gpgv reads binary keyrings only; Fedora's ``gpgkey-*.gpg`` files are often armored."""
    try:
        data = keyring.read_bytes()
    except OSError as exc:
        raise UpgradeError(
            UpgradeStep.SOURCES, f"cannot read the keyring {keyring}: {exc.strerror}"
        ) from None
    blocks = _ARMORED_KEY.findall(data)
    if not blocks:
        return keyring
    packets = []
    for block in blocks:
        lines = [line.strip() for line in block.splitlines()]
        # Armor headers ("Comment: ...") end at the first blank line; the "=XXXX" line is
        # the CRC, not data.
        if b"" in lines:
            lines = lines[lines.index(b"") + 1 :]
        body = b"".join(line for line in lines if line and not line.startswith(b"="))
        try:
            packets.append(base64.b64decode(body, validate=True))
        except ValueError:
            raise UpgradeError(
                UpgradeStep.SOURCES,
                f"the keyring {keyring} holds a damaged ASCII-armored block: export the key again",
            ) from None
    scratch.write_bytes(b"".join(packets))
    return scratch


# --------------------------------------------------------------------------- dist-git


def update_sources_file(
    path: Path,
    downloads: Sequence[DownloadedSource],
    *,
    old_filenames: Collection[str] | None = None,
) -> list[str]:
    """Rewrite a dist-git ``sources`` file (``SHA512 (name) = hex`` lines) for ``downloads``.

    Remote downloads, and any download the file already lists, get a ``SHA512`` line; a
    listed file whose name is unchanged keeps its place with the new checksum. Lines for
    ``old_filenames`` are replaced, in place, by the new tarballs' lines. Without
    ``old_filenames``, ``downloads`` is taken as every source of the new spec (what
    :func:`fetch_sources` returns) and lines for files it no longer names are replaced.
    Other lines are kept byte for byte. Returns the new lines.
    """
    original = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    listed = {_listed_name(line) for line in original} - {None}
    wanted = [d for d in downloads if d.url is not None or d.filename in listed]
    fresh = {
        d.filename: f"SHA512 ({d.filename}) = {_file_digest(d.path, 'sha512')}" for d in wanted
    }
    current = {d.filename for d in downloads}

    def is_old(name: str) -> bool:
        return name in old_filenames if old_filenames is not None else name not in current

    pending = [name for name in fresh if name not in listed]

    lines: list[str] = []
    for line in original:
        name = _listed_name(line)
        if name is None:
            lines.append(line)
        elif name in fresh:
            lines.append(fresh[name])
        elif is_old(name):
            # The old tarball's place goes to the new ones, in their order.
            lines.extend(fresh[new] for new in pending)
            pending = []
        else:
            lines.append(line)
    lines.extend(fresh[new] for new in pending)
    if not original and not lines:
        return []  # no lookaside files: do not create a sources file that was never there

    temporary = path.with_name(path.name + ".steward-tmp")
    temporary.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    os.replace(temporary, path)
    return lines


def _listed_name(line: str) -> str | None:
    match = _SOURCES_LINE.match(line) or _OLD_SOURCES_LINE.match(line)
    return match.group("name") if match else None


def remove_old_tarballs(
    package_dir: Path, old_filenames: Iterable[str], new_filenames: Iterable[str]
) -> list[Path]:
    """Delete the old version's source files from the package folder; returns what went.

    A file the new spec still names is kept, and only plain file names directly in
    ``package_dir`` are touched (never a path, never a directory, never through a link).
    """
    keep = set(new_filenames)
    removed: list[Path] = []
    for name in dict.fromkeys(old_filenames):
        if name in keep or name in ("", ".", "..") or "/" in name or "\x00" in name:
            continue
        path = package_dir / name
        if path.is_symlink() or path.is_file():
            path.unlink()
            removed.append(path)
    return removed
