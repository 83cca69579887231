"""Rewrite the references of a stylesheet (``url()``, ``@import``, ``image-set()``) with tinycss2.

The CSS is tokenized, never matched with regular expressions: a ``url(`` inside a comment or a
string is not a reference, and escapes in URLs are decoded before the URL is resolved. Tokens
that are not references are serialized back as they were, so the rest of the stylesheet is kept.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import tinycss2
from tinycss2 import ast
from tinycss2.serializer import serialize_string_value, serialize_url

__all__ = ["Link", "rewrite_css"]

#: Turns a reference (as written, not yet resolved) into the URL to write instead.
Link = Callable[[str], str]

_IMAGE_SETS = {"image-set", "-webkit-image-set"}


def rewrite_css(text: str, link: Link) -> str:
    """A stylesheet (a file, a ``<style>`` block, a ``style`` attribute) with each reference passed through ``link``."""
    tokens = tinycss2.parse_component_value_list(text)
    return tinycss2.serialize(_rewrite(tokens, link))


def _url_token(token: ast.URLToken, value: str) -> ast.URLToken:
    return ast.URLToken(token.source_line, token.source_column, value, f"url({serialize_url(value)})")


def _string_token(token: ast.StringToken, value: str) -> ast.StringToken:
    return ast.StringToken(token.source_line, token.source_column, value, f'"{serialize_string_value(value)}"')


def _rewrite(tokens: Iterable[ast.Node], link: Link, *, strings_are_urls: bool = False) -> list[ast.Node]:
    out: list[ast.Node] = []
    after_import = False
    for token in tokens:
        if isinstance(token, ast.URLToken):
            token = _url_token(token, link(token.value))
        elif isinstance(token, ast.StringToken) and (after_import or strings_are_urls):
            token = _string_token(token, link(token.value))
        elif isinstance(token, ast.FunctionBlock):
            name = token.lower_name
            if name in ("url", "src"):  # url("quoted") is a function token, not a URL token
                args = _rewrite(token.arguments, link, strings_are_urls=True)
            else:
                args = _rewrite(token.arguments, link, strings_are_urls=name in _IMAGE_SETS)
            token = ast.FunctionBlock(token.source_line, token.source_column, token.name, args)
        elif isinstance(token, ast.ParenthesesBlock | ast.SquareBracketsBlock | ast.CurlyBracketsBlock):
            token = type(token)(token.source_line, token.source_column, _rewrite(token.content, link))
        if isinstance(token, ast.AtKeywordToken):
            after_import = token.lower_value == "import"
        elif not isinstance(token, ast.WhitespaceToken | ast.Comment):
            after_import = False
        out.append(token)
    return out

