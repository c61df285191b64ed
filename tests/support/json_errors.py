"""What every error answer must be: JSON of one shape, never HTML nor a traceback."""

import logging
from typing import Any


def error_of(response: Any, status: int) -> dict[str, Any]:
    """The ``error`` object of a Flask test response, after checking its status and shape."""
    assert response.status_code == status, response.data
    assert response.content_type == "application/json"
    assert b"Traceback" not in response.data and b"<html" not in response.data.lower()
    body = response.get_json()
    assert list(body) == ["error"]
    assert body["error"]["status"] == status
    assert body["error"]["message"]
    assert body["error"]["request-id"]
    return body["error"]


def assert_logged_unexpected_error(response: Any, records: list[logging.LogRecord], cause: str) -> None:
    """A 500 that hides its cause from the client and logs it, traceback included, under the request id."""
    error = error_of(response, 500)
    assert cause.encode() not in response.data
    record = next(record for record in records if record.levelno == logging.ERROR)
    assert error["request-id"] in record.getMessage()
    assert record.exc_info and cause in str(record.exc_info[1])
