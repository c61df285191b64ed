"""Headless Chromium, Debian's (/usr/bin/chromium), driven by Playwright and kept on this machine.

Every request a page makes is recorded, so that a test can require that none of them left 127.0.0.1. Chromium's
own services still call Google (sign-in's ``ListAccounts``, GCM's check-in) a few seconds after start, flags or
not; so the browser's proxy is a fence on 127.0.0.1 that refuses every request it is handed and notes it. Chromium
sends loopback addresses directly, never through a proxy: the servers under test are reached as usual, and any
other host only reaches the fence.

Playwright's own browsers are never installed: ``chromium()`` launches Debian's package (.ci/run installs it).
"""

import http.server
import os
import socketserver
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Request, Response, sync_playwright

# LOOPBACK_CHROMIUM names another build of Chromium (Travis CI's Google Chrome: see .travis.yml).
CHROMIUM = Path(os.environ.get("LOOPBACK_CHROMIUM", "/usr/bin/chromium"))
# Playwright passes most of these itself, with --headless, --no-sandbox (needed as root) and a new empty
# --user-data-dir of its own for each launch; named here so that they hold whatever Playwright's defaults become.
CHROMIUM_FLAGS = [
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost"})
# URLs that name no host: nothing goes on the network for them.
HOSTLESS_SCHEMES = frozenset({"about", "blob", "data"})
ACTION_TIMEOUT_MS = 15_000
VIEWPORT = {"width": 1280, "height": 900}


class Fence(socketserver.ThreadingTCPServer):
    """A proxy on 127.0.0.1 that answers every request 403 and keeps its request line (``CONNECT host:443``)."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Refusal)
        self.attempts: list[str] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Refusal(socketserver.StreamRequestHandler):
    server: Fence

    def handle(self) -> None:
        self.server.attempts.append(self.rfile.readline(8192).decode("latin-1").strip())
        self.wfile.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")


@dataclass
class Exchange:
    """A request a page made, and how it ended: its answer's status, or why it got none."""

    method: str
    url: str
    status: int | None = None
    failure: str | None = None


@dataclass
class Browsing:
    """One page in a context of its own, and every request made from it (scripts, styles, fetches), in order."""

    page: Page
    _by_request: dict[Request, Exchange] = field(default_factory=dict)  # in the order of the requests

    @property
    def exchanges(self) -> list[Exchange]:
        return list(self._by_request.values())

    def urls(self) -> list[str]:
        return [exchange.url for exchange in self.exchanges]

    def off_machine(self) -> list[str]:
        """The URLs requested from a host other than 127.0.0.1 or localhost."""
        return [url for url in self.urls() if not is_local_url(url)]

    def failed(self) -> list[Exchange]:
        """The requests that got an error status, failed, or are still waiting for an answer."""
        return [exchange for exchange in self.exchanges if exchange.status is None or exchange.status >= 400]

    def record(self, context: BrowserContext) -> None:
        """Note every request of ``context``'s pages, and how it ends."""
        # Listening, not routing: with routes, Playwright answers CORS preflights itself, which the server must.
        context.on("request", self._sent)
        context.on("response", self._answered)
        context.on("requestfailed", self._failed)

    def _sent(self, request: Request) -> None:
        self._by_request[request] = Exchange(request.method, request.url)

    def _answered(self, response: Response) -> None:
        self._by_request[response.request].status = response.status

    def _failed(self, request: Request) -> None:
        self._by_request[request].failure = request.failure


@dataclass
class Chromium:
    """A running browser and the fence its off-machine requests end at."""

    browser: Browser
    fence: Fence

    @contextmanager
    def browsing(self) -> Iterator[Browsing]:
        """A new page, with no cookies or cache from any other, its requests recorded."""
        context = self.browser.new_context(viewport=VIEWPORT)  # type: ignore[arg-type]
        context.set_default_timeout(ACTION_TIMEOUT_MS)
        page = context.new_page()
        browsing = Browsing(page)
        browsing.record(context)
        try:
            yield browsing
        finally:
            context.close()


def is_local_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in HOSTLESS_SCHEMES or parts.hostname in LOCAL_HOSTS


@contextmanager
def chromium() -> Iterator[Chromium]:
    """Launch headless Chromium (``CHROMIUM``); fail the test, saying how to install it, if it is missing."""
    if not CHROMIUM.is_file():
        pytest.fail(
            f"{CHROMIUM} is missing: the browser tests use Debian's Chromium (apt-get install chromium; .ci/run "
            "installs it), never Playwright's own browsers",
            pytrace=False,
        )
    with Fence() as fence:
        threading.Thread(target=fence.serve_forever, daemon=True).start()
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM,
                    headless=True,
                    args=[*CHROMIUM_FLAGS, f"--proxy-server={fence.url}"],
                )
                try:
                    yield Chromium(browser, fence)
                finally:
                    browser.close()
        finally:
            fence.shutdown()


@contextmanager
def serving_pages(pages: Mapping[str, str]) -> Iterator[str]:
    """Serve ``pages`` (path: HTML) from 127.0.0.1 on a port of its own, another origin than the API's; yields the
    origin, ``http://127.0.0.1:PORT``."""

    class Pages(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            page = pages.get(urlsplit(self.path).path)
            body = (page or "").encode()
            self.send_response(200 if page is not None else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass  # the test reads what the page shows, not this log

    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), Pages) as server:
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}"
        finally:
            server.shutdown()
