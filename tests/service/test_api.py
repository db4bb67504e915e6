"""The REST API over real HTTP: its OpenAPI contract, reads with ETags, the check endpoint."""

from __future__ import annotations

import json

import httpx
from conftest import PACKAGES, TOKEN, Service
from typer.testing import CliRunner

from steward.cli.main import app
from steward.service.server import ServerThread
from steward.service.state import ServiceState


def test_openapi_document_is_served_and_names_every_endpoint(service: Service) -> None:
    doc = service.client.get("/openapi.json").json()
    paths = doc["paths"]
    for path in ("/api/v1/packages", "/api/v1/outdated", "/api/v1/packages/{name}",
                 "/api/v1/packages/{name}/releases", "/webhooks/{forge}", "/healthz", "/readyz"):  # fmt: skip
        assert path in paths, path
    check = paths["/api/v1/packages/{name}/check"]["post"]
    assert check["security"] == [{"HTTPBearer": []}]
    assert {"401", "403", "404"} <= set(check["responses"])
    assert "PackageOut" in doc["components"]["schemas"]


def test_packages_list_every_package_with_its_stored_check(service: Service) -> None:
    page = service.client.get("/api/v1/packages", params={"limit": 1000}).json()
    assert page["total"] == len(PACKAGES)
    by_name = {p["name"]: p for p in page["items"]}
    read = by_name["api-read"]
    assert read["evr"] == "1.0-1"
    assert read["upstream"] == "pypi:api-read"
    assert read["newest"] == "1.1"
    assert read["status"] == "outdated"
    assert read["checked_at"] is not None


def test_packages_paginate_and_filter(service: Service) -> None:
    first = service.client.get("/api/v1/packages", params={"limit": 2, "offset": 0}).json()
    second = service.client.get("/api/v1/packages", params={"limit": 2, "offset": 2}).json()
    assert len(first["items"]) == 2 and len(second["items"]) == 2
    assert {p["name"] for p in first["items"]}.isdisjoint(p["name"] for p in second["items"])
    only = service.client.get("/api/v1/packages", params={"q": "GITEE"}).json()
    assert [p["name"] for p in only["items"]] == ["gitee-tag"]
    assert service.client.get("/api/v1/packages", params={"limit": 0}).status_code == 422


def test_outdated_lists_what_steward_outdated_lists(service: Service) -> None:
    api = service.client.get("/api/v1/outdated", params={"limit": 1000}).json()
    db = service.state.store.connection_url()
    result = CliRunner().invoke(app, ["outdated", str(service.tree), "--json", "--db", db])
    cli = json.loads(result.stdout)["packages"]
    assert sorted(p["name"] for p in api["items"]) == sorted(p["package"] for p in cli)
    assert {p["name"]: p["recommended"] for p in api["items"]} == {
        p["package"]: p["recommended"] for p in cli
    }


def test_reads_carry_an_etag_and_answer_304_when_unchanged(service: Service) -> None:
    first = service.client.get("/api/v1/packages/api-read")
    tag = first.headers["etag"]
    again = service.client.get("/api/v1/packages/api-read", headers={"If-None-Match": tag})
    assert again.status_code == 304
    other = service.client.get("/api/v1/packages/api-read", headers={"If-None-Match": '"x"'})
    assert other.status_code == 200 and other.json() == first.json()


def test_releases_carry_first_seen_times(service: Service) -> None:
    releases = service.client.get("/api/v1/packages/api-read/releases").json()
    assert [r["version"] for r in releases] == ["1.0", "1.1"]
    assert all(r["first_seen"] for r in releases)


def test_unknown_package_is_404(service: Service) -> None:
    assert service.client.get("/api/v1/packages/nope").status_code == 404
    assert service.client.get("/api/v1/packages/nope/releases").status_code == 404
    answer = service.client.post(
        "/api/v1/packages/nope/check", headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert answer.status_code == 404


def test_check_endpoint_refuses_without_the_token(service: Service) -> None:
    before = service.upstream_requests()
    assert service.client.post("/api/v1/packages/api-check/check").status_code == 401
    wrong = service.client.post(
        "/api/v1/packages/api-check/check", headers={"Authorization": "Bearer wrong"}
    )
    assert wrong.status_code == 401
    assert wrong.headers["www-authenticate"] == "Bearer"
    assert service.upstream_requests() == before


def test_check_endpoint_asks_the_upstream_and_stores_the_answer(service: Service) -> None:
    service.up.release("pypi", "api-check", "1.2")
    answer = service.client.post(
        "/api/v1/packages/api-check/check", headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["package"]["newest"] == "1.2"
    assert body["requests"] >= 1
    stored = service.client.get("/api/v1/packages/api-check").json()
    assert stored["newest"] == "1.2" and stored["recommended"] == "1.2"


def test_health_and_readiness(service: Service) -> None:
    health = service.client.get("/healthz").json()
    assert health["status"] == "ok" and health["packages"] == len(PACKAGES)
    assert service.client.get("/readyz").json() == {"status": "ready"}


def test_without_a_configured_token_every_write_is_refused(service: Service) -> None:
    settings = service.state.config.service.model_copy(update={"token": None})
    config = service.state.config.model_copy(update={"service": settings})
    bare = ServiceState(distro=service.state.distro, config=config, store=service.state.store)
    with ServerThread(bare) as server:
        for auth in ({}, {"Authorization": f"Bearer {TOKEN}"}, {"Authorization": "Bearer x"}):
            answer = httpx.post(f"{server.url}/api/v1/packages/api-check/check", headers=auth)
            assert answer.status_code == 403, auth
            assert "no [service] token" in answer.json()["detail"]
        assert httpx.get(f"{server.url}/api/v1/packages/api-check").status_code == 200
