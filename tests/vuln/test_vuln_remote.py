"""``steward vulns sync`` with URL sources: fetched through the fetch engine over real HTTP
on loopback, conditionally (a refresh of an unchanged feed downloads no body), and a CSAF
provider's ``changes.csv``/``index.txt`` read incrementally."""

from __future__ import annotations

import hashlib
import io
import threading
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from steward.store import Store
from steward.store.advisories import advisory_sources, load_advisories
from steward.upstream.fetch import FetchConfig
from steward.workflows.vulns import SyncResult, sync_sources

WRITTEN = Path(__file__).parent / "data" / "example-advisories"
DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
LOOPBACK = FetchConfig(allowed_hosts=frozenset({"127.0.0.1"}), max_retries=0)


@dataclass
class Feed:
    """A loopback server answering with ETags and 304 to a matching If-None-Match."""

    files: dict[str, bytes] = field(default_factory=dict)
    log: list[tuple[str, int, str | None]] = field(default_factory=list)
    base: str = ""

    def url(self, path: str) -> str:
        return f"{self.base}/{path}"

    def served(self, status: int) -> list[str]:
        return [path for path, code, _ in self.log if code == status]


@pytest.fixture
def feed() -> Iterator[Feed]:
    state = Feed()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.lstrip("/")
            body = state.files.get(path)
            sent = self.headers.get("If-None-Match")
            if body is None:
                state.log.append((path, 404, sent))
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
            if sent == etag:
                state.log.append((path, 304, sent))
                self.send_response(304)
                self.send_header("ETag", etag)
                self.end_headers()
                return
            state.log.append((path, 200, sent))
            self.send_response(200)
            self.send_header("ETag", etag)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def _sync(db: Path, *urls: str) -> list[SyncResult]:
    with Store.open(db) as store:
        return sync_sources(
            store, list(urls), fetch=LOOPBACK, validators=db.parent / "validators.json"
        )


def _names(db: Path, name: str) -> list[str]:
    with Store.open(db) as store:
        return [a.id for a in load_advisories(store, [name], None)]


def test_an_unchanged_document_url_is_answered_304_and_not_read_again(
    feed: Feed, tmp_path: Path
) -> None:
    feed.files["osv/OESA-2099-1001.json"] = (WRITTEN / "OESA-2099-1001.json").read_bytes()
    db = tmp_path / "store.db"
    url = feed.url("osv/OESA-2099-1001.json")
    (first,) = _sync(db, url)
    assert first.replaced and first.advisories == 1 and not first.unchanged
    (again,) = _sync(db, url)  # a new process's store: the cache is the database's
    assert again.unchanged and not again.replaced and again.advisories == 1
    assert feed.log[-1][1] == 304 and feed.log[-1][2] is not None, "asked conditionally"
    assert feed.served(200) == ["osv/OESA-2099-1001.json"]  # one body in all
    assert _names(db, "jansson") == ["OESA-2099-1001"]


def test_an_osv_data_dump_zip_by_url_is_read_member_by_member(feed: Feed, tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in ("OESA-2099-1001.json", "OESA-2099-1002.json"):
            archive.write(WRITTEN / name, name)
        archive.writestr("broken.json", b'{"id": "OESA-BAD", "affected": 3}')
    feed.files["openEuler/all.zip"] = buffer.getvalue()
    (result,) = _sync(tmp_path / "store.db", feed.url("openEuler/all.zip"))
    assert result.replaced and result.advisories == 2
    (error,) = result.errors
    assert error.origin == feed.url("openEuler/all.zip") + "!broken.json"


def _provider(feed: Feed, times: dict[str, str]) -> None:
    rows = "".join(f'"{path}","{when}"\n' for path, when in times.items())
    feed.files["csaf/changes.csv"] = rows.encode()
    feed.files["csaf/index.txt"] = "".join(f"{path}\n" for path in times).encode()


def test_changes_csv_is_read_incrementally_and_an_unchanged_one_downloads_nothing(
    feed: Feed, tmp_path: Path
) -> None:
    feed.files["csaf/2025/csaf-openeuler-sa-2025-1004.json"] = (
        DATA / "csaf" / "openeuler" / "csaf-openeuler-sa-2025-1004.json"
    ).read_bytes()
    feed.files["csaf/2099/csaf-openeuler-sa-2099-1009.json"] = (
        WRITTEN / "csaf-openeuler-sa-2099-1009.json"
    ).read_bytes()
    _provider(
        feed,
        {
            "2025/csaf-openeuler-sa-2025-1004.json": "2025-01-10T00:00:00Z",
            "2099/csaf-openeuler-sa-2099-1009.json": "2025-01-11T00:00:00Z",
        },
    )
    db = tmp_path / "store.db"
    index = feed.url("csaf/changes.csv")
    results = _sync(db, index)
    summary = results[-1]
    assert summary.key == index and summary.replaced and summary.documents == 2
    assert summary.advisories > 0 and _names(db, "python-jinja2")
    assert len(feed.served(200)) == 3

    feed.log.clear()
    (unchanged,) = _sync(db, index)
    assert unchanged.unchanged
    assert [code for _, code, _ in feed.log] == [304], "only the index, answered 304"

    # A new document: only it is asked for (the others changed before the last sync).
    feed.files["csaf/2026/new.json"] = (WRITTEN / "csaf-openeuler-sa-2099-1009.json").read_bytes()
    _provider(
        feed,
        {
            "2025/csaf-openeuler-sa-2025-1004.json": "2025-01-10T00:00:00Z",
            "2099/csaf-openeuler-sa-2099-1009.json": "2025-01-11T00:00:00Z",
            "2026/new.json": "2999-01-01T00:00:00Z",
        },
    )
    feed.log.clear()
    results = _sync(db, index)
    assert [path for path, _, _ in feed.log] == ["csaf/changes.csv", "csaf/2026/new.json"]
    assert results[-1].documents == 1
    sources = {row.key for row in _rows(db)}
    assert feed.url("csaf/2026/new.json") in sources and index in sources


def _rows(db: Path) -> list[object]:
    with Store.open(db) as store:
        return list(advisory_sources(store))


def test_index_txt_asks_for_every_document_conditionally_and_refuses_paths_outside(
    feed: Feed, tmp_path: Path
) -> None:
    feed.files["csaf/a/one.json"] = (WRITTEN / "csaf-openeuler-sa-2099-1009.json").read_bytes()
    feed.files["csaf/index.txt"] = b"a/one.json\n../secret.json\nhttp://127.0.0.2/x.json\n"
    db = tmp_path / "store.db"
    results = _sync(db, feed.url("csaf/index.txt"))
    summary = results[-1]
    assert summary.replaced and summary.documents == 1
    assert sorted(e.record or "" for e in summary.errors) == ["line 2", "line 3"]
    assert all(path != "secret.json" for path, _, _ in feed.log)
    # The index changes (a line added) but the document does not: it is answered 304.
    feed.files["csaf/index.txt"] = b"a/one.json\n\n"
    feed.log.clear()
    results = _sync(db, feed.url("csaf/index.txt"))
    assert [(p, c) for p, c, _ in feed.log] == [("csaf/index.txt", 200), ("csaf/a/one.json", 304)]
    assert results[-1].not_modified == 1 and results[-1].documents == 0
    assert _names(db, "python3-requests")


def test_a_failing_document_keeps_its_previous_import_and_the_rest_go_on(
    feed: Feed, tmp_path: Path
) -> None:
    feed.files["osv/good.json"] = (WRITTEN / "OESA-2099-1001.json").read_bytes()
    db = tmp_path / "store.db"
    missing, good = _sync(db, feed.url("osv/missing.json"), feed.url("osv/good.json"))
    assert not missing.replaced and "404" in str(missing.errors[0])
    assert good.replaced and good.advisories == 1


def test_the_command_syncs_a_url_and_says_when_it_was_unchanged(
    feed: Feed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    from typer.testing import CliRunner

    from steward.cli.main import app

    feed.files["osv/OESA-2099-1001.json"] = (WRITTEN / "OESA-2099-1001.json").read_bytes()
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    config = tmp_path / "steward.toml"
    config.write_text("[network]\nallow_private = true\nretries = 0\n")
    args = ["vulns", "sync", "-a", feed.url("osv/OESA-2099-1001.json"), "--json"]
    args += ["--db", f"sqlite:///{tmp_path / 'store.db'}", "--config", str(config)]
    first = CliRunner().invoke(app, args)
    assert first.exit_code == 0, first.output
    (source,) = json.loads(first.stdout)["sources"]
    assert source["key"] == feed.url("osv/OESA-2099-1001.json") and source["replaced"]
    again = CliRunner().invoke(app, args)
    assert again.exit_code == 0, again.output
    (source,) = json.loads(again.stdout)["sources"]
    assert source["unchanged"] and source["advisories"] == 1
    assert (tmp_path / "cache" / "steward" / "advisory-validators.json").is_file()
    # Another store has no import of that URL: it is asked for whole, never "unchanged".
    other = [*args[:-4], "--db", f"sqlite:///{tmp_path / 'other.db'}", "--config", str(config)]
    (source,) = json.loads(CliRunner().invoke(app, other).stdout)["sources"]
    assert source["replaced"] and not source["unchanged"]


def test_validators_are_kept_only_while_the_store_holds_the_import(
    feed: Feed, tmp_path: Path
) -> None:
    feed.files["osv/a.json"] = (WRITTEN / "OESA-2099-1001.json").read_bytes()
    db = tmp_path / "store.db"
    _sync(db, feed.url("osv/a.json"))
    feed.files["osv/a.json"] = b"not json at all"
    (broken,) = _sync(db, feed.url("osv/a.json"))  # a 200 with nothing readable
    assert not broken.replaced and _names(db, "jansson") == ["OESA-2099-1001"]
    feed.log.clear()
    (again,) = _sync(db, feed.url("osv/a.json"))
    assert feed.log[0][2] is None, "after a failed import the next request is unconditional"
    assert not again.unchanged
