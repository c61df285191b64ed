"""The app's stage comes from LOOPBACK_STAGE, chooses its settings, and defaults to local."""

import pytest

from app import create_app


def test_stage_defaults_to_local(monkeypatch):
    monkeypatch.delenv("LOOPBACK_STAGE", raising=False)
    app = create_app()
    assert app.config["STAGE"] == "local"
    assert app.config["MASK_SENSITIVE_HEADERS"] is False


@pytest.mark.parametrize(("stage", "masks"), [("local", False), ("dev", False), ("prod", True)])
def test_stage_from_environment(monkeypatch, stage, masks):
    monkeypatch.setenv("LOOPBACK_STAGE", stage)
    app = create_app()
    assert app.config["STAGE"] == stage
    assert app.config["MASK_SENSITIVE_HEADERS"] is masks
    assert app.config["MAX_CONTENT_LENGTH"] == 6 * 1024 * 1024


def test_unknown_stage_stops_the_app(monkeypatch):
    monkeypatch.setenv("LOOPBACK_STAGE", "staging")
    with pytest.raises(ValueError, match="staging"):
        create_app()


def test_module_level_app_is_what_zappa_and_flask_load():
    import app as package

    assert package.app.name == "app"
    assert package.app.url_map.bind("localhost").match("/", method="POST")[0] == "loopback.loopback"
