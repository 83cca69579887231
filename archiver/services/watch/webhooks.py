"""Webhook delivery of detected changes, from a persistent outbox the scheduler drains.

Why an outbox table drained by ``archiver scheduler`` rather than a thread in the crawl: the
crawl only inserts a row (in the transaction that records the change), so a slow or dead
receiver never slows a crawl, and deliveries survive restarts of both. Each delivery is one
JSON POST (:func:`archiver.services.watch.present.change_dict`); a failure (connection error, timeout,
non-2xx answer) is retried after ``backoff`` seconds, doubled each time (at most an hour), up
to ``attempts`` attempts, then given up. Attempts are claimed by a conditional update, so two
schedulers never POST one attempt twice.

Targets obey the web API's address policy (:class:`archiver.crawler.capture.targets.TargetPolicy`):
a target on a private, loopback or otherwise non-public address is refused (given up at once,
with the reason) unless ``ARCHIVER_ALLOW_PRIVATE_TARGETS`` allows it. The check is made on the
address the connection is actually opened to (resolved once, checked, then connected to), so a
name that resolves to a public address for the check and to a private one for the connection
(DNS rebinding) gets nowhere. Redirects are not followed, and environment proxies are not used.
"""

from __future__ import annotations

import functools
import http.client
import json
import logging
import socket
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from archiver import __version__
from archiver.crawler.capture.targets import BlockedTarget, TargetPolicy
from archiver.services.watch.present import change_dict
from storage.catalogue import Catalogue, Database, utcnow

__all__ = ["WebhookSender"]

log = logging.getLogger(__name__)

_MAX_DELAY = 3600.0


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:  # a redirect could lead past the guard
        return None


def _guarded_socket(host: str, port: int, timeout: float | None, policy: TargetPolicy, url: str) -> socket.socket:
    """A socket connected to an address of ``host`` that ``policy`` allows: each address is checked, then used."""
    last_error: OSError | None = None
    for family, kind, proto, _name, address in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM):
        policy.check_address(url, str(address[0]))
        sock = socket.socket(family, kind, proto)
        try:
            sock.settimeout(timeout)
            sock.connect(address)
            return sock
        except OSError as exc:
            sock.close()
            last_error = exc
    raise last_error or OSError(f"{host} has no address")


class _GuardedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, *args: Any, policy: TargetPolicy, url: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._policy, self._url = policy, url

    def connect(self) -> None:
        self.sock = _guarded_socket(self.host, self.port, self.timeout, self._policy, self._url)


class _GuardedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, *args: Any, policy: TargetPolicy, url: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._policy, self._url = policy, url

    def connect(self) -> None:
        sock = _guarded_socket(self.host, self.port, self.timeout, self._policy, self._url)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


class _GuardedHTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, policy: TargetPolicy) -> None:
        super().__init__()
        self.policy = policy

    def http_open(self, req: urllib.request.Request) -> Any:
        return self.do_open(functools.partial(_GuardedHTTPConnection, policy=self.policy, url=req.full_url), req)


class _GuardedHTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, policy: TargetPolicy) -> None:
        super().__init__()
        self.policy = policy

    def https_open(self, req: urllib.request.Request) -> Any:
        return self.do_open(functools.partial(_GuardedHTTPSConnection, policy=self.policy, url=req.full_url), req,
                            context=self._context)


class WebhookSender:
    """Delivers due webhook deliveries of one catalogue."""

    def __init__(self, db: Database, *, policy: TargetPolicy, attempts: int = 6, backoff: float = 30.0,
                 timeout: float = 10.0, clock: Callable[[], datetime] = utcnow, per_drain: int = 20) -> None:
        self.db = db
        self.catalogue = Catalogue(db)
        self.policy = policy
        self.attempts = attempts
        self.backoff = backoff
        self.timeout = timeout
        self.clock = clock
        self.per_drain = per_drain
        self._opener = urllib.request.build_opener(_NoRedirect, urllib.request.ProxyHandler({}),
                                                   _GuardedHTTPHandler(policy), _GuardedHTTPSHandler(policy))

    def drain(self) -> int:
        """Attempt the deliveries that are due (at most ``per_drain``); return how many were delivered."""
        now = self.clock()
        claimed = [(delivery.id, delivery.target_url, delivery.attempts, change_dict(change))
                   for delivery, change in self.catalogue.claim_deliveries(
                       now, until=now + timedelta(seconds=self.timeout * 3), limit=self.per_drain)]
        delivered = 0
        for delivery_id, target, attempts, payload in claimed:
            error, final = self._post(target, payload)
            attempts += 1
            now = self.clock()
            gave_up = error is not None and (final or attempts >= self.attempts)
            delay = min(self.backoff * 2 ** (attempts - 1), _MAX_DELAY)
            self.catalogue.finish_delivery(delivery_id, delivered_at=now if error is None else None,
                                           attempts=attempts, next_attempt_at=now + timedelta(seconds=delay),
                                           gave_up=gave_up, error=error)
            if error is None:
                delivered += 1
            elif gave_up:
                log.warning("webhook %s: gave up change %s after %d attempt(s): %s", target, payload["id"],
                            attempts, error)
            else:
                log.info("webhook %s: change %s not delivered (%s), retry in %g s", target, payload["id"], error,
                         delay)
        return delivered

    def _post(self, target: str, payload: dict[str, Any]) -> tuple[str | None, bool]:
        """POST one change; (None, _) on success, else (error, whether retrying is pointless)."""
        if not target.startswith(("http://", "https://")):
            return f"not an http(s) URL: {target}", True
        try:
            self.policy.check_url(target)
        except BlockedTarget as exc:
            return str(exc), True
        request = urllib.request.Request(
            target, data=json.dumps(payload, ensure_ascii=False).encode("utf-8"), method="POST",
            headers={"Content-Type": "application/json", "User-Agent": f"news-archiver/{__version__} webhook"})
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                status = response.status
        except BlockedTarget as exc:  # the name now resolves somewhere it did not when checked
            return str(exc), True
        except urllib.error.HTTPError as exc:
            status = exc.code
        except (OSError, ValueError) as exc:
            return f"{type(exc).__name__}: {exc}", False
        if 200 <= status < 300:
            return None, False
        return f"HTTP {status}", False
