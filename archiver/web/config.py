"""Settings of ``archiver serve``: where the archive is, the API token, what archive-on-demand may fetch."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from archiver.core.config import ArchiverConfig
from archiver.crawler.capture.targets import TargetPolicy
from storage import StorageConfig

__all__ = ["WebConfig"]


@dataclass(frozen=True)
class WebConfig:
    """What the web app needs.

    - ``storage``: the archive to serve (and to archive into);
    - ``api_token``: the bearer token of write endpoints (``ARCHIVER_API_TOKEN``); None disables them;
    - ``allow_private_targets``: the ``ARCHIVER_ALLOW_PRIVATE_TARGETS`` value (see
      :mod:`archiver.crawler.capture.targets`); empty: only public addresses may be archived;
    - ``archive_timeout``: seconds one archive-on-demand job may take (``ARCHIVER_API_ARCHIVE_TIMEOUT``);
    - ``max_urls``: URLs one request may ask for;
    - ``page_size``: search results per page;
    - ``failure_flag``: the schedules page flags a schedule whose last N runs failed.
    """

    storage: StorageConfig
    api_token: str | None = None
    allow_private_targets: str = ""
    archive_timeout: float = 300.0
    max_urls: int = 20
    page_size: int = 20
    failure_flag: int = 3

    def __post_init__(self) -> None:
        TargetPolicy.parse(self.allow_private_targets)  # fail early on a bad allow list

    @property
    def target_policy(self) -> TargetPolicy:
        """The policy archive-on-demand applies to every URL and redirect hop."""
        return TargetPolicy.parse(self.allow_private_targets)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: object) -> WebConfig:
        """:meth:`from_config` of what :meth:`ArchiverConfig.load` resolves from ``environ`` (default os.environ)."""
        return cls.from_config(ArchiverConfig.load(environ=environ), **overrides)

    @classmethod
    def from_config(cls, config: ArchiverConfig, **overrides: object) -> WebConfig:
        """The web app's settings of ``config``, then ``overrides``; a bad value raises :class:`ConfigError`."""
        web = config.web
        values: dict[str, object] = {
            "storage": config.storage,
            "api_token": web.api_token or None,
            "allow_private_targets": web.allow_private_targets or "",
            "archive_timeout": float(web.archive_timeout),
            "failure_flag": int(config.scheduler.failure_flag),
        }
        values.update(overrides)
        try:
            return cls(**values)  # type: ignore[arg-type]
        except ValueError as exc:
            raise config.error("ARCHIVER_ALLOW_PRIVATE_TARGETS", str(exc)) from None
