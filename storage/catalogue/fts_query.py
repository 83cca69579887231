"""Turn what a person types into a search box into a query tree, written out for SQLite FTS5 or PostgreSQL.

What people may type (FTS5's own syntax, made forgiving):

- words: every one must match (``armenia csto``); ``"an exact phrase"``; ``prefix*``;
- ``OR``, ``AND``, ``NOT`` (upper case; ``and`` is a word), and ``-word`` for ``NOT word``;
- parentheses: ``armenia (csto OR alliance)``;
- ``NEAR(a b, 10)``, ``^word`` (the column starts with it), and column filters
  ``title:armenia``, ``-title:armenia``, ``{title author}: afp``, ``title:(a OR b)``.

Any other word is quoted, so ordinary text with punctuation (``Russia's``, ``COVID-19``,
``U.S.``) searches for its words instead of failing on FTS5's bareword rules. The query is
parsed here (precedence: NOT over AND over OR, as in FTS5) and written back fully
parenthesised with explicit ``AND``s, because FTS5 only joins plain phrases implicitly and
rejects ``a (b OR c)``. Malformed input (an unbalanced quote or parenthesis, an operator with
nothing on one side, a query with no word in it) raises :class:`~storage.errors.SearchQueryError`
with a message for people.

:func:`parse` gives the tree; :func:`to_fts5` writes it as an FTS5 MATCH expression and
:func:`to_tsquery` as PostgreSQL ``to_tsquery`` text. No SQL is built here: either string is
passed as a bound parameter by the query module.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from storage.errors import SearchQueryError

__all__ = ["FTS_COLUMNS", "Binary", "Columns", "Near", "Node", "Phrase", "column_phrase", "parse", "quote", "to_fts5",
           "to_tsquery"]

FTS_COLUMNS = ("title", "author", "text")
_OPERATORS = ("AND", "OR", "NOT")
_WORD_CHAR = re.compile(r"[^\W_]")  # letters and digits: what FTS5's unicode61 tokenizer indexes
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
    if not query.strip():
        return ""
    tree = parse(query)
    return "" if tree is None else _fts5(tree)


def to_tsquery(query: str, *, author: str | None = None, ranking: bool = False) -> str:
    """The PostgreSQL ``to_tsquery('simple', ...)`` text for ``query`` (and an author filter); '' for neither.

    Columns become weights: title A, author B, text D (the index of migration 0004).
    ``NEAR(...)`` becomes AND and ``^`` is dropped: tsquery has neither. With ``ranking``, the
    query's wanted terms joined by OR (what is excluded left out): ``ts_rank`` then scores
    term weights and frequencies, where for an AND it would score how close the terms stand.
    """
    parts = [tree] if (tree := parse(query)) is not None else []
    if author and author.strip():
        parts.append(Columns("author", Phrase(author.strip())))
    if not parts:
        return ""
    node = parts[0] if len(parts) == 1 else Binary("AND", parts[0], parts[1])
    return _tsquery(node, "", ranking=ranking)


def parse(query: str) -> Node | None:
    """The query as a tree (None for a blank query); malformed input raises :class:`SearchQueryError`."""
    if not query.strip():
        return None
    tokens = _Lexer(query).tokens()
    if not tokens:
        raise SearchQueryError(f"bad search query {query!r}: no words to search for")
    return _Parser(query, tokens).parse()


def _fts5(node: Node) -> str:
    if isinstance(node, Phrase):
        return ("^" if node.caret else "") + quote(node.text) + ("*" if node.prefix else "")
    if isinstance(node, Binary):
        return f"({_fts5(node.left)} {node.op} {_fts5(node.right)})"
    if isinstance(node, Columns):
        return f"{node.spec} : {_fts5(node.child)}"
    distance = "" if node.distance is None else f", {node.distance}"
    return f"NEAR({' '.join(_fts5(p) for p in node.phrases)}{distance})"


_WEIGHTS = {"title": "A", "author": "B", "text": "D"}


def _tsquery(node: Node, weights: str, *, ranking: bool = False) -> str:
    if isinstance(node, Phrase):
        words = [word.lower() for word in re.findall(r"[^\W_]+", node.text)]
        lexemes = ["'" + word.replace("'", "''") + "'" for word in words]
        if node.prefix:
            lexemes[-1] += ":*"
        if weights:
            lexemes = [lexeme + ("" if lexeme.endswith(":*") else ":") + weights for lexeme in lexemes]
        return lexemes[0] if len(lexemes) == 1 else "(" + " <-> ".join(lexemes) + ")"
    if isinstance(node, Binary):
        if ranking and node.op == "NOT":
            return _tsquery(node.left, weights, ranking=True)
        operator = "|" if ranking else {"AND": "&", "OR": "|", "NOT": "& !"}[node.op]
        return (f"({_tsquery(node.left, weights, ranking=ranking)} {operator} "
                f"{_tsquery(node.right, weights, ranking=ranking)})")
    if isinstance(node, Columns):
        negate = node.spec.startswith("-")
        names = node.spec.lstrip("-").strip("{}").split()
        chosen = {_WEIGHTS[name] for name in names}
        if negate:
            chosen = set(_WEIGHTS.values()) - chosen
        return _tsquery(node.child, "".join(sorted(chosen)), ranking=ranking)
    return "(" + (" | " if ranking else " & ").join(_tsquery(p, weights) for p in node.phrases) + ")"


@dataclass(frozen=True)
class _Token:
    kind: str  # phrase | op | lp | rp | colspec | near | comma | number
    text: str  # as typed; for a phrase, its words without the quotes
    minus: bool = False  # an op NOT written as -word
    prefix: bool = False  # phrase*
    caret: bool = False  # ^phrase


@dataclass(frozen=True)
class Phrase:
    """Words that must appear in this order; ``prefix``: the last one may go on (``word*``)."""

    text: str
    prefix: bool = False
    caret: bool = False


@dataclass(frozen=True)
class Binary:
    """``left OP right`` with OP one of AND, OR, NOT (NOT: left and not right)."""

    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class Columns:
    """``child`` restricted to some columns; ``spec`` as written: title, -title, {title author}, -{...}."""

    spec: str
    child: Node


@dataclass(frozen=True)
class Near:
    """Phrases within ``distance`` tokens of each other (FTS5's default 10 when None)."""

    phrases: tuple[Phrase, ...]
    distance: int | None


Node = Phrase | Binary | Columns | Near


def _has_word(text: str) -> bool:
    return bool(_WORD_CHAR.search(text))


class _Lexer:
    """Splits a query into tokens; words become quoted phrases, punctuation-only words vanish."""

    def __init__(self, query: str) -> None:
        self.query = query
        self.out: list[_Token] = []
        self.near_depth: list[int] = []  # paren depths at which a NEAR( group opened
        self.depth = 0
        self.caret = False

    def error(self, reason: str) -> SearchQueryError:
        return SearchQueryError(f"bad search query {self.query!r}: {reason}")

    def tokens(self) -> list[_Token]:
        query, i, n = self.query, 0, len(self.query)
        while i < n:
            ch = query[i]
            if ch.isspace():
                i += 1
            elif ch == '"':
                i = self._string(i)
            elif ch == "(":
                self.depth += 1
                if self.out and self.out[-1].kind == "near":
                    self.near_depth.append(self.depth)
                self.out.append(_Token("lp", "("))
                i += 1
            elif ch == ")":
                if self.depth == 0:
                    raise self.error("')' without a matching '('")
                if self.near_depth and self.near_depth[-1] == self.depth:
                    self.near_depth.pop()
                self.depth -= 1
                self.out.append(_Token("rp", ")"))
                i += 1
            elif ch == "{" or (ch == "-" and query[i + 1: i + 2] == "{"):
                i = self._colset(i)
            elif ch == "}":
                raise self.error("'}' without a matching '{'")
            else:
                start = i
                while i < n and not query[i].isspace() and query[i] not in _DELIMITERS:
                    i += 1
                i = self._word(query[start:i], i)
        if self.depth:
            raise self.error("'(' without a matching ')'")
        return self.out

    def _string(self, start: int) -> int:
        """A quoted phrase (``""`` inside is a quote); returns the index after it (and a ``*``)."""
        query, i = self.query, start + 1
        while True:
            i = query.find('"', i)
            if i < 0:
                raise self.error("unbalanced double quote")
            if query[i + 1: i + 2] == '"':
                i += 2
                continue
            break
        text = query[start + 1: i].replace('""', '"')
        prefix = query[i + 1: i + 2] == "*"
        self._phrase(text, prefix=prefix)
        return i + 1 + prefix

    def _phrase(self, text: str, *, prefix: bool = False) -> None:
        caret, self.caret = self.caret, False
        if _has_word(text):
            self.out.append(_Token("phrase", text, prefix=prefix, caret=caret and not self.near_depth))

    def _colset(self, start: int) -> int:
        query = self.query
        minus = query[start] == "-"
        opening = start + minus
        end = query.find("}", opening)
        if end < 0:
            raise self.error("'{' without a matching '}'")
        names = query[opening + 1: end].split()
        if not names or any(name.lower() not in FTS_COLUMNS for name in names):
            raise self.error(f"columns are {', '.join(FTS_COLUMNS)}")
        i = end + 1
        while i < len(query) and query[i].isspace():
            i += 1
        if query[i: i + 1] != ":":
            raise self.error("a {column list} needs ':' and a search term after it")
        spec = ("-" if minus else "") + "{" + " ".join(name.lower() for name in names) + "}"
        self.out.append(_Token("colspec", spec))
        return i + 1

    def _word(self, word: str, after: int) -> int:
        """Tokens for one whitespace-delimited word; returns where the lexer goes on."""
        if word in _OPERATORS:
            self.out.append(_Token("op", word))
            return after
        if word == "NEAR" and self.query[after: after + 1] == "(":
            self.out.append(_Token("near", "NEAR"))
            return after
        if self.near_depth:
            for piece in re.split(r"(,)", word):
                if piece == ",":
                    self.out.append(_Token("comma", ","))
                elif piece.isdigit() and self.out and self.out[-1].kind == "comma":
                    self.out.append(_Token("number", piece))
                elif piece:
                    self._term(piece)
            return after
        rest_start = self.query[after:].lstrip()
        if word.lower() in FTS_COLUMNS and rest_start.startswith(":"):  # "title : armenia"
            self.out.append(_Token("colspec", word.lower()))
            return after + (len(self.query[after:]) - len(rest_start)) + 1
        column = re.match(r"^(-?)(" + "|".join(FTS_COLUMNS) + r"):(.*)$", word, re.IGNORECASE)
        if column:
            minus, name, rest = column.groups()
            self.out.append(_Token("colspec", minus + name.lower()))
            if rest:
                self._term(rest)
            return after
        if word.startswith("-") and _has_word(word):
            self.out.append(_Token("op", "NOT", minus=True))
            word = word.lstrip("-")
        self._term(word)
        return after

    def _term(self, word: str) -> None:
        if word.startswith("^"):
            self.caret = True
            word = word.lstrip("^")
        word = word.lstrip("+")
        prefix = word.endswith("*")
        self._phrase(word.rstrip("*"), prefix=prefix)


class _Parser:
    """Recursive descent over the tokens; emits a fully parenthesised FTS5 expression."""

    _STARTS = ("phrase", "lp", "colspec", "near")

    def __init__(self, query: str, tokens: list[_Token]) -> None:
        self.query = query
        self.tokens = tokens
        self.pos = 0

    def error(self, reason: str) -> SearchQueryError:
        return SearchQueryError(f"bad search query {self.query!r}: {reason}")

    def peek(self) -> _Token | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> _Token:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def parse(self) -> Node:
        expression = self.or_expr()
        token = self.peek()
        if token is not None:  # only a stray ',' or number can be left over
            raise self.error(f"unexpected {token.text!r}")
        return expression

    def or_expr(self) -> Node:
        left = self.and_expr()
        while (token := self.peek()) is not None and token.text == "OR" and token.kind == "op":
            self.take()
            left = Binary("OR", left, self.operand(token))
        return left

    def and_expr(self) -> Node:
        left = self.not_expr()
        while (token := self.peek()) is not None and (
                (token.kind == "op" and token.text == "AND") or token.kind in self._STARTS):
            if token.kind == "op":
                self.take()
                right = self.operand(token)
            else:
                right = self.not_expr()
            left = Binary("AND", left, right)
        return left

    def not_expr(self) -> Node:
        left = self.unary()
        while (token := self.peek()) is not None and token.kind == "op" and token.text == "NOT":
            self.take()
            left = Binary("NOT", left, self.unary(after=token))
        return left

    def operand(self, operator: _Token) -> Node:
        """The right-hand side of AND / OR."""
        return self.not_expr() if self._starts_operand() else self.unary(after=operator)

    def _starts_operand(self) -> bool:
        token = self.peek()
        return token is not None and token.kind in self._STARTS

    def unary(self, *, after: _Token | None = None) -> Node:
        token = self.peek()
        if token is None or token.kind not in self._STARTS:
            raise self._missing(after, token)
        if token.kind == "colspec":
            self.take()
            if not self._starts_operand() or self.peek().kind == "colspec":  # type: ignore[union-attr]
                raise self.error(f"{token.text}: needs a search term after it")
            return Columns(token.text, self.primary())
        return self.primary()

    def _missing(self, after: _Token | None, found: _Token | None) -> SearchQueryError:
        culprit = after if after is not None else found
        if culprit is not None and culprit.kind == "op":
            if culprit.minus:
                return self.error("an excluded -word needs a search term before it (e.g. armenia -russia)")
            return self.error(f"{culprit.text} needs a search term on each side "
                              f"(write \"{culprit.text.lower()}\" in quotes to search for the word)")
        if found is not None and found.kind == "rp":
            return self.error("empty parentheses")
        if found is not None:
            return self.error(f"unexpected {found.text!r}")
        return self.error("a search term is missing")

    def primary(self) -> Node:
        token = self.take()
        if token.kind == "phrase":
            return Phrase(token.text, token.prefix, token.caret)
        if token.kind == "lp":
            if self.peek() is not None and self.peek().kind == "rp":  # type: ignore[union-attr]
                raise self.error("empty parentheses")
            inner = self.or_expr()
            closing = self.peek()
            if closing is None or closing.kind != "rp":
                raise self._missing(None, closing)
            self.take()
            return inner
        return self.near()

    def near(self) -> Node:
        usage = "write NEAR(word word ...) or NEAR(word word ..., 10)"
        self.take()  # the "(" the lexer saw right after NEAR
        phrases: list[Phrase] = []
        distance = None
        while (token := self.peek()) is not None and token.kind == "phrase":
            taken = self.take()
            phrases.append(Phrase(taken.text, taken.prefix))
        if (token := self.peek()) is not None and token.kind == "comma":
            self.take()
            number = self.peek()
            if number is None or number.kind != "number":
                raise self.error(f"NEAR's distance must be a number: {usage}")
            distance = int(self.take().text)
        closing = self.peek()
        if not phrases or closing is None or closing.kind != "rp":
            raise self.error(usage)
        self.take()
        return Near(tuple(phrases), distance)
