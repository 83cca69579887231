"""Signs that a page is built by its scripts: the static HTML is a shell the browser fills in.

The browser lane (:mod:`archiver.crawler.browser.lane`) renders a page whose static capture gave
no article when :func:`scripted_signs` finds at least one of these, on a page whose body has
almost no visible text of its own:

- ``app-root``: an empty application root, ``<div id="root|app|__next|__nuxt|...">`` or an element
  with ``data-reactroot`` / ``ng-version`` / ``data-server-rendered`` and no text;
- ``framework-data``: framework state shipped in a script (``__NEXT_DATA__``, ``__NUXT__``,
  ``__APOLLO_STATE__``, ``__INITIAL_STATE__``, ``__PRELOADED_STATE__``, ...);
- ``noscript-warning``: a ``<noscript>`` asking the reader to enable JavaScript (several languages).

Server-rendered pages carry framework data and app roots too, with the article inside: the
visible-text condition keeps them out. Only generic markers of frameworks are used, never a
site's own markup. Nothing here raises on bad input.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree
from lxml import html as lxml_html

__all__ = ["MAX_SHELL_TEXT", "ScriptedSigns", "scripted_signs", "visible_text_length"]

#: Characters of visible body text (scripts, styles and noscript left out) up to which a page is a shell.
MAX_SHELL_TEXT = 500
_ROOT_IDS = frozenset({"root", "app", "__next", "__nuxt", "___gatsby", "svelte", "app-root", "main-app",
                       "react-root", "react-app", "vue-app", "application", "q-app", "ember-app"})
_ROOT_ATTRIBUTES = ("data-reactroot", "ng-version", "data-server-rendered", "ng-app", "data-v-app")
_FRAMEWORK_DATA = re.compile(
    r"__NEXT_DATA__|__NUXT__|__NUXT_DATA__|__APOLLO_STATE__|__INITIAL_STATE__|__PRELOADED_STATE__|"
    r"__REDUX_STATE__|__remixContext|__sveltekit|__GATSBY|__INITIAL_PROPS__|__APP_STATE__")
_ENABLE_JS = re.compile(
    r"(enable|activate|turn on|allow)\s+javascript|javascript\s+(is\s+)?(required|disabled|needed|must be)|"
    r"requires?\s+javascript|javascript\s+(aktivieren|einschalten)|aktivieren\s+sie\s+javascript|"
    r"activ(er|ez)\s+(le\s+)?javascript|javascript\s+est\s+(désactivé|requis|nécessaire)|"
    r"habilit(a|e|ar)\s+(el\s+)?javascript|activ(a|e|ar)\s+(el\s+)?javascript|"
    r"abilita(re)?\s+(il\s+)?javascript|attiva(re)?\s+(il\s+)?javascript|"
    r"javascript\s+(inschakelen|aanzetten)|włącz\s+javascript|включите\s+javascript|"
    r"javascriptを有効|javascriptが無効|启用\s*javascript|javascript\s+(ativado|habilitado)",
    re.IGNORECASE)
_INVISIBLE = ("script", "style", "noscript", "template", "svg")


@dataclass(frozen=True)
class ScriptedSigns:
    """What :func:`scripted_signs` found: the signs, and the page's visible text length."""

    signs: tuple[str, ...]
    visible_text: int

    @property
    def fires(self) -> bool:
        """True when the page looks script-built: a sign, and almost no visible text."""
        return bool(self.signs) and self.visible_text <= MAX_SHELL_TEXT


def scripted_signs(html: str) -> ScriptedSigns:
    """The signs that ``html`` is a shell its scripts fill in (see the module docstring)."""
    try:
        root = lxml_html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return ScriptedSigns((), 0)
    signs: list[str] = []
    if _has_empty_root(root):
        signs.append("app-root")
    scripts = " ".join(text for text in root.xpath("//script/text()") if isinstance(text, str))
    if _FRAMEWORK_DATA.search(scripts) or root.xpath("//script[@id='__NEXT_DATA__' or @id='__NUXT_DATA__']"):
        signs.append("framework-data")
    noscript = " ".join(" ".join(element.itertext()) for element in root.iter("noscript"))
    noscript += " " + " ".join(_raw_noscript(html))
    if _ENABLE_JS.search(noscript):
        signs.append("noscript-warning")
    return ScriptedSigns(tuple(signs), visible_text_length(root))


def visible_text_length(root: lxml_html.HtmlElement) -> int:
    """Characters of text in ``root``'s body outside scripts, styles, noscript and templates (spaces folded)."""
    body = root.find("body")
    node = body if body is not None else root
    parts: list[str] = []
    _collect_text(node, parts)
    return len(" ".join(" ".join(parts).split()))


def _collect_text(element: lxml_html.HtmlElement, parts: list[str]) -> None:
    if not isinstance(element.tag, str) or element.tag in _INVISIBLE:
        return
    if element.text:
        parts.append(element.text)
    for child in element:
        _collect_text(child, parts)
        if child.tail:
            parts.append(child.tail)


def _has_empty_root(root: lxml_html.HtmlElement) -> bool:
    for element in root.iter():
        if not isinstance(element.tag, str) or element.tag in _INVISIBLE:
            continue
        is_root = (element.get("id") or "").lower() in _ROOT_IDS or any(
            element.get(name) is not None for name in _ROOT_ATTRIBUTES)
        if is_root and visible_text_length_of(element) < 40:
            return True
    return False


def visible_text_length_of(element: lxml_html.HtmlElement) -> int:
    """Characters of visible text inside one element."""
    parts: list[str] = []
    _collect_text(element, parts)
    return len(" ".join(" ".join(parts).split()))


_NOSCRIPT = re.compile(r"<noscript\b[^>]*>(.*?)</noscript>", re.IGNORECASE | re.DOTALL)


def _raw_noscript(html: str) -> list[str]:
    """The raw text of ``<noscript>`` elements (a parser may have moved their content out of them in <head>)."""
    return [re.sub(r"<[^>]+>", " ", match) for match in _NOSCRIPT.findall(html[:2_000_000])]
