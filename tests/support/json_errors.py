"""What every error answer must be: JSON of one shape, never HTML nor a traceback."""

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
