"""Webhook delivery of detected changes, from a persistent outbox the scheduler drains.

Why an outbox table drained by ``archiver scheduler`` rather than a thread in the crawl: the
crawl only inserts a row (in the transaction that records the change), so a slow or dead
receiver never slows a crawl, and deliveries survive restarts of both. Each delivery is one
JSON POST (:func:`archiver.watch.present.change_dict`); a failure (connection error, timeout,
non-2xx answer) is retried after ``backoff`` seconds, doubled each time (at most an hour), up
to ``attempts`` attempts, then given up. Attempts are claimed by a conditional update, so two
schedulers never POST one attempt twice.

Targets obey the web API's address policy (:class:`archiver.capture.targets.TargetPolicy`):
a target on a private, loopback or otherwise non-public address is refused (given up at once,
with the reason) unless ``ARCHIVER_ALLOW_PRIVATE_TARGETS`` allows it. Redirects are not followed.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from archiver import __version__
from archiver.capture.targets import BlockedTarget, TargetPolicy
from archiver.watch.present import change_dict
from storage.catalogue import changes as queries
from storage.catalogue.database import Database
from storage.catalogue.models import utcnow

__all__ = ["WebhookSender"]

log = logging.getLogger(__name__)

_MAX_DELAY = 3600.0


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:  # a redirect could lead past the guard
        return None


class WebhookSender:
    """Delivers due webhook deliveries of one catalogue."""

    def __init__(self, db: Database, *, policy: TargetPolicy, attempts: int = 6, backoff: float = 30.0,
                 timeout: float = 10.0, clock: Callable[[], datetime] = utcnow, per_drain: int = 20) -> None:
        self.db = db
        self.policy = policy
        self.attempts = attempts
        self.backoff = backoff
        self.timeout = timeout
        self.clock = clock
        self.per_drain = per_drain
        self._opener = urllib.request.build_opener(_NoRedirect)

    def drain(self) -> int:
        """Attempt the deliveries that are due (at most ``per_drain``); return how many were delivered."""
        now = self.clock()
        with self.db.session() as session:
            due = queries.due_deliveries(session, now, limit=self.per_drain)
            claimed = []
            for delivery in due:
                if queries.claim_delivery(session, delivery, until=now + timedelta(seconds=self.timeout * 3)):
                    change = queries.get_change(session, delivery.change_id)
                    if change is not None:
                        claimed.append((delivery.id, delivery.target_url, delivery.attempts, change_dict(change)))
        delivered = 0
        for delivery_id, target, attempts, payload in claimed:
            error, final = self._post(target, payload)
            attempts += 1
            now = self.clock()
            gave_up = error is not None and (final or attempts >= self.attempts)
            delay = min(self.backoff * 2 ** (attempts - 1), _MAX_DELAY)
            with self.db.session() as session:
                queries.finish_delivery(session, delivery_id, delivered_at=now if error is None else None,
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
        except urllib.error.HTTPError as exc:
            status = exc.code
        except (OSError, ValueError) as exc:
            return f"{type(exc).__name__}: {exc}", False
        if 200 <= status < 300:
            return None, False
        return f"HTTP {status}", False
