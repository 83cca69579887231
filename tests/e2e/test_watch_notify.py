"""Webhooks of changes, posted to a receiver: a real HTTP server on 127.0.0.1 in a thread."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import select
from support.watch_samples import ADDED, T0, archive_and_note, three_edits

from archiver.crawler.capture.targets import TargetPolicy
from archiver.services.watch.webhooks import WebhookSender
from storage.catalogue.models import WebhookDelivery


class Receiver:
    """A webhook receiver on 127.0.0.1 that answers 500 to the first ``failures`` POSTs."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.bodies: list[dict] = []
        self.attempts = 0

    @contextmanager
    def running(self) -> Iterator[str]:
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.attempts += 1
                if receiver.attempts <= receiver.failures:
                    self.send_response(500)
                else:
                    receiver.bodies.append(json.loads(body))
                    self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}/hook"
        finally:
            server.shutdown()
            server.server_close()
            thread.join()


class FakeClock:
    def __init__(self, now):
        self.now = now

    def __call__(self):
        return self.now


def deliveries(archive) -> list[WebhookDelivery]:
    with archive.db.session() as session:
        return list(session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)))


def test_webhook_receiver_gets_one_post_per_change(archive):
    receiver = Receiver()
    with receiver.running() as url:
        changes = three_edits(archive, webhook_url=url)
        clock = FakeClock(T0 + timedelta(days=1))
        sender = WebhookSender(archive.db, policy=TargetPolicy.parse("127.0.0.1"), clock=clock)
        assert sender.drain() == 3
        assert sender.drain() == 0  # delivered: never sent twice
    assert [body["id"] for body in receiver.bodies] == [c.id for c in changes]
    assert [body["fields"] for body in receiver.bodies] == [["title"], ["body"], ["authors"]]
    assert receiver.bodies[1]["details"]["body"]["added"] == [ADDED]
    assert all(d.delivered_at == clock.now and d.attempts == 1 for d in deliveries(archive))


def test_webhook_retries_with_backoff_until_the_receiver_takes_it(archive):
    receiver = Receiver(failures=2)
    with receiver.running() as url:
        archive_and_note(archive, "v1", T0, webhook_url=url)
        change = archive_and_note(archive, "v2", T0 + timedelta(hours=1), webhook_url=url)
        clock = FakeClock(T0 + timedelta(hours=1))
        sender = WebhookSender(archive.db, policy=TargetPolicy.parse("127.0.0.1"), backoff=30.0, clock=clock)
        assert sender.drain() == 0  # 500
        [delivery] = deliveries(archive)
        assert delivery.attempts == 1 and delivery.last_error == "HTTP 500"
        assert delivery.next_attempt_at == clock.now + timedelta(seconds=30)
        clock.now += timedelta(seconds=29)
        assert sender.drain() == 0 and receiver.attempts == 1  # not due yet: no POST
        clock.now += timedelta(seconds=1)
        assert sender.drain() == 0  # 500 again; the wait doubles
        [delivery] = deliveries(archive)
        assert delivery.attempts == 2 and delivery.next_attempt_at == clock.now + timedelta(seconds=60)
        clock.now += timedelta(seconds=60)
        assert sender.drain() == 1
    assert receiver.attempts == 3 and [b["id"] for b in receiver.bodies] == [change.id]
    [delivery] = deliveries(archive)
    assert delivery.delivered_at == clock.now and delivery.attempts == 3


def test_webhook_gives_up_after_the_last_attempt(archive):
    receiver = Receiver(failures=10)
    with receiver.running() as url:
        archive_and_note(archive, "v1", T0, webhook_url=url)
        archive_and_note(archive, "v2", T0 + timedelta(hours=1), webhook_url=url)
        clock = FakeClock(T0 + timedelta(hours=1))
        sender = WebhookSender(archive.db, policy=TargetPolicy.parse("127.0.0.1"), attempts=3, backoff=1.0,
                               clock=clock)
        for _ in range(5):
            sender.drain()
            clock.now += timedelta(hours=2)
    assert receiver.attempts == 3
    [delivery] = deliveries(archive)
    assert delivery.gave_up and delivery.delivered_at is None


@pytest.mark.parametrize("allowed", ["", "10.0.0.0/8"])
def test_webhook_to_a_private_address_is_refused_unless_allowed(archive, allowed):
    receiver = Receiver()
    with receiver.running() as url:
        archive_and_note(archive, "v1", T0, webhook_url=url)
        archive_and_note(archive, "v2", T0 + timedelta(hours=1), webhook_url=url)
        sender = WebhookSender(archive.db, policy=TargetPolicy.parse(allowed), clock=FakeClock(T0 + timedelta(hours=1)))
        assert sender.drain() == 0
    assert receiver.attempts == 0  # never contacted
    [delivery] = deliveries(archive)
    assert delivery.gave_up and "not a public address" in delivery.last_error


def test_webhook_name_that_rebinds_to_a_private_address_after_the_check_is_refused(archive, monkeypatch):
    """DNS rebinding: the name resolves to a public address for the check, then to 127.0.0.1 for the connection."""
    import socket

    receiver = Receiver()
    real_getaddrinfo = socket.getaddrinfo
    with receiver.running() as local_url:
        port = int(local_url.rsplit(":", 1)[1].split("/")[0])
        answers = iter([[(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port))]])

        def rebinding(host, *args, **kwargs):
            if host != "hook.example":
                return real_getaddrinfo(host, *args, **kwargs)
            return next(answers, [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))])

        monkeypatch.setattr(socket, "getaddrinfo", rebinding)
        url = f"http://hook.example:{port}/hook"
        archive_and_note(archive, "v1", T0, webhook_url=url)
        archive_and_note(archive, "v2", T0 + timedelta(hours=1), webhook_url=url)
        sender = WebhookSender(archive.db, policy=TargetPolicy.parse(""), clock=FakeClock(T0 + timedelta(hours=1)))
        assert sender.drain() == 0
    assert receiver.attempts == 0  # the connection went nowhere
    [delivery] = deliveries(archive)
    assert delivery.gave_up and "127.0.0.1 is not a public address" in delivery.last_error
