"""Events out on the machine's RabbitMQ: a webhook's new release is published as
``steward.upstream.version.update``; a broker that is not there costs a dead letter only."""

from __future__ import annotations

import json
import socket
import uuid

import httpx
import payloads
from conftest import SECRETS, Service
from envneeds import needs, require_module
from fakeupstream import FakeRelease

from steward.service.events import TOPIC_VERSION_UPDATE, Publisher
from steward.service.server import ServerThread
from steward.service.state import ServiceState

AMQP = "amqp://guest:guest@127.0.0.1:5672/%2F"


def _rabbit_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 5672), 1).close()
    except OSError:
        return False
    return True


@needs(_rabbit_up(), "RabbitMQ on 127.0.0.1:5672")
def test_a_new_release_is_published_on_the_topic_exchange(service: Service) -> None:
    pika = require_module("pika")
    exchange = f"steward-test-{uuid.uuid4().hex[:8]}"
    connection = pika.BlockingConnection(pika.URLParameters(AMQP))
    channel = connection.channel()
    channel.exchange_declare(exchange, exchange_type="topic", durable=True)
    queue = channel.queue_declare("", exclusive=True).method.queue
    channel.queue_bind(queue, exchange, routing_key="steward.upstream.#")
    settings = service.state.config.service.model_copy(
        update={"amqp_url": AMQP, "amqp_exchange": exchange}
    )
    config = service.state.config.model_copy(update={"service": settings})
    state = ServiceState(distro=service.state.distro, config=config, store=service.state.store)
    try:
        with ServerThread(state) as server:
            service.up.release("github", "acme/gh-push", FakeRelease("v3.0", date="2026-12-08"))
            headers, body = payloads.github_release("acme/gh-push", "v3.0", SECRETS["github"])
            answer = httpx.post(f"{server.url}/webhooks/github", headers=headers, content=body)
            assert answer.json()["status"] == "queued"
            assert state.idle(20)
        method, properties, message = channel.basic_get(queue, auto_ack=True)
        assert method is not None, "no event was published"
        assert method.routing_key == TOPIC_VERSION_UPDATE
        assert properties.content_type == "application/json" and properties.delivery_mode == 2
        event = json.loads(message)
        assert event["upstream"] == "github:acme/gh-push"
        assert event["versions"] == ["3.0"]
        assert event["packages"][0]["name"] == "gh-push"
        assert event["packages"][0]["recommended"] == "3.0"
        assert channel.basic_get(queue, auto_ack=True)[0] is None  # exactly one
    finally:
        channel.exchange_delete(exchange)
        connection.close()


def test_a_broker_that_is_not_there_leaves_a_dead_letter() -> None:
    require_module("pika")
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    publisher = Publisher(f"amqp://guest:secretpw@127.0.0.1:{port}/%2F")
    assert not publisher.publish(TOPIC_VERSION_UPDATE, {"upstream": "github:o/r"})
    [(topic, body, error)] = publisher.dead_letters
    assert topic == TOPIC_VERSION_UPDATE and body == {"upstream": "github:o/r"}
    assert "secretpw" not in error
