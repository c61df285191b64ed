"""The skeleton alone: the app with only the skeleton's own blueprints, whatever else app.BLUEPRINTS registers."""

import pytest

import app as app_package
from app import create_app
from tests.support import team_routes

SKELETON_BLUEPRINTS = (".health",)


@pytest.fixture
def skeleton_app(monkeypatch):
    """The skeleton's app for ``dev``, and a team's blueprint on it (``/orders``)."""
    monkeypatch.setattr(app_package, "BLUEPRINTS", SKELETON_BLUEPRINTS)
    built = create_app({"STAGE": "dev", "TESTING": True})
    built.register_blueprint(team_routes.bp)
    return built


@pytest.fixture
def skeleton_client(skeleton_app):
    return skeleton_app.test_client()
