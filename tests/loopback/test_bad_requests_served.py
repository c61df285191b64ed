"""The hostile and odd requests of bad_requests.json over real HTTP on 127.0.0.1: to ``make run`` and to the local
gateway (a REST API and an HTTP API in front of Zappa's handler), each server started once for the module. Then
what only a server meets, sent over a raw socket: chunked bodies, a body without Content-Length, request lines and
headers past the HTTP server's limits, malformed request lines and header names.

Each gets the answer the corpus gives it (test_bad_requests.check_answer), the same server then answers a good
POST correctly, and its output for the exchange holds no traceback and no line logged at ERROR: every fault here
is the caller's.
"""

import http.client
import re
import socket
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager as ContextManager
from contextlib import contextmanager, suppress
from dataclasses import dataclass

import pytest

from local_gateway.events import HttpRequest
from tests.loopback.test_bad_requests import (
    GOOD_BODY,
    STAGE,
    Answer,
    body_of,
    cases_on,
    check_answer,
    good_request_answers,
    headers_of,
    target_of,
    unicode_json,
)
from tests.support.json_errors import error_in
from tests.support.local_server import Served, dev_server, gateway, send

pytestmark = pytest.mark.slow

SIX_MIB = 6 * 1024 * 1024
# The limits of the standard library's HTTP server, which werkzeug's serves with (http.server, http.client):
# a request line or header line of 65,536 bytes (CRLF included), 100 header lines.
MAX_LINE = 65536
MAX_HEADERS = 100
# What the server's output must not hold: a traceback, a line logged at ERROR (the app logger's "ERROR in",
# a JSON log line's level), or the HTTP server's own error line, which werkzeug logs at ERROR.
LOGGED_ERROR = re.compile(r"Traceback|\bERROR\b|\"level\": ?\"ERROR\"|\bcode \d{3}, message\b")
BODY_METHODS = ("POST", "PUT", "PATCH")


@dataclass(frozen=True)
class Server:
    """A server under test: its port, the stage prefix of its paths, its output and whether it still runs."""

    port: int
    prefix: str
    output: Callable[[], str]
    running: Callable[[], bool]


@contextmanager
def _served(serving: ContextManager[Served], prefix: str) -> Iterator[Server]:
    with serving as served:
        yield Server(served.port, prefix, served.output, lambda: served.process.poll() is None)


@pytest.fixture(scope="module")
def make_run() -> Iterator[Server]:
    with _served(dev_server(STAGE), "") as server:
        yield server


def _gateway(http_api: bool) -> ContextManager[Server]:
    return _served(gateway(STAGE, http_api=http_api), f"/{STAGE}")


@pytest.fixture(scope="module")
def gateway_rest() -> Iterator[Server]:
    with _gateway(http_api=False) as server:
        yield server


@pytest.fixture(scope="module")
def gateway_http() -> Iterator[Server]:
    with _gateway(http_api=True) as server:
        yield server


def http_answer(server: Server, method: str, target: str, headers: list, body: bytes) -> Answer:
    """Send one request with http.client: the given headers, the Host, and the Content-Length of a body."""
    length = [("Content-Length", str(len(body)))] if body or method in BODY_METHODS else []
    host = ("Host", f"127.0.0.1:{server.port}")
    status, message, answer = send(
        server.port, HttpRequest(method, server.prefix + target, [host, *headers, *length], body)
    )
    joined: dict[str, list[str]] = {}
    for name, value in message.items():
        joined.setdefault(name.lower(), []).append(value)
    return Answer(status, {name: ", ".join(values) for name, values in joined.items()}, answer)


def exchanged(server: Server, path: str, exchange: Callable[[], Answer], check: Callable[[Answer], None]) -> None:
    """Run ``exchange`` and ``check`` its answer; then the server answers a good POST, and logged no error."""
    before = len(server.output())
    check(exchange())
    good = http_answer(server, "POST", "/", [("Content-Type", "application/json")], GOOD_BODY)
    good_request_answers(good.status, good.body)
    assert server.running(), f"{path}: the server stopped"
    logged = [line for line in server.output()[before:].splitlines() if LOGGED_ERROR.search(line)]
    assert not logged, f"{path}: a caller's fault logged as an error:\n" + "\n".join(logged)[:3000]


def run_case(case: dict, server: Server, path: str) -> None:
    def exchange() -> Answer:
        return http_answer(server, case["method"], target_of(case), headers_of(case), body_of(case))

    exchanged(server, path, exchange, lambda answer: check_answer(case, answer, path))


@pytest.mark.parametrize("case", cases_on("make-run"))
def test_over_make_run(case, make_run):
    run_case(case, make_run, "make-run")


@pytest.mark.parametrize("case", cases_on("gateway-rest"))
def test_over_the_local_gateway_rest_api(case, gateway_rest):
    run_case(case, gateway_rest, "gateway-rest")


@pytest.mark.parametrize("case", cases_on("gateway-http"))
def test_over_the_local_gateway_http_api(case, gateway_http):
    run_case(case, gateway_http, "gateway-http")


# What only a server meets, sent byte for byte.


def chunked(body: bytes, size: int = 65536) -> bytes:
    """``body`` in chunks of ``size`` bytes, as Transfer-Encoding: chunked sends it (RFC 9112 section 7.1)."""
    chunks = [body[start : start + size] for start in range(0, len(body), size)]
    return b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for chunk in chunks) + b"0\r\n\r\n"


def request_bytes(line: bytes, headers: list[bytes], body: bytes = b"") -> bytes:
    return line + b"\r\n" + b"".join(header + b"\r\n" for header in headers) + b"\r\n" + body


HOST = b"Host: 127.0.0.1"
TEXT = b"Content-Type: text/plain"
CHUNKED = b"Transfer-Encoding: chunked"
NO_BODY = b"Content-Length: 0"


def header_line(total: int) -> bytes:
    """A header line of ``total`` bytes with its CRLF."""
    return b"X-Long: " + b"a" * (total - len(b"X-Long: \r\n"))


def numbered_headers(count: int) -> list[bytes]:
    return [b"X-%d: 1" % number for number in range(count)]


def request_line(total: int) -> bytes:
    """A POST request line of ``total`` bytes with its CRLF."""
    return b"POST /" + b"a" * (total - len(b"POST / HTTP/1.1\r\n")) + b" HTTP/1.1"


def six_mib(extra: int = 0) -> Callable[[], bytes]:
    return lambda: chunked(b"a" * (SIX_MIB + extra))


@dataclass(frozen=True)
class RawCase:
    """A request sent as bytes, and the status it gets, with a phrase of the error message or the body's size."""

    name: str
    status: int
    phrase: str = ""
    size: int | None = None
    line: bytes = b"POST / HTTP/1.1"
    headers: tuple[bytes, ...] = (HOST, NO_BODY)
    body: Callable[[], bytes] = bytes  # built when sent: some are megabytes

    def data(self) -> bytes:
        return request_bytes(self.line, list(self.headers), self.body())


RAW_CASES = [
    RawCase("chunked-body", 200, size=5, headers=(HOST, TEXT, CHUNKED), body=lambda: chunked(b"hello", 3)),
    RawCase("chunked-body-of-6-mib", 200, size=SIX_MIB, headers=(HOST, TEXT, CHUNKED), body=six_mib()),
    # Cut at 6 MiB and answered 200, it would lose data silently: the README promises 413.
    RawCase("chunked-body-over-6-mib", 413, "body", headers=(HOST, TEXT, CHUNKED), body=six_mib(1)),
    # HTTP/1.1 gives a request without Content-Length nor Transfer-Encoding no body (RFC 9112 section 6.3), as
    # API Gateway does: the bytes that follow would be the next request, and Connection: close ends them unread.
    # (`curl -X POST` without data sends such a request, and means no body.)
    RawCase("body-without-content-length", 200, size=0, headers=(HOST, TEXT, b"Connection: close"), body=lambda: b"hi"),
    RawCase("header-line-at-the-limit", 200, size=0, headers=(HOST, NO_BODY, header_line(MAX_LINE))),
    RawCase("header-line-over-the-limit", 431, "header", headers=(HOST, NO_BODY, header_line(MAX_LINE + 1))),
    # http.client counts the empty line that ends the headers as one: 100 header lines are "more than 100".
    RawCase("99-header-lines", 200, size=0, headers=(HOST, NO_BODY, *numbered_headers(MAX_HEADERS - 3))),
    RawCase("101-header-lines", 431, "header", headers=(HOST, NO_BODY, *numbered_headers(MAX_HEADERS - 1))),
    RawCase("request-line-at-the-limit", 200, size=0, line=request_line(MAX_LINE)),
    RawCase("request-line-over-the-limit", 414, "long", line=request_line(MAX_LINE + 1)),
    RawCase("request-line-of-one-word", 400, "request", line=b"GARBAGE", headers=()),
    RawCase("request-line-with-four-words", 400, "request", line=b"POST / HTTP/1.1 extra"),
    RawCase("request-line-with-a-bad-version", 400, "version", line=b"POST / HTTP/1.x"),
    RawCase("request-line-of-http-2", 505, "version", line=b"POST / HTTP/2.0"),
    # RFC 9112 section 5.1: a server MUST answer 400 to whitespace between a field name and its colon.
    RawCase("header-name-then-space", 400, "header", headers=(HOST, NO_BODY, b"X-Bad : 1")),
    RawCase("header-name-with-a-high-byte", 400, "header", headers=(HOST, NO_BODY, b"X-\xffBad: 1")),
    RawCase("header-line-without-colon", 400, "header", headers=(HOST, NO_BODY, b"X-Bad")),
]


def raw_answer(port: int, data: bytes, timeout: float = 30) -> Answer:
    """Send ``data`` as it is and read the one answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as connection:
        # A server may answer before it has read all of it: its answer is there to read.
        with suppress(BrokenPipeError, ConnectionResetError):
            connection.sendall(data)
        response = http.client.HTTPResponse(connection, method="POST")
        try:
            response.begin()
        except http.client.BadStatusLine as error:
            raise AssertionError(f"an answer without an HTTP status line: {str(error)[:300]}") from None
        headers = {name.lower(): value for name, value in response.getheaders()}
        return Answer(response.status, headers, response.read())


@pytest.mark.parametrize("case", RAW_CASES, ids=[case.name for case in RAW_CASES])
def test_what_only_a_server_meets_over_make_run(case, make_run):
    def check(answer: Answer) -> None:
        if case.status >= 400:
            assert (answer.status, answer.headers.get("content-type")) == (case.status, "application/json"), answer
            error = error_in(answer.status, answer.headers.get("content-type", ""), answer.body, case.status)
            assert case.phrase.lower() in error["message"].lower(), error["message"]
            return
        assert answer.status == case.status, answer
        assert unicode_json(answer.body)["extras"]["body"]["size"] == case.size

    exchanged(make_run, "make-run", lambda: raw_answer(make_run.port, case.data()), check)
