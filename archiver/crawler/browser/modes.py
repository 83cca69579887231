"""When a page goes to the browser lane: ``never``, ``auto`` or ``always`` (``ARCHIVER_BROWSER``, ``--browser``)."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["MODES", "BrowserMode"]


class BrowserMode(StrEnum):
    """``never``: static only; ``auto``: script-built pages without an article, and listed sites; ``always``."""

    never = "never"
    auto = "auto"
    always = "always"


MODES = tuple(mode.value for mode in BrowserMode)
