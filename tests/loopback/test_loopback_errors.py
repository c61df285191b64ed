"""The loopback's own errors: bodies it cannot show, methods it does not answer, failures while it answers."""

import logging

import pytest

from tests.support.json_errors import assert_logged_unexpected_error, error_of


@pytest.mark.parametrize(
    "data",
    # Nesting too deep to parse is a 422 (bad_requests.json).
    [b'{"a": ', b"{'a': 1}", b"[1, 2,]", b'{"a": NaN}', b"Infinity"],
)
def test_malformed_json_is_400(client, data):
    error = error_of(client.post("/", data=data, content_type="application/json"), 400)
    assert "not valid JSON" in error["message"]


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH"])
@pytest.mark.parametrize("path", ["/", "/some/path"])
def test_other_methods_on_the_loopback_are_405_with_allow(client, method, path):
    response = client.open(path, method=method)
    error = error_of(response, 405)
    assert "POST" in response.headers["Allow"].split(", ")
    assert method in error["message"] and path in error["message"]


def test_a_line_break_in_a_path_is_still_the_loopbacks(client):
    # Werkzeug's own path converter stops at a line feed: the app's takes any text.
    for path in ("/a%0Ab", "/%0A", "/a/%0A/b"):
        answer = client.post(path, json={})
        assert answer.status_code == 200, path
        assert answer.get_json()["extras"]["path"] == path.replace("%0A", "\n")


def test_body_over_lambda_payload_limit_is_413(client):
    error_of(client.post("/", data=b"x" * (6 * 1024 * 1024 + 1), content_type="text/plain"), 413)


def test_body_at_the_limit_is_served(client):
    data = b"x" * (6 * 1024 * 1024)
    response = client.post("/", data=data, content_type="text/plain")
    assert response.status_code == 200
    assert response.get_json()["extras"]["body"]["size"] == len(data)


@pytest.mark.parametrize("stage", ["local", "dev", "prod"])
def test_unexpected_error_is_500_json_with_request_id_and_logged(client_for, monkeypatch, caplog, stage):
    def broken(*args, **kwargs):
        raise RuntimeError("boom in the answer builder")

    monkeypatch.setattr("app.loopback.routes.loopback_answer", broken)
    with caplog.at_level(logging.ERROR):
        response = client_for(stage, TESTING=False).post("/")
    assert_logged_unexpected_error(response, caplog.records, "boom in the answer builder")


def test_request_id_of_an_error_is_the_request_id_of_the_request(client):
    first = client.get("/").get_json()["error"]["request-id"]
    second = client.get("/").get_json()["error"]["request-id"]
    assert first != second
