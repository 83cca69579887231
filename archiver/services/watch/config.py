"""The watch's settings, read once into a typed object.

Defaults live in :mod:`archiver.settings` (the "Silent-edit watch" group); an environment
variable of the same name overrides each one.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from archiver.core.errors import ConfigError
from archiver.crawler.capture.targets import TargetPolicy
from archiver.crawler.changes.policy import DEFAULT_POLICY, PolicyError, parse_policy
from archiver.services.watch.webhooks import WebhookSender
from storage.catalogue import Database, utcnow

__all__ = ["WatchConfig", "WatchConfigError"]


class WatchConfigError(ConfigError, ValueError):
    """A watch setting that cannot be used (the message names it)."""


@dataclass(frozen=True)
class WatchConfig:
    """Revisit policy and batch size, webhook target and retries, and the webhook address policy."""

    policy: tuple[float, ...]
    batch: int = 50
    webhook_url: str | None = None
    webhook_attempts: int = 6
    webhook_backoff: float = 30.0
    targets: TargetPolicy = TargetPolicy()

    @classmethod
    def load(cls, environ: Mapping[str, str] | None = None) -> WatchConfig:
        """Defaults from :mod:`archiver.settings`, overridden by the environment; raises :class:`WatchConfigError`."""
        from archiver import settings

        env = os.environ if environ is None else environ

        def get(name: str) -> object:
            value = env.get(name)
            return value if value not in (None, "") else getattr(settings, name, None)

        try:
            policy = parse_policy(str(get("ARCHIVER_REVISIT_POLICY") or DEFAULT_POLICY))
            batch = int(str(get("ARCHIVER_REVISIT_BATCH") or 50))
            attempts = int(str(get("ARCHIVER_WEBHOOK_ATTEMPTS") or 6))
            backoff = float(str(get("ARCHIVER_WEBHOOK_BACKOFF") or 30.0))
            targets = TargetPolicy.parse(get("ARCHIVER_ALLOW_PRIVATE_TARGETS"))
        except (PolicyError, ValueError) as exc:
            raise WatchConfigError(f"bad watch setting: {exc}") from None
        if batch < 1 or attempts < 1 or backoff < 0:
            raise WatchConfigError("bad watch setting: ARCHIVER_REVISIT_BATCH and ARCHIVER_WEBHOOK_ATTEMPTS must be "
                                   "at least 1, ARCHIVER_WEBHOOK_BACKOFF not negative")
        webhook = get("ARCHIVER_WEBHOOK_URL")
        return cls(policy=tuple(policy), batch=batch, webhook_url=str(webhook) if webhook else None,
                   webhook_attempts=attempts, webhook_backoff=backoff, targets=targets)

    def sender(self, db: Database, *, clock: Callable[[], datetime] = utcnow) -> WebhookSender:
        """The webhook sender for ``db`` (it drains whatever the outbox holds, whichever target)."""
        return WebhookSender(db, policy=self.targets, attempts=self.webhook_attempts, backoff=self.webhook_backoff,
                             clock=clock)
