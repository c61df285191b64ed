"""Every error is JSON of one shape with the right status, never HTML nor a traceback, on any route a team adds."""

import logging

import pytest
from flask import Blueprint, abort, request

from tests.support.json_errors import assert_logged_unexpected_error, error_of


@pytest.mark.parametrize("path", ["/nope", "/orders/7/extra", "/", "/a%0Ab"])
@pytest.mark.parametrize("method", ["GET", "POST", "DELETE"])
def test_a_path_no_route_matches_is_404(skeleton_client, method, path):
    error = error_of(skeleton_client.open(path, method=method), 404)
    assert error["message"] == f"No route for {method} {request_path(path)}."


def request_path(path: str) -> str:
    return path.replace("%0A", "\n")


@pytest.mark.parametrize(
    ("path", "method", "allowed"),
    [
        ("/orders", "POST", "GET, HEAD, OPTIONS"),
        ("/orders/7", "DELETE", "GET, HEAD, OPTIONS, PUT"),
        ("/health", "POST", "GET, HEAD, OPTIONS"),
    ],
)
def test_a_method_the_route_lacks_is_405_with_allow(skeleton_client, path, method, allowed):
    response = skeleton_client.open(path, method=method)
    error = error_of(response, 405)
    assert response.headers["Allow"] == allowed
    assert error["message"] == f"{method} is not allowed on {path}; allowed: {allowed}."


def test_a_views_own_error_keeps_its_message(skeleton_client):
    assert skeleton_client.get("/orders/7").get_json() == {"id": "7", "status": "shipped"}
    error = error_of(skeleton_client.get("/orders/8"), 404)
    assert error["message"] == "No order 8."


def test_team_routes_answer(skeleton_client):
    assert skeleton_client.get("/orders").get_json() == {"orders": [{"id": "7", "status": "shipped"}]}
    assert skeleton_client.put("/orders/9").get_json() == {"id": "9", "status": "replaced"}


def broken_blueprint() -> Blueprint:
    bp = Blueprint("broken", __name__)

    @bp.post("/upload")
    def upload():
        return {"size": len(request.get_data())}

    @bp.get("/boom")
    def boom():
        raise RuntimeError("boom in a view")

    @bp.get("/teapot")
    def teapot():
        abort(418)

    return bp


@pytest.fixture
def broken_client(skeleton_app):
    skeleton_app.register_blueprint(broken_blueprint())
    skeleton_app.testing = False
    return skeleton_app.test_client()


def test_body_over_lambda_payload_limit_is_413(broken_client):
    error = error_of(broken_client.post("/upload", data=b"x" * (6 * 1024 * 1024 + 1)), 413)
    assert error["message"]


def test_body_at_the_limit_is_served(broken_client):
    response = broken_client.post("/upload", data=b"x" * (6 * 1024 * 1024))
    assert response.get_json() == {"size": 6 * 1024 * 1024}


def test_any_http_error_is_json(broken_client):
    error_of(broken_client.get("/teapot"), 418)


def test_unexpected_error_is_500_json_with_request_id_and_logged(broken_client, caplog):
    with caplog.at_level(logging.ERROR):
        response = broken_client.get("/boom")
    assert_logged_unexpected_error(response, caplog.records, "boom in a view")


def test_each_request_has_its_own_id(skeleton_client):
    first = skeleton_client.get("/nope").get_json()["error"]["request-id"]
    second = skeleton_client.get("/nope").get_json()["error"]["request-id"]
    assert first != second
