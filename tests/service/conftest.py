"""One running service per test module: a tree, the fake upstream, uvicorn on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fakeupstream import FakeRelease, FakeUpstream

from steward.config import parse_config
from steward.service.server import ServerThread, open_state
from steward.service.state import ServiceState

TOKEN = "test-token-4f1c9a"
SECRETS = {"github": "gh-secret", "gitlab": "gl-secret", "gitee": "SECgitee", "gitea": "ge-secret"}

#: package -> (source, project, extra table lines); every one packaged at 1.0.
PACKAGES: dict[str, tuple[str, str, str]] = {
    "gh-release": ("github", "acme/gh-release", ""),
    "gh-push": ("github", "acme/gh-push", ""),
    "gh-forged": ("github", "acme/gh-forged", ""),
    "gh-lie": ("github", "acme/gh-lie", ""),
    "gl-tag": ("gitlab", "group/sub/gl-tag", ""),
    "gitee-tag": ("gitee", "openeuler/gitee-tag", ""),
    "gitea-rel": ("gitea", "acme/gitea-rel", 'host = "codeberg.org"\n'),
    "api-check": ("pypi", "api-check", ""),
    "api-read": ("pypi", "api-read", ""),
}


@dataclass
class Service:
    up: FakeUpstream
    server: ServerThread
    state: ServiceState
    tree: Path
    client: httpx.Client

    @property
    def url(self) -> str:
        return self.server.url

    def upstream_requests(self) -> int:
        return int(self.up.stats(paths=False)["requests"])


def make_tree(root: Path) -> Path:
    root.mkdir(parents=True)
    tables = []
    for name, (source, project, extra) in PACKAGES.items():
        (root / f"{name}.spec").write_text(
            f"Name: {name}\nVersion: 1.0\nRelease: 1\nSummary: s\nLicense: MIT\n"
        )
        tables.append(f'[packages.{name}]\nsource = "{source}"\n{source} = "{project}"\n{extra}')
    (root / "steward.toml").write_text("\n".join(tables))
    return root


def write_config(path: Path, url: str) -> Path:
    secrets = ", ".join(f'{k} = "{v}"' for k, v in SECRETS.items())
    bases = "\n".join(f'{k} = "{url}"' for k in ("github", "gitlab", "gitee", "gitea"))
    path.write_text(
        "[network]\nallow_private = true\ntimeout = 5\nretries = 0\n"
        f'[network.base_url_overrides]\n"https://pypi.org" = "{url}"\n'
        f"[upstream.base_urls]\n{bases}\n"
        f'[service]\ntoken = "{TOKEN}"\nwebhook_secrets = {{ {secrets} }}\nmax_body_kb = 64\n'
    )
    return path


def seed(up: FakeUpstream) -> None:
    for source, project, _ in PACKAGES.values():
        if source == "pypi":
            up.add_project("pypi", project, ["1.0", "1.1"])
        else:
            up.add_project(source, project, [FakeRelease("v1.0", date="2026-01-05"),
                                             FakeRelease("v1.1", date="2026-06-01")])  # fmt: skip


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    base = tmp_path_factory.mktemp("service")
    tree = make_tree(base / "tree")
    with FakeUpstream() as up:
        seed(up)
        config = parse_config(write_config(base / "config.toml", up.url))
        state = open_state(tree, config, db=str(base / "steward.sqlite"))
        state.check(PACKAGES)  # what `steward check` would have stored before
        with ServerThread(state) as server, httpx.Client(base_url=server.url) as client:
            yield Service(up, server, state, tree, client)
        state.store.close()
