"""How the local gateway turns a function's proxy response into HTTP, per API Gateway's documented
output formats: REST (payload 1.0) and HTTP API (payload 2.0)."""

import base64
import json

import pytest

from local_gateway.responses import (
    HTTP_API_ERRORS,
    REST_ERRORS,
    MalformedResponseError,
    gateway_error,
    http_api_response,
    rest_response,
    with_local_location,
)


def payload(response: object) -> bytes:
    return json.dumps(response).encode()


def test_rest_merges_headers_and_multi_value_headers():
    """ "If the same key-value pair is specified in both, only the values from multiValueHeaders will appear"."""
    response = rest_response(
        payload(
            {
                "statusCode": 201,
                "headers": {"Content-Type": "text/plain", "X-Tag": "b", "X-Extra": "e"},
                "multiValueHeaders": {"X-Tag": ["a", "b"], "Set-Cookie": ["s=1", "t=2"]},
                "body": "made",
            }
        )
    )
    assert response.status == 201
    assert sorted(response.headers) == sorted(
        [
            ("Content-Type", "text/plain"),
            ("X-Tag", "a"),
            ("X-Tag", "b"),
            ("X-Extra", "e"),
            ("Set-Cookie", "s=1"),
            ("Set-Cookie", "t=2"),
        ]
    )
    assert response.body == b"made"


def test_base64_bodies_are_decoded():
    raw = bytes(range(256))
    encoded = {"statusCode": 200, "body": base64.b64encode(raw).decode(), "isBase64Encoded": True}
    assert rest_response(payload(encoded)).body == raw
    assert http_api_response(payload(encoded)).body == raw


def test_hop_by_hop_headers_are_the_gateways_own():
    response = rest_response(payload({"statusCode": 200, "headers": {"Content-Length": "999", "Connection": "x"}}))
    assert response.headers == []


def test_http_api_sends_cookies_as_set_cookie_headers():
    response = http_api_response(
        payload({"statusCode": 200, "headers": {"x-a": "1"}, "cookies": ["s=1; Secure", "t=2"], "body": "{}"})
    )
    assert response.headers == [("x-a", "1"), ("Set-Cookie", "s=1; Secure"), ("Set-Cookie", "t=2")]


@pytest.mark.parametrize("returned", [{"message": "hi"}, "just text", [1, 2]])
def test_http_api_infers_a_200_json_answer_without_status_code(returned):
    response = http_api_response(payload(returned))
    assert (response.status, response.headers) == (200, [("Content-Type", "application/json")])
    assert json.loads(response.body) == returned


@pytest.mark.parametrize(
    "returned",
    [
        b"not json",
        payload(["a list"]),
        payload({"body": "no status"}),
        payload({"statusCode": 700}),
        payload({"statusCode": True}),
        payload({"statusCode": 200, "headers": ["x"]}),
        payload({"statusCode": 200, "headers": {"x": {"nested": 1}}}),
        payload({"statusCode": 200, "multiValueHeaders": {"x": "not a list"}}),
        payload({"statusCode": 200, "body": {"not": "a string"}}),
        payload({"statusCode": 200, "body": "%%%", "isBase64Encoded": True}),
    ],
)
def test_malformed_rest_responses_are_refused(returned):
    with pytest.raises(MalformedResponseError):
        rest_response(returned)


@pytest.mark.parametrize(
    "rest, kind", [(True, kind) for kind in sorted(REST_ERRORS)] + [(False, kind) for kind in sorted(HTTP_API_ERRORS)]
)
def test_gateway_errors_are_json_messages(rest, kind):
    error = (REST_ERRORS if rest else HTTP_API_ERRORS)[kind]
    response = gateway_error(kind, rest)
    assert response.status == error.status
    assert json.loads(response.body) == {"message": error.message}
    assert ("x-amzn-ErrorType" in dict(response.headers)) == rest


def test_a_throttled_invocation_is_a_500_not_a_429():
    """Lambda's 429 is not passed on: API Gateway answers that it failed (the Lambda developer guide,
    "Handling Lambda errors with an API Gateway API")."""
    rest, http_api = gateway_error("throttled", rest=True), gateway_error("throttled", rest=False)
    assert (rest.status, json.loads(rest.body)) == (500, {"message": "Internal server error"})
    assert dict(rest.headers)["x-amzn-ErrorType"] == "InternalServerErrorException"
    assert (http_api.status, json.loads(http_api.body)) == (500, {"message": "Internal Server Error"})


API_URL = "https://local0api0.execute-api.ap-northeast-2.amazonaws.com"


@pytest.mark.parametrize(
    "location, local",
    [
        (f"{API_URL}/dev/items/", "http://127.0.0.1:8000/dev/items/"),
        (f"{API_URL}:443/dev/items/?page=2", "http://127.0.0.1:8000/dev/items/?page=2"),
        (API_URL, "http://127.0.0.1:8000"),
        ("/dev/items/", "/dev/items/"),
        ("https://example.com/dev/items/", "https://example.com/dev/items/"),
        (f"{API_URL}.example.com/dev/", f"{API_URL}.example.com/dev/"),
        (f"http://{API_URL.removeprefix('https://')}/dev/", f"http://{API_URL.removeprefix('https://')}/dev/"),
    ],
)
def test_a_location_into_the_api_on_aws_points_at_the_gateway(location, local):
    headers = [("Content-Type", "text/html"), ("Location", location), ("Link", f"<{API_URL}/dev/>")]
    relocated = with_local_location(headers, API_URL, "http://127.0.0.1:8000")
    assert relocated == [("Content-Type", "text/html"), ("Location", local), ("Link", f"<{API_URL}/dev/>")]
