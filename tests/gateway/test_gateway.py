"""The local API Gateway over real HTTP: what it serves, and the limits and errors API Gateway
enforces in front of a Lambda function (request size, response size, timeouts, crashes)."""

import json
from pathlib import Path

import pytest

from local_gateway.events import HttpRequest
from local_gateway.function import MAX_EVENT_BYTES, MAX_RESPONSE_BYTES
from local_gateway.server import MAX_REQUEST_BYTES
from tests.support.local_server import free_port, local_gateway, send, serving
from tests.support.stage_settings import stage_settings

pytestmark = pytest.mark.slow

JSON = [("Host", "127.0.0.1"), ("Content-Type", "application/json")]
REST_API, HTTP_API = "rest-api", "http-api"
TEST_STAGE = "gw"


def post(target: str, body: bytes = b"{}", headers: list | None = None) -> HttpRequest:
    headers = [*(headers or JSON), ("Content-Length", str(len(body)))]
    return HttpRequest("POST", target, headers, body)


def get(target: str) -> HttpRequest:
    return HttpRequest("GET", target, [("Host", "127.0.0.1")])


def gateway_app_settings(folder: Path, timeout_seconds: int, memory_mb: int = 256) -> Path:
    """A zappa_settings.json whose one stage serves tests/gateway_app.py."""
    settings = folder / "zappa_settings.json"
    stage = {
        "app_function": "tests.gateway.gateway_app.app",
        "project_name": "gateway-test",
        "aws_region": "ap-northeast-2",
        "runtime": "python3.11",
        "s3_bucket": "gateway-test-not-a-bucket",
        "timeout_seconds": timeout_seconds,
        "memory_size": memory_mb,
    }
    settings.write_text(json.dumps({TEST_STAGE: stage}))
    return settings


@pytest.fixture(scope="module", params=["dev", "prod"])
def loopback(request):
    """The loopback's stage behind the local gateway as a REST API; yields ``(stage, port)``."""
    with local_gateway(request.param) as port:
        yield request.param, port


@pytest.fixture(scope="module", params=[REST_API, HTTP_API])
def dev_gateway(request):
    """The loopback's dev stage behind the local gateway as each kind of API; yields ``(kind, port)``."""
    with local_gateway("dev", http_api=request.param == HTTP_API) as port:
        yield request.param, port


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


def test_make_run_gateway_serves_the_dev_stage():
    port = free_port()
    with serving(["make", "-s", "run-gateway", f"GATEWAY_PORT={port}"], {}, port, "/dev/health"):
        status, headers, body = send(port, post("/dev/orders/7"))
    assert (status, headers["X-Loopback-Stage"]) == (200, "dev")
    assert json.loads(body)["context"]["functionName"] == stage_settings("dev").lambda_name


def test_loopback_answers_through_zappa_with_the_stage_settings(loopback):
    stage, port = loopback
    settings = stage_settings(stage)
    headers = [*JSON, ("Authorization", "Bearer test-token")]
    status, response_headers, body = send(port, post(f"/{stage}/orders/7?tag=a&tag=b", b'{"n": 1}', headers))
    answer = json.loads(body)
    assert status == 200
    assert response_headers["X-Loopback-Stage"] == stage
    assert answer["event"]["body-json"] == {"n": 1}
    assert answer["event"]["params"]["path"] == {"proxy": "orders/7"}
    assert answer["extras"]["multi-value"]["querystring"] == {"tag": ["a", "b"]}
    assert answer["event"]["context"]["stage"] == stage
    assert answer["event"]["context"]["request-id"] == response_headers["x-amzn-RequestId"]
    assert answer["extras"]["event-source"] == "rest-v1"
    context = answer["context"]
    assert context["functionName"] == settings.lambda_name
    assert context["memoryLimitInMB"] == str(settings.memory_size)
    assert 0 < context["remainingTimeInMillis"] <= settings.timeout_seconds * 1000
    masked = answer["event"]["params"]["header"]["Authorization"] != "Bearer test-token"
    assert masked == (stage == "prod")


def test_http_api_sends_payload_2(dev_gateway):
    kind, port = dev_gateway
    status, headers, body = send(port, post("/dev/notes?x=1"))
    answer = json.loads(body)
    assert status == 200
    assert answer["extras"]["event-source"] == ("rest-v1" if kind == REST_API else "http-v2")
    request_id = headers["x-amzn-RequestId"] if kind == REST_API else headers["Apigw-Requestid"]
    assert answer["event"]["context"]["request-id"] == request_id


def test_path_outside_the_stage_is_answered_by_the_gateway(dev_gateway):
    kind, port = dev_gateway
    status, headers, body = send(port, post("/prod/orders"))
    expected = (403, "Forbidden") if kind == REST_API else (404, "Not Found")
    assert (status, json.loads(body)) == (expected[0], {"message": expected[1]})
    assert "X-Loopback-Stage" not in headers


@pytest.mark.parametrize("size", [MAX_REQUEST_BYTES + 1, MAX_REQUEST_BYTES * 2])
def test_request_over_10_mb_is_refused_with_413(dev_gateway, size):
    kind, port = dev_gateway
    status, _, body = send(port, post("/dev/upload", b"x" * size, [("Host", "127.0.0.1")]))
    message = "Request Too Long" if kind == REST_API else "Request Entity Too Large"
    assert (status, json.loads(body)) == (413, {"message": message})


def test_event_over_lambdas_6_mb_is_refused_with_413(dev_gateway):
    """Under 10 MB for API Gateway, but base64 makes the event larger than Lambda's invocation quota."""
    kind, port = dev_gateway
    body = b"\x00" * (MAX_EVENT_BYTES * 3 // 4 + 1024)
    status, _, answer = send(port, post("/dev/upload", body, [("Host", "127.0.0.1")]))
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
