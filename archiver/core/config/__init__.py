"""The archiver's configuration: one typed :class:`ArchiverConfig`, loaded in one place.

Precedence, highest first: command-line options (``-s NAME=VALUE`` included), environment
variables (``ARCHIVER_HOME``, ``ARCHIVER_DATABASE_URL``, ...), ``ARCHIVE/archiver.toml``,
defaults (:mod:`archiver.settings`). Every setting is declared once in
:mod:`archiver.core.config.schema`.
"""

from archiver.core.config.loader import ENV_PRIORITY, FILE_PRIORITY, ArchiverConfig, Section
from archiver.core.config.schema import SETTINGS, Setting
from archiver.core.config.sources import CONFIG_FILE

__all__ = ["CONFIG_FILE", "ENV_PRIORITY", "FILE_PRIORITY", "SETTINGS", "ArchiverConfig", "Section", "Setting"]
