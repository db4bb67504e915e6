"""Events out: every new upstream release is published on an AMQP topic exchange.

Topics are shaped like Anitya's (``anitya.project.version.update``):
``steward.upstream.version.update``, one message per upstream with fresh releases, with
this JSON body (schema version 1)::

    {
      "schema": "steward.upstream.version.update/1",
      "upstream": "github:acme/tool",          # the upstream's key
      "kind": "github",
      "project": "acme/tool",
      "versions": ["1.3.0"],                   # the releases first seen by this check
      "upstream_versions": ["1.1.0", "1.2.0", "1.3.0"],   # every stored release
      "packages": [{"name": "tool", "version": "1.2.0", "recommended": "1.3.0"}],
      "tree": "/srv/src-openeuler",
      "time": "2026-12-08T03:20:00+00:00"     # when Steward published it
    }

Messages are persistent, JSON, on a durable topic exchange (``[service] amqp_exchange``).
A publish that fails is retried (three attempts, a new connection each); one that still
fails is kept in :attr:`Publisher.dead_letters` (and logged without the broker URL's
password), so one broker outage never stops a check.
"""

from __future__ import annotations

import datetime as _dt
import json
import logging
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = ["TOPIC_VERSION_UPDATE", "Publisher", "version_update"]

log = logging.getLogger("steward.service.events")

TOPIC_VERSION_UPDATE = "steward.upstream.version.update"
_ATTEMPTS = 3


def version_update(
    upstream: str,
    fresh: Sequence[str],
    all_versions: Sequence[str],
    packages: Sequence[Mapping[str, str | None]],
    tree: str,
    now: _dt.datetime | None = None,
) -> dict[str, Any]:
    """The body of a ``steward.upstream.version.update`` message."""
    kind, _, project = upstream.partition(":")
    return {
        "schema": f"{TOPIC_VERSION_UPDATE}/1",
        "upstream": upstream,
        "kind": kind,
        "project": project.split("[", 1)[0],
        "versions": list(fresh),
        "upstream_versions": list(all_versions),
        "packages": [dict(p) for p in packages],
        "tree": tree,
        "time": (now or _dt.datetime.now(_dt.UTC)).isoformat(),
    }


@dataclass
class Publisher:
    """Publishes to ``url`` (``amqp://user:pass@host:5672/vhost``) on ``exchange``."""

    url: str
    exchange: str = "steward"
    dead_letters: list[tuple[str, dict[str, Any], str]] = field(default_factory=list)
    published: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def publish(self, topic: str, body: Mapping[str, Any]) -> bool:
        """Send one message; ``False`` (and a dead letter) when every attempt failed."""
        payload = json.dumps(body, sort_keys=True).encode("utf-8")
        error = ""
        for attempt in range(_ATTEMPTS):
            try:
                self._send(topic, payload)
            except Exception as exc:  # broker down, refused, closed: retried
                error = f"{type(exc).__name__}: {exc}"
                time.sleep(0.2 * (attempt + 1))
                continue
            with self._lock:
                self.published += 1
            return True
        with self._lock:
            self.dead_letters.append((topic, dict(body), error))
        log.error("event %s not published after %d attempts: %s", topic, _ATTEMPTS, error)
        return False

    def _send(self, topic: str, payload: bytes) -> None:
        import pika

        parameters = pika.URLParameters(self.url)
        parameters.socket_timeout = 5
        parameters.blocked_connection_timeout = 5
        connection = pika.BlockingConnection(parameters)
        try:
            channel = connection.channel()
            channel.exchange_declare(self.exchange, exchange_type="topic", durable=True)
            channel.confirm_delivery()
            channel.basic_publish(
                self.exchange,
                topic,
                payload,
                pika.BasicProperties(content_type="application/json", delivery_mode=2, type=topic),
                mandatory=False,
            )
        finally:
            connection.close()
