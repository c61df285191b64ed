"""A Flask app skeleton for AWS Lambda behind API Gateway, and the loopback probe as one part of it.

``create_app()`` builds the app; ``app.wsgi`` holds the one app object that Zappa and ``flask run``
load. Importing this package, or any module in it, builds no app and reads no environment.
"""

from collections.abc import Mapping
from importlib import import_module
from typing import Any

from flask import Flask, Response
from werkzeug.routing import PathConverter

from . import access_log, cors, errors, openapi, request_id, response_headers, stages

# The app's parts: each a module or package under app/ with a blueprint named ``bp``.
BLUEPRINTS = (
    ".health",
    ".loopback",  # the probe: delete this line, app/loopback/ and tests/loopback/ to remove it
)


class App(Flask):
    """Flask, whose own answer to ``OPTIONS`` (a CORS preflight, or a client asking) is the same in every process
    and claims no HTML: an empty body, and ``Allow`` sorted (the router gathers the methods in a set)."""

    def make_default_options_response(self) -> Response:
        response = super().make_default_options_response()
        response.headers["Allow"] = ", ".join(sorted(response.allow))
        del response.headers["Content-Type"]
        return response


class AnyTextPath(PathConverter):
    """``<path:...>``, matching any text: Werkzeug's own stops at a line feed (its pattern's ``.``), which a path
    may hold (``%0A``)."""

    regex = "[^/](?s:.*?)"


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app for the stage ``test_config["STAGE"]`` names, else ``LOOPBACK_STAGE``, else ``local``.

    An unknown stage raises ``stages.UnknownStageError``, whose one line names the known stages.
    """
    # An API serves no files: without a static folder Flask adds no /static/<path> route to match and compile.
    app = App(__name__, static_folder=None)
    # Lambda's synchronous invocation payload limit: a larger body never reaches a deployed
    # function, so a local run refuses it too.
    app.config["MAX_CONTENT_LENGTH"] = 6 * 1024 * 1024
    app.config.update(stages.stage_config(test_config))
    # Keep the key order the code gives, and route on the path exactly as it came (as API Gateway does).
    app.json.sort_keys = False
    app.url_map.merge_slashes = False
    app.url_map.converters["path"] = AnyTextPath

    request_id.init_app(app)
    errors.init_app(app)
    access_log.init_app(app)
    response_headers.init_app(app)
    cors.init_app(app)
    openapi.init_app(app)
    for name in BLUEPRINTS:
        app.register_blueprint(import_module(name, __name__).bp)
    return app
