"""The one JSON line per request that the app writes to stdout under Zappa's INFO log level."""

import json
import logging
from typing import Any

import pytest

from app import create_app
from local_gateway.events import Api, HttpRequest, proxy_event
from tests.support.lambda_invocation import INVOKE_ID


def request_lines(output: str) -> list[dict[str, Any]]:
    """The access lines among what the function wrote to stdout; each must be a JSON object on its own line."""
    return [json.loads(line) for line in output.splitlines() if line.startswith('{"level"')]


def health_event(stage: str, path: str = "/health") -> dict[str, Any]:
    return proxy_event(HttpRequest("GET", f"/{stage}{path}", [("Host", "example.com")]), Api(stage))


def test_one_line_per_request_names_the_request(invoke, capsys):
    response = invoke(health_event("dev"), stage="dev")
    [line] = request_lines(capsys.readouterr().out)
    assert line == {
        "level": "INFO",
        "message": "request",
        "requestId": INVOKE_ID,
        "stage": "dev",
        "method": "GET",
        "path": "/health",
        "status": response["statusCode"],
    }
    assert response["statusCode"] == 200


def test_awkward_paths_still_make_valid_json(invoke, capsys):
    response = invoke(health_event("prod", '/a"b%5Cc/%C3%A9'), stage="prod")
    [line] = request_lines(capsys.readouterr().out)
    assert line["path"] == '/a"b\\c/é'
    assert line["stage"] == "prod"
    assert line["status"] == response["statusCode"]


def test_errors_are_logged_with_their_status(invoke, capsys):
    response = invoke(health_event("dev", "/nowhere"), stage="dev")
    [line] = request_lines(capsys.readouterr().out)
    assert response["statusCode"] >= 400
    assert (line["method"], line["path"], line["status"]) == ("GET", "/nowhere", response["statusCode"])
    assert json.loads(response["body"])["error"]["request-id"] == line["requestId"] == INVOKE_ID


def test_zappa_common_log_line_is_replaced(invoke, caplog):
    caplog.set_level(logging.INFO)
    invoke(health_event("dev"), stage="dev")
    assert [record for record in caplog.records if record.name == "zappa.wsgi"] == []


@pytest.fixture
def root_level():
    root = logging.getLogger()
    saved = root.level
    yield root.setLevel
    root.setLevel(saved)


def test_no_line_unless_the_root_logger_allows_info(root_level, capsys):
    client = create_app({"STAGE": "local"}).test_client()
    root_level(logging.WARNING)
    client.get("/health?quiet")
    assert request_lines(capsys.readouterr().out) == []
    root_level(logging.INFO)
    client.get("/health?loud")
    assert [line["path"] for line in request_lines(capsys.readouterr().out)] == ["/health"]
