"""The malformed events of bad_events.json through the function's handler in-process (lambda_entry.lambda_handler,
then Zappa's), as Lambda calls it.

Each case is a stored AWS event (tests/events/) with changes; the file says the status it must get. A malformed
one gets a 400 of the app's one error shape whose message names the field by its dotted path; a huge one that
fits Lambda's 6 MB event is answered normally, with its value echoed whole. Nothing is logged at ERROR (the
caller's fault is no error of the function), and the same warm handler then answers a good request: ``GET
/health``, a route of the skeleton, so that this test stays valid when a team removes the loopback.
"""

import base64
import json
import logging
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from awslambdaric.lambda_runtime_marshaller import LambdaMarshaller

from tests.support.event_strategies import named_in
from tests.support.events import load_event
from tests.support.json_errors import error_in
from tests.support.lambda_invocation import lambda_function_environment, real_lambda_context

CORPUS = json.loads((Path(__file__).parent / "bad_events.json").read_text())["events"]
STAGE = "dev"
STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def steps_of(path: str) -> list[str | int]:
    """``multiValueHeaders.Accept[1]`` -> ``["multiValueHeaders", "Accept", 1]``."""
    return [name or int(index) for name, index in STEP.findall(path)]


def value_at(document: Any, path: str) -> Any:
    for step in steps_of(path):
        document = document[step]
    return document


def generated(change: dict[str, Any]) -> Any:
    """The value a ``set`` change puts in place (bad_events.json's "about" lists the forms)."""
    if "value" in change:
        return change["value"]
    if "text" in change:
        return change.get("prefix", "") + change["text"] * change["times"]
    pairs = [(f"p{i}", f"v{i}") for i in range(change["count"])]
    return {
        "map": lambda: dict(pairs),
        "map-of-lists": lambda: {name: [value] for name, value in pairs},
        "query": lambda: "&".join(f"{name}={value}" for name, value in pairs),
        "cookies": lambda: [f"{name}={value}" for name, value in pairs],
    }[change["as"]]()


def event_of(case: dict[str, Any]) -> dict[str, Any]:
    event = load_event(case["base"])
    for change in case["changes"]:
        *outer, last = steps_of(change.get("set") or change["delete"])
        container = event
        for step in outer:
            container = container[step]
        if "delete" in change:
            del container[last]
        else:
            container[last] = generated(change)
    return event


def health_request(base: str) -> dict[str, Any]:
    """``GET /health`` in the format of the stored event ``base``."""
    if base.startswith("rest_v1"):
        event = load_event("rest_v1__get")
        event.update(path="/health", pathParameters={"proxy": "health"})
        event["requestContext"]["path"] = f"/{STAGE}/health"
        return event
    event = load_event(base)
    raw_path = f"/{STAGE}/health" if event["requestContext"]["stage"] == STAGE else "/health"
    event.update(rawPath=raw_path, rawQueryString="", isBase64Encoded=False)
    event["requestContext"]["http"].update(method="GET", path=raw_path)
    for name in ("body", "pathParameters", "queryStringParameters"):
        event.pop(name, None)
    return event


@pytest.fixture
def handler(invoke, monkeypatch) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """The function's handler after Lambda's init and a first request, called as Lambda calls it: the runtime's
    own marshaller (awslambdaric) parses the event and encodes the answer, which must be UTF-8."""
    assert invoke(health_request("rest_v1"), STAGE)["statusCode"] == 200
    module_name, function_name = lambda_function_environment(STAGE)["_HANDLER"].rsplit(".", 1)
    function = getattr(sys.modules[module_name], function_name)
    runtime = LambdaMarshaller()

    def call(event: dict[str, Any]) -> dict[str, Any]:
        delivered = runtime.unmarshal_request(json.dumps(event).encode())
        text, _ = runtime.marshal_response(function(delivered, real_lambda_context(monkeypatch, STAGE)))
        return json.loads(text.encode())

    return call


def parts_of(response: dict[str, Any]) -> tuple[int, str, bytes]:
    """Status, content type and body of a proxy response."""
    headers = {name.lower(): value for name, value in (response.get("headers") or {}).items()}
    body = response.get("body") or ""
    raw = base64.b64decode(body) if response.get("isBase64Encoded") else body.encode()
    return response["statusCode"], headers.get("content-type", ""), raw


def refuse(constant: str) -> None:
    raise AssertionError(f"{constant} in an answer: not JSON")


@pytest.mark.parametrize("case", CORPUS, ids=[case["name"] for case in CORPUS])
def test_a_malformed_event_gets_its_answer(case, handler, caplog):
    caplog.clear()
    event = event_of(case)
    status, content_type, body = parts_of(handler(event))
    if case["status"] >= 400:
        error = error_in(status, content_type, body, case["status"])
        assert named_in(error["message"], case["message"]), error["message"]
    else:
        assert status == case["status"], body[:1000]
        answer = json.loads(body, parse_constant=refuse)
        for answer_path, event_path in case.get("echo", {}).items():
            assert value_at(answer, answer_path) == value_at(event, event_path), answer_path
        for answer_path, expected in case.get("expect", {}).items():
            assert value_at(answer, answer_path) == expected, answer_path
    assert [record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR] == []
    health = handler(health_request(case["base"]))
    assert health["statusCode"] == 200, health
    assert json.loads(health["body"])["status"] == "ok"


def kind_of(change: dict[str, Any]) -> str:
    if "delete" in change:
        return "missing"
    if "times" in change or "count" in change:
        return "huge"
    return "null" if change["value"] is None else "wrong type"


@pytest.mark.parametrize("prefix", ["rest_v1", "http_v2", "function_url"])
def test_the_corpus_has_each_kind_of_change_for_each_format(prefix):
    cases = [case for case in CORPUS if case["base"].startswith(prefix)]
    kinds = {kind_of(change) for case in cases for change in case["changes"] if case["status"] == 400}
    kinds |= {kind_of(change) for case in cases for change in case["changes"] if kind_of(change) == "huge"}
    assert kinds == {"missing", "null", "wrong type", "huge"}
    assert len(CORPUS) >= 45
