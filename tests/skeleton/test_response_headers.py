"""Every answer tells browsers and caches not to keep it or guess its type: a route's, an error's, a refusal's
by the function's handler, and a team route's own ``Cache-Control`` is kept."""

import pytest
from flask import Blueprint

EXPECTED = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


def has_security_headers(headers) -> bool:
    return all(headers.get(name) == value for name, value in EXPECTED.items())


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [("GET", "/health", 200), ("GET", "/orders", 200), ("GET", "/nope", 404), ("POST", "/health", 405)],
)
def test_answers_and_errors_carry_them(skeleton_client, method, path, status):
    response = skeleton_client.open(path, method=method)
    assert response.status_code == status
    assert has_security_headers(response.headers), dict(response.headers)


def test_an_unexpected_error_carries_them(skeleton_app):
    bp = Blueprint("failing", __name__)
    bp.get("/fail")(lambda: 1 / 0)
    skeleton_app.register_blueprint(bp)
    response = skeleton_app.test_client().get("/fail")
    assert response.status_code == 500
    assert has_security_headers(response.headers)


def test_a_routes_own_cache_control_is_kept(skeleton_app):
    bp = Blueprint("cached", __name__)
    bp.get("/cached")(lambda: ({"a": 1}, 200, {"Cache-Control": "max-age=60"}))
    skeleton_app.register_blueprint(bp)
    response = skeleton_app.test_client().get("/cached")
    assert response.headers["Cache-Control"] == "max-age=60"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("event", [["not", "an", "object"], {"httpMethod": 7, "path": "/"}], ids=["list", "bad-field"])
def test_the_handlers_refusals_carry_them(invoke, event):
    response = invoke(event, "dev")
    assert response["statusCode"] == 400
    assert has_security_headers(response["headers"])


def test_answers_through_the_handler_carry_them(invoke):
    event = {"httpMethod": "GET", "path": "/health", "headers": {"Host": "localhost"}}
    response = invoke(event, "dev")
    assert response["statusCode"] == 200
    assert has_security_headers(response["headers"])
