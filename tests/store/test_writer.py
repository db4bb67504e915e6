"""The store writer process: batches in, one transaction each, and it survives its parent."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

from steward.store import CheckRecord, Store
from steward.store.writer import read_frame, write_frame
from steward.upstream.sources.base import Upstream
from steward.upstream.state import unpack_state
from steward.upstream.versions import Release


def test_frames_round_trip() -> None:
    stream = io.BytesIO()
    write_frame(stream, ("url", 7))
    write_frame(stream, None)
    stream.seek(0)
    assert read_frame(stream) == ("url", 7)
    assert read_frame(stream) is None
    assert read_frame(stream) is None  # the end of the input reads as the end frame


def _writer(frames: list[object]) -> tuple[list[object], subprocess.CompletedProcess[bytes]]:
    stdin = io.BytesIO()
    for frame in frames:
        write_frame(stdin, frame)
    proc = subprocess.run(
        [sys.executable, "-m", "steward.store.writer"],
        input=stdin.getvalue(),
        capture_output=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr.decode()
    out, replies = io.BytesIO(proc.stdout), []
    while (reply := read_frame(out)) is not None:
        replies.append(reply)
    return replies, proc


def _states(store: Store) -> dict[str, str]:
    """The stored states, uncompressed."""
    return {k: unpack_state(v).decode() for k, v in store.upstream_states().items()}


def _record(**changes: object) -> CheckRecord:
    fields: dict[str, object] = {
        "tree": "tree",
        "package": "jansson",
        "upstream": Upstream("github", "akheron/jansson"),
        "current_version": "2.13",
        "releases": [Release("v2.14", "2.14")],
    }
    fields.update(changes)
    return CheckRecord(**fields)  # type: ignore[arg-type]


def test_writer_commits_what_it_received_when_its_input_ends(tmp_path: Path) -> None:
    db = tmp_path / "store.sqlite"
    frames: list[object] = [
        ("open", str(db)),
        ("begin", "tree", True),
        ("run", 1, {}, False),
        ("batch", [_record()]),
    ]
    # No end frame: the input just stops, as when the run is killed.
    replies, _ = _writer(frames)
    assert len(replies) == 1
    assert replies[0] == ("ok", None, set(), {})
    with Store.open(db) as store:
        assert [r.package for r in store.latest_checks("tree")] == ["jansson"]
        assert [s.release.version for s in store.releases_for("github:akheron/jansson")] == ["2.14"]
        (run_id,) = [r.id for r in [store.unfinished_run("tree")] if r is not None]
        run = store.run(run_id)
        assert run is not None and not run.finished  # resumable
    # The next run of the same tree learns what the interrupted one stored, and resumes it.
    replies, _ = _writer(
        [("open", str(db)), ("begin", "tree", True), ("run", 1, {}, True), ("end", True)]
    )
    assert replies[0] == ("ok", 1, {"jansson"}, {})
    assert replies[1] == ("done", run_id, {}, None)
    with Store.open(db) as store:
        run = store.run(run_id)
        assert run is not None and run.finished


def test_writer_stores_replaces_and_forgets_upstream_states(tmp_path: Path) -> None:
    db = tmp_path / "store.sqlite"
    kept = _record(state_key="k", state=b'{"v":[],"r":[]}')
    replies, _ = _writer(
        [
            ("open", str(db)),
            ("begin", "tree", False),
            ("run", 1, {}, False),
            ("batch", [kept]),
            ("end", True),
        ]
    )
    # A new upstream's releases are not news.
    assert replies[-1][0] == "done" and replies[-1][2:] == ({}, None)  # type: ignore[index]
    with Store.open(db) as store:
        assert _states(store) == {"k": '{"v":[],"r":[]}'}
    # An unchanged upstream keeps its state; a failed check too; a fetch with nothing to
    # revalidate forgets it.
    unchanged = _record(state_key="k", unchanged=True)
    failed = _record(state_key="k", error_code="timeout", error_message="slow")
    replies, _ = _writer(
        [
            ("open", str(db)),
            ("begin", "tree", False),
            ("run", 1, {}, False),
            ("batch", [unchanged]),
            ("batch", [failed]),
            ("end", True),
        ]
    )
    assert {k: unpack_state(v).decode() for k, v in replies[0][-1].items()} == {  # type: ignore[index]
        "k": '{"v":[],"r":[]}'
    }
    with Store.open(db) as store:
        assert _states(store) == {"k": '{"v":[],"r":[]}'}
    _writer(
        [
            ("open", str(db)),
            ("begin", "tree", False),
            ("run", 1, {}, False),
            ("batch", [_record(state_key="k")]),
            ("end", True),
        ]
    )
    with Store.open(db) as store:
        assert _states(store) == {}


def test_writer_reports_a_store_it_cannot_open(tmp_path: Path) -> None:
    replies, _ = _writer(
        [("open", "postgresql://nobody@127.0.0.1:1/none"), ("begin", "tree", True)]
    )
    assert replies[0][0] == "error"  # type: ignore[index]
    assert "cannot open the store" in str(replies[0][1])  # type: ignore[index]


def test_a_store_that_fails_after_the_quick_answer_reports_it_at_the_end(tmp_path: Path) -> None:
    # An up-to-date SQLite store is answered at once, with sqlite3; should it then fail to
    # open through SQLAlchemy, the run learns it from the answer to its end frame.
    db = tmp_path / "store.db"
    Store.open(db).close()
    stdin = io.BytesIO()
    for frame in [
        ("open", str(db)),
        ("begin", "tree", True),
        ("run", 1, {}, False),
        ("batch", [_record()]),
        ("end", True),
    ]:
        write_frame(stdin, frame)
    program = (
        "import steward.store.queries as queries\n"
        "def refuse(url): raise RuntimeError('disk full')\n"
        "queries.Store.open = refuse\n"
        "from steward.store.writer import main\n"
        "main()\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", program], input=stdin.getvalue(), capture_output=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr.decode()
    out, replies = io.BytesIO(proc.stdout), []
    while (reply := read_frame(out)) is not None:
        replies.append(reply)
    assert replies == [("ok", None, set(), {}), ("done", None, {}, "disk full")]
