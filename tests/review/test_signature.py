"""A changed tarball's detached signature is verified with gpgv against the keyring the
package folder carries (the upgrade's own verification); a tampered tarball fails."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from reviewkit import OFFLINE, upgrade_pair
from upgrade.test_sources import Signer, make_signer

from steward.review import State, review_change


@pytest.fixture(scope="module")
def upstream_key(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Signer]:
    key = make_signer(tmp_path_factory.mktemp("gnupg") / "upstream", "Demo Upstream")
    yield key
    subprocess.run(["gpgconf", "--homedir", str(key.home), "--kill", "gpg-agent"],
                   capture_output=True, check=False)


def signed_pair(tmp_path: Path, key: Signer) -> tuple[Path, Path]:
    before, after = upgrade_pair(tmp_path)
    tarball = after / "libdemo-1.1.tar.gz"
    (after / "libdemo-1.1.tar.gz.asc").write_bytes(key.sign(tarball.read_bytes(), armor=True))
    (after / f"gpgkey-{key.fingerprint}.gpg").write_bytes(key.public_key(armor=True))
    return before, after


def signature(before: Path, after: Path) -> tuple[State, str]:
    review = review_change(before, after, OFFLINE)
    result = next(r for r in review.results if r.id == "sources.signature")
    return result.state, result.message


def test_a_tarball_signed_by_the_folders_key_verifies(tmp_path: Path, upstream_key: Signer) -> None:
    state, message = signature(*signed_pair(tmp_path, upstream_key))

    assert state is State.PASS and upstream_key.fingerprint in message


def test_a_tarball_changed_after_signing_fails(tmp_path: Path, upstream_key: Signer) -> None:
    before, after = signed_pair(tmp_path, upstream_key)
    with (after / "libdemo-1.1.tar.gz").open("ab") as tarball:
        tarball.write(b"\0")

    state, message = signature(before, after)

    assert state is State.FAIL and "does not verify" in message
