"""Host keys: a URL's host name with its labels reversed, so "this site and its subdomains" is an index range.

``https://www.example.org:8443/news`` has the key ``org.example.www``. Every host under
``example.org`` has a key that is ``org.example`` or starts with ``org.example.``, so a
B-tree index on the key finds a site's captures without reading the others (a condition on
the URL itself needs a scan: subdomains are spread all over a URL index).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from sqlalchemy import ColumnElement, SQLColumnExpression, and_, or_

__all__ = ["host_key", "host_key_condition"]


def host_key(url: str | None) -> str | None:
    """The reversed, lower-cased host name of ``url`` (no port); None when it has none."""
    if not url:
        return None
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    if not host:
        return None
    return ".".join(reversed(host.rstrip(".").split(".")))[:255]


def host_key_condition(column: SQLColumnExpression[str | None], site: str) -> ColumnElement[bool]:
    """``column`` (a host key) names the host ``site`` (no port) or one of its subdomains."""
    key = host_key(f"http://{site}/") or site
    escaped = key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    in_range = and_(column >= key, column < key + "/")  # "/" sorts right after ".": an index range
    return and_(in_range, or_(column == key, column.like(escaped + ".%", escape="\\")))
