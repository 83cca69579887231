"""A small Chrome DevTools Protocol client for tests: start Debian's headless Chromium, drive one page.

Chromium is started with the flags FIELD-NOTES gives (no sandbox as root, no background
networking on a closed network) and a fresh profile; ``--remote-debugging-port=0`` makes it
pick a port and print ``DevTools listening on ws://...`` on stderr, which we read (no port race).
"""

from __future__ import annotations

import base64
import itertools
import json
import subprocess
import threading
from pathlib import Path
from typing import IO, Any

from websockets.sync.client import ClientConnection, connect

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", "--disable-dev-shm-usage",
         "--disable-breakpad", "--disable-crash-reporter", "--remote-debugging-port=0", "--remote-allow-origins=*"]


def _drain(stream: IO[str]) -> None:
    """Read a child's log to its end (so the child never blocks on a full pipe), then close it."""
    with stream:
        stream.read()


class JsError(Exception):
    """A script evaluated in the page threw (or its promise rejected); the message is its description."""


class Browser:
    """One headless Chromium process and one page (tab) of it, attached over a flat CDP session."""

    def __init__(self, user_data_dir: Path, *, timeout: float = 30.0) -> None:
        self.timeout = timeout
        self.proc = subprocess.Popen([str(CHROMIUM), *FLAGS, f"--user-data-dir={user_data_dir}", "about:blank"],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                     text=True)
        self._connection: Any = None
        try:
            self._start()
        except BaseException:
            self.close()  # never leave a browser behind
            raise

    def _start(self) -> None:
        assert self.proc.stderr is not None
        endpoint = None
        for line in self.proc.stderr:
            if line.startswith("DevTools listening on "):
                endpoint = line.split("DevTools listening on ", 1)[1].strip()
                break
        if endpoint is None:
            self.proc.wait(timeout=10)
            raise RuntimeError("chromium exited before it opened its DevTools endpoint")
        threading.Thread(target=_drain, args=(self.proc.stderr,), daemon=True).start()
        self._connection = connect(endpoint, max_size=None, open_timeout=self.timeout)
        self.ws: ClientConnection = self._connection.__enter__()
        self._ids = itertools.count(1)
        self.events: list[dict[str, Any]] = []
        #: Every request the page made (``Network.requestWillBeSent``, after ``Network.enable``): its URL.
        self.requests: list[str] = []
        #: The HTTP status of each response the page got (``Network.responseReceived``), by URL.
        self.statuses: dict[str, int] = {}
        target = self._call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self._call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        self.send("Page.enable")
        self.send("Runtime.enable")

    def _call(self, method: str, params: dict[str, Any] | None = None, session: str | None = None) -> dict[str, Any]:
        message_id = next(self._ids)
        message: dict[str, Any] = {"id": message_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        self.ws.send(json.dumps(message))
        while True:
            reply = json.loads(self.ws.recv(timeout=self.timeout))
            if reply.get("id") == message_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            if "method" in reply:
                self._event(reply)

    def _event(self, event: dict[str, Any]) -> None:
        self.events.append(event)
        params = event.get("params", {})
        if event["method"] == "Network.requestWillBeSent":
            self.requests.append(params["request"]["url"])
        elif event["method"] == "Network.responseReceived":
            self.statuses[params["response"]["url"]] = params["response"]["status"]

    def send(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """A CDP command on the page; its result."""
        return self._call(method, params, self.session)

    def wait_event(self, method: str) -> dict[str, Any]:
        """The first event ``method`` not seen yet (waiting for it); earlier events are dropped."""
        while True:
            while self.events:
                event = self.events.pop(0)
                if event.get("method") == method:
                    return event.get("params", {})
            reply = json.loads(self.ws.recv(timeout=self.timeout))
            if "method" in reply:
                self._event(reply)

    def navigate(self, url: str) -> None:
        """Load ``url`` and wait for its load event."""
        self.events.clear()
        result = self.send("Page.navigate", {"url": url})
        if result.get("errorText"):
            raise RuntimeError(f"cannot load {url}: {result['errorText']}")
        self.wait_event("Page.loadEventFired")

    def act(self, expression: str) -> None:
        """Run ``expression`` (a click, a form submit) and wait for the page it leads to."""
        self.events.clear()
        self.evaluate(expression)
        self.wait_event("Page.loadEventFired")

    def evaluate(self, expression: str, *, await_promise: bool = False) -> Any:
        """The value of ``expression`` in the page; :class:`JsError` when it throws or rejects."""
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                                "awaitPromise": await_promise})
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            raise JsError(details.get("exception", {}).get("description") or details.get("text", "error"))
        return result["result"].get("value")

    def viewport(self, width: int, height: int, *, mobile: bool = False) -> None:
        """Emulate a screen of ``width`` x ``height`` CSS pixels (a phone with ``mobile``)."""
        self.send("Emulation.setDeviceMetricsOverride", {"width": width, "height": height,
                                                         "deviceScaleFactor": 1, "mobile": mobile})

    def screenshot(self, path: Path) -> Path:
        """Save a PNG of the viewport to ``path``."""
        data = self.send("Page.captureScreenshot", {"format": "png"})["data"]
        path.write_bytes(base64.b64decode(data))
        return path

    def close(self) -> None:
        """Close the connection and stop Chromium."""
        try:
            if self._connection is not None:
                self._connection.__exit__(None, None, None)
        finally:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            if self.proc.stderr is not None and not self._connection:
                self.proc.stderr.close()  # no drain thread owns it
