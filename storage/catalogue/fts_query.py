"""Turn what a person types into a search box into an SQLite FTS5 query expression.

FTS5's own syntax is kept: ``"exact phrase"``, ``prefix*``, ``AND`` / ``OR`` / ``NOT``,
parentheses, ``NEAR(a b, 5)``, ``^initial`` and column filters (``title:armenia``,
``{title author}: afp``). Any other word is quoted, so ordinary text with punctuation
(``Russia's``, ``COVID-19``, ``U.S.``) searches for its words instead of failing on FTS5's
bareword rules. Malformed input (an unbalanced quote or parenthesis, an operator with nothing
on one side) raises :class:`~storage.errors.SearchQueryError` with a message for people.

No SQL is built here: the expression is passed as a bound parameter by the query module.
"""

from __future__ import annotations

import re

from storage.errors import SearchQueryError

__all__ = ["FTS_COLUMNS", "column_phrase", "quote", "to_fts5"]

FTS_COLUMNS = ("title", "author", "text")
_OPERATORS = {"AND", "OR", "NOT"}
_BAREWORD = re.compile(r"[\w\x1a]+", re.UNICODE)  # what FTS5 accepts unquoted (letters, digits, _ and non-ASCII)
_COLUMN_PREFIX = re.compile(r"^(-?)(" + "|".join(FTS_COLUMNS) + r"):(.*)$", re.IGNORECASE)
_DELIMITERS = set('"(){}')


def quote(term: str) -> str:
    """``term`` as an FTS5 string (a phrase of its tokens)."""
    return '"' + term.replace('"', '""') + '"'


def column_phrase(column: str, value: str) -> str:
    """An FTS5 expression matching ``value`` as a phrase in one column (e.g. an author filter)."""
    if column not in FTS_COLUMNS:
        raise ValueError(f"no full-text column {column!r}")
    return f"{column} : {quote(value)}"


def to_fts5(query: str) -> str:
    """The FTS5 expression for ``query`` (see the module docstring); empty for a blank query."""
    tokens = _tokens(query)
    _check_structure(query, tokens)
    return " ".join(tokens)


def _tokens(query: str) -> list[str]:
    tokens: list[str] = []
    depth = 0
    near_depth: list[int] = []  # paren depths at which a NEAR( group opened
    i, n = 0, len(query)
    while i < n:
        ch = query[i]
        if ch.isspace():
            i += 1
        elif ch == '"':
            end = _string_end(query, i)
            star = "*" if query[end + 1: end + 2] == "*" else ""
            tokens.append(query[i: end + 1] + star)
            i = end + 1 + len(star)
        elif ch == "(":
            depth += 1
            if tokens and tokens[-1] == "NEAR":
                near_depth.append(depth)
            tokens.append("(")
            i += 1
        elif ch == ")":
            if depth == 0:
                raise SearchQueryError(f"bad search query {query!r}: ')' without a matching '('")
            if near_depth and near_depth[-1] == depth:
                near_depth.pop()
            depth -= 1
            tokens.append(")")
            i += 1
        elif ch == "{":
            end = query.find("}", i)
            if end < 0:
                raise SearchQueryError(f"bad search query {query!r}: '{{' without a matching '}}'")
            names = query[i + 1: end].split()
            unknown = [name for name in names if name.lower() not in FTS_COLUMNS]
            if unknown or not names:
                raise SearchQueryError(f"bad search query {query!r}: columns are {', '.join(FTS_COLUMNS)}")
            tokens.append("{" + " ".join(name.lower() for name in names) + "}")
            i = end + 1
        elif ch == "}":
            raise SearchQueryError(f"bad search query {query!r}: '}}' without a matching '{{'")
        else:
            start = i
            while i < n and not query[i].isspace() and query[i] not in _DELIMITERS:
                i += 1
            word = query[start:i]
            if near_depth and word.isdigit() and tokens and tokens[-1] == ",":
                tokens.append(word)  # NEAR(a b, 5): the distance stays a number
            else:
                tokens.extend(_word(word, in_near=bool(near_depth), next_char=query[i] if i < n else ""))
    if depth:
        raise SearchQueryError(f"bad search query {query!r}: '(' without a matching ')'")
    return tokens


def _string_end(query: str, start: int) -> int:
    """Index of the quote closing the string that opens at ``start`` (``""`` is an escaped quote)."""
    i = start + 1
    while True:
        i = query.find('"', i)
        if i < 0:
            raise SearchQueryError(f"bad search query {query!r}: unbalanced double quote")
        if query[i + 1: i + 2] == '"':
            i += 2
            continue
        return i


def _word(word: str, *, in_near: bool, next_char: str) -> list[str]:
    if word in _OPERATORS:
        return [word]
    if word == "NEAR" and next_char == "(":
        return [word]
    if word == ":":
        return [word]
    if word.endswith(":") and word[:-1].lower() in FTS_COLUMNS:
        return [word[:-1].lower(), ":"]
    if word.endswith(":") and word.startswith("-") and word[1:-1].lower() in FTS_COLUMNS:
        return ["-" + word[1:-1].lower(), ":"]
    column = _COLUMN_PREFIX.match(word)
    if column:
        negate, name, rest = column.groups()
        return [negate + name.lower(), ":", *(_term(rest) if rest else [])]
    if in_near:
        parts: list[str] = []
        for piece in re.split(r"(,)", word):
            if piece == ",":
                parts.append(",")
            elif piece.isdigit() and parts and parts[-1] == ",":
                parts.append(piece)  # NEAR(a b,5)
            elif piece:
                parts.extend(_term(piece))
        return parts
    return _term(word)


def _term(word: str) -> list[str]:
    caret = word.startswith("^")
    word = word.lstrip("^")
    prefix = word.endswith("*")
    word = word.rstrip("*")
    if not _BAREWORD.search(word):
        return []  # only punctuation: FTS5 would index nothing for it either
    return [("^" if caret else "") + quote(word) + ("*" if prefix else "")]


def _check_structure(query: str, tokens: list[str]) -> None:
    """Refuse an operator with no term on one side, which FTS5 reports only as 'syntax error'."""
    for index, token in enumerate(tokens):
        if token not in _OPERATORS:
            continue
        before = tokens[index - 1] if index else None
        after = tokens[index + 1] if index + 1 < len(tokens) else None
        if before in (None, "(", ":", *_OPERATORS) or after in (None, ")", *_OPERATORS):
            raise SearchQueryError(
                f"bad search query {query!r}: {token} needs a search term on each side "
                f"(write \"{token.lower()}\" in quotes to search for the word)"
            )
