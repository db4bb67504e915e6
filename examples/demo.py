#!/usr/bin/env python3
"""Steward's main job on the bundled example distribution, with no internet.

1. ``steward inventory examples/distro``: every package with its EVR and problems.
2. A local upstream starts on 127.0.0.1 (the same emulation the tests use) answering for the
   real upstreams the example packages name (api.github.com, gitee.com, pypi.org, …), and
   local git/svn/hg repositories stand in for the VCS upstreams.
3. ``steward check examples/distro`` asks every upstream for its releases and stores the
   answers in the demo's own store, ``demo-output/steward-demo.db``.
4. ``steward outdated examples/distro`` prints what to move to.

The fake upstreams' answers never reach the user's real store: everything the demo writes
(the store, caches, upgrade output) goes to ``./demo-output`` (or the folder given as the
first argument), which is emptied at the start of every run.

Run by ``bash scripts/demo.sh`` (which sets everything up first).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from fakeupstream.exampledistro import example_upstream  # noqa: E402

STEWARD = str(Path(sys.executable).with_name("steward"))
TREE = str(ROOT / "examples" / "distro")


def run(*argv: str, env: dict[str, str], ok: tuple[int, ...] = (0,)) -> None:
    print(f"\n$ steward {' '.join(argv)}", flush=True)
    code = subprocess.run([STEWARD, *argv], env=env).returncode
    if code not in ok:
        sys.exit(f"steward {argv[0]} failed with exit status {code}")


def demo_environment(output: Path) -> dict[str, str]:
    """The environment of the demo's commands: its own store, caches, data and config."""
    if output.exists() and any(output.iterdir()):
        if not (output / "steward-demo.db").exists():
            sys.exit(f"refusing to empty {output}: it is not a folder the demo made")
        shutil.rmtree(output)
    output.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env["STEWARD_DB"] = str(output / "steward-demo.db")
    env["XDG_DATA_HOME"] = str(output / "data")  # upgrade's default output goes here
    env["XDG_CACHE_HOME"] = str(output / "cache")
    env["XDG_CONFIG_HOME"] = str(output / "config")
    return env


def main() -> None:
    output = Path(sys.argv[1] if len(sys.argv) > 1 else "demo-output").absolute()
    env = demo_environment(output)
    print(f"demo store and output: {output} (your own store is not touched)")
    # inventory exits 1 because four example packages are broken on purpose.
    run("inventory", TREE, env=env, ok=(0, 1))
    with example_upstream() as up:
        print(f"\nlocal upstream for the example packages: {up.server.url}")
        env["STEWARD_CONFIG"] = str(up.config_path)
        run("check", TREE, env=env)
        run("outdated", TREE, env=env)
    print(
        f"\nThe demo's store: {env['STEWARD_DB']} (delete {output} when done)."
        "\nOn a real tree: steward check ~/src-openeuler && steward outdated ~/src-openeuler"
        "\n(set GITHUB_TOKEN to raise GitHub's rate limit)"
    )


if __name__ == "__main__":
    main()
