"""The webhook receiver over real HTTP: each forge's scheme, replays, hostile deliveries.

A webhook is a hint: an accepted one queues a re-check of the upstream through the engine
(the fake upstream is the truth), so a lying event stores the upstream's answer, and a
forged or replayed one is refused before any upstream request.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

import httpx
import payloads
import pytest
from conftest import SECRETS, Service
from fakeupstream import FakeRelease

from steward.service.server import ServerThread
from steward.service.state import ServiceState


def post(service: Service, forge: str, delivery: tuple[dict[str, str], bytes]) -> Any:
    headers, body = delivery
    return service.client.post(f"/webhooks/{forge}", headers=headers, content=body)


def newest(service: Service, package: str) -> str | None:
    value: str | None = service.client.get(f"/api/v1/packages/{package}").json()["newest"]
    return value


def settle(service: Service) -> None:
    assert service.state.idle(20), "the queued re-check did not finish"


def test_github_release_event_makes_the_new_version_appear(service: Service) -> None:
    service.up.release("github", "acme/gh-release", FakeRelease("v1.2", date="2026-12-07"))
    answer = post(service, "github", payloads.github_release("acme/gh-release", "v1.2",
                                                             SECRETS["github"]))  # fmt: skip
    assert answer.status_code == 202, answer.text
    assert answer.json()["status"] == "queued"
    assert answer.json()["packages"] == ["gh-release"]
    settle(service)
    assert newest(service, "gh-release") == "1.2"


def test_github_tag_push_is_a_hint_and_branch_pushes_are_ignored(service: Service) -> None:
    service.up.release("github", "acme/gh-push", FakeRelease("v1.3", date="2026-12-07"))
    answer = post(service, "github", payloads.github_tag_push("acme/gh-push", "v1.3",
                                                              SECRETS["github"]))  # fmt: skip
    assert answer.json()["status"] == "queued"
    settle(service)
    assert newest(service, "gh-push") == "1.3"
    doc = {"ref": "refs/heads/main", "repository": {"full_name": "acme/gh-push"}}
    branch = post(service, "github", payloads.github(doc, "push", SECRETS["github"]))
    assert branch.status_code == 202 and branch.json()["status"] == "ignored"


def test_forged_signature_is_refused_before_any_upstream_request(service: Service) -> None:
    service.up.release("github", "acme/gh-forged", FakeRelease("v9.0", date="2026-12-07"))
    settle(service)
    before = service.upstream_requests()
    forged = payloads.github_release("acme/gh-forged", "v9.0", "not-the-secret")
    assert post(service, "github", forged).status_code == 401
    headers, body = payloads.github_release("acme/gh-forged", "v9.0", SECRETS["github"])
    del headers["X-Hub-Signature-256"]
    unsigned = post(service, "github", (headers, body))
    assert unsigned.status_code == 401 and unsigned.json()["code"] == "unsigned"
    # The body changed after signing: the signature no longer matches.
    headers, body = payloads.github_release("acme/gh-forged", "v1.0", SECRETS["github"])
    tampered = body.replace(b'"v1.0"', b'"v9.0"')
    assert post(service, "github", (headers, tampered)).status_code == 401
    settle(service)
    assert service.upstream_requests() == before
    assert newest(service, "gh-forged") == "1.1"


def test_replayed_delivery_is_refused_and_costs_nothing(service: Service) -> None:
    delivery = payloads.github_release("acme/gh-release", "v1.2", SECRETS["github"],
                                       delivery="72d3162e-cc78-11e3-81ab-4c9367dc0958")  # fmt: skip
    assert post(service, "github", delivery).status_code == 202
    settle(service)
    before = service.upstream_requests()
    again = post(service, "github", delivery)
    assert again.status_code == 409 and again.json()["code"] == "replay"
    settle(service)
    assert service.upstream_requests() == before


def test_lying_event_costs_one_check_and_stores_only_the_upstreams_answer(
    service: Service,
) -> None:
    settle(service)
    before = service.upstream_requests()
    lie = payloads.github_release("acme/gh-lie", "v99.0", SECRETS["github"])
    assert post(service, "github", lie).json()["status"] == "queued"
    settle(service)
    spent = service.upstream_requests() - before
    # One check of the package, no more (a GitHub check reads its releases and tags).
    direct_before = service.upstream_requests()
    service.state.check(["gh-lie"])
    assert spent <= service.upstream_requests() - direct_before
    assert spent >= 1
    assert newest(service, "gh-lie") == "1.1"
    versions = [r["version"] for r in service.client.get("/api/v1/packages/gh-lie/releases").json()]
    assert "99.0" not in versions


def test_gitlab_tag_push_with_its_token(service: Service) -> None:
    service.up.release("gitlab", "group/sub/gl-tag", FakeRelease("v1.4", date="2026-12-07"))
    wrong = payloads.gitlab_tag_push("group/sub/gl-tag", "v1.4", "guess")
    assert post(service, "gitlab", wrong).status_code == 401
    good = payloads.gitlab_tag_push("group/sub/gl-tag", "v1.4", SECRETS["gitlab"])
    answer = post(service, "gitlab", good)
    assert answer.json()["packages"] == ["gl-tag"], answer.text
    settle(service)
    assert newest(service, "gl-tag") == "1.4"


def test_gitee_tag_push_signed_with_timestamp_and_secret(service: Service) -> None:
    service.up.release("gitee", "openeuler/gitee-tag", FakeRelease("v2.0", date="2026-12-07"))
    good = payloads.gitee_tag_push("openeuler/gitee-tag", "v2.0", SECRETS["gitee"])
    answer = post(service, "gitee", good)
    assert answer.json()["packages"] == ["gitee-tag"], answer.text
    settle(service)
    assert newest(service, "gitee-tag") == "2.0"
    # The same timestamp and signature again is a replay.
    assert post(service, "gitee", good).status_code == 409


def test_gitee_old_timestamp_and_wrong_secret_are_refused(service: Service) -> None:
    two_hours_ago = int((time.time() - 7200) * 1000)
    old = payloads.gitee_tag_push("openeuler/gitee-tag", "v2.0", SECRETS["gitee"],
                                  timestamp_ms=two_hours_ago)  # fmt: skip
    answer = post(service, "gitee", old)
    assert answer.status_code == 401 and answer.json()["code"] == "stale"
    wrong = payloads.gitee_tag_push("openeuler/gitee-tag", "v2.0", "SECwrong")
    assert post(service, "gitee", wrong).json()["code"] == "bad-signature"


def test_gitea_and_forgejo_release_events(service: Service) -> None:
    service.up.release("gitea", "acme/gitea-rel", FakeRelease("v1.5", date="2026-12-07"))
    answer = post(service, "forgejo", payloads.gitea_release("acme/gitea-rel", "v1.5",
                                                             SECRETS["gitea"]))  # fmt: skip
    assert answer.json()["packages"] == ["gitea-rel"], answer.text
    settle(service)
    assert newest(service, "gitea-rel") == "1.5"
    # Another instance's repository of the same name is not this package's upstream.
    elsewhere = payloads.gitea_release("acme/gitea-rel", "v1.6", SECRETS["gitea"],
                                       host="gitea.example.org")  # fmt: skip
    assert post(service, "gitea", elsewhere).json()["status"] == "ignored"


def test_hostile_deliveries_get_clear_4xx(service: Service) -> None:
    settle(service)
    before = service.upstream_requests()
    huge = payloads.github({"padding": "x" * 100_000}, "release", SECRETS["github"])
    assert post(service, "github", huge).status_code == 413
    not_json = payloads.github({}, "release", SECRETS["github"])
    headers, _ = not_json
    bad = payloads.github({}, "release", SECRETS["github"])[1][:-1] + b"{{"
    headers["X-Hub-Signature-256"] = (
        "sha256=" + hmac.new(SECRETS["github"].encode(), bad, hashlib.sha256).hexdigest()
    )
    answer = post(service, "github", (headers, bad))
    assert answer.status_code == 400 and answer.json()["code"] == "bad-json"
    nameless = payloads.github({"release": {"tag_name": "v1"}}, "release", SECRETS["github"])
    assert post(service, "github", nameless).status_code == 400
    assert service.client.post("/webhooks/bitbucket", content=b"{}").status_code == 404
    issue = payloads.github({"action": "opened", "issue": {}}, "issues", SECRETS["github"])
    assert post(service, "github", issue).json()["status"] == "ignored"
    unknown = payloads.github_release("someone/else", "v1", SECRETS["github"])
    assert post(service, "github", unknown).json()["reason"] == "no package follows this upstream"
    settle(service)
    assert service.upstream_requests() == before
    assert json.loads(service.client.get("/healthz").text)["webhooks_refused"] >= 3


def test_a_forge_without_a_configured_secret_is_refused(service: Service) -> None:
    config = service.state.config.model_copy(
        update={"service": service.state.config.service.model_copy(update={"webhook_secrets": {}})}
    )
    bare = ServiceState(distro=service.state.distro, config=config, store=service.state.store)
    with ServerThread(bare) as server:
        headers, body = payloads.github_release("acme/gh-release", "v1.2", SECRETS["github"])
        answer = httpx.post(f"{server.url}/webhooks/github", headers=headers, content=body)
        assert answer.status_code == 403 and answer.json()["code"] == "no-secret"


@pytest.mark.parametrize("forge", ["github", "gitlab", "gitee", "gitea"])
def test_every_forge_refuses_an_unsigned_delivery(service: Service, forge: str) -> None:
    answer = service.client.post(f"/webhooks/{forge}", content=b'{"ref": "refs/tags/v1"}')
    assert answer.status_code == 401


def test_an_oversized_body_without_content_length_is_cut_off(service: Service) -> None:
    def chunks() -> Any:
        for _ in range(200):
            yield b"x" * 1024

    headers = {"X-GitHub-Event": "release", "X-Hub-Signature-256": "sha256=00"}
    answer = service.client.post("/webhooks/github", headers=headers, content=chunks())
    assert answer.status_code == 413
