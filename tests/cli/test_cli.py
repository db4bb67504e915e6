"""The steward command: output, JSON, exit codes and help."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from steward.cli.main import app

runner = CliRunner()


def make_tree(root: Path) -> Path:
    good = root / "good"
    good.mkdir(parents=True)
    (good / "good.spec").write_text(
        "Name: good\nVersion: 1.0\nRelease: 1\nSummary: s\nLicense: MIT\n"
        "Source0: good-1.0.tar.gz\n%description\nd\n%prep\n%autosetup\n"
    )
    (good / "good-1.0.tar.gz").write_bytes(b"")
    (good / "good.yaml").write_text("version_control: github\nsrc_repo: example/good\n")
    broken = root / "broken"
    broken.mkdir()
    (broken / "broken.spec").write_text(
        "Name: broken\nVersion: 2\nRelease: 1\nSummary: s\nLicense: MIT\n"
        "Source0: broken-2.tar.gz\nPatch0: gone.patch\n%description\nd\n%prep\n%autosetup -p1\n"
    )
    (broken / "broken-2.tar.gz").write_bytes(b"")
    (broken / "broken.yaml").write_text("version_control: pypi\nsrc_repo: broken\n")
    return root


def test_inventory_table_lists_packages_and_exits_1_on_problems(tmp_path: Path) -> None:
    tree = make_tree(tmp_path / "tree")
    result = runner.invoke(
        app, ["inventory", str(tree), "--format", "table"], env={"COLUMNS": "200"}
    )
    assert result.exit_code == 1, result.output
    assert "good" in result.output and "1.0-1" in result.output
    assert "patch-missing" in result.output
    assert "2 packages, 1 with problems" in result.output


def test_inventory_exit_0_when_clean(tmp_path: Path) -> None:
    tree = make_tree(tmp_path / "tree")
    result = runner.invoke(app, ["inventory", str(tree), "--only", "good"])
    assert result.exit_code == 0, result.output


def test_inventory_json_document(tmp_path: Path) -> None:
    tree = make_tree(tmp_path / "tree")
    result = runner.invoke(app, ["inventory", str(tree), "--json"])
    document = json.loads(result.stdout)
    names = [p["package"] for p in document["packages"]]
    assert names == ["broken", "good"]
    broken = document["packages"][0]
    assert broken["evr"].startswith("2-1")
    assert [p["code"] for p in broken["problems"]] == ["patch-missing"]
    assert document["summary"]["packages"] == 2
    assert document["summary"]["with_problems"] == 1
    assert document["packages"][1]["upstream"]["kind"] == "github"


@pytest.mark.parametrize(
    "argv",
    [
        ["inventory", "/does/not/exist"],
        ["inventory"],
        ["inventory", ".", "--layout", "nonsense"],
        ["inventory", ".", "--profile", "no-such-profile"],
        ["frobnicate"],
    ],
)
def test_usage_errors_exit_2(argv: list[str], tmp_path: Path) -> None:
    result = runner.invoke(app, [a if a != "." else str(tmp_path) for a in argv])
    assert result.exit_code == 2, result.output


def test_help_shows_examples() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    assert "steward inventory examples/distro" in result.output
    result = runner.invoke(app, ["inventory", "--help"])
    assert "Examples" in result.output and "--json" in result.output


def test_spec_command_reports_diagnostics(tmp_path: Path) -> None:
    path = tmp_path / "x.spec"
    path.write_text("Name: x\nVersion: %(uname -r)\nRelease: 1\nPatch3: a.patch\n")
    result = runner.invoke(app, ["spec", str(path), "--json"])
    document = json.loads(result.stdout)
    assert document["package"] == "x"
    assert document["patches"][0]["applied"] is False
    assert "unexpanded-shell" in {d["code"] for d in document["diagnostics"]}


@pytest.mark.parametrize(
    ("left", "right", "code"),
    [("1.0", "1.0", 0), ("1:1.0", "2.0", 11), ("1.0~rc1", "1.0", 12)],
)
def test_vercmp_exit_codes(left: str, right: str, code: int) -> None:
    assert runner.invoke(app, ["vercmp", left, right]).exit_code == code


def test_console_script_runs(tmp_path: Path) -> None:
    tree = make_tree(tmp_path / "tree")
    steward = Path(sys.executable).with_name("steward")
    proc = subprocess.run(
        [str(steward), "inventory", str(tree), "--json"], capture_output=True, text=True
    )
    assert proc.returncode == 1
    assert len(json.loads(proc.stdout)["packages"]) == 2


def test_console_script_check_exits_3_on_a_store_error_with_its_message(tmp_path: Path) -> None:
    tree = make_tree(tmp_path / "tree")
    blocked = tmp_path / "file"
    blocked.write_text("not a directory")
    steward = Path(sys.executable).with_name("steward")
    proc = subprocess.run(
        [str(steward), "check", str(tree), "--db", str(blocked / "sub" / "store.db")],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert proc.returncode == 3, proc.stderr  # a runtime failure, not a usage error
    assert "store" in proc.stderr.lower()


def test_check_with_a_store_that_cannot_open_is_a_runtime_failure(tmp_path: Path) -> None:
    tree = make_tree(tmp_path / "tree")
    blocked = tmp_path / "file"
    blocked.write_text("not a directory")
    result = runner.invoke(
        app, ["check", str(tree), "--db", str(blocked / "sub" / "store.db")], env={"COLUMNS": "200"}
    )
    assert result.exit_code == 3, result.output
    assert "store" in result.output.lower(), result.output


def test_json_output_is_utf8_and_falls_back_for_what_orjson_refuses(
    capsysbinary: pytest.CaptureFixture[bytes],
) -> None:
    from steward.cli.main import _emit_json

    _emit_json({"package": "pérl", "n": 2**70, 3: None})
    out = capsysbinary.readouterr().out
    assert json.loads(out) == {"package": "pérl", "n": 2**70, "3": None}
    _emit_json({"package": "pérl", "releases": [1, 2]})
    out = capsysbinary.readouterr().out
    assert (
        out.decode("utf-8") == '{\n  "package": "pérl",\n  "releases": [\n    1,\n    2\n  ]\n}\n'
    )


def test_batch_gc_still_collects_cycles() -> None:
    program = (
        "import gc, weakref\n"
        "from steward._gc import batch_gc\n"
        "batch_gc()\n"
        "assert gc.get_threshold()[0] == 50_000\n"
        "class Node: pass\n"
        "a, b = Node(), Node(); a.other, b.other = b, a\n"
        "ref = weakref.ref(a); del a, b\n"
        "keep = [[i] for i in range(200_000)]\n"
        "print(ref() is None)\n"
    )
    proc = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True)
    assert proc.stdout.strip() == "True", proc.stderr


def test_json_output_to_a_text_only_stream() -> None:
    import contextlib
    import io

    from steward.cli.main import _emit_json

    stream = io.StringIO()
    with contextlib.redirect_stdout(stream):
        _emit_json({"package": "pérl"})
    assert json.loads(stream.getvalue()) == {"package": "pérl"}


@pytest.mark.parametrize(
    ("env", "answer"),
    [
        ({}, "False False"),
        ({"FORCE_COLOR": "1"}, "True True"),
        ({"TTY_COMPATIBLE": "1"}, "True True"),
    ],
)
def test_rich_is_loaded_only_when_standard_error_may_be_a_terminal(
    env: dict[str, str], answer: str
) -> None:
    # A check piped to a file or a CI log shows no progress bar and need not import Rich.
    code = (
        "import sys; from steward.cli import main; "
        "print(main._stderr_is_terminal(), 'rich.console' in sys.modules)"
    )
    clean = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "TTY_COMPATIBLE")}
    done = subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.split() == answer.split()
