"""The one JSON line per request that the app writes to stdout under Zappa's INFO log level."""

import json
import logging
from typing import Any

import pytest

from app import create_app
from local_gateway.events import Api, HttpRequest, proxy_event
from tests.conftest import answer_of, load_event


def request_lines(output: str) -> list[dict[str, Any]]:
    """The access lines among what the function wrote to stdout; each must be a JSON object on its own line."""
    return [json.loads(line) for line in output.splitlines() if line.startswith('{"level"')]


def test_one_line_per_request_names_the_request(invoke, capsys):
    response = invoke(load_event("rest_v1__post_json_root"), stage="dev")
    answer = answer_of(response)
    [line] = request_lines(capsys.readouterr().out)
    assert line == {
        "level": "INFO",
        "message": "request",
        "requestId": answer["context"]["awsRequestId"],
        "stage": "dev",
        "method": "POST",
        "path": answer["extras"]["path"],
        "status": response["statusCode"],
    }


def test_awkward_paths_still_make_valid_json(invoke, capsys):
    event = proxy_event(HttpRequest("POST", '/prod/a"b%5Cc/%C3%A9', [("Host", "example.com")], b""), Api("prod"))
    response = invoke(event, stage="prod")
    [line] = request_lines(capsys.readouterr().out)
    assert line["path"] == answer_of(response)["extras"]["path"] == '/a"b\\c/é'
    assert line["stage"] == "prod"


def test_errors_are_logged_with_their_status(invoke, capsys):
    event = proxy_event(HttpRequest("GET", "/dev/nowhere", [("Host", "example.com")]), Api("dev"))
    response = invoke(event, stage="dev")
    [line] = request_lines(capsys.readouterr().out)
    assert response["statusCode"] == 405  # every path takes POST only
    assert (line["method"], line["path"], line["status"]) == ("GET", "/nowhere", 405)


def test_zappa_common_log_line_is_replaced(invoke, caplog):
    caplog.set_level(logging.INFO)
    invoke(load_event("rest_v1__post_json_root"), stage="dev")
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
    client.post("/quiet", json={})
    assert request_lines(capsys.readouterr().out) == []
    root_level(logging.INFO)
    client.post("/loud", json={})
    assert [line["path"] for line in request_lines(capsys.readouterr().out)] == ["/loud"]
