"""The hostile and odd requests of bad_requests.json, in-process: each through Flask's test client and, as the
REST API and HTTP API events API Gateway would make of it, through the function's handler (lambda_entry.py, then
Zappa's). test_bad_requests_served.py sends the same requests over real HTTP.

Each gets the status the file gives it: an error as JSON of the one error shape, with a message that says what
was wrong, and no traceback; an answer that is strict JSON of Unicode text only. Nothing is logged at ERROR (the
fault is the caller's), and the same process then answers a good request correctly.
"""

import base64
import bz2
import gzip
import json
import logging
import zlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from local_gateway.events import HTTP_API, REST, Api, HttpRequest, proxy_event
from tests.support.json_errors import error_in

CORPUS_FILE = Path(__file__).parent / "bad_requests.json"
CORPUS_DATA = json.loads(CORPUS_FILE.read_text())
CORPUS = CORPUS_DATA["requests"]
STAGE = "dev"
# Every way a request reaches the app; a case without "paths" takes them all.
PATHS = ("test-client", "rest-event", "http-event", "make-run", "gateway-rest", "gateway-http")
SERVED_PATHS = ("make-run", "gateway-rest", "gateway-http")
GOOD_BODY = b'{"good": true}'
COMPRESSORS = {"gzip": gzip.compress, "zlib": zlib.compress, "bz2": bz2.compress}


def cases_on(path: str) -> list[Any]:
    """The corpus' cases that apply to ``path``, as pytest parameters named after the cases."""
    return [pytest.param(case, id=case["name"]) for case in CORPUS if path in case.get("paths", PATHS)]


@cache
def _body_named(name: str) -> bytes:
    case = next(case for case in CORPUS if case["name"] == name)
    if "body_parts" in case:
        return "".join(text * times for text, times in case["body_parts"]).encode()
    if "body_bomb" in case:
        bomb = case["body_bomb"]
        return COMPRESSORS[bomb["coding"]](bytes(bomb["zeros"]))
    return base64.b64decode(case["body"]) if case.get("body_base64") else case["body"].encode()


def body_of(case: dict[str, Any]) -> bytes:
    """The request body the case describes (built once per case: some are megabytes)."""
    return _body_named(case["name"])


def target_of(case: dict[str, Any]) -> str:
    """The path and query below the stage."""
    text, times = case.get("path_repeat", ("", 0))
    target = case["path"] + text * times
    if "query_params" in case:
        target += "?" + "&".join(f"p{index}={index}" for index in range(case["query_params"]))
    return target


def headers_of(case: dict[str, Any]) -> list[tuple[str, str]]:
    """The case's headers, in order, without the Host and Content-Length a transport adds."""
    headers = list(case["headers"].items())
    if "long_header" in case:
        headers.append((case["long_header"]["name"], "a" * case["long_header"]["length"]))
    return headers


@dataclass(frozen=True)
class Answer:
    """An HTTP answer, whatever carried it; header names in lower case, a repeated header's values joined."""

    status: int
    headers: dict[str, str]
    body: bytes

    def __repr__(self) -> str:  # what an assertion shows: the body can be megabytes
        return f"Answer({self.status}, {self.headers.get('content-type')!r}, {self.body[:300]!r})"


def check_answer(case: dict[str, Any], answer: Answer, path: str) -> None:
    """``answer`` is the one the case calls for on ``path``."""
    content_type = answer.headers.get("content-type", "")
    if case.get("gateway_answers") and path.startswith("gateway"):
        # API Gateway's own answer, before the function: {"message": "..."} (its Gateway Responses).
        assert answer.status == case["status"], answer
        assert content_type.startswith("application/json"), answer
        assert list(json.loads(answer.body)) == ["message"], answer
        return
    if "allow" in case:
        allowed = [method.strip() for method in answer.headers.get("allow", "").split(",")]
        assert case["allow"] in allowed, answer
    if case["method"] == "HEAD":
        assert answer.status == case["status"], answer
        # Over HTTP a HEAD answer has no body; a proxy response's body, if any, API Gateway drops.
        assert answer.body == b"" or path not in ("test-client", *SERVED_PATHS), "a HEAD answer has no body"
        return
    if case["status"] >= 400:
        assert (answer.status, content_type) == (case["status"], "application/json"), answer
        error = error_in(answer.status, content_type, answer.body, case["status"])
        assert case["message"].lower() in error["message"].lower(), error["message"]
        return
    assert answer.status == case["status"], answer
    if "location" in case:
        assert answer.headers.get("location", "").endswith(case["location"]), answer.headers
    if not answer.body and case["method"] in ("HEAD", "OPTIONS"):
        return
    assert content_type == "application/json", answer
    assert b"Traceback" not in answer.body and b"<html" not in answer.body.lower()
    document = unicode_json(answer.body)
    if "body_json" in case:
        assert document["event"]["body-json"] == case["body_json"]
    if "representation" in case:
        assert document["extras"]["body"]["representation"] == case["representation"]
        if case["representation"] == "base64":
            assert base64.b64decode(document["event"]["body-json"]) == body_of(case), "bytes lost"
    if "size" in case:
        assert document["extras"]["body"]["size"] == case["size"]
    for field, count in case.get("count", {}).items():
        value = document
        for key in field.split("."):
            value = value[key]
        assert len(value) == count, (field, len(value))


def unicode_json(body: bytes) -> Any:
    """The answer's JSON document, after checking it is I-JSON (RFC 7493): UTF-8, no NaN nor Infinity, and no
    string (key or value) that is not Unicode text, such as a lone surrogate ``\\ud800``."""
    document = json.loads(body.decode("utf-8"), parse_constant=_refuse)
    _check_strings(document)
    return document


def _refuse(constant: str) -> None:
    raise AssertionError(f"{constant} in an answer: not JSON")


def _check_strings(value: Any) -> None:
    # Iterative: a deeply nested answer would exhaust the stack of a recursive walk.
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                raise AssertionError(f"a string that is not Unicode text in the answer: {item[:80]!r}") from None


def good_request_answers(status: int, body: bytes) -> None:
    assert status == 200, body[:500]
    assert json.loads(body)["event"]["body-json"] == {"good": True}


def no_error_logged(records: list[logging.LogRecord]) -> None:
    errors = [record.getMessage() for record in records if record.levelno >= logging.ERROR]
    assert not errors, f"a caller's fault logged at ERROR: {errors}"


def proxy_answer(response: dict[str, Any]) -> Answer:
    """A Lambda proxy response as HTTP: its headers and multi-value headers merged, its body decoded."""
    headers = {name.lower(): str(value) for name, value in (response.get("headers") or {}).items()}
    for name, values in (response.get("multiValueHeaders") or {}).items():
        headers[name.lower()] = ", ".join(str(value) for value in values)
    body = (response.get("body") or "").encode()
    if response.get("isBase64Encoded"):
        body = base64.b64decode(body)
    return Answer(response["statusCode"], headers, body)


@pytest.mark.parametrize("case", cases_on("test-client"))
def test_through_the_test_client(case, client, caplog):
    response = client.open(
        target_of(case), method=case["method"], headers=headers_of(case), data=body_of(case), buffered=True
    )
    headers = {name.lower(): value for name, value in response.headers.items()}
    check_answer(case, Answer(response.status_code, headers, response.get_data()), "test-client")
    good = client.post("/", data=GOOD_BODY, content_type="application/json")
    good_request_answers(good.status_code, good.data)
    no_error_logged(caplog.records)


# The handler fixture builds the app anew for each call: some 200 cases take tens of seconds.
@pytest.mark.slow
@pytest.mark.parametrize(
    ("case", "payload"),
    [pytest.param(*case.values, REST, id=f"{case.id}-rest-api") for case in cases_on("rest-event")]
    + [pytest.param(*case.values, HTTP_API, id=f"{case.id}-http-api") for case in cases_on("http-event")],
)
def test_through_the_handler(case, payload, invoke, caplog):
    body = body_of(case)
    headers = headers_of(case) + ([("Content-Length", str(len(body)))] if body else [])
    request = HttpRequest(case["method"], f"/{STAGE}{target_of(case)}", headers, body)
    response = invoke(proxy_event(request, Api(STAGE, payload)), STAGE)
    check_answer(case, proxy_answer(response), "rest-event" if payload == REST else "http-event")
    good = HttpRequest("POST", f"/{STAGE}/", [("Content-Type", "application/json")], GOOD_BODY)
    good_response = invoke(proxy_event(good, Api(STAGE, payload)), STAGE)
    good_request_answers(good_response["statusCode"], good_response["body"].encode())
    no_error_logged(caplog.records)


def test_no_nesting_depth_near_pythons_limit_is_a_server_error(client, caplog):
    """Just under Python's own nesting limit an array parses, and the answer, two levels deeper, could not be
    encoded: every depth around it is the caller's fault (4xx), none a 500."""
    statuses = {}
    for depth in range(9_900, 10_050):
        body = "[" * depth + "]" * depth
        statuses[depth] = client.post("/", data=body, content_type="application/json").status_code
    assert not [depth for depth, status in statuses.items() if status >= 500], statuses
    no_error_logged(caplog.records)


def test_the_corpus_is_well_formed():
    """Enough cases, each named once, each with what it must get, and a reason for every path it skips."""
    names = [case["name"] for case in CORPUS]
    assert len(names) >= 50 and len(set(names)) == len(names)
    for case in CORPUS:
        assert {"name", "method", "path", "headers", "status"} <= case.keys(), case["name"]
        assert case["status"] < 400 or case["method"] == "HEAD" or case.get("message"), case["name"]
        assert set(case.get("paths", PATHS)) <= set(PATHS), case["name"]
        if "paths" in case:
            assert case.get("why") in CORPUS_DATA["about_paths"], case["name"]


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
    good = HttpRequest("POST", f"/{STAGE}/", [("Content-Type", "application/json")], GOOD_BODY)
    good_response = invoke(proxy_event(good, Api(STAGE, payload)), STAGE)
    good_request_answers(good_response["statusCode"], good_response["body"].encode())
