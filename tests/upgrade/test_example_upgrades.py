"""`steward upgrade --all-outdated` over examples/distro, against loopback upstreams.

The example tree is copied into a git repository of its own (the maintainer's
checkout), checked against the fake upstream, and every outdated package is upgraded to
its recommended version, whose tarball examples/make-tarballs.sh makes and the fake
upstream serves at the spec's Source0 URL. The run completes, a second run skips what is
done, and the checkout is left as it was.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from fakeupstream.exampledistro import example_upstream

from steward.config import load_config
from steward.distro.tree import load_tree
from steward.store import Store
from steward.workflows.check import CheckOptions, latest_rows, run_check
from steward.workflows.upgrade import UpgradeOptions, plan_upgrade, run_upgrades

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "distro"
MAKE_TARBALLS = ROOT / "examples" / "make-tarballs.sh"
STEWARD = str(Path(sys.executable).with_name("steward"))
GIT_ENV = {
    **os.environ,
    "GIT_AUTHOR_NAME": "Maintainer",
    "GIT_AUTHOR_EMAIL": "maintainer@example.org",
    "GIT_COMMITTER_NAME": "Maintainer",
    "GIT_COMMITTER_EMAIL": "maintainer@example.org",
}

pytestmark = pytest.mark.slow


def git(repo: Path, *argv: str) -> str:
    return subprocess.run(
        ["git", *argv], cwd=repo, check=True, capture_output=True, text=True, env=GIT_ENV
    ).stdout


def checkout_of_examples(root: Path) -> Path:
    subprocess.run(["bash", str(MAKE_TARBALLS)], check=True, capture_output=True)
    tree = root / "src-openeuler"
    shutil.copytree(EXAMPLES, tree)
    git(tree, "init", "-q", "-b", "main")
    git(tree, "add", "-A")
    git(tree, "commit", "-q", "-m", "example distribution")
    return tree


def test_all_outdated_over_the_example_distribution(tmp_path: Path) -> None:
    tree = checkout_of_examples(tmp_path)
    head = git(tree, "rev-parse", "HEAD")
    with example_upstream(tmp_path / "up") as up, Store.open(tmp_path / "db.sqlite") as store:
        config = load_config(up.config_path)
        distro = load_tree(tree)
        run_check(distro, config, CheckOptions(), store=store)
        rows = {r.package: r for r in latest_rows(store, distro)}
        jobs = [
            (record, rows[record.name].recommended)
            for record in distro
            if record.name in rows and rows[record.name].recommended
        ]
        assert len(jobs) == 20, sorted(r.package for r in rows.values() if not r.recommended)

        # Serve each new Source0 where the updated spec will look for it.
        overrides = dict(config.network.base_url_overrides)
        made = tmp_path / "tarballs"
        for record, target in jobs:
            plan = plan_upgrade(record, distro.profile, UpgradeOptions(target=target))
            url = dict((n, new) for n, _, new in plan.sources)[0]
            out = made / record.name
            subprocess.run(
                ["bash", str(MAKE_TARBALLS), "--version", str(target), "--outdir", str(out),
                 record.name],
                check=True, capture_output=True,
            )  # fmt: skip
            archive = next(out.iterdir())
            parts = urlsplit(url)
            local_name = (parts.fragment or parts.path).rsplit("/", 1)[-1]  # "#/name" renames
            assert archive.name == local_name, (record.name, archive, url)
            up.server.add_page(parts.path, archive.read_bytes(), "application/octet-stream")
            overrides[f"{parts.scheme}://{parts.netloc}"] = up.server.url
        network = config.network.model_copy(update={"base_url_overrides": overrides})
        config = config.model_copy(update={"network": network})

        options = UpgradeOptions(
            output=tmp_path / "out", packager="Steward <s@example.org>", build="srpm"
        )
        first = run_upgrades(jobs, distro.profile, config, options, distro=distro)
        failed = {
            o.package: (o.report.failed_step, o.report.error) for o in first if o.report.failed_step
        }
        assert not failed
        built = {
            o.package
            for o in first
            if any(b.kind == "srpm" and b.outcome.value == "succeeded" for b in o.report.builds)
        }
        # iniparser is broken on purpose (a declared patch file is missing): its source RPM
        # cannot build, and the report hands that to a human instead of failing the run.
        assert built == {record.name for record, _ in jobs} - {"iniparser"}
        iniparser = next(o for o in first if o.package == "iniparser")
        assert iniparser.report.status == "needs-human"
        assert any("srpm build failed" in item for item in iniparser.report.needs_human)

        second = run_upgrades(jobs, distro.profile, config, options, distro=distro)
        assert all(o.skipped for o in second), [
            (o.package, o.report.failed_step, o.report.error) for o in second if not o.skipped
        ]

        # The command line finds the same work from the stored checks, and skips it all.
        config_file = tmp_path / "cli.toml"
        lines = ["[network]", "allow_private = true", "[network.base_url_overrides]"]
        lines += [f'"{k}" = "{v}"' for k, v in overrides.items()]
        config_file.write_text("\n".join(lines) + "\n")
        cli = subprocess.run(
            [STEWARD, "upgrade", str(tree), "--all-outdated", "--output", str(tmp_path / "out"),
             "--db", str(tmp_path / "db.sqlite"), "--config", str(config_file)],
            capture_output=True, text=True, env={**GIT_ENV, "COLUMNS": "200"},
        )  # fmt: skip
        assert cli.returncode == 0, cli.stdout + cli.stderr
        assert cli.stdout.count("skipped") == len(jobs), cli.stdout

    assert git(tree, "rev-parse", "HEAD") == head
    assert git(tree, "status", "--porcelain") == ""
    branches = git(tree, "branch", "--list", "steward/upgrade/*").split()
    assert len(branches) == len(jobs)
    assert "steward/upgrade/jansson-2.14.1" in branches
    spec = git(tree, "show", "steward/upgrade/jansson-2.14.1:jansson/jansson.spec")
    assert "Version:        2.14.1" in spec
