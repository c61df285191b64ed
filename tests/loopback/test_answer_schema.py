"""tests/support/openapi_schema.py, which the handler tests check answers with, tells wrong answers from right."""

import copy
import re

import pytest

from tests.support.openapi_schema import assert_matches


@pytest.fixture
def loopback_answer(client) -> dict:
    return client.post("/orders/7?tag=a&tag=b", json={"n": [1]}, headers={"X-Trace": "t"}).get_json()


def without(answer: dict, *path: str) -> dict:
    broken = copy.deepcopy(answer)
    inner = broken
    for key in path[:-1]:
        inner = inner[key]
    del inner[path[-1]]
    return broken


def test_a_real_answer_and_a_real_error_match(client, loopback_answer):
    assert_matches(loopback_answer, "LoopbackAnswer")
    assert_matches(client.post("/", data=b"{", content_type="application/json").get_json(), "Error")
    assert_matches(client.get("/health").get_json(), "Health")


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (lambda answer: without(answer, "extras", "body", "size"), "extras/body"),
        (lambda answer: {**answer, "unexpected": 1}, "(the answer itself)"),
        (lambda answer: {**answer, "context": {**answer["context"], "remainingTimeInMillis": "1"}}, "context/"),
        (lambda answer: without(answer, "event", "context", "request-id"), "event/context"),
    ],
)
def test_a_wrong_answer_fails_and_says_where(loopback_answer, change, where):
    with pytest.raises(AssertionError, match=re.escape(f"does not match LoopbackAnswer at {where}")):
        assert_matches(change(loopback_answer), "LoopbackAnswer")


def test_a_wrong_error_fails():
    with pytest.raises(AssertionError, match="request-id"):
        assert_matches({"error": {"status": 400, "message": "Bad."}}, "Error")
    with pytest.raises(AssertionError, match="no schema 'Nowhere'"):
        assert_matches({}, "Nowhere")
