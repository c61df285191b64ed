"""The hostile and odd requests of bad_requests.json, each through Flask's test client and, as the REST API and
HTTP API events API Gateway would make of it, through the function's handler (lambda_entry.py, then Zappa's).

Each gets the status the file gives it: an error as JSON of the one error shape, with a message that says what
was wrong, and no traceback; an answer whose body is shown as the file says. The same process then answers a
good request correctly.
"""

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from local_gateway.events import HTTP_API, REST, Api, HttpRequest, proxy_event
from tests.support.json_errors import error_in

CORPUS = json.loads((Path(__file__).parent / "bad_requests.json").read_text())["requests"]
STAGE = "dev"


def body_of(case: dict[str, Any]) -> bytes:
    if "body_repeat" in case:
        repeat = case["body_repeat"]
        return (repeat.get("prefix", "") + repeat["text"] * repeat["times"] + repeat.get("suffix", "")).encode()
    return base64.b64decode(case["body"]) if case.get("body_base64") else case["body"].encode()


def check_answer(case: dict[str, Any], status: int, content_type: str, body: bytes) -> None:
    if case["status"] >= 400:
        error = error_in(status, content_type, body, case["status"])
        assert case["message"] in error["message"], error["message"]
        return
    assert status == case["status"], body[:500]
    assert content_type == "application/json", content_type
    assert b"Traceback" not in body and b"<html" not in body.lower()
    document = json.loads(body, parse_constant=refuse)  # strict JSON: no NaN nor Infinity
    if "body_json" in case:
        assert document["event"]["body-json"] == case["body_json"]
    if "representation" in case:
        assert document["extras"]["body"]["representation"] == case["representation"]
        shown = document["event"]["body-json"]
        assert base64.b64decode(shown) == body_of(case)  # nothing lost


def refuse(constant: str) -> None:
    raise AssertionError(f"{constant} in an answer: not JSON")


def good_request_answers(status: int, body: bytes) -> None:
    assert status == 200
    assert json.loads(body)["event"]["body-json"] == {"good": True}


@pytest.mark.parametrize("case", CORPUS, ids=[case["name"] for case in CORPUS])
def test_through_the_test_client(case, client):
    response = client.open(case["path"], method=case["method"], headers=case["headers"], data=body_of(case))
    check_answer(case, response.status_code, response.content_type, response.data)
    good = client.post("/", json={"good": True})
    good_request_answers(good.status_code, good.data)


@pytest.mark.parametrize("payload", [REST, HTTP_API], ids=["rest-api", "http-api"])
@pytest.mark.parametrize("case", CORPUS, ids=[case["name"] for case in CORPUS])
def test_through_the_handler(case, payload, invoke):
    request = HttpRequest(case["method"], f"/{STAGE}{case['path']}", list(case["headers"].items()), body_of(case))
    response = invoke(proxy_event(request, Api(STAGE, payload)), STAGE)
    body = response["body"].encode()
    if response.get("isBase64Encoded"):
        body = base64.b64decode(body)
    headers = {name.lower(): value for name, value in (response.get("headers") or {}).items()}
    check_answer(case, response["statusCode"], headers.get("content-type", ""), body)
    good = HttpRequest("POST", f"/{STAGE}/", [("Content-Type", "application/json")], b'{"good": true}')
    good_response = invoke(proxy_event(good, Api(STAGE, payload)), STAGE)
    good_request_answers(good_response["statusCode"], good_response["body"].encode())


@pytest.mark.parametrize("event", [[], ["a"], "GET /", None, 7, True], ids=repr)
def test_an_event_that_is_not_an_object_is_refused(event, invoke):
    response = invoke(event, STAGE)
    assert response["statusCode"] == 400
    error = json.loads(response["body"])["error"]
    assert error["status"] == 400 and error["request-id"]
    assert "not an object" in error["message"]


@pytest.mark.parametrize("payload", [REST, HTTP_API], ids=["rest-api", "http-api"])
@pytest.mark.parametrize("body", ["not base64!", "YWJj=", "YW Jj", "===="], ids=repr)
def test_a_body_said_to_be_base64_that_is_not_is_refused(body, payload, invoke):
    request = HttpRequest("POST", f"/{STAGE}/", [("Content-Type", "application/octet-stream")], b"x")
    event = proxy_event(request, Api(STAGE, payload))
    event.update(body=body, isBase64Encoded=True)
    response = invoke(event, STAGE)
    assert response["statusCode"] == 400, response
    assert "not valid base64" in json.loads(response["body"])["error"]["message"]
    good = HttpRequest("POST", f"/{STAGE}/", [("Content-Type", "application/json")], b'{"good": true}')
    good_response = invoke(proxy_event(good, Api(STAGE, payload)), STAGE)
    good_request_answers(good_response["statusCode"], good_response["body"].encode())
