"""The ``--browser never|auto|always`` option of ``archive`` and ``crawl``, checked before a crawl starts."""

from __future__ import annotations

from typing import Any

from archiver.cli.common import err_console
from archiver.crawler.browser.chromium import BrowserUnavailable, find_chromium
from archiver.crawler.browser.modes import MODES, BrowserMode

__all__ = ["BROWSER_HELP", "BrowserMode", "browser_setting", "requested_browser", "resolve_browser"]

BROWSER_HELP = ("Render pages needing JavaScript in Chromium: never, auto (pages whose static capture has no "
                "article and looks script-built, or hosts in ARCHIVER_BROWSER_SITES) or always. "
                "Default: ARCHIVER_BROWSER when set, else {default}.")


def browser_setting(mode: BrowserMode | str, *, executable: str | None = None, screenshot: bool = False) -> str:
    """The ``ARCHIVER_BROWSER`` value for ``mode`` on this machine.

    Without Chromium, ``auto`` becomes ``never`` with one warning line (which also says there is no
    screenshot when the command would take one: one line for both), and ``always`` raises
    :class:`BrowserUnavailable` (exit 2, saying how to install it).
    """
    value = mode.value if isinstance(mode, BrowserMode) else str(mode)
    if value == "never" or find_chromium(executable):
        return value
    if value == "always":
        raise BrowserUnavailable()
    err_console.print("warning: no Chromium found (apt-get install chromium): "
                      + ("no screenshot, and " if screenshot else "")
                      + "pages needing JavaScript are archived without the browser", soft_wrap=True, markup=False)
    return "never"


def resolve_browser(option: BrowserMode | None, config: Any, *, default: str, screenshot: bool = False) -> str:
    """The checked ``ARCHIVER_BROWSER`` of a command: its option, else the setting when set, else ``default``."""
    mode = requested_browser(option, config, default=default)
    return browser_setting(mode, executable=config.values.get("ARCHIVER_BROWSER_EXECUTABLE"), screenshot=screenshot)


def requested_browser(option: BrowserMode | None, config: Any, *, default: str) -> str:
    """The browser mode asked for (option, else setting, else ``default``), before Chromium is looked for."""
    if option is not None:
        mode = option.value
    elif config.source_of("ARCHIVER_BROWSER") != "default":
        mode = str(config.values["ARCHIVER_BROWSER"]).strip().lower()
    else:
        mode = default
    if mode not in MODES:
        raise config.error("ARCHIVER_BROWSER", f"must be never, auto or always, not {mode!r}")
    return mode
