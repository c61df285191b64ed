"""The local API Gateway over real HTTP: what it serves, and the limits and errors API Gateway
enforces in front of a Lambda function (request size, response size, timeouts, crashes, concurrency);
the URLs the app builds and the paths and queries it receives, as on AWS."""

import json
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import pytest

from local_gateway.events import Api, HttpRequest
from local_gateway.function import MAX_EVENT_BYTES, MAX_RESPONSE_BYTES
from local_gateway.server import MAX_REQUEST_BYTES
from tests.gateway.stage_file import TEST_STAGE, gateway_app_settings
from tests.support.local_server import HTTP_API, REST_API, free_port, gateway, local_gateway, post, send, serving

pytestmark = pytest.mark.slow


def get(target: str) -> HttpRequest:
    return HttpRequest("GET", target, [("Host", "127.0.0.1")])


@pytest.fixture(scope="module", params=[REST_API, HTTP_API])
def test_app(request, tmp_path_factory):
    """tests/gateway_app.py behind the gateway, with a 30 s function timeout and a 3 s integration timeout
    (long enough for a cold start on a busy machine)."""
    settings = gateway_app_settings(tmp_path_factory.mktemp("gateway"), timeout_seconds=30)
    with local_gateway(TEST_STAGE, request.param == HTTP_API, settings, integration_timeout=3) as port:
        yield request.param, port


@pytest.fixture(scope="module", params=[REST_API, HTTP_API])
def short_timeout_app(request, tmp_path_factory):
    """tests/gateway_app.py behind the gateway, with a 1 s function timeout."""
    settings = gateway_app_settings(tmp_path_factory.mktemp("gateway"), timeout_seconds=1)
    with local_gateway(TEST_STAGE, request.param == HTTP_API, settings) as port:
        yield request.param, port


@pytest.fixture(scope="module", params=[REST_API, HTTP_API])
def two_environments(request, tmp_path_factory):
    """tests/gateway_app.py behind the gateway with at most two execution environments (the stage reserves
    three; ``--concurrency`` overrides it), each stopped after one idle second. Yields ``(kind, server)``."""
    settings = gateway_app_settings(tmp_path_factory.mktemp("gateway"), timeout_seconds=30, lambda_concurrency=3)
    with gateway(TEST_STAGE, request.param == HTTP_API, settings, concurrency=2, idle_seconds=1) as served:
        yield request.param, served


def test_make_run_gateway_serves_the_dev_stage():
    port = free_port()
    with serving(["make", "-s", "run-gateway", f"GATEWAY_PORT={port}"], {}, port, "/dev/health"):
        status, headers, body = send(port, get("/dev/health"))
    assert (status, json.loads(body)) == (200, {"status": "ok", "stage": "dev"})
    assert "x-amzn-RequestId" in headers


def test_path_outside_the_stage_is_answered_by_the_gateway(test_app):
    kind, port = test_app
    status, headers, body = send(port, get("/prod/health"))
    expected = (403, "Forbidden") if kind == REST_API else (404, "Not Found")
    assert (status, json.loads(body)) == (expected[0], {"message": expected[1]})
    assert ("x-amzn-ErrorType" in headers) == (kind == REST_API)


@pytest.mark.parametrize("size", [MAX_REQUEST_BYTES + 1, MAX_REQUEST_BYTES * 2])
def test_request_over_10_mb_is_refused_with_413(test_app, size):
    kind, port = test_app
    status, _, body = send(port, post(f"/{TEST_STAGE}/upload", b"x" * size, [("Host", "127.0.0.1")]))
    message = "Request Too Long" if kind == REST_API else "Request Entity Too Large"
    assert (status, json.loads(body)) == (413, {"message": message})


def test_event_over_lambdas_6_mb_is_refused_with_413(test_app):
    """Under 10 MB for API Gateway, but base64 makes the event larger than Lambda's invocation quota."""
    kind, port = test_app
    body = b"\x00" * (MAX_EVENT_BYTES * 3 // 4 + 1024)
    status, _, answer = send(port, post(f"/{TEST_STAGE}/upload", body, [("Host", "127.0.0.1")]))
    message = "Request Too Long" if kind == REST_API else "Request Entity Too Large"
    assert (status, json.loads(answer)) == (413, {"message": message})


def test_response_over_lambdas_6_mb_is_a_bad_gateway(test_app):
    kind, port = test_app
    status, _, body = send(port, get(f"/{TEST_STAGE}/text/{MAX_RESPONSE_BYTES}"))
    expected = (502, "Internal server error") if kind == REST_API else (500, "Internal Server Error")
    assert (status, json.loads(body)) == (expected[0], {"message": expected[1]})
    # Just under the quota, with room for the response's JSON wrapping, it goes through whole.
    size = MAX_RESPONSE_BYTES - 4096
    status, _, body = send(port, get(f"/{TEST_STAGE}/text/{size}"))
    assert (status, len(body)) == (200, size)


def test_function_past_the_integration_timeout_gets_504(test_app):
    kind, port = test_app
    status, _, body = send(port, get(f"/{TEST_STAGE}/sleep/6.0"))
    expected = (504, "Endpoint request timed out") if kind == REST_API else (503, "Service Unavailable")
    assert (status, json.loads(body)) == (expected[0], {"message": expected[1]})
    # The timed-out environment is gone; the next request gets a new one.
    status, _, body = send(port, get(f"/{TEST_STAGE}/sleep/0.0"))
    assert (status, json.loads(body)) == (200, {"slept": 0.0})


def test_function_past_its_own_timeout_is_a_function_error(short_timeout_app):
    """A Lambda timeout shorter than the integration's: Lambda stops the function, API Gateway reports an error."""
    kind, port = short_timeout_app
    status, _, body = send(port, get(f"/{TEST_STAGE}/sleep/6.0"))
    expected = (502, "Internal server error") if kind == REST_API else (500, "Internal Server Error")
    assert (status, json.loads(body)) == (expected[0], {"message": expected[1]})
    assert send(port, get(f"/{TEST_STAGE}/sleep/0.0"))[0] == 200


@pytest.mark.parametrize("route", ["exit", "allocate/400"])
def test_crashed_or_over_memory_environment_is_a_function_error(test_app, route):
    kind, port = test_app
    status, _, _ = send(port, get(f"/{TEST_STAGE}/{route}"))
    assert status == (502 if kind == REST_API else 500)
    assert send(port, get(f"/{TEST_STAGE}/health"))[0] == 200


def test_binary_response_arrives_as_bytes(test_app):
    _, port = test_app
    status, headers, body = send(port, get(f"/{TEST_STAGE}/binary"))
    assert (status, headers["Content-Type"], body) == (200, "application/octet-stream", bytes(range(256)))


def test_cookies_and_repeated_headers_arrive_one_per_header(test_app):
    _, port = test_app
    status, headers, _ = send(port, get(f"/{TEST_STAGE}/cookies"))
    assert status == 200
    # One cookie per Set-Cookie header. Zappa's WSGI middleware sends each cookie twice (under
    # "Set-Cookie" and "set-cookie"); the gateway passes on what the function returned.
    assert set(headers.get_all("Set-Cookie")) == {"session=s1; HttpOnly; Path=/", "theme=dark; Path=/"}
    assert ",".join(headers.get_all("X-Repeated")) == "one,two"


# URLs the app builds: the stage prefix and the scheme of the API on AWS


def test_trailing_slash_redirect_keeps_the_stage_and_leads_back_to_the_gateway(test_app):
    _, port = test_app
    status, headers, _ = send(port, HttpRequest("GET", f"/{TEST_STAGE}/items", [("Host", f"127.0.0.1:{port}")]))
    assert status == 308
    # The app redirects to the API's AWS URL; the gateway points the Location at itself, where the client is.
    assert headers["Location"] == f"http://127.0.0.1:{port}/{TEST_STAGE}/items/"
    location = urlsplit(headers["Location"])
    status, _, body = send(location.port, HttpRequest("GET", location.path, [("Host", location.netloc)]))
    assert (status, json.loads(body)) == (200, {"items": []})


def test_url_for_gives_the_stage_prefix_and_https_as_on_aws(test_app):
    _, port = test_app
    status, _, body = send(port, get(f"/{TEST_STAGE}/links"))
    api_url = Api(TEST_STAGE, region="ap-northeast-2").url
    # URLs in a body keep the API's AWS domain.
    assert (status, json.loads(body)) == (
        200,
        {"items": f"{api_url}/{TEST_STAGE}/items/", "path": f"/{TEST_STAGE}/items/"},
    )


def test_redirect_to_url_for_is_relative_and_keeps_the_stage(test_app):
    _, port = test_app
    status, headers, _ = send(port, get(f"/{TEST_STAGE}/go"))
    assert (status, headers["Location"]) == (302, f"/{TEST_STAGE}/items/")


# Percent-encoded paths and query values reach the app as werkzeug's server (`flask run`) hands them over


@pytest.mark.parametrize(
    "target, path, args",
    [
        ("/echo/a%2Fb", "/echo/a/b", []),
        ("/echo/%E2%82%AC", "/echo/\u20ac", []),
        ("/echo/a%20b", "/echo/a b", []),
        ("/echo/q?a=%2B&b=+&c=%20", "/echo/q", [["a", ["+"]], ["b", [" "]], ["c", [" "]]]),
    ],
)
def test_percent_encoded_paths_and_queries_reach_the_app_decoded_once(test_app, target, path, args):
    _, port = test_app
    status, _, body = send(port, get(f"/{TEST_STAGE}{target}"))
    assert (status, json.loads(body)["path"], json.loads(body)["args"]) == (200, path, args)


def test_a_query_byte_that_is_not_utf8(test_app):
    """werkzeug keeps an invalid byte percent-encoded in ``request.args``; a REST API decodes query values
    (U+FFFD for the byte) and Zappa encodes them again, so the app gets U+FFFD. An HTTP API's raw query
    string reaches the app as sent."""
    kind, port = test_app
    status, _, body = send(port, get(f"/{TEST_STAGE}/echo/q?a=%FF"))
    assert (status, json.loads(body)["args"]) == (200, [["a", ["\ufffd" if kind == REST_API else "%FF"]]])


def test_http_api_refuses_a_path_with_a_stray_percent_sign(test_app):
    """``%25`` decodes to a ``%`` that an HTTP API's second decoding refuses; a REST API passes it on."""
    kind, port = test_app
    status, _, body = send(port, get(f"/{TEST_STAGE}/echo/100%25done"))
    if kind == REST_API:
        assert (status, json.loads(body)["path"]) == (200, "/echo/100%done")
    else:
        assert (status, json.loads(body)) == (400, {"message": "Bad Request"})


# Concurrency: at most the function's execution environments, each stopped once idle


def test_a_request_past_the_concurrency_is_throttled_at_once(two_environments):
    kind, served = two_environments
    with ThreadPoolExecutor(3) as pool:
        answers = list(pool.map(lambda _: _timed(served.port, get(f"/{TEST_STAGE}/sleep/2.0")), range(3)))
    statuses = sorted(status for status, *_ in answers)
    assert statuses == [200, 200, 500]
    (throttled,) = [answer for answer in answers if answer[0] == 500]
    _, headers, body, seconds = throttled
    message = "Internal server error" if kind == REST_API else "Internal Server Error"
    assert json.loads(body) == {"message": message}
    assert headers.get("x-amzn-ErrorType") == ("InternalServerErrorException" if kind == REST_API else None)
    assert seconds < 1.5, "a throttled request does not wait for an environment"
    assert len(served.children()) <= 2


def test_an_idle_environment_is_stopped_and_the_next_request_starts_cold(two_environments):
    _, served = two_environments
    assert send(served.port, get(f"/{TEST_STAGE}/health"))[0] == 200
    deadline = time.monotonic() + 10
    while served.children() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert served.children() == []
    cold_starts = served.output().count("Init Duration")
    assert send(served.port, get(f"/{TEST_STAGE}/health"))[0] == 200
    assert served.output().count("Init Duration") == cold_starts + 1


def _timed(port: int, request: HttpRequest) -> tuple:
    started = time.monotonic()
    status, headers, body = send(port, request)
    return status, headers, body, time.monotonic() - started
