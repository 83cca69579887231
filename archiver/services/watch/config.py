"""The watch's settings, read once into a typed object.

Built from the ``watch`` section of :class:`archiver.core.config.ArchiverConfig` (defaults,
archiver.toml, environment) and the web section's address policy for webhooks.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from archiver.core.config import ArchiverConfig
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
        """:meth:`from_config` of the config :meth:`ArchiverConfig.load` resolves (``environ``: default os.environ)."""
        return cls.from_config(ArchiverConfig.load(environ=environ))

    @classmethod
    def from_config(cls, config: ArchiverConfig) -> WatchConfig:
        """The watch settings of ``config``; raises :class:`WatchConfigError` naming a bad setting and its source."""
        watch = config.watch
        try:
            policy = parse_policy(str(watch.revisit_policy or DEFAULT_POLICY))
        except PolicyError as exc:
            raise WatchConfigError(str(exc), setting="ARCHIVER_REVISIT_POLICY",
                                   source=config.source_of("ARCHIVER_REVISIT_POLICY")) from None
        try:
            targets = TargetPolicy.parse(config.web.allow_private_targets)
        except ValueError as exc:
            raise WatchConfigError(str(exc), setting="ARCHIVER_ALLOW_PRIVATE_TARGETS",
                                   source=config.source_of("ARCHIVER_ALLOW_PRIVATE_TARGETS")) from None
        return cls(policy=tuple(policy), batch=int(watch.revisit_batch),
                   webhook_url=str(watch.webhook_url) if watch.webhook_url else None,
                   webhook_attempts=int(watch.webhook_attempts), webhook_backoff=float(watch.webhook_backoff),
                   targets=targets)

    def sender(self, db: Database, *, clock: Callable[[], datetime] = utcnow) -> WebhookSender:
        """The webhook sender for ``db`` (it drains whatever the outbox holds, whichever target)."""
        return WebhookSender(db, policy=self.targets, attempts=self.webhook_attempts, backoff=self.webhook_backoff,
                             clock=clock)
