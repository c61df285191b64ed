"""The gateway as a WSGI app, served by werkzeug's threaded HTTP server on 127.0.0.1."""

import http.client
import json
import sys
from collections.abc import Iterable
from typing import Any

from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from .events import Api, Client, HttpRequest, RefusedPathError, proxy_event
from .function import MAX_EVENT_BYTES, MAX_RESPONSE_BYTES, LambdaFunction
from .responses import (
    HttpResponse,
    MalformedResponseError,
    gateway_error,
    http_api_response,
    rest_response,
    with_local_location,
)

# API Gateway's request payload quota (REST and HTTP APIs).
MAX_REQUEST_BYTES = 10 * 1024 * 1024
# The longest API Gateway waits for a Lambda integration by default.
INTEGRATION_TIMEOUT_SECONDS = {"1.0": 29.0, "2.0": 30.0}
HEADERS_AS_SENT = "local_gateway.headers"
# How much of a refused body is read before answering; past it, the connection is dropped.
DISCARD_LIMIT_BYTES = 100 * 1024 * 1024


class HeadersAsSentHandler(WSGIRequestHandler):
    """Keeps the request's headers as the client sent them (case, order, repeats) for the event;
    a WSGI environ folds repeated headers into one and upper-cases their names."""

    def make_environ(self) -> dict[str, Any]:
        environ = super().make_environ()
        environ[HEADERS_AS_SENT] = list(self.headers.items())
        return environ


class Gateway:
    """API Gateway in front of ``function``: HTTP request → proxy event → invocation → HTTP response."""

    def __init__(self, api: Api, function: LambdaFunction, integration_timeout: float | None = None) -> None:
        self.api = api
        self.function = function
        self.integration_timeout = integration_timeout or INTEGRATION_TIMEOUT_SECONDS[api.payload_version]

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        answer, added_headers = self.answer(environ)
        reason = http.client.responses.get(answer.status, "")
        response = Response(answer.body, status=f"{answer.status} {reason}".strip())
        response.headers.clear()
        client_host = environ.get("HTTP_HOST")
        local_url = f"http://{client_host or _server_address(environ)}"
        api_url = f"https://{self.api.domain_reached(client_host)}"
        for name, value in with_local_location([*answer.headers, *added_headers], api_url, local_url):
            response.headers.add(name, value)
        return response(environ, start_response)

    def answer(self, environ: dict[str, Any]) -> tuple[HttpResponse, list[tuple[str, str]]]:
        """The answer to the request in ``environ``, and the headers API Gateway adds to it."""
        rest = self.api.is_rest
        request = Request(environ)
        target = environ.get("RAW_URI") or request.full_path
        if self.api.path_in_stage(target.split("?", 1)[0]) is None:
            return gateway_error("outside-stage", rest), []
        if (request.content_length or 0) > MAX_REQUEST_BYTES:
            _discard_body(environ["wsgi.input"], request.content_length)
            return gateway_error("too-large", rest), [("Connection", "close")]
        request.max_content_length = MAX_REQUEST_BYTES
        try:
            body = request.get_data()
        except RequestEntityTooLarge:
            return gateway_error("too-large", rest), [("Connection", "close")]
        headers = environ.get(HEADERS_AS_SENT) or list(request.headers.items())
        # The client as API Gateway sees it: over HTTPS, on port 443.
        client = Client(ip=request.remote_addr or "127.0.0.1")
        try:
            event = proxy_event(HttpRequest(request.method, target, headers, body), self.api, client)
        except RefusedPathError:
            return gateway_error("refused-path", rest), []
        added_headers = _request_id_headers(event, rest)
        # Lambda refuses an event over its invocation payload quota; API Gateway answers 413.
        payload = json.dumps(event).encode()
        if len(payload) > MAX_EVENT_BYTES:
            return gateway_error("too-large", rest), added_headers
        outcome = self.function.invoke(payload, self.integration_timeout)
        if outcome.throttled:
            return gateway_error("throttled", rest), added_headers
        if outcome.integration_timed_out:
            return gateway_error("integration-timeout", rest), added_headers
        if outcome.payload is None:
            return gateway_error("function-error", rest), added_headers
        if len(outcome.payload) > MAX_RESPONSE_BYTES:
            _log(f"Lambda response of {len(outcome.payload):,} bytes is over the {MAX_RESPONSE_BYTES:,}-byte quota")
            return gateway_error("function-error", rest), added_headers
        try:
            return (rest_response if rest else http_api_response)(outcome.payload), added_headers
        except MalformedResponseError as error:
            _log(f"Malformed Lambda proxy response: {error}")
            return gateway_error("function-error", rest), added_headers


def _server_address(environ: dict[str, Any]) -> str:
    return f"{environ['SERVER_NAME']}:{environ['SERVER_PORT']}"


def _discard_body(stream: Any, length: int) -> None:
    """Read what the client sends before answering: a socket closed with unread data is reset,
    and the client would see a broken connection instead of the 413."""
    remaining = min(length, DISCARD_LIMIT_BYTES)
    while remaining > 0:
        chunk = stream.read(min(remaining, 1 << 16))
        if not chunk:
            return
        remaining -= len(chunk)


def _request_id_headers(event: dict[str, Any], rest: bool) -> list[tuple[str, str]]:
    """The ids API Gateway adds to every answer, to find the request in its logs."""
    context = event["requestContext"]
    if rest:
        return [
            ("x-amzn-RequestId", context["requestId"]),
            ("x-amz-apigw-id", context["extendedRequestId"]),
            ("X-Amzn-Trace-Id", event["headers"]["X-Amzn-Trace-Id"]),
        ]
    return [("Apigw-Requestid", context["requestId"])]


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def serve(gateway: Gateway, host: str, port: int) -> None:
    """Serve ``gateway`` until interrupted, one thread per connection."""
    server = make_server(host, port, gateway, threaded=True, request_handler=HeadersAsSentHandler)
    api = gateway.api
    kind = "REST API (payload 1.0)" if api.is_rest else "HTTP API (payload 2.0)"
    config = gateway.function.config
    function = gateway.function
    if api.custom_domain is None:
        reached = f"stage {api.stage}: http://{host}:{server.port}/{api.stage}/"
    else:
        domain = api.custom_domain.name or "the Host each client sends"
        reached = f"stage {api.stage} through its custom domain ({domain}): http://{host}:{server.port}/"
    _log(
        f"Local API Gateway, {kind}, {reached}\n"
        f"  function {config.name} through Zappa's handler, from {function.code.origin}: memory {config.memory_mb} MB, "
        f"timeout {config.timeout_seconds} s, integration timeout {gateway.integration_timeout:g} s, "
        f"concurrency {function.concurrency}, idle environments stopped after {function.idle_seconds:g} s"
    )
    try:
        server.serve_forever()
    finally:
        server.server_close()
        gateway.function.close()
