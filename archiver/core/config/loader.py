"""Load the one :class:`ArchiverConfig`: options > environment > ``ARCHIVE/archiver.toml`` > defaults.

Every ``ARCHIVER_*`` setting is read here, once, with its source; a value that cannot be used
raises :class:`ConfigError` naming the setting, where it was given and what is allowed (the
command line exits 2). The config then maps onto Scrapy settings (:meth:`ArchiverConfig.scrapy_settings`),
so ``-s NAME=VALUE`` works as in Scrapy and the Scrapy components read their settings as usual.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from archiver.core.config.schema import SECTIONS, SETTINGS, Setting, by_name
from archiver.core.config.sources import CONFIG_FILE, Given, read_config_file
from archiver.core.durations import parse_duration
from archiver.core.errors import ConfigError
from storage.config import StorageConfig, parse_size

if TYPE_CHECKING:
    from scrapy.settings import Settings

__all__ = ["FILE_PRIORITY", "ENV_PRIORITY", "ArchiverConfig", "Section"]

log = logging.getLogger(__name__)

#: Scrapy setting priorities of the file's and the environment's values: above the archiver's
#: defaults ("project", 20) and the crawl's politeness ("spider", 30), below options ("cmdline", 40).
FILE_PRIORITY = 32
ENV_PRIORITY = 35

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class Section(Mapping[str, Any]):
    """One section of the config (``config.crawl.recrawl_after``): read-only, by attribute or key."""

    def __init__(self, name: str, values: Mapping[str, Any]) -> None:
        self._name = name
        self._values = dict(values)

    def __getattr__(self, key: str) -> Any:
        try:
            return self._values[key]
        except KeyError:
            raise AttributeError(f"no setting {key!r} in section [{self._name}]") from None

    def __getitem__(self, key: str) -> Any:
        return self._values[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return f"Section({self._name!r}, {self._values!r})"


def _defaults() -> dict[str, Any]:
    from archiver import settings as module

    return {setting.name: getattr(module, setting.name, None) for setting in SETTINGS}


def _parse(setting: Setting, value: Any) -> Any:
    """``value`` as ``setting``'s kind; ValueError when it cannot be."""
    if value is None or (isinstance(value, str) and value.strip() == "" and setting.kind != "bool"):
        if setting.optional or value is None:
            return None
        raise ValueError("empty")
    kind = setting.kind
    if kind == "bool":
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise ValueError(value)
    if kind in ("int", "float"):
        if isinstance(value, bool):
            raise ValueError(value)
        number: float = int(str(value).strip()) if kind == "int" else float(str(value).strip())
        if setting.minimum is not None and number < setting.minimum:
            raise ValueError(value)
        return number
    if kind == "size":
        parse_size(value if isinstance(value, int) else str(value), allow_zero=setting.minimum == 0)
        return value
    if kind == "duration":
        if isinstance(value, bool):
            raise ValueError(value)
        parse_duration(value if isinstance(value, int | float) else str(value))
        return value if isinstance(value, int | float) else str(value).strip()
    if kind == "path":
        return Path(str(value)).expanduser()
    return str(value)


@dataclass(frozen=True)
class ArchiverConfig:
    """The archiver's settings, resolved: ``storage``, ``crawl``, ``web``, ``watch``, ``scheduler``.

    ``values`` holds every setting by name (``ARCHIVER_...``) and ``sources`` where each came
    from (``default``, ``environment variable NAME``, ``FILE:LINE``, ``option``). ``scrapy``
    holds raw Scrapy settings from the file's ``[scrapy]`` table and from ``-s`` options, each
    with its priority.
    """

    home: Path
    storage: StorageConfig
    crawl: Section
    web: Section
    watch: Section
    scheduler: Section
    values: Mapping[str, Any]
    sources: Mapping[str, str]
    raw: Mapping[str, Any] = field(repr=False)
    scrapy: Mapping[str, tuple[Any, int | str]] = field(default_factory=dict, repr=False)

    # ------------------------------------------------------------------ loading
    @classmethod
    def load(cls, *, home: str | Path | None = None, options: Mapping[str, Any] | None = None,
             environ: Mapping[str, str] | None = None) -> ArchiverConfig:
        """Resolve every setting; ``options`` are ``NAME: value`` pairs from the command line (``-s`` included).

        ``home`` (``--home``) wins over ``ARCHIVER_HOME``; ``environ`` defaults to ``os.environ``.
        """
        env = os.environ if environ is None else environ
        options = dict(options or {})
        given: dict[str, Given] = {}
        if options.get("ARCHIVER_HOME") not in (None, "") and home is None:
            home = options["ARCHIVER_HOME"]
        if home is not None and str(home) != "":
            home_given = Given(home, "option --home")
        elif env.get("ARCHIVER_HOME"):
            home_given = Given(env["ARCHIVER_HOME"], "environment variable ARCHIVER_HOME")
        else:
            home_given = Given(_defaults()["ARCHIVER_HOME"] or "archive", "default")
        home_path = Path(str(home_given.value)).expanduser().absolute()
        given["ARCHIVER_HOME"] = Given(home_path, home_given.source)

        from_file = read_config_file(home_path / CONFIG_FILE)
        defaults = _defaults()
        scrapy: dict[str, tuple[Any, int | str]] = {}
        for name, item in from_file.scrapy.items():
            scrapy[name] = (item.value, FILE_PRIORITY)
        for setting in SETTINGS:
            if setting.name == "ARCHIVER_HOME":
                continue
            name = setting.name
            if name in options:
                given[name] = Given(options[name], f"option -s {name}")
            elif env.get(name) not in (None, ""):
                given[name] = Given(env[name], f"environment variable {name}")
            elif name in from_file.settings:
                given[name] = from_file.settings[name]
            else:
                given[name] = Given(defaults.get(name), "default")
        for name, value in options.items():
            if by_name(name) is None and name != "ARCHIVER_HOME":
                if name.startswith("ARCHIVER_") and not hasattr(_settings_module(), name):
                    log.warning("-s %s: not an archiver setting (see `archiver --help`); passed to Scrapy as is", name)
                scrapy[name] = (value, "cmdline")

        values: dict[str, Any] = {}
        for setting in SETTINGS:
            item = given[setting.name]
            try:
                values[setting.name] = _parse(setting, item.value)
            except (ValueError, ConfigError):
                label = setting.name if not item.source.startswith(str(home_path / CONFIG_FILE)) \
                    else f"[{setting.section}] {setting.key}"
                raise ConfigError(f"must be {setting.allowed()}, got {item.value!r}", setting=label,
                                  source=item.source) from None
        return cls._build(home_path, values, {name: item.source for name, item in given.items()},
                          {name: item.value for name, item in given.items()}, scrapy)

    @classmethod
    def _build(cls, home: Path, values: dict[str, Any], sources: dict[str, str], raw: dict[str, Any],
               scrapy: dict[str, tuple[Any, int | str]]) -> ArchiverConfig:
        sections: dict[str, dict[str, Any]] = {name: {} for name in SECTIONS}
        for setting in SETTINGS:
            sections[setting.section][setting.key] = values[setting.name]
        store = sections["storage"]
        storage = StorageConfig(
            home=home,
            database_url=store["database_url"] or f"sqlite:///{home / 'catalogue.sqlite'}",
            warc_dir=(store["warc_dir"] or home / "warcs").expanduser().absolute(),
            warc_prefix=store["warc_prefix"] or "ARCHIVER",
            warc_max_size=parse_size(store["warc_max_size"] or 10**9),
            fsync_interval=float(store["fsync_interval"]),
        )
        try:
            storage.validate()
        except ConfigError as exc:
            raise ConfigError(exc.reason, setting="ARCHIVER_WARC_PREFIX",
                              source=sources.get("ARCHIVER_WARC_PREFIX")) from None
        return cls(home=home, storage=storage, crawl=Section("crawl", sections["crawl"]),
                   web=Section("web", sections["web"]), watch=Section("watch", sections["watch"]),
                   scheduler=Section("scheduler", sections["scheduler"]), values=values, sources=sources,
                   raw=raw, scrapy=scrapy)

    @classmethod
    def from_scrapy_settings(cls, settings: Settings | Mapping[str, Any],
                             environ: Mapping[str, str] | None = None) -> ArchiverConfig:
        """The config of a crawler's settings (a crawl the runner started, or ``scrapy crawl`` in any project).

        A setting given above the archiver's defaults (``-s``, the environment, archiver.toml),
        or set to another value than its default (a project's settings), counts as an option.
        """
        getpriority = getattr(settings, "getpriority", None)
        defaults = _defaults()
        options = {}
        for setting in SETTINGS:
            value = settings.get(setting.name)
            if value in (None, ""):
                continue
            above_defaults = getpriority is None or (getpriority(setting.name) or 0) > 20
            if above_defaults or value != defaults.get(setting.name):
                options[setting.name] = value
        return cls.load(options=options, environ=environ)

    # ------------------------------------------------------------------ using
    def source_of(self, name: str) -> str:
        """Where setting ``name`` came from (``default``, ``environment variable ...``, ``FILE:LINE``, ``option``)."""
        return self.sources.get(name, "default")

    def error(self, name: str, message: str) -> ConfigError:
        """A :class:`ConfigError` about setting ``name`` (for checks made where the value is used)."""
        return ConfigError(message, setting=name, source=self.source_of(name))

    def scrapy_settings(self, overrides: Mapping[str, Any] | None = None) -> Settings:
        """Scrapy settings: the archiver's module at ``project``, then the file, environment and options.

        ``overrides`` (settings the command derives from its own options) go in at ``cmdline``
        priority before the ``-s`` options, so ``-s`` wins over them.
        """
        from scrapy.settings import Settings

        settings = Settings()
        settings.setmodule("archiver.settings", priority="project")
        for setting in SETTINGS:
            source = self.source_of(setting.name)
            if source == "default":
                continue
            value = self.values[setting.name]
            if setting.kind in ("size", "duration", "path"):
                value = str(self.raw[setting.name]) if setting.kind != "path" else str(value)
            if source.startswith("option"):
                continue  # applied after ``overrides``, below
            settings.set(setting.name, value, priority=ENV_PRIORITY if source.startswith("environment")
                         else FILE_PRIORITY)
        settings.set("ARCHIVER_HOME", str(self.home), priority="cmdline")
        for name, (value, priority) in self.scrapy.items():
            if priority != "cmdline":
                settings.set(name, value, priority=priority)
        settings.update(dict(overrides or {}), priority="cmdline")
        for setting in SETTINGS:
            if self.source_of(setting.name).startswith("option") and setting.name != "ARCHIVER_HOME":
                value = self.raw[setting.name]
                settings.set(setting.name, value, priority="cmdline")
        for name, (value, priority) in self.scrapy.items():
            if priority == "cmdline":
                settings.set(name, value, priority="cmdline")
        return settings


def _settings_module() -> Any:
    from archiver import settings as module

    return module
