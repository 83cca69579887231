"""``archiver serve``: the web UI and JSON API over the archive (uvicorn)."""

from __future__ import annotations

from typing import Annotated

import typer

from archiver.cli.common import current_config, err_console, fail

__all__ = ["serve_command"]


def serve_command(
    host: Annotated[str, typer.Option("--host", help="Address to listen on (127.0.0.1: this machine only).")]
    = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="Port to listen on (0: any free port).")]
    = 8000,
) -> None:
    """Serve the web UI and JSON API: search, articles, versions and diffs, runs, schedules, sandboxed replay.

    Example: ARCHIVER_API_TOKEN=s3cret archiver serve --port 8000

    Open http://127.0.0.1:8000/ (API docs at /api/docs). POST /api/archive needs
    Authorization: Bearer $ARCHIVER_API_TOKEN and refuses URLs on loopback, private,
    link-local and metadata addresses unless ARCHIVER_ALLOW_PRIVATE_TARGETS allows them
    (true, or a list like 10.0.0.0/8,127.0.0.1:8080). Without a token it is disabled.
    """
    import uvicorn

    from archiver.web import WebConfig, create_app
    from storage import ConfigError

    try:
        app = create_app(WebConfig.from_config(current_config()))
    except ConfigError as exc:
        raise fail(str(exc), code=2) from None
    if host not in ("127.0.0.1", "localhost", "::1"):
        err_console.print(f"serving on {host}: anyone who can reach it can read the archive", style="yellow")
    uvicorn.run(app, host=host, port=port, log_level="info", access_log=False, server_header=False)
