"""Parity: one HTTP request through ``flask run`` and through the local API Gateway (Zappa's handler
behind API Gateway's event format) gives the same answer, except for the fields that only AWS knows,
which are named here. Published AWS samples, replayed over HTTP, agree with Zappa's handler too."""

import base64
import json
from urllib.parse import urlencode

import pytest

from local_gateway.events import HttpRequest
from tests.support.events import PUBLISHED_SAMPLES, as_post, load_event, rest_v1_event_names
from tests.support.local_server import flask_run as serve_flask_run
from tests.support.local_server import local_gateway, send

pytestmark = pytest.mark.slow

STAGE = "dev"
# Both servers are addressed by the same name. `flask run` passes it on; API Gateway replaces it with the
# API's own domain (GATEWAY_HEADERS).
HOST = ("Host", "api.loopback.test")

# Known only to AWS: the invocation's and API's ids, the caller's AWS identity, the Lambda
# function's ARN, log stream and clock, and how the gateway encoded the body.
AWS_ONLY = (
    "event/context/account-id",
    "event/context/api-id",
    "event/context/request-id",
    "event/context/resource-id",
    "context/awsRequestId",
    "context/invokedFunctionArn",
    "context/logStreamName",
    "context/remainingTimeInMillis",
    "extras/event-source",
    "extras/body/base64-encoded-by-gateway",
)
# The published samples were recorded on other APIs: their stage, stage variables, resource tree,
# identity and caller come from that API Gateway, not from the HTTP request.
SAMPLE_API_ONLY = (
    *AWS_ONLY,
    "event/stage-variables",
    *(f"event/context/{key}" for key in ("stage", "source-ip", "user-agent", "resource-path")),
    "event/params/path",
)


# Headers API Gateway sets on every request: the API's domain, the client's address, port and scheme, a trace id.
GATEWAY_HEADERS = ("host", "x-amzn-trace-id", "x-forwarded-for", "x-forwarded-port", "x-forwarded-proto")
GATEWAY_ONLY = tuple(
    f"{where}/{name}" for where in ("event/params/header", "extras/multi-value/header") for name in GATEWAY_HEADERS
)
# An HTTP API with a $default route has no resource path and no path parameters.
HTTP_API_ONLY = ("event/context/resource-path", "event/params/path")


@pytest.fixture(scope="module")
def flask_run():
    """``flask run`` of the dev stage on 127.0.0.1; yields its port."""
    with serve_flask_run(STAGE) as port:
        yield port


@pytest.fixture(scope="module", params=["rest-api", "http-api"])
def gateway(request):
    """The local API Gateway in front of the dev stage, as a REST API and as an HTTP API; yields
    ``(kind, port, fields only it knows)``."""
    http_api = request.param == "http-api"
    with local_gateway(STAGE, http_api=http_api) as port:
        yield request.param, port, (*AWS_ONLY, *GATEWAY_ONLY, *(HTTP_API_ONLY if http_api else ()))


def with_content_length(request: HttpRequest) -> HttpRequest:
    length = [("Content-Length", str(len(request.body)))] if request.body else []
    return HttpRequest(request.method, request.target, [*request.headers, *length], request.body)


def sent_to_both(flask_port: int, gateway_port: int, request: HttpRequest) -> tuple[tuple, tuple]:
    """``request`` over HTTP to ``flask run``, and to the gateway, where the API's stage starts the path;
    each answer as ``(status, headers, body)``."""
    sent = with_content_length(HttpRequest(request.method, request.target, [HOST, *request.headers], request.body))
    to_gateway = HttpRequest(sent.method, f"/{STAGE}{sent.target}", sent.headers, sent.body)
    return send(flask_port, sent), send(gateway_port, to_gateway)


HEADER_MAPS = ("event/params/header", "extras/multi-value/header")


def flatten(value, prefix=""):
    """``{"a/b/c": leaf}`` for a nested answer. Header names are compared in lower case: HTTP names
    are case-insensitive, WSGI servers title-case them and API Gateway keeps the client's case."""
    if isinstance(value, dict) and value:
        items = {}
        for key, item in value.items():
            key = key.lower() if prefix in HEADER_MAPS else key
            items.update(flatten(item, f"{prefix}/{key}" if prefix else key))
        return items
    return {prefix: value}


def differences(local: dict, lambda_: dict, ignored: tuple[str, ...]) -> dict:
    def kept(path: str) -> bool:
        return not any(path == name or path.startswith(name + "/") for name in ignored)

    flat_local, flat_lambda = flatten(local), flatten(lambda_)
    return {
        path: (flat_local.get(path, "<absent>"), flat_lambda.get(path, "<absent>"))
        for path in sorted(set(flat_local) | set(flat_lambda))
        if kept(path) and flat_local.get(path, "<absent>") != flat_lambda.get(path, "<absent>")
    }


JSON = [("Content-Type", "application/json"), ("User-Agent", "parity-test/1.0"), ("Accept", "*/*")]
REQUESTS = {
    "json-root": HttpRequest("POST", "/", JSON, b'{"greeting": "hello", "n": [1, 2.5, null]}'),
    "proxy-path-repeated-query": HttpRequest(
        "POST", "/orders/7?" + urlencode([("tag", "a"), ("tag", "b"), ("q", "x y")]), JSON, b'{"ok": true}'
    ),
    "text": HttpRequest("POST", "/notes", [("Content-Type", "text/plain; charset=utf-8")], "안녕 text".encode()),
    "binary": HttpRequest("POST", "/upload", [("Content-Type", "application/octet-stream")], bytes(range(256))),
    "empty": HttpRequest("POST", "/empty", [("User-Agent", "parity-test/1.0")]),
    "secrets": HttpRequest(
        "POST", "/secure", [*JSON, ("Authorization", "Bearer test-token"), ("X-Api-Key", "fake-key")], b"{}"
    ),
    "unknown-query-flag": HttpRequest("POST", "/flags?verbose&level=", JSON, b"[]"),
    # Percent-encoding in the path and the query.
    "encoded-slash": HttpRequest("POST", "/a%2Fb", JSON, b"{}"),
    "encoded-euro": HttpRequest("POST", "/%E2%82%AC", JSON, b"{}"),
    "encoded-space": HttpRequest("POST", "/a%20b", JSON, b"{}"),
    "query-not-utf8": HttpRequest("POST", "/q?a=%FF", JSON, b"{}"),
    "query-encoded-plus": HttpRequest("POST", "/q?a=%2B&b=+", JSON, b"{}"),
}
# The loopback answers that differ between `flask run` and AWS, and so between `flask run` and the gateway,
# which gives AWS's: ``{(kind, request): {field: (flask run's, the gateway's)}}``.
# - A query byte that is not UTF-8: werkzeug keeps it percent-encoded in ``request.args``, and so does the
#   loopback when it reads an HTTP API's raw query string; a REST API decodes query values itself (U+FFFD
#   for it). What the app reads from ``request.args`` differs the same way: tests/gateway/test_gateway.py.
# A REST API passes the proxy path parameter percent-encoded as the client sent it (AWS's captured events,
# local_gateway/events.py); under `flask run` the loopback takes it from the raw request target too.
NOT_UTF8 = {
    "event/params/querystring/a": ("%FF", "\ufffd"),
    "extras/multi-value/querystring/a": (["%FF"], ["\ufffd"]),
}
KNOWN_DIFFERENCES = {
    ("rest-api", "query-not-utf8"): NOT_UTF8,
}
ERRORS = {
    "get-405": HttpRequest("GET", "/anything", JSON),
    "put-405": HttpRequest("PUT", "/", JSON, b"{}"),
    "malformed-json-400": HttpRequest("POST", "/", JSON, b'{"broken": '),
    "health": HttpRequest("GET", "/health", JSON),
}


@pytest.mark.parametrize("name", sorted(REQUESTS))
def test_same_request_same_answer(flask_run, gateway, name):
    kind, port, gateway_only = gateway
    (status, headers, body), (gateway_status, gateway_headers, gateway_body) = sent_to_both(
        flask_run, port, REQUESTS[name]
    )
    assert (status, gateway_status) == (200, 200)
    assert headers["X-Loopback-Stage"] == gateway_headers["X-Loopback-Stage"] == STAGE
    found = differences(json.loads(body), json.loads(gateway_body), gateway_only)
    assert found == KNOWN_DIFFERENCES.get((kind, name), {})


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_same_error_same_answer(flask_run, gateway, name):
    _, port, _ = gateway
    (status, headers, body), (gateway_status, gateway_headers, gateway_body) = sent_to_both(
        flask_run, port, ERRORS[name]
    )
    assert status == gateway_status
    assert headers.get("Allow") == gateway_headers.get("Allow")
    assert differences(json.loads(body), json.loads(gateway_body), ("error/request-id",)) == {}


def replay_of(event: dict) -> HttpRequest:
    """The HTTP request a published REST API sample stands for, as one HTTP/1.1 client sends it."""
    query = [
        (name, value)
        for name, values in (event.get("multiValueQueryStringParameters") or {}).items()
        for value in values
    ]
    target = event["path"] + ("?" + urlencode(query) if query else "")
    body = event.get("body") or ""
    raw = base64.b64decode(body) if event.get("isBase64Encoded") else body.encode()
    return HttpRequest(event["httpMethod"], target, list((event.get("headers") or {}).items()), raw)


def inconsistencies(event: dict) -> tuple[str, ...]:
    """Where a hand-made sample contradicts itself, or holds what one WSGI request cannot carry."""
    skipped = []
    for single, multi, shown in (
        ("queryStringParameters", "multiValueQueryStringParameters", "querystring"),
        ("headers", "multiValueHeaders", "header"),
    ):
        for name, values in (event.get(multi) or {}).items():
            if len(values) > 1 or (event.get(single) or {}).get(name) != values[-1]:
                name = name.lower() if shown == "header" else name
                skipped += [f"event/params/{shown}/{name}", f"extras/multi-value/{shown}/{name}"]
    return tuple(skipped)


@pytest.mark.parametrize("name", [name for name in rest_v1_event_names() if name.startswith(PUBLISHED_SAMPLES)])
def test_published_samples_replayed_over_http(flask_run, invoke, name):
    event = as_post(load_event(name))
    status, _, body = send(flask_run, with_content_length(replay_of(event)))
    response = invoke(event, stage=STAGE)
    assert status == response["statusCode"] == 200
    ignored = (
        *SAMPLE_API_ONLY,
        *inconsistencies(event),
        "event/params/header/content-length",
        "extras/multi-value/header/content-length",
    )
    assert differences(json.loads(body), json.loads(response["body"]), ignored) == {}
