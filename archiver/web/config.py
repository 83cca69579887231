"""Settings of ``archiver serve``: where the archive is, the API token, what archive-on-demand may fetch."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from archiver.crawler.capture.targets import TargetPolicy
from storage import ConfigError, StorageConfig

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
    - ``page_size``: search results per page.
    """

    storage: StorageConfig
    api_token: str | None = None
    allow_private_targets: str = ""
    archive_timeout: float = 300.0
    max_urls: int = 20
    page_size: int = 20

    def __post_init__(self) -> None:
        TargetPolicy.parse(self.allow_private_targets)  # fail early on a bad allow list

    @property
    def target_policy(self) -> TargetPolicy:
        """The policy archive-on-demand applies to every URL and redirect hop."""
        return TargetPolicy.parse(self.allow_private_targets)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: object) -> WebConfig:
        """Defaults, then the environment (``ARCHIVER_HOME`` ..., ``ARCHIVER_API_TOKEN``,
        ``ARCHIVER_ALLOW_PRIVATE_TARGETS``, ``ARCHIVER_API_ARCHIVE_TIMEOUT``), then ``overrides``.

        Raises :class:`storage.ConfigError` for a bad value.
        """
        env = os.environ if environ is None else environ
        values: dict[str, object] = {
            "storage": StorageConfig.from_env(env),
            "api_token": env.get("ARCHIVER_API_TOKEN") or None,
            "allow_private_targets": env.get("ARCHIVER_ALLOW_PRIVATE_TARGETS", ""),
        }
        if env.get("ARCHIVER_API_ARCHIVE_TIMEOUT"):
            try:
                values["archive_timeout"] = float(env["ARCHIVER_API_ARCHIVE_TIMEOUT"])
            except ValueError:
                raise ConfigError("ARCHIVER_API_ARCHIVE_TIMEOUT must be a number of seconds") from None
        values.update(overrides)
        try:
            return cls(**values)  # type: ignore[arg-type]
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
