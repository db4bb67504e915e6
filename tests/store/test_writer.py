"""The store writer process: batches in, one transaction each, and it survives its parent."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

from steward.store import CheckRecord, Store
from steward.store.writer import read_frame, write_frame
from steward.upstream.sources.base import Upstream
from steward.upstream.versions import Release


def test_frames_round_trip() -> None:
    stream = io.BytesIO()
    write_frame(stream, ("url", 7))
    write_frame(stream, None)
    stream.seek(0)
    assert read_frame(stream) == ("url", 7)
    assert read_frame(stream) is None
    assert read_frame(stream) is None  # the end of the input reads as the end frame


def test_writer_commits_what_it_received_when_its_input_ends(tmp_path: Path) -> None:
    db = tmp_path / "store.sqlite"
    with Store.open(db) as store:
        run_id = store.start_run("tree", 1)
        url = store.connection_url()
    record = CheckRecord(
        tree="tree",
        package="jansson",
        upstream=Upstream("github", "akheron/jansson"),
        current_version="2.13",
        releases=[Release("v2.14", "2.14")],
    )
    stdin = io.BytesIO()
    write_frame(stdin, (url, run_id))
    write_frame(stdin, ([record], {}))
    # No end frame: the input just stops, as when the run is killed.
    proc = subprocess.run(
        [sys.executable, "-m", "steward.store.writer"],
        input=stdin.getvalue(),
        capture_output=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr.decode()
    assert json.loads(proc.stdout) == {"fresh": {}, "error": None}
    with Store.open(db) as store:
        assert [r.package for r in store.latest_checks("tree")] == ["jansson"]
        assert [s.release.version for s in store.releases_for("github:akheron/jansson")] == ["2.14"]
