"""``make run``: the app under Werkzeug's development server, reloading on code changes, as ``flask run`` serves it,
but for the server's own answers: a request it cannot parse (a request line or headers past its limits, a
malformed request line) never reaches the app, and the server answers it with an HTML page. Here it gets JSON of
the app's one error shape instead, and its log line is an INFO one: the caller's fault, not the server's. Header
fields HTTP forbids, which the standard library's parser lets through, are refused the same way (400): a name
that is not a token, a control character in a value, a line without a colon (RFC 9110 5.1 and 5.5, RFC 9112 5).

A chunked body, which only a WSGI server meets (API Gateway hands Lambda whole bodies), is read before the app
runs: Werkzeug would stop at ``MAX_CONTENT_LENGTH`` without a word, and a route would get the body cut short.
One that goes past the limit is refused with a 413 (``WholeChunkedBody``): a body is either whole or refused.

    python -m app.dev_server [--host 127.0.0.1] [--port 5000]    (the stage: $LOOPBACK_STAGE, default local)
"""

import argparse
import io
import re
import uuid
from collections.abc import Callable, Iterable
from email import errors
from http import HTTPStatus
from typing import Any

from werkzeug.serving import WSGIRequestHandler

from .errors import error_json, too_large
from .response_headers import SECURITY_HEADERS

# Answers that carry no body (RFC 9110: 1xx, 204, 205, 304).
_NO_BODY = {HTTPStatus.NO_CONTENT, HTTPStatus.RESET_CONTENT, HTTPStatus.NOT_MODIFIED}
# RFC 9110 5.1: a field name is a token; 5.5: a value holds no control character but horizontal tab.
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_NOT_A_FIELD = (errors.MissingHeaderBodySeparatorDefect, errors.InvalidHeaderDefect)
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


class JsonErrorRequestHandler(WSGIRequestHandler):
    """Werkzeug's request handler, with the standard library's HTML error page replaced by the app's JSON."""

    def parse_request(self) -> bool:
        if not super().parse_request():
            return False
        if problem := _header_problem(self.headers):
            self.send_error(HTTPStatus.BAD_REQUEST, problem)
            return False
        return True

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        status = HTTPStatus(code)
        if self.request_version == "HTTP/0.9":  # a request line too broken to name a version: answer in HTTP/1.1
            self.request_version = "HTTP/1.1"
        # The status line keeps the standard phrase; the server's own words (which may quote the request line)
        # go in the body, as JSON.
        self.send_response(code, status.phrase)
        detail = message if message and message != status.phrase else status.description
        body, headers = _json_error(code, f"{status.phrase}: {detail}." if detail else f"{status.phrase}.")
        if code < 200 or status in _NO_BODY:
            body, headers = b"", [header for header in headers if header[0] in SECURITY_HEADERS]
        for name, value in [*headers, ("Connection", "close")]:
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD" and body:
            self.wfile.write(body)


class WholeChunkedBody:
    """WSGI middleware: a chunked body read whole before the app runs; over ``limit`` bytes, a 413."""

    def __init__(self, app: Callable[..., Iterable[bytes]], limit: int) -> None:
        self.app, self.limit = app, limit

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("wsgi.input_terminated") and not environ.get("CONTENT_LENGTH"):
            body = _read(environ["wsgi.input"], self.limit + 1)
            if len(body) > self.limit:
                answer, headers = _json_error(413, too_large(self.limit))
                start_response("413 Content Too Large", [*headers, ("Connection", "close")])
                return [answer]
            environ["wsgi.input"] = io.BytesIO(body)  # still terminated: Werkzeug reads it to its end
        return self.app(environ, start_response)


def _json_error(status: int, message: str) -> tuple[bytes, list[tuple[str, str]]]:
    """The server's own error answer, outside the app: the one error shape, with its own request id, and the
    headers of every answer."""
    body = error_json(status, message, str(uuid.uuid4())).encode()
    headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    return body, [*headers, *SECURITY_HEADERS.items()]


def _read(stream: Any, most: int) -> bytes:
    """Up to ``most`` bytes, to the end: a raw stream (a chunked body) may return fewer than asked at each read."""
    body = bytearray()
    while len(body) < most and (chunk := stream.read(most - len(body))):
        body += chunk
    return bytes(body)


def _header_problem(headers: Any) -> str | None:
    # The parser met a line that is no field; a multipart Content-Type adds defects of the (absent) body: not these.
    if any(isinstance(defect, _NOT_A_FIELD) for defect in headers.defects):
        return "A header line is not a field (name: value)"
    for name, value in headers.raw_items():
        if not _TOKEN.fullmatch(name):
            return f"The header name {name!r} is not a token"
        if _CONTROL.search(value):
            return f"The header {name} holds a control character"
    return None


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m app.dev_server", description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5000)
    parser.add_argument("--no-reload", dest="reload", action="store_false", help="do not restart on code changes")
    options = parser.parse_args(argv)
    from .wsgi import app  # built here, in the process that serves it (the reloader's child)

    app.wsgi_app = WholeChunkedBody(app.wsgi_app, app.config["MAX_CONTENT_LENGTH"])  # Flask's place for middleware
    app.run(options.host, options.port, use_reloader=options.reload, request_handler=JsonErrorRequestHandler)


if __name__ == "__main__":
    main()
