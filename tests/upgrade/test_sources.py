"""The sources step against the fake upstream on loopback: download, resume, reuse, refuse,
verify signatures with a real ``gpgv``, and keep dist-git's ``sources`` file right.

The OpenPGP keys are made by the tests in a throwaway GnuPG home (``%no-protection``); the
package folder gets the public key the way Fedora packages carry it.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fakeupstream import FakeUpstream

from steward.rpm.model import SourceEntry
from steward.upgrade.model import DownloadedSource, UpgradeError, UpgradeStep
from steward.upgrade.sources import (
    fetch_sources,
    find_keyrings,
    remove_old_tarballs,
    update_sources_file,
    verify_signature,
)
from steward.upstream.fetch import FetchConfig, Fetcher

pytestmark = pytest.mark.anyio

TARBALL = os.urandom(200_000)
TARBALL_SHA256 = hashlib.sha256(TARBALL).hexdigest()
MiB = 1024 * 1024


@pytest.fixture
def upstream() -> Iterator[FakeUpstream]:
    with FakeUpstream() as server:
        yield server


@pytest.fixture
def package_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "package"
    folder.mkdir()
    (folder / "foo.spec").write_text("Name: foo\n")
    return folder


def source(number: int, value: str) -> SourceEntry:
    return SourceEntry("source", number, value, value, line=number + 1)


def loopback() -> Fetcher:
    return Fetcher(FetchConfig(allow_private=True, backoff_base=0.01, max_retries=1))


async def fetch(
    sources: list[SourceEntry],
    dest: Path,
    package_dir: Path,
    *,
    max_bytes: int = 10 * MiB,
    version: str | None = None,
) -> list[DownloadedSource]:
    async with loopback() as fetcher:
        return await fetch_sources(
            sources, dest, fetcher, package_dir=package_dir, max_bytes=max_bytes, version=version
        )


def requests_for(upstream: FakeUpstream, path: str) -> list[dict[str, str]]:
    return [dict(r.headers) for r in upstream.requests if r.path == path]


# --------------------------------------------------------------------------- OpenPGP keys


@dataclass(frozen=True)
class Signer:
    """A throwaway upstream signing key."""

    home: Path
    fingerprint: str

    def gpg(self, *arguments: str, stdin: bytes | None = None) -> bytes:
        return subprocess.run(
            ["gpg", "--homedir", str(self.home), "--batch", "--quiet", *arguments],
            input=stdin,
            capture_output=True,
            check=True,
            timeout=60,
        ).stdout

    def sign(self, data: bytes, *, armor: bool) -> bytes:
        flags = ["--armor"] if armor else []
        return self.gpg("--local-user", self.fingerprint, *flags, "--detach-sign", stdin=data)

    def public_key(self, *, armor: bool) -> bytes:
        return self.gpg(*(["--armor"] if armor else []), "--export", self.fingerprint)


def make_signer(home: Path, uid: str) -> Signer:
    home.mkdir(mode=0o700)
    parameters = (
        f"%no-protection\nKey-Type: eddsa\nKey-Curve: ed25519\nKey-Usage: sign\n"
        f"Name-Real: {uid}\nName-Email: release@example.org\nExpire-Date: 0\n%commit\n"
    )
    subprocess.run(
        ["gpg", "--homedir", str(home), "--batch", "--quiet", "--gen-key"],
        input=parameters.encode(),
        capture_output=True,
        check=True,
        timeout=60,
    )
    listing = subprocess.run(
        ["gpg", "--homedir", str(home), "--batch", "--with-colons", "--list-secret-keys"],
        capture_output=True,
        check=True,
        text=True,
    ).stdout
    fingerprint = next(
        line.split(":")[9] for line in listing.splitlines() if line.startswith("fpr")
    )
    return Signer(home, fingerprint)


@pytest.fixture(scope="module")
def signers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Signer, Signer]]:
    """The upstream's key and a stranger's key."""
    base = tmp_path_factory.mktemp("gnupg")
    keys = (make_signer(base / "upstream", "Foo Upstream"), make_signer(base / "stranger", "Eve"))
    yield keys
    for key in keys:  # the agents gpg started for these homes
        subprocess.run(
            ["gpgconf", "--homedir", str(key.home), "--kill", "gpg-agent"],
            capture_output=True,
            check=False,
        )


@pytest.fixture
def signer(signers: tuple[Signer, Signer]) -> Signer:
    return signers[0]


# --------------------------------------------------------------------------- downloads


async def test_remote_sources_are_downloaded_and_local_ones_copied_with_sha256(
    upstream: FakeUpstream, package_dir: Path, tmp_path: Path
) -> None:
    upstream.add_page("/releases/foo-1.2.tar.gz", TARBALL, "application/gzip")
    (package_dir / "foo.service").write_text("[Service]\n")
    dest = tmp_path / "sources"

    results = await fetch(
        [source(0, f"{upstream.url}/releases/foo-1.2.tar.gz"), source(1, "foo.service")],
        dest,
        package_dir,
    )

    tarball, service = results
    assert tarball == DownloadedSource(
        number=0,
        url=f"{upstream.url}/releases/foo-1.2.tar.gz",
        filename="foo-1.2.tar.gz",
        path=dest / "foo-1.2.tar.gz",
        size=len(TARBALL),
        sha256=TARBALL_SHA256,
        signature="no-keyring",
        reused=False,
    )
    assert (dest / "foo-1.2.tar.gz").read_bytes() == TARBALL
    assert (service.url, service.path.read_text(), service.signature) == (
        None,
        "[Service]\n",
        None,
    )
    assert service.sha256 == hashlib.sha256(b"[Service]\n").hexdigest()
    assert sorted(p.name for p in dest.iterdir()) == ["foo-1.2.tar.gz", "foo.service"]


async def test_a_url_fragment_names_the_file_and_is_not_sent(
    upstream: FakeUpstream, package_dir: Path, tmp_path: Path
) -> None:
    upstream.add_page("/foo/archive/v1.2.tar.gz", TARBALL, "application/gzip")

    [result] = await fetch(
        [source(0, f"{upstream.url}/foo/archive/v1.2.tar.gz#/foo-1.2.tar.gz")],
        tmp_path / "sources",
        package_dir,
    )

    assert result.filename == "foo-1.2.tar.gz"
    assert result.url == f"{upstream.url}/foo/archive/v1.2.tar.gz"
    assert result.path.read_bytes() == TARBALL


async def test_a_half_downloaded_part_file_is_resumed_with_range(
    upstream: FakeUpstream, package_dir: Path, tmp_path: Path
) -> None:
    upstream.add_page("/foo-1.2.tar.gz", TARBALL, "application/gzip")
    dest = tmp_path / "sources"
    dest.mkdir()
    (dest / "foo-1.2.tar.gz.part").write_bytes(TARBALL[:80_000])

    [result] = await fetch([source(0, f"{upstream.url}/foo-1.2.tar.gz")], dest, package_dir)

    [request] = requests_for(upstream, "/foo-1.2.tar.gz")
    assert request["Range"] == "bytes=80000-"
    assert result.path.read_bytes() == TARBALL
    assert (result.sha256, result.reused) == (TARBALL_SHA256, False)
    assert not (dest / "foo-1.2.tar.gz.part").exists()


async def test_a_complete_earlier_download_is_reused_without_a_request(
    upstream: FakeUpstream, package_dir: Path, tmp_path: Path
) -> None:
    upstream.add_page("/foo-1.2.tar.gz", TARBALL, "application/gzip")
    dest = tmp_path / "sources"
    dest.mkdir()
    (dest / "foo-1.2.tar.gz").write_bytes(TARBALL)

    [result] = await fetch([source(0, f"{upstream.url}/foo-1.2.tar.gz")], dest, package_dir)

    assert requests_for(upstream, "/foo-1.2.tar.gz") == []
    assert (result.reused, result.sha256, result.size) == (True, TARBALL_SHA256, len(TARBALL))


async def test_a_404_on_the_new_source_is_a_clear_error(
    upstream: FakeUpstream, package_dir: Path, tmp_path: Path
) -> None:
    url = f"{upstream.url}/releases/foo-1.3.tar.gz"
    dest = tmp_path / "sources"

    with pytest.raises(UpgradeError) as caught:
        await fetch([source(0, url)], dest, package_dir, version="1.3")

    assert caught.value.step is UpgradeStep.SOURCES
    assert str(caught.value) == (
        f"sources: Source0 {url} answered 404: does the upstream publish a tarball for 1.3? "
        "Check Source0's URL"
    )
    assert list(dest.iterdir()) == []


async def test_every_failing_source_is_named_in_one_error(
    upstream: FakeUpstream, package_dir: Path, tmp_path: Path
) -> None:
    upstream.add_page("/ok.tar.gz", TARBALL, "application/gzip")

    with pytest.raises(UpgradeError) as caught:
        await fetch(
            [
                source(0, f"{upstream.url}/gone-1.tar.gz"),
                source(1, f"{upstream.url}/ok.tar.gz"),
                source(2, "missing.patch.tar"),
            ],
            tmp_path / "sources",
            package_dir,
        )

    message = str(caught.value)
    assert "Source0" in message and "answered 404" in message
    assert f"Source2 missing.patch.tar has no URL and is not in {package_dir}" in message
    assert "Source1" not in message


async def test_a_source_over_the_size_cap_is_refused_and_nothing_is_kept(
    upstream: FakeUpstream, package_dir: Path, tmp_path: Path
) -> None:
    upstream.add_page("/huge.tar.gz", TARBALL, "application/gzip")
    dest = tmp_path / "sources"

    with pytest.raises(UpgradeError, match="larger than the 100000-byte download limit"):
        await fetch(
            [source(0, f"{upstream.url}/huge.tar.gz")], dest, package_dir, max_bytes=100_000
        )

    assert list(dest.iterdir()) == []  # neither huge.tar.gz nor a .part to mistake for it


async def test_sources_that_cannot_be_downloaded_are_refused_before_any_request(
    package_dir: Path, tmp_path: Path
) -> None:
    with pytest.raises(UpgradeError, match="uses ftp://, which Steward does not download"):
        await fetch([source(0, "ftp://ftp.gnu.org/foo-1.2.tar.gz")], tmp_path / "s", package_dir)
    with pytest.raises(UpgradeError, match="still holds unexpanded macros"):
        await fetch([source(0, "https://x.org/foo-%{version}.tar.gz")], tmp_path / "s", package_dir)
    with pytest.raises(UpgradeError, match=r"Source0 and Source1 are both saved as foo\.tar\.gz"):
        await fetch(
            [source(0, "https://a.org/foo.tar.gz"), source(1, "https://b.org/foo.tar.gz")],
            tmp_path / "s",
            package_dir,
        )


# --------------------------------------------------------------------------- signatures


@pytest.mark.parametrize(("suffix", "armor"), [(".asc", True), (".sig", False), (".gpg", False)])
async def test_a_signature_listed_in_the_spec_is_verified_with_fedoras_keyring(
    upstream: FakeUpstream,
    package_dir: Path,
    tmp_path: Path,
    signer: Signer,
    suffix: str,
    armor: bool,
) -> None:
    upstream.add_page("/foo-1.2.tar.gz", TARBALL, "application/gzip")
    upstream.add_page(f"/foo-1.2.tar.gz{suffix}", signer.sign(TARBALL, armor=armor), "text/plain")
    keyring = package_dir / f"gpgkey-{signer.fingerprint}.gpg"
    keyring.write_bytes(signer.public_key(armor=True))  # armored, as Fedora often has it

    tarball, signature, key = await fetch(
        [
            source(0, f"{upstream.url}/foo-1.2.tar.gz"),
            source(1, f"{upstream.url}/foo-1.2.tar.gz{suffix}"),
            source(2, f"https://keys.example.org/{keyring.name}"),
        ],
        tmp_path / "sources",
        package_dir,
    )

    assert tarball.signature == "verified"
    assert (signature.signature, key.signature) == (None, None)
    assert key.url is None  # the trust anchor comes from the package folder, not the network
    # The signature is listed: nothing else is asked of the upstream.
    assert sorted(r.path for r in upstream.requests) == [
        "/foo-1.2.tar.gz",
        f"/foo-1.2.tar.gz{suffix}",
    ]


async def test_a_signature_the_upstream_serves_beside_the_tarball_is_found_and_verified(
    upstream: FakeUpstream, package_dir: Path, tmp_path: Path, signer: Signer
) -> None:
    upstream.add_page("/foo-1.2.tar.xz", TARBALL, "application/x-xz")
    upstream.add_page("/foo-1.2.tar.xz.asc", signer.sign(TARBALL, armor=True), "text/plain")
    (package_dir / "foo.keyring").write_bytes(signer.public_key(armor=False))

    [tarball] = await fetch(
        [source(0, f"{upstream.url}/foo-1.2.tar.xz")], tmp_path / "sources", package_dir
    )

    assert tarball.signature == "verified"
    assert len(requests_for(upstream, "/foo-1.2.tar.xz.sig")) == 1  # tried first: 404 is fine
    assert sorted(p.name for p in (tmp_path / "sources").iterdir()) == ["foo-1.2.tar.xz"]


async def test_a_tampered_tarball_fails_verification(
    upstream: FakeUpstream, package_dir: Path, tmp_path: Path, signer: Signer
) -> None:
    tampered = TARBALL[:1000] + b"backdoor" + TARBALL[1008:]
    upstream.add_page("/foo-1.2.tar.gz", tampered, "application/gzip")
    upstream.add_page("/foo-1.2.tar.gz.sig", signer.sign(TARBALL, armor=False), "application/pgp")
    (package_dir / f"gpgkey-{signer.fingerprint}.gpg").write_bytes(signer.public_key(armor=True))

    with pytest.raises(UpgradeError) as caught:
        await fetch([source(0, f"{upstream.url}/foo-1.2.tar.gz")], tmp_path / "src", package_dir)

    message = str(caught.value)
    assert caught.value.step is UpgradeStep.SOURCES
    assert "Source0 foo-1.2.tar.gz does not match its signature" in message
    assert "BAD signature" in message and "tampered" in message


async def test_a_signature_by_a_key_outside_the_keyring_fails(
    upstream: FakeUpstream, package_dir: Path, tmp_path: Path, signers: tuple[Signer, Signer]
) -> None:
    upstream_key, stranger = signers
    upstream.add_page("/foo-1.2.tar.gz", TARBALL, "application/gzip")
    upstream.add_page("/foo-1.2.tar.gz.sig", stranger.sign(TARBALL, armor=False), "application/pgp")
    (package_dir / "foo.keyring").write_bytes(upstream_key.public_key(armor=False))

    with pytest.raises(UpgradeError, match=r"is signed by key \w+, which is not in foo.keyring"):
        await fetch([source(0, f"{upstream.url}/foo-1.2.tar.gz")], tmp_path / "src", package_dir)


async def test_without_a_keyring_nothing_is_probed_and_the_source_says_no_keyring(
    upstream: FakeUpstream, package_dir: Path, tmp_path: Path
) -> None:
    upstream.add_page("/foo-1.2.tar.gz", TARBALL, "application/gzip")

    [tarball] = await fetch(
        [source(0, f"{upstream.url}/foo-1.2.tar.gz")], tmp_path / "sources", package_dir
    )

    assert tarball.signature == "no-keyring"
    assert [r.path for r in upstream.requests] == ["/foo-1.2.tar.gz"]


async def test_with_a_keyring_but_no_signature_anywhere_the_source_says_missing(
    upstream: FakeUpstream, package_dir: Path, tmp_path: Path, signer: Signer
) -> None:
    upstream.add_page("/foo-1.2.tar.gz", TARBALL, "application/gzip")
    # A server that answers 200 with a page for anything is not serving a signature.
    upstream.add_page("/foo-1.2.tar.gz.asc", "<html>Welcome!</html>", "text/html")
    (package_dir / "foo.keyring").write_bytes(signer.public_key(armor=False))

    [tarball] = await fetch(
        [source(0, f"{upstream.url}/foo-1.2.tar.gz")], tmp_path / "sources", package_dir
    )

    assert tarball.signature == "missing"
    assert len(requests_for(upstream, "/foo-1.2.tar.gz.sig")) == 1
    assert len(requests_for(upstream, "/foo-1.2.tar.gz.asc")) == 1


async def test_verify_signature_returns_the_signing_fingerprint(
    tmp_path: Path, signer: Signer
) -> None:
    data, signature, keyring = tmp_path / "f.tar", tmp_path / "f.tar.sig", tmp_path / "k.gpg"
    data.write_bytes(TARBALL)
    signature.write_bytes(signer.sign(TARBALL, armor=False))
    keyring.write_bytes(signer.public_key(armor=True))

    assert await verify_signature(data, signature, [keyring]) == signer.fingerprint


def test_find_keyrings_skips_signatures_named_like_keyrings(tmp_path: Path) -> None:
    for name in ["gpgkey-ABCD.gpg", "foo.keyring", "foo-1.2.tar.gz.gpg", "notes.txt", "a.gpg"]:
        (tmp_path / name).write_bytes(b"\x99")
    (tmp_path / "a").write_bytes(b"data")  # so a.gpg is a.'s signature

    assert [p.name for p in find_keyrings(tmp_path)] == ["foo.keyring", "gpgkey-ABCD.gpg"]


# --------------------------------------------------------------------------- dist-git


def downloaded(folder: Path, name: str, content: bytes, *, remote: bool = True) -> DownloadedSource:
    path = folder / name
    path.write_bytes(content)
    url = f"https://example.org/{name}" if remote else None
    return DownloadedSource(0, url, name, path, len(content), hashlib.sha256(content).hexdigest())


def sha512_line(name: str, content: bytes) -> str:
    return f"SHA512 ({name}) = {hashlib.sha512(content).hexdigest()}"


def test_update_sources_file_replaces_the_old_tarball_line_and_keeps_the_others(
    tmp_path: Path,
) -> None:
    sources = tmp_path / "sources"
    vendor = "SHA512 (foo-vendor.tar.xz) = " + "ab" * 64
    legacy = "d41d8cd98f00b204e9800998ecf8427e  legacy-data.tar.gz"
    sources.write_text(
        f"{sha512_line('foo-1.1.tar.gz', b'old')}\n{sha512_line('foo-1.1.tar.gz.asc', b's')}\n"
        f"{vendor}\n{legacy}\n"
    )
    downloads = [
        downloaded(tmp_path, "foo-1.2.tar.gz", b"new tarball"),
        downloaded(tmp_path, "foo-1.2.tar.gz.asc", b"new signature"),
        downloaded(tmp_path, "foo.service", b"[Service]\n", remote=False),  # lives in git
    ]

    lines = update_sources_file(
        sources, downloads, old_filenames=["foo-1.1.tar.gz", "foo-1.1.tar.gz.asc"]
    )

    assert lines == [
        sha512_line("foo-1.2.tar.gz", b"new tarball"),
        sha512_line("foo-1.2.tar.gz.asc", b"new signature"),
        vendor,
        legacy,
    ]
    assert sources.read_text() == "".join(line + "\n" for line in lines)


def test_update_sources_file_infers_stale_lines_from_the_new_sources(tmp_path: Path) -> None:
    sources = tmp_path / "sources"
    sources.write_text(
        f"{sha512_line('foo-1.1.tar.gz', b'old')}\n{sha512_line('foo-data.tar', b'data v1')}\n"
    )
    downloads = [
        downloaded(tmp_path, "foo-1.2.tar.gz", b"new"),
        downloaded(tmp_path, "foo-data.tar", b"data v2", remote=False),  # same name, new content
    ]

    assert update_sources_file(sources, downloads) == [
        sha512_line("foo-1.2.tar.gz", b"new"),
        sha512_line("foo-data.tar", b"data v2"),
    ]


def test_remove_old_tarballs_removes_only_what_the_new_spec_no_longer_names(
    tmp_path: Path,
) -> None:
    for name in ["foo-1.1.tar.gz", "foo-1.1.tar.gz.asc", "foo.keyring", "fix.patch"]:
        (tmp_path / name).write_text(name)
    (tmp_path.parent / "elsewhere").write_text("keep me")

    removed = remove_old_tarballs(
        tmp_path,
        ["foo-1.1.tar.gz", "foo-1.1.tar.gz.asc", "foo.keyring", "../elsewhere", "absent.tar"],
        ["foo-1.2.tar.gz", "foo.keyring"],
    )

    assert sorted(p.name for p in removed) == ["foo-1.1.tar.gz", "foo-1.1.tar.gz.asc"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fix.patch", "foo.keyring"]
    assert (tmp_path.parent / "elsewhere").read_text() == "keep me"
