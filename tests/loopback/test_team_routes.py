"""A team's own routes beside the loopback's catch-all: which answers where.

Werkzeug tries a path's static parts before a converter, so every route a team adds wins over the
catch-all ``/<path:path>`` for the methods it declares; the loopback keeps ``POST`` on every other
path, and on a team's path that has no ``POST`` of its own. A method nobody declares is a 405 whose
``Allow`` names the team's methods and the loopback's ``POST``.
"""

import pytest

from app import create_app
from tests.support import team_routes
from tests.support.json_errors import error_of


@pytest.fixture
def client():
    app = create_app({"STAGE": "dev", "TESTING": True})
    app.register_blueprint(team_routes.bp)
    return app.test_client()


@pytest.mark.parametrize(
    ("method", "path", "answer"),
    [
        ("GET", "/orders", {"orders": [{"id": "7", "status": "shipped"}]}),
        ("GET", "/orders/7", {"id": "7", "status": "shipped"}),
        ("PUT", "/orders/9", {"id": "9", "status": "replaced"}),
    ],
)
def test_the_teams_routes_win_for_their_methods(client, method, path, answer):
    assert client.open(path, method=method).get_json() == answer


@pytest.mark.parametrize("path", ["/orders", "/orders/7", "/orders/7/lines", "/ordersx", "/"])
def test_the_loopback_keeps_post_where_the_team_has_none(client, path):
    response = client.post(path, json={"probe": True})
    assert response.status_code == 200
    assert response.get_json()["extras"]["path"] == path


def test_the_teams_own_404_keeps_its_message(client):
    assert error_of(client.get("/orders/8"), 404)["message"] == "No order 8."


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("DELETE", "/orders", "GET, HEAD, OPTIONS, POST"),
        ("DELETE", "/orders/7", "GET, HEAD, OPTIONS, POST, PUT"),
        ("GET", "/nope", "OPTIONS, POST"),
    ],
)
def test_a_method_nobody_declares_is_405_naming_everyone_s_methods(client, method, path, allowed):
    response = client.open(path, method=method)
    error_of(response, 405)
    assert response.headers["Allow"] == allowed
