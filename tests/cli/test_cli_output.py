"""The command line's manners: tables at 80 columns, plain lines in a pipe, clean errors."""

from __future__ import annotations

import io
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fakeupstream import FakeUpstream, Faults
from typer.testing import CliRunner

from steward.cli.main import app
from steward.store import Store
from steward.workflows.check import tree_key

STEWARD = str(Path(sys.executable).with_name("steward"))
runner = CliRunner()
LONG_URL = "https://download.example.org/pub/releases/very-long-project-name/source-archive"


def long_tree(root: Path) -> Path:
    """A flat-ish src-openeuler tree whose names, versions and messages are long."""
    names = ["golang-github-coreos-go-iptables-extra", "perl-Try-Tiny", "z"]
    for name in names:
        folder = root / name
        folder.mkdir(parents=True)
        (folder / f"{name}.spec").write_text(
            f"Name: {name}\nVersion: 1.0.20230101.gitabcdef\nRelease: 1\nSummary: s\n"
            f"License: MIT\nURL: {LONG_URL}\nSource0: {LONG_URL}/{name}-%{{version}}.tar.gz\n"
            "Patch0: missing-fix-for-a-very-long-described-problem.patch\n"
            "%description\nd\n%prep\n%autosetup -p1\n"
        )
        (folder / f"{name}.yaml").write_text(f"version_control: gitlab.gnome\nsrc_repo: {name}\n")
    return root


def run(argv: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "TTY_COMPATIBLE")}
    return subprocess.run(
        [STEWARD, *argv], capture_output=True, text=True, env={**clean, **env}, timeout=60
    )


def test_inventory_table_fits_80_columns_and_keeps_every_package_name_whole(
    tmp_path: Path,
) -> None:
    tree = long_tree(tmp_path / "tree")
    done = run(["inventory", str(tree)], COLUMNS="80", TTY_COMPATIBLE="1")
    assert done.returncode == 1, done.stderr
    text = re.sub(r"\x1b\[[0-9;]*m", "", done.stdout)
    assert max(len(line) for line in text.splitlines()) <= 80, text
    for name in ("golang-github-coreos-go-iptables-extra", "perl-Try-Tiny"):
        assert name in text  # on one line, never folded
    assert "patch-missing" in text
    assert "Pac…" not in text and "┃┃" not in text


def test_a_table_drops_the_least_useful_columns_before_it_cuts_names() -> None:
    from steward.cli.main import _OUTDATED_COLUMNS
    from steward.cli.output import Column, fit_columns

    row = [
        "golang-github-coreos-go-iptables", "1.0.20230101", "1.0.20240101.1", "2.0",
        "3 versions, 400 days", "github", "failed: http-503", "stale tag rules",
    ]  # fmt: skip
    headers = [c.header for c in _OUTDATED_COLUMNS]
    kept = [headers[i] for i in fit_columns(_OUTDATED_COLUMNS, [row], 80)]
    # The name, what is packaged and what to move to stay; the upstream kind goes first.
    assert kept == ["Package", "Packaged", "Recommended", "Check"]
    assert fit_columns(_OUTDATED_COLUMNS, [row], 200) == list(range(8))
    assert fit_columns([Column("Package"), Column("Note", drop=1)], [["p" * 90, "x"]], 80) == [0]


def test_urls_are_never_wrapped_in_a_table(tmp_path: Path) -> None:
    from steward.cli.output import Column, print_rows

    buffer = io.StringIO()
    from rich.console import Console

    from steward.cli import output

    original = output.out._console
    output.out._console = Console(file=buffer, width=80, highlight=False)
    try:
        print_rows(
            [Column("Package"), Column("URL"), Column("Note", truncate=True)],
            [["zlib", LONG_URL, "a long note " * 10]],
            fmt="table",
        )
    finally:
        output.out._console = original
    assert LONG_URL in buffer.getvalue()


def test_inventory_in_a_pipe_prints_tab_separated_lines(tmp_path: Path) -> None:
    tree = long_tree(tmp_path / "tree")
    done = run(["inventory", str(tree)], COLUMNS="80")
    lines = done.stdout.splitlines()
    assert len(lines) == 3, done.stdout
    fields = [line.split("\t") for line in lines]
    assert [f[0] for f in fields] == sorted(
        ["golang-github-coreos-go-iptables-extra", "perl-Try-Tiny", "z"]
    )
    assert all(len(f) == 5 for f in fields)
    assert fields[0][1] == "1.0.20230101.gitabcdef-1"
    assert "patch-missing" in fields[0][4]
    assert "─" not in done.stdout and "│" not in done.stdout
    assert "3 packages, 3 with problems" in done.stderr  # the summary stays off the data


def test_format_tsv_is_plain_even_on_a_terminal(tmp_path: Path) -> None:
    tree = long_tree(tmp_path / "tree")
    done = run(["inventory", str(tree), "--format", "tsv"], TTY_COMPATIBLE="1")
    assert all(line.count("\t") == 4 for line in done.stdout.splitlines()), done.stdout


def test_only_with_an_unknown_package_is_a_usage_error_with_a_suggestion(tmp_path: Path) -> None:
    tree = long_tree(tmp_path / "tree")
    result = runner.invoke(app, ["inventory", str(tree), "--only", "perl-Try-Tiyn"])
    assert result.exit_code == 2
    assert "did you mean 'perl-Try-Tiny'" in result.output


def test_an_empty_folder_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    for command in ("inventory", "check"):
        result = runner.invoke(app, [command, str(tmp_path / "empty")])
        assert result.exit_code == 2, (command, result.output)
        assert "no packages in" in result.output


def test_spec_of_a_file_that_is_no_spec_is_a_usage_error(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("# A project\n\nSome words.\n")
    result = runner.invoke(app, ["spec", str(readme)])
    assert result.exit_code == 2
    assert "is not a spec file" in result.output
    assert "None" not in result.output


@pytest.mark.parametrize(
    "argv",
    [
        ["inventory", "{tree}"],
        ["spec", "{tree}/z/z.spec"],
        ["check", "{tree}"],
        ["outdated", "{tree}"],
        ["upgrade", "{tree}/z", "--to", "2.0", "--dry-run"],
        ["new", "{tree}"],
        ["take", "z", "--tree", "{tree}"],
    ],
)
def test_a_broken_configuration_is_one_clean_line_in_every_command(
    tmp_path: Path, argv: list[str]
) -> None:
    tree = long_tree(tmp_path / "tree")
    config = tmp_path / "steward.toml"
    config.write_text("[defaults\nprofile = 'x'\n")
    done = subprocess.run(
        [STEWARD, *(a.format(tree=tree) for a in argv)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "STEWARD_DB": str(tmp_path / "s.db"), "STEWARD_CONFIG": str(config)},
        timeout=60,
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "steward.toml" in done.stderr


def test_a_broken_steward_toml_in_the_tree_is_one_clean_line(tmp_path: Path) -> None:
    tree = long_tree(tmp_path / "tree")
    (tree / "steward.toml").write_text("[packages.z\nsource = 'pypi'\n")
    done = run(["check", str(tree)], STEWARD_DB=str(tmp_path / "s.db"))
    assert "Traceback" not in done.stderr, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "steward.toml" in done.stderr
    assert done.returncode != 0


def test_a_bug_is_one_line_with_where_to_report_it_and_debug_shows_the_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from steward.cli import main as cli

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("something impossible")

    monkeypatch.setattr("steward.rpm.version.compare_evr", broken)
    monkeypatch.setattr(sys, "argv", ["steward", "vercmp", "1", "2"])
    with pytest.raises(SystemExit) as exited:
        cli.main()
    assert exited.value.code == 70
    stderr = capsys.readouterr().err
    assert "internal error: RuntimeError: something impossible" in stderr
    assert "This is a bug in Steward" in stderr and "--debug" in stderr
    assert "Traceback" not in stderr

    monkeypatch.setattr(sys, "argv", ["steward", "--debug", "vercmp", "1", "2"])
    with pytest.raises(SystemExit):
        cli.main()
    assert "Traceback" in capsys.readouterr().err


@pytest.mark.slow
def test_ctrl_c_during_check_says_how_much_is_stored_and_exits_130(tmp_path: Path) -> None:
    count = 40
    tree = tmp_path / "tree"
    tree.mkdir()
    tables = []
    for i in range(count):
        name = f"pkg{i:03d}"
        (tree / f"{name}.spec").write_text(
            f"Name: {name}\nVersion: 1.0\nRelease: 1\nSummary: s\nLicense: MIT\n"
        )
        tables.append(f'[packages.{name}]\nsource = "pypi"\npypi = "{name}"\n')
    (tree / "steward.toml").write_text("\n".join(tables))
    db = tmp_path / "steward.sqlite"
    with FakeUpstream() as up:
        for i in range(count):
            up.add_project("pypi", f"pkg{i:03d}", ["1.0", "2.0"])
        up.set_faults(Faults(latency=0.3))
        config = tmp_path / "c.toml"
        config.write_text(
            "[network]\nallow_private = true\nconcurrency = 2\ntimeout = 5\nretries = 0\n"
            f'[network.base_url_overrides]\n"https://pypi.org" = "{up.url}"\n'
        )
        env = {**os.environ, "STEWARD_CONFIG": str(config), "STEWARD_DB": str(db)}
        proc = subprocess.Popen(
            [STEWARD, "check", str(tree)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,  # a group of its own, as a terminal's foreground job
            preexec_fn=_default_sigint,
        )
        committed = 0
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and committed < 2:
            time.sleep(0.2)
            if db.exists():
                with Store.open(db) as store:
                    committed = len(store.latest_checks(tree_key(tree)))
        os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C does: the whole group gets it
        _stdout, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr, stderr
    last = stderr.strip().splitlines()[-1]
    assert last.startswith("interrupted; ") and last.endswith(
        " packages stored, run again to resume"
    ), stderr
    stored = int(last.split()[1])
    assert 0 < stored < count
    with Store.open(db) as store:  # the count said is what the store holds, all committed
        run = store.unfinished_run(tree_key(tree))
        assert run is not None
        assert len(store.done_in_run(run.id)) == stored


def test_progress_lines_come_every_interval_even_while_nothing_finishes() -> None:
    from steward.cli.progress import ProgressLines

    stream = io.StringIO()
    with ProgressLines("checking upstreams", interval=0.05, stream=stream) as lines:
        lines.start(10, 2)
        time.sleep(0.3)
    written = stream.getvalue().splitlines()
    assert len(written) >= 3
    assert written[0].startswith("checking upstreams: 2/10 (20%), 0 failed, ")


@pytest.mark.slow
def test_a_piped_check_reports_progress_on_stderr(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "slow.spec").write_text(
        "Name: slow\nVersion: 1.0\nRelease: 1\nSummary: s\nLicense: MIT\n"
    )
    (tree / "steward.toml").write_text('[packages.slow]\nsource = "pypi"\npypi = "slow"\n')
    with FakeUpstream() as up:
        up.add_project("pypi", "slow", ["1.0", "2.0"])
        up.set_faults(Faults(latency=1.5))
        config = tmp_path / "c.toml"
        config.write_text(
            "[network]\nallow_private = true\ntimeout = 10\nretries = 0\n"
            f'[network.base_url_overrides]\n"https://pypi.org" = "{up.url}"\n'
        )
        done = run(
            ["check", str(tree)],
            STEWARD_CONFIG=str(config),
            STEWARD_DB=str(tmp_path / "s.db"),
            STEWARD_PROGRESS_SECONDS="0.3",
        )
    assert done.returncode == 0, done.stderr
    assert "checking upstreams: 0/1 (0%), 0 failed" in done.stderr


def _default_sigint() -> None:
    """Ctrl-C as a terminal delivers it: a test run started in the background (``cmd &``)
    inherits SIGINT ignored, and Python then leaves it ignored, as Unix tools should."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.parametrize("as_json", [False, True])
def test_upgrade_dry_run_with_no_source_for_the_version_is_a_clean_refusal(
    tmp_path: Path, as_json: bool
) -> None:
    folder = tmp_path / "foo"
    folder.mkdir()
    (folder / "foo.spec").write_text(
        # The tarball is named by a commit, so it cannot move with the version.
        "Name: foo\nVersion: 1.0\nRelease: 1\nSummary: s\nLicense: MIT\n"
        "URL: https://example.org\nSource0: %{url}/archive/3f2a9c1e.tar.gz\n"
        "%description\nd\n%prep\n%autosetup\n"
    )
    argv = ["upgrade", str(folder), "--to", "2.0", "--dry-run", *(["--json"] if as_json else [])]
    result = runner.invoke(app, argv)
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    if as_json:
        import json

        plan = json.loads(result.stdout)["plans"][0]
        assert plan["error"]["code"] == "plan-failed"
        assert "does not move with the version" in plan["error"]["message"]
    else:
        assert "cannot upgrade to 2.0" in result.output
        assert "does not move with the version" in result.output


@pytest.mark.slow
@pytest.mark.parametrize("delay", [0.1, 1.0])
def test_ctrl_c_while_a_big_tree_loads_prints_no_traceback(tmp_path: Path, delay: float) -> None:
    # 900 specs: the tree is parsed by worker processes, which get the SIGINT too; at 0.1 s
    # the interpreter is still importing the command line.
    tree = tmp_path / "tree"
    tree.mkdir()
    for i in range(900):
        (tree / f"p{i}.spec").write_text(
            f"Name: p{i}\nVersion: 1.0\nRelease: 1\nSummary: s\nLicense: MIT\n%description\nd\n"
        )
    env = {**os.environ, "STEWARD_DB": str(tmp_path / "s.db")}
    env.pop("STEWARD_CONFIG", None)
    proc = subprocess.Popen(
        [STEWARD, "check", str(tree)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        preexec_fn=_default_sigint,
    )
    time.sleep(delay)
    os.killpg(proc.pid, signal.SIGINT)
    _stdout, stderr = proc.communicate(timeout=60)
    # 130, or ended by the signal itself (a shell reports that as 130 too).
    assert proc.returncode in (130, -signal.SIGINT), stderr
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr, stderr
    if proc.returncode == 130:
        assert stderr.strip().splitlines()[-1].startswith("interrupted"), stderr
