"""`make run`'s server (app/dev_server.py) over real HTTP: what it refuses before the app runs is JSON of the one
error shape, logged as the caller's fault, and a chunked body is either whole or refused."""

import json
import socket

import pytest
from flask import Blueprint, redirect

from tests.support.json_errors import error_in
from tests.support.local_server import dev_server

pytestmark = pytest.mark.slow

LIMIT = 6 * 1024 * 1024  # Lambda's synchronous payload limit, which MAX_CONTENT_LENGTH mirrors


@pytest.fixture(scope="module")
def server():
    with dev_server("dev") as served:
        yield served


def exchange(port: int, data: bytes) -> bytes:
    """Send raw bytes, read until the server closes (the standard library's client cannot send most of these)."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as connection:
        connection.sendall(data)
        answer = b""
        while chunk := connection.recv(1 << 16):
            answer += chunk
    return answer


def parsed(answer: bytes) -> tuple[int, dict[str, str], bytes]:
    head, _, body = answer.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {name.lower(): value.strip() for name, _, value in (line.partition(":") for line in lines)}
    return int(status_line.split()[1]), headers, body


def chunked(method: str, path: str, size: int) -> bytes:
    body = b"a" * size
    return (
        f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\n"
        "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    ).encode() + b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)


HEALTH = b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"


@pytest.mark.parametrize(
    ("request_bytes", "status", "message"),
    [
        (HEALTH + b"X-Long: " + b"a" * 70_000 + b"\r\n\r\n", 431, "Line too long"),
        (HEALTH + b"".join(b"X-H%d: a\r\n" % n for n in range(101)) + b"\r\n", 431, "Too many headers"),
        (b"GET /health HTTP/1.1 extra\r\nHost: 127.0.0.1\r\n\r\n", 400, "Bad request"),
        (b"GARBAGE\r\n\r\n", 400, "Bad request syntax"),
        (HEALTH + b"X-Bad : 1\r\n\r\n", 400, "not a field"),
        (HEALTH + b"X-Nul: a\x00b\r\n\r\n", 400, "control character"),
        (b"GET /health HTTP/9.1\r\nHost: 127.0.0.1\r\n\r\n", 505, "HTTP Version Not Supported"),
        (b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\n\r\n", 414, "URI Too Long"),
    ],
    ids=[
        "header-line-too-long",
        "too-many-headers",
        "bad-request-line",
        "garbage",
        "space-before-colon",
        "nul-in-value",
        "http-version-9",
        "request-line-too-long",
    ],
)
def test_what_the_server_refuses_is_json(server, request_bytes, status, message):
    found, headers, body = parsed(exchange(server.port, request_bytes))
    error = error_in(found, headers.get("content-type", ""), body, status)
    assert message in error["message"]
    assert headers["x-content-type-options"] == "nosniff"
    health = parsed(exchange(server.port, HEALTH + b"\r\n"))
    assert health[0] == 200 and json.loads(health[2])["status"] == "ok"


def test_a_chunked_body_one_byte_over_the_limit_is_refused(server):
    status, headers, body = parsed(exchange(server.port, chunked("PUT", "/health", LIMIT + 1)))
    assert "6,291,456" in error_in(status, headers["content-type"], body, 413)["message"]


def test_a_chunked_body_at_the_limit_is_whole(server):
    # /health takes no PUT: the body is read whole first, then the router's 405 comes, not a 413.
    status, headers, body = parsed(exchange(server.port, chunked("PUT", "/health", LIMIT)))
    error_in(status, headers["content-type"], body, 405)


def test_the_callers_faults_are_not_logged_as_errors(server):
    exchange(server.port, HEALTH + b"X-Long: " + b"a" * 70_000 + b"\r\n\r\n")
    output = server.output()
    assert " 431 " in output or '" 431' in output
    assert "ERROR" not in output and "Traceback" not in output, output


def test_redirects_are_json_with_their_location(skeleton_app):
    bp = Blueprint("moved", __name__)

    @bp.get("/things/")
    def things():
        return {"things": []}

    @bp.get("/old")
    def old():
        return redirect("/things/", 301)

    skeleton_app.register_blueprint(bp)
    client = skeleton_app.test_client()
    for path, status, location in [("/things", 308, "/things/"), ("/old", 301, "/things/")]:
        response = client.get(path)
        error = error_in(response.status_code, response.content_type, response.data, status)
        assert response.headers["Location"].endswith(location)
        assert location in error["message"]
