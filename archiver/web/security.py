"""What keeps the app safe to open beside archived pages: headers, CSRF tokens, the API token.

- :class:`SecurityHeaders` (ASGI middleware) gives every response ``X-Content-Type-Options:
  nosniff`` and ``Referrer-Policy: no-referrer``; the app's own pages get a strict
  Content-Security-Policy (no scripts, nothing from elsewhere, no framing), replayed archive
  resources (``/replay/``) get ``sandbox`` (no scripts, an opaque origin: no access to the
  app's cookies, storage or API) and may load images, styles, fonts and media from the app's
  replay path only (:mod:`archiver.web.replay.policy`); the frame page around a replayed page
  gets the app's own policy plus framing of the replay path.
- CSRF: a double-submit token. The form page sets a random token in a cookie (``HttpOnly``,
  ``SameSite=Strict``) and in a hidden field; a POST must carry both, equal, and an
  ``Origin`` (or ``Referer``) of the app itself when the browser sends one.
- :func:`check_bearer`: ``Authorization: Bearer TOKEN`` against ``ARCHIVER_API_TOKEN``.
"""

from __future__ import annotations

import hmac
import re
import secrets
from urllib.parse import urlsplit

from fastapi import HTTPException, Request, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from archiver.web.replay.policy import PAGE_CSP, frame_csp, is_frame_page, resource_csp

__all__ = [
    "CSRF_COOKIE",
    "PAGE_CSP",
    "SecurityHeaders",
    "check_bearer",
    "check_csrf",
    "csrf_token",
]

CSRF_COOKIE = "archiver_csrf"
_HOST = re.compile(r"[A-Za-z0-9.\-]+(:\d{1,5})?|\[[0-9A-Fa-f:.]+\](:\d{1,5})?")
_DOCS_PREFIXES = ("/api/openapi.json",)


class SecurityHeaders:
    """ASGI middleware adding the security headers (see the module docstring) to every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        replay = path.startswith("/replay/")
        frame_page = replay and is_frame_page(path)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", [])
                           if not (replay and k.lower() in (b"set-cookie", b"content-security-policy"))]
                headers.append((b"x-content-type-options", b"nosniff"))
                headers.append((b"referrer-policy", b"no-referrer"))
                if frame_page:
                    headers.append((b"content-security-policy", frame_csp(_origin(scope)).encode()))
                    headers.append((b"x-frame-options", b"DENY"))
                    headers.append((b"cross-origin-resource-policy", b"same-origin"))
                elif replay:
                    # No Cross-Origin-Resource-Policy here: the sandboxed page has an opaque origin, so
                    # `same-origin` (or `same-site`) would block every image and stylesheet it loads.
                    headers.append((b"content-security-policy", resource_csp(_origin(scope)).encode()))
                elif not any(k.lower() == b"content-security-policy" for k, _ in headers):
                    headers.append((b"content-security-policy", PAGE_CSP.encode()))
                    headers.append((b"x-frame-options", b"DENY"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _origin(scope: Scope) -> str:
    """``scheme://host[:port]`` of the app as the browser addressed it (its ``Host`` header)."""
    host = next((v.decode("latin-1") for k, v in scope.get("headers", []) if k == b"host"), None)
    if not host:
        server = scope.get("server") or ("localhost", None)
        host = server[0] if server[1] is None else f"{server[0]}:{server[1]}"
    if not _HOST.fullmatch(host):  # never let a forged Host header add directives to the policy
        host = "invalid.invalid"
    return f"{scope.get('scheme', 'http')}://{host}"


def csrf_token(request: Request, response: Response) -> str:
    """The CSRF token for a form: the cookie's, or a new one set on ``response``."""
    token = request.cookies.get(CSRF_COOKIE)
    if not token or len(token) < 32:
        token = secrets.token_urlsafe(32)
        response.set_cookie(CSRF_COOKIE, token, httponly=True, samesite="strict", path="/",
                            secure=request.url.scheme == "https")
    return token


def check_csrf(request: Request, form_token: str | None) -> None:
    """Raise 403 unless the form's token equals the cookie's and the request comes from this app."""
    cookie = request.cookies.get(CSRF_COOKIE)
    if not cookie or not form_token or not hmac.compare_digest(cookie.encode(), form_token.encode()):
        raise HTTPException(403, "the form has expired or did not come from this site: reload it and try again")
    source = request.headers.get("origin") or request.headers.get("referer")
    if source and source != "null":
        parts = urlsplit(source)
        if f"{parts.scheme}://{parts.netloc}" != f"{request.url.scheme}://{request.url.netloc}":
            raise HTTPException(403, f"cross-site form submission refused (from {parts.scheme}://{parts.netloc})")
    elif source == "null":
        raise HTTPException(403, "cross-site form submission refused (opaque origin)")


def check_bearer(configured: str | None, authorization: str | None) -> None:
    """Raise 503 when no token is configured, 401 unless ``authorization`` is ``Bearer <that token>``."""
    if not configured:
        raise HTTPException(503, "archive-on-demand is disabled: start the server with ARCHIVER_API_TOKEN set")
    scheme, _, given = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), configured.encode()):
        raise HTTPException(401, "a valid API token is needed: send Authorization: Bearer TOKEN",
                            headers={"WWW-Authenticate": "Bearer"})
