"""loopback: a Flask app that answers a POST with exactly how the request reached it."""

from collections.abc import Callable, Mapping
from typing import Any

from flask import Flask, Response

from .config import config_for_stage, extra_sensitive_headers, selected_stage

STAGE_HEADER = "X-Loopback-Stage"


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app for the stage in ``test_config["STAGE"]``, else the environment's stage."""
    test_config = dict(test_config or {})
    app = Flask(__name__)
    settings = config_for_stage(test_config.get("STAGE") or selected_stage())
    app.config.from_object(settings)
    app.config["SENSITIVE_HEADERS"] = (
        *settings.SENSITIVE_HEADERS,
        *extra_sensitive_headers(),
    )
    app.config.update(test_config)
    # Keep the template's key order, and show the path exactly as it came.
    app.json.sort_keys = False
    app.url_map.merge_slashes = False

    from . import access_log, errors, invocation, routes

    errors.register_error_handlers(app)
    access_log.init_app(app)
    app.before_request(invocation.begin_invocation)
    app.after_request(_stage_teller(app.config["STAGE"]))
    app.register_blueprint(routes.bp)
    return app


def _stage_teller(stage: str) -> Callable[[Response], Response]:
    """An after-request hook that names the stage in a header of every response."""

    def tell_stage(response: Response) -> Response:
        response.headers[STAGE_HEADER] = stage
        return response

    return tell_stage


app = create_app()
