"""The example distribution's upstreams on loopback, for the tests and the README's demo.

:func:`example_upstream` starts the fake upstream seeded with ``examples/demo/upstream.json``,
creates the local git, svn and hg repositories listed in ``examples/demo/vcs.json``, and
writes a Steward configuration that sends the public hosts the example packages name
(api.github.com, gitee.com, pypi.org …) to the fake server and rewrites the VCS URLs to the
local repositories. Nothing leaves the machine.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .server import FakeUpstream

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "examples" / "demo" / "upstream.json"
VCS = ROOT / "examples" / "demo" / "vcs.json"

#: Public bases the backends use, all answered by the one fake server.
PUBLIC_BASES = (
    "https://api.github.com",
    "https://gitee.com",
    "https://gitlab.gnome.org",
    "https://gitlab.com",
    "https://pypi.org",
    "https://fastapi.metacpan.org",
    "https://sourceforge.net",
    "https://download.gnome.org",
    "https://rubygems.org",
    "https://crates.io",
    "https://registry.npmjs.org",
    "https://ftp.gnu.org",
    "http://ftp.gnu.org",
)

_ENV = {
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_AUTHOR_NAME": "Upstream",
    "GIT_AUTHOR_EMAIL": "upstream@example.org",
    "GIT_COMMITTER_NAME": "Upstream",
    "GIT_COMMITTER_EMAIL": "upstream@example.org",
    "HGUSER": "Upstream <upstream@example.org>",
    "HGPLAIN": "1",
    "PATH": "/usr/local/bin:/usr/bin:/bin",
}


@dataclass(frozen=True)
class ExampleUpstream:
    server: FakeUpstream
    config_path: Path
    url_rewrites: dict[str, str]


def _run(*argv: str, cwd: Path | None = None, home: Path) -> None:
    subprocess.run(argv, cwd=cwd, check=True, capture_output=True, env={**_ENV, "HOME": str(home)})


def make_vcs_repositories(workdir: Path) -> dict[str, str]:
    """Create the local repositories; returns upstream URL -> local URL or path."""
    spec = json.loads(VCS.read_text(encoding="utf-8"))
    workdir.mkdir(parents=True, exist_ok=True)
    home = workdir / "home"
    home.mkdir(exist_ok=True)
    rewrites: dict[str, str] = {}
    for index, repo in enumerate(spec["repositories"]):
        kind, tags = repo["kind"], repo["tags"]
        target = workdir / f"{kind}-{index}"
        if kind == "git":
            _run("git", "init", "-q", "-b", "main", str(target), home=home)
            for tag in tags:
                (target / "VERSION").write_text(tag + "\n")
                _run("git", "add", "VERSION", cwd=target, home=home)
                _run("git", "commit", "-q", "-m", f"release {tag}", cwd=target, home=home)
                _run("git", "tag", "-a", "-m", tag, tag, cwd=target, home=home)
            rewrites[repo["url"]] = target.as_uri()
        elif kind == "svn":
            _run("svnadmin", "create", str(target), home=home)
            url = target.as_uri()
            _run("svn", "mkdir", "-q", "-m", "layout", f"{url}/trunk", f"{url}/tags", home=home)
            for tag in tags:
                _run("svn", "copy", "-q", "-m", f"tag {tag}", f"{url}/trunk",
                     f"{url}/tags/{tag}", home=home)  # fmt: skip
            rewrites[repo["url"]] = url
        elif kind == "hg":
            _run("hg", "init", str(target), home=home)
            for tag in tags:
                (target / "VERSION").write_text(tag + "\n")
                _run("hg", "commit", "-q", "-A", "-m", f"release {tag}", cwd=target, home=home)
                _run("hg", "tag", tag, cwd=target, home=home)
            rewrites[repo["url"]] = str(target)
        else:
            raise ValueError(f"{VCS}: unknown repository kind {kind!r}")
    return rewrites


def write_config(path: Path, server_url: str, rewrites: dict[str, str]) -> Path:
    """A steward.toml that sends every public base to the fake server (loopback allowed)."""
    lines = [
        "# Written by tests/fakeupstream/exampledistro.py: the example distribution's",
        "# upstreams on loopback. Real use needs none of this.",
        "[network]",
        "allow_private = true",
        "timeout = 10",
        "",
        "[network.base_url_overrides]",
    ]
    lines += [f'"{base}" = "{server_url}"' for base in PUBLIC_BASES]
    lines += ["", "[upstream.url_rewrites]"]
    lines += [f'"{url}" = "{local}"' for url, local in rewrites.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@contextmanager
def example_upstream(workdir: Path | None = None) -> Iterator[ExampleUpstream]:
    """Serve the example distribution's upstreams until the block ends."""
    with tempfile.TemporaryDirectory(prefix="steward-example-") as scratch:
        base = workdir or Path(scratch)
        rewrites = make_vcs_repositories(base / "vcs")
        with FakeUpstream() as server:
            server.seed_from_json(SEED)
            config = write_config(base / "steward.toml", server.url, rewrites)
            yield ExampleUpstream(server, config, rewrites)
