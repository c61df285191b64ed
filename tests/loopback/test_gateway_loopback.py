"""The loopback behind the local API Gateway: what Zappa's handler received, with the stage's settings,
as a REST API (payload 1.0) and as an HTTP API (payload 2.0)."""

import json

import pytest

from local_gateway.events import Api
from tests.support.local_server import HTTP_API, JSON, REST_API, local_gateway, post, send
from tests.support.openapi_schema import assert_matches
from tests.support.stage_settings import stage_settings

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module", params=[("dev", REST_API), ("prod", REST_API), ("dev", HTTP_API)], ids="-".join)
def loopback(request):
    """A stage of the app behind the local gateway; yields ``(stage, kind, port)``."""
    stage, kind = request.param
    with local_gateway(stage, http_api=kind == HTTP_API) as port:
        yield stage, kind, port


def answer_of(body: bytes) -> dict:
    """The loopback answer, checked against the API description's LoopbackAnswer."""
    answer = json.loads(body)
    assert_matches(answer, "LoopbackAnswer")
    return answer


def test_loopback_answers_through_zappa_with_the_stage_settings(loopback):
    stage, kind, port = loopback
    settings = stage_settings(stage)
    headers = [*JSON, ("Authorization", "Bearer test-token")]
    status, response_headers, body = send(port, post(f"/{stage}/orders/7?tag=a&tag=b", b'{"n": 1}', headers))
    assert status == 200
    answer = answer_of(body)
    assert response_headers["X-Loopback-Stage"] == stage
    assert answer["event"]["body-json"] == {"n": 1}
    assert answer["extras"]["multi-value"]["querystring"] == {"tag": ["a", "b"]}
    assert answer["event"]["context"]["stage"] == stage
    request_id = response_headers["x-amzn-RequestId"] if kind == REST_API else response_headers["Apigw-Requestid"]
    assert answer["event"]["context"]["request-id"] == request_id
    assert answer["extras"]["event-source"] == ("rest-v1" if kind == REST_API else "http-v2")
    # An HTTP API's $default route has no path parameters.
    assert answer["event"]["params"]["path"] == ({"proxy": "orders/7"} if kind == REST_API else {})
    context = answer["context"]
    assert context["functionName"] == settings.lambda_name
    assert context["memoryLimitInMB"] == str(settings.memory_size)
    assert 0 < context["remainingTimeInMillis"] <= settings.timeout_seconds * 1000
    # An HTTP API lower-cases header names.
    echoed = {name.lower(): value for name, value in answer["event"]["params"]["header"].items()}
    masked = echoed["authorization"] != "Bearer test-token"
    assert masked == (stage == "prod")


def test_the_function_sees_the_apis_domain_over_https(loopback):
    """Host is the API's own domain, whatever the client sent, as on AWS; the client came over HTTPS."""
    stage, _, port = loopback
    status, _, body = send(port, post(f"/{stage}/hosts"))
    assert status == 200
    headers = {name.lower(): value for name, value in answer_of(body)["event"]["params"]["header"].items()}
    domain = Api(stage, region=stage_settings(stage).aws_region).domain
    assert (headers["host"], headers["x-forwarded-proto"], headers["x-forwarded-port"]) == (domain, "https", "443")
