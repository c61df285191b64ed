"""What every error answer must be: JSON of one shape, never HTML nor a traceback."""

import json
import logging
from typing import Any


def error_of(response: Any, status: int) -> dict[str, Any]:
    """The ``error`` object of a Flask test response, after checking its status and shape."""
    return error_in(response.status_code, response.content_type, response.data, status)


def error_in(status: int, content_type: str, body: bytes, expected: int) -> dict[str, Any]:
    """The ``error`` object of any answer (a Flask response's parts, a proxy response's), after checking
    its status and shape."""
    assert status == expected, body[:500]
    assert content_type == "application/json"
    assert b"Traceback" not in body and b"<html" not in body.lower()
    document = json.loads(body)
    assert list(document) == ["error"]
    assert document["error"]["status"] == expected
    assert document["error"]["message"]
    assert document["error"]["request-id"]
    return document["error"]


def assert_logged_unexpected_error(response: Any, records: list[logging.LogRecord], cause: str) -> None:
    """A 500 that hides its cause from the client and logs it, traceback included, under the request id."""
    error = error_of(response, 500)
    assert cause.encode() not in response.data
    record = next(record for record in records if record.levelno == logging.ERROR)
    assert error["request-id"] in record.getMessage()
    assert record.exc_info and cause in str(record.exc_info[1])
